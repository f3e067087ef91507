"""Display options of the issue list and the board: how issues are grouped (by status, assignee,
project, priority, label, cycle, or not at all) and which properties rows and cards show. Their
order is the list's `sort` filter. The options live in the URL (`group_by`, `show`) and in saved
views (`display`), and this module is the one place that knows their names.

Rules:
* Grouping by status is the default, and its groups are always the five statuses in workflow
  order. Any other grouping shows only groups that hold a matching issue: priorities most urgent
  first, then "No priority"; assignees, projects and labels by name, cycles by start date, each
  followed by its "No …" group. An issue with two labels is in both label groups.
* Every group's first page and every group's count come from one statement each, whatever the
  number of groups (at most MAX_GROUPS; the list says when more are left out).
* Hidden properties are only hidden: rows carry them all, and the list or board hides them with
  classes, so a row pushed live or added in place looks like its neighbours.
"""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

from sqlalchemy import String, exists, func, literal, not_, select, union_all

from ..infra.extensions import db
from ..models import Cycle, Issue, Label, Project, User, issue_labels
from ..vocabulary import PRIORITY_LABELS, PRIORITY_MENU, STATUS_LABELS, STATUSES
from .errors import ValidationError
from .issue_queries import IssueFilters, Page, _order_columns, _row_values, encode_cursor, filtered
from .validation import parse_uuid

GROUPINGS = ("status", "assignee", "project", "priority", "label", "cycle", "none")
GROUPING_LABELS = {"status": "Status", "assignee": "Assignee", "project": "Project", "priority": "Priority",
                   "label": "Label", "cycle": "Cycle", "none": "No grouping"}
# What rows and cards may show, in the order the display menu offers them.
PROPERTIES = ("priority", "identifier", "status", "labels", "due", "estimate", "project", "assignee", "created",
              "sub_issues")
PROPERTY_LABELS = {"priority": "Priority", "identifier": "ID", "status": "Status", "labels": "Labels",
                   "due": "Due date", "estimate": "Estimate", "project": "Project", "assignee": "Assignee",
                   "created": "Created", "sub_issues": "Sub-issues"}
NONE_LABELS = {"assignee": "No assignee", "project": "No project", "label": "No label", "cycle": "No cycle",
               "none": "All issues"}
NONE = "none"  # the key of the group of issues without a value
MAX_GROUPS = 100


@dataclass(frozen=True)
class Display:
    """A list's or board's grouping and the properties it hides."""

    group_by: str = "status"
    hidden: frozenset = frozenset()

    @classmethod
    def from_args(cls, args, default: "Display | None" = None) -> "Display":
        """From query parameters: `group_by`, and `show` (repeatable or comma-separated; present but
        empty shows no optional property); what they leave out is `default`'s (a saved view's
        options on its page). ValidationError names a bad one."""
        default = default or cls()
        errors: dict = {}
        group_by = args.get("group_by") or default.group_by
        if group_by not in GROUPINGS:
            errors["group_by"] = "Group by must be one of: " + ", ".join(GROUPINGS) + "."
        hidden = default.hidden
        if "show" in args:
            shown = [p for v in args.getlist("show") for p in v.split(",") if p]
            unknown = [p for p in shown if p not in PROPERTIES]
            if unknown:
                errors["show"] = "Properties are: " + ", ".join(PROPERTIES) + "."
            hidden = frozenset(PROPERTIES) - set(shown)
        if errors:
            raise ValidationError(errors)
        return cls(group_by, hidden)

    @classmethod
    def from_json(cls, errors: dict, raw, name: str = "display") -> "Display | None":
        """From a view's `display` object {group_by?, properties?}; None with messages in errors."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            errors[name] = "Display must be an object: {group_by, properties}."
            return None
        unknown = [str(k) for k in raw if k not in ("group_by", "properties")]
        if unknown:
            errors[name] = f"Unknown display option: {', '.join(unknown)[:200]}. Options are: group_by, properties."
        group_by = raw.get("group_by", "status")
        if group_by not in GROUPINGS:
            errors[f"{name}.group_by"] = "Group by must be one of: " + ", ".join(GROUPINGS) + "."
        shown = raw.get("properties", list(PROPERTIES))
        if not isinstance(shown, list) or not all(isinstance(p, str) and p in PROPERTIES for p in shown):
            errors[f"{name}.properties"] = "Properties must be a list of: " + ", ".join(PROPERTIES) + "."
        if any(k == name or k.startswith(name + ".") for k in errors):
            return None
        return cls(group_by, frozenset(PROPERTIES) - set(shown))

    @property
    def shown(self) -> list[str]:
        return [p for p in PROPERTIES if p not in self.hidden]

    def to_args(self, default: "Display | None" = None) -> list[tuple[str, str]]:
        """Back to query parameters, what equals `default` (the defaults) left out."""
        default = default or Display()
        out = [] if self.group_by == default.group_by else [("group_by", self.group_by)]
        if self.hidden != default.hidden:
            out.append(("show", ",".join(self.shown)))
        return out

    def to_json(self) -> dict:
        return {"group_by": self.group_by, "properties": self.shown}

    @property
    def classes(self) -> str:
        """The classes that hide the hidden properties of the rows or cards inside."""
        return " ".join(f"hide-{p}" for p in PROPERTIES if p in self.hidden)


@dataclass
class Group:
    """One group of a list or board: its key ("none" for issues without a value), what it is
    called, how many issues it holds and their estimate points, and its first page."""

    by: str
    key: str
    label: str
    count: int = 0
    points: int = 0
    page: Page = field(default_factory=lambda: Page([], None))
    color: str | None = None  # a label's colour

    @property
    def dom(self) -> str:
        return dom_id(self.by, self.key)


def dom_id(group_by: str, key: str) -> str:
    """The part of element ids naming a group (group-rows-…, load-more-…, board-count-…): status
    groups keep their plain names, which the list's and board's status machinery knows."""
    return key if group_by == "status" else f"{group_by}-{key}"


# -- what a group is, in SQL -----------------------------------------------------------------------

_COLUMNS = {"status": Issue.status, "priority": Issue.priority, "assignee": Issue.assignee_id,
            "project": Issue.project_id, "cycle": Issue.cycle_id}


def parse_key(group_by: str, key) -> str:
    """A group key of the URL or a form, checked; ValidationError if it names no possible group."""
    key = str(key or "")
    ok = (key in STATUSES if group_by == "status"
          else key.isdigit() and int(key) in PRIORITY_LABELS if group_by == "priority"
          else key == NONE if group_by == "none"
          else key == NONE or parse_uuid(key) is not None)
    if not ok:
        raise ValidationError({"group": "That group does not exist: reload the page."})
    return key if group_by in ("status", "priority", "none") or key == NONE else str(parse_uuid(key))


def condition(group_by: str, key: str):
    """The SQL condition of one group's issues (the key parsed by parse_key)."""
    if group_by == "none":
        return literal(True)
    if group_by == "label":
        if key == NONE:
            return not_(exists().where(issue_labels.c.issue_id == Issue.id))
        return Issue.id.in_(select(issue_labels.c.issue_id).where(issue_labels.c.label_id == uuid.UUID(key)))
    column = _COLUMNS[group_by]
    if group_by == "priority":
        return column == int(key)
    if group_by == "status":
        return column == key
    return column.is_(None) if key == NONE else column == uuid.UUID(key)


def _key_of(group_by: str, value) -> str:
    return NONE if value is None else str(value)


# -- reading groups ------------------------------------------------------------------------------

def totals(actor: User, filters: IssueFilters, group_by: str) -> dict[str, tuple[int, int]]:
    """(issues, estimate points) per group key that holds an issue, in one GROUP BY."""
    sub = filtered(actor, filters).with_only_columns(Issue.id, Issue.estimate, *_COLUMNS.values()).subquery()
    points = func.coalesce(func.sum(sub.c.estimate), 0)
    if group_by == "none":
        stmt = select(literal(NONE), func.count(), points)
    elif group_by == "label":
        stmt = (select(issue_labels.c.label_id, func.count(), points)
                .select_from(sub.outerjoin(issue_labels, issue_labels.c.issue_id == sub.c.id))
                .group_by(issue_labels.c.label_id))
    else:
        column = sub.c[_COLUMNS[group_by].key]
        stmt = select(column, func.count(), points).group_by(column)
    return {_key_of(group_by, k): (n, int(p)) for k, n, p in db.session.execute(stmt) if n}


def names_of(group_by: str, keys: list[str]) -> dict[str, tuple[str, object, str | None]]:
    """(label, sort value, colour) of each key, from one statement for rows of the team."""
    if group_by == "status":
        return {k: (STATUS_LABELS[k], STATUSES.index(k), None) for k in keys}
    if group_by == "priority":
        return {k: (PRIORITY_LABELS[int(k)], PRIORITY_MENU.index(int(k)), None) for k in keys}
    ids = [uuid.UUID(k) for k in keys if k != NONE]
    out: dict = {}
    if ids and group_by == "assignee":
        stmt = select(User.id, User.name, func.lower(User.name), literal(None, String)).where(User.id.in_(ids))
    elif ids and group_by == "project":
        stmt = select(Project.id, Project.name, func.lower(Project.name), literal(None, String)).where(Project.id.in_(ids))
    elif ids and group_by == "label":
        stmt = select(Label.id, Label.name, func.lower(Label.name), Label.color).where(Label.id.in_(ids))
    elif ids and group_by == "cycle":
        stmt = select(Cycle.id, func.coalesce(func.nullif(Cycle.name, ""), "Cycle " + func.cast(Cycle.number, String)),
                      func.cast(Cycle.starts_on, String), literal(None, String)).where(Cycle.id.in_(ids))
    else:
        stmt = None
    if stmt is not None:
        out = {str(rid): (name, order, color) for rid, name, order, color in db.session.execute(stmt)}
    if NONE in keys:
        out[NONE] = (NONE_LABELS[group_by], None, None)
    return out


def ordered(group_by: str, names: dict) -> list[str]:
    """The keys in display order: by their sort value, the "No …" group last."""
    return sorted(names, key=lambda k: (k == NONE, names[k][1] if k != NONE else 0, names[k][0], k))


def _compare(columns):
    """A comparison of two rows by the list's order columns (mixed directions)."""
    def cmp(a, b):
        for (_col, desc), x, y in zip(columns, a, b):
            if x != y:
                return (-1 if x < y else 1) * (-1 if desc else 1)
        return 0
    return cmp


def grouped(actor: User, filters: IssueFilters, group_by: str, *, limit: int) -> tuple[list[Group], int]:
    """The groups holding a matching issue, in display order, each with its count, points and first
    `limit` issues in the filter's sort order, and how many groups were left out (MAX_GROUPS).
    Three statements whatever the number of groups: the totals, the names, the first pages."""
    found = totals(actor, filters, group_by)
    names = names_of(group_by, list(found))
    keys = [k for k in ordered(group_by, names) if k in found]
    left_out, keys = max(0, len(keys) - MAX_GROUPS), keys[:MAX_GROUPS]
    groups = [Group(group_by, k, names[k][0], *found[k], color=names[k][2]) for k in keys]
    if not groups:
        return groups, left_out
    columns = _order_columns(filters.sort)
    ids = firsts(filtered(actor, filters), group_by, [g.key for g in groups],
                 [c.desc() if d else c.asc() for c, d in columns], limit + 1)
    rows = db.session.execute(select(ids.c.gkey, Issue).join(Issue, Issue.id == ids.c.id)).unique().all()
    by_key: dict[str, list] = {}
    for gkey, issue in rows:
        by_key.setdefault(gkey, []).append(issue)
    order = functools.cmp_to_key(_compare(columns))
    for g in groups:
        items = sorted(by_key.get(g.key, []), key=lambda i: order(_sort_values(i, filters.sort)))
        nxt = encode_cursor(_row_values(items[limit - 1], filters.sort)) if len(items) > limit else None
        g.page = Page(items[:limit], nxt)
    return groups, left_out


def firsts(base, group_by: str, keys: list[str], order_by: list, limit: int):
    """A subquery of (gkey, id): the first `limit` issues of `base` in `order_by` for each group
    key, one index range scan per group glued with UNION ALL (one statement for every group)."""
    base = base.with_only_columns(Issue.id)
    parts = [select(literal(k, String).label("gkey"), top.c.id)
             for k, top in ((k, base.where(condition(group_by, k)).order_by(*order_by).limit(limit).subquery())
                            for k in keys)]
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def _sort_values(issue: Issue, sort: str) -> list:
    """The issue's values of the order columns, comparable in Python (dates as ISO text)."""
    return [str(v) if isinstance(v, uuid.UUID) else v for v in _row_values(issue, sort)]


__all__ = ["Display", "Group", "GROUPINGS", "PROPERTIES", "grouped", "totals", "condition", "parse_key", "dom_id",
           "firsts"]
