"""Saved views: a named set of a team's issue-list filters with a layout and display options
(grouping, properties shown: services/display.py), private to its owner or shared with the team.

Rules:
* A view's filters are the issue list's own (`issue_queries.IssueFilters.from_args` validates them,
  as it does `GET /api/v1/issues`'s query string), and what they name must be of the view's team:
  the assignee a member, the project, labels and cycle the team's.
* A shared view is seen by the team's members; only its owner or a team admin may change or
  delete it (403 for other members). A private view is its owner's alone: anyone else, like any
  outsider of the team, gets NotFound.
* A project, label or cycle deleted after the view was saved leaves the view valid: when it is
  read, that filter is dropped (the stored filters stay as saved) and `dropped` names it.

* A user may star (favourite) any view they may see; their stars come first in their sidebar.
* The pages save a list or board URL as a view: `list_filters` turns its query string into a
  view's filters (the one place the list's names become the view's).

No realtime events: a private view must reach its owner only, which the team-scoped event
routing (events/__init__.py) does not offer for team-level events.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import String, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..events import mark_changed
from ..infra.extensions import db
from ..models import Cycle, Issue, Label, Membership, Project, User, View, ViewFavourite
from ..models.view import VIEW_LAYOUTS, parse_sidebar
from ..vocabulary import NAME_MAX
from . import access
from .errors import Forbidden, NotFound, ValidationError
from .display import Display
from .issue_queries import IssueFilters, Page, list_issues
from .validation import clean_text, parse_uuid, raise_if

# The list filters a view may hold, by their query-parameter names (GET /api/v1/issues): every one.
FILTERS = ("status", "priority", "assignee_id", "project_id", "label_id", "cycle_id", "q", "sort", "parent_id",
           "due_after", "due_before", "overdue")
# Repeatable in the query string: lists in a view (priorities are numbers, the others text).
LISTS = ("status", "priority", "label_id")
BOOLS = ("overdue",)  # true or false in a view, "true" in the query string
LABELS = {"status": "Status", "priority": "Priority", "assignee_id": "Assignee", "project_id": "Project",
          "label_id": "Labels", "cycle_id": "Cycle", "q": "Search text", "sort": "Sort", "parent_id": "Parent",
          "due_after": "Due after", "due_before": "Due before", "overdue": "Overdue"}
# List filters (IssueFilters.to_args names) that a view does not hold: saving a list URL leaves them
# out and says so. None today: a view keeps every list filter.
NOT_HELD: dict[str, str] = {}
# The filters naming rows of the team, and what a saved value must be.
NOT_IN_TEAM = {"assignee_id": "The assignee must be a member of the view's team.",
               "parent_id": "The parent must be an issue of the view's team.",
               "project_id": "The project must belong to the view's team.",
               "label_id": "Labels must belong to the view's team.",
               "cycle_id": "The cycle must belong to the view's team."}


@dataclass
class ShownView:
    """A view as read: its filters without those that name deleted rows, and their names."""

    view: View
    filters: dict
    dropped: list[str] = field(default_factory=list)

    @property
    def display(self) -> Display:
        """The view's display options (stored ones no longer valid fall back to the defaults)."""
        errors: dict = {}
        return Display.from_json(errors, self.view.saved_display) or Display()

    def to_json(self) -> dict:
        return self.view.to_json(self.filters, self.dropped, self.display.to_json())


# -- filters ---------------------------------------------------------------------------------

def _as_args(errors: dict, raw) -> MultiDict | None:
    """The filters object as the list's query parameters; errors for unknown names and wrong types."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors["filters"] = "Filters must be an object of list filters: " + ", ".join(FILTERS) + "."
        return None
    unknown = [str(k) for k in raw if k not in FILTERS]
    if unknown:
        errors["filters"] = f"Unknown filter: {', '.join(unknown)[:200]}. Filters are: {', '.join(FILTERS)}."
    args = MultiDict()
    for name in FILTERS:
        value = raw.get(name)
        if value is None:
            continue
        if name in LISTS:
            kind, what = (int, "numbers") if name == "priority" else (str, "text")
            if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
                errors[f"filters.{name}"] = f"{LABELS[name]} must be a list of {what}."
                continue
            for v in value:
                args.add(name, str(v))
        elif name in BOOLS:
            if not isinstance(value, bool):
                errors[f"filters.{name}"] = f"{LABELS[name]} must be true or false."
            elif value:
                args.add(name, "true")
        elif not isinstance(value, str):
            errors[f"filters.{name}"] = f"{LABELS[name]} must be text."
        elif value:
            args.add(name, value)
    return args


def _parse(args: MultiDict, team_id) -> IssueFilters:
    """The list's own parsing and validation of its filters; its errors name `filters.<name>`."""
    try:
        return IssueFilters.from_args(args, team_id=team_id)
    except ValidationError as err:
        raise ValidationError({f"filters.{k}": v for k, v in err.details.items()})


def _saved(parsed: IssueFilters) -> dict:
    """What to store of parsed filters: the list's own query parameters (IssueFilters.to_args),
    by the names views use, lists for the repeatable ones."""
    out: dict = {}
    for name, value in parsed.to_args():
        name = "assignee_id" if name == "assignee" else name
        if name in LISTS:
            out.setdefault(name, []).append(int(value) if name == "priority" else value)
        elif name in BOOLS:
            out[name] = value == "true"
        else:
            out[name] = value
    return out


def _refs(filters: dict) -> dict[str, set[str]]:
    """The ids of team rows that filters name (not "me", "none" or "current")."""
    refs: dict[str, set[str]] = {name: set() for name in NOT_IN_TEAM}
    for name in ("assignee_id", "project_id", "cycle_id", "parent_id"):
        uid = parse_uuid(filters.get(name))
        if uid is not None:
            refs[name].add(str(uid))
    refs["label_id"].update(str(u) for u in map(parse_uuid, filters.get("label_id") or []) if u is not None)
    return refs


def _found(team_id, refs: dict[str, set[str]], *, members: bool) -> dict[str, set[str]]:
    """Which of the ids are rows of the team (assignees: members, when `members`), in one statement."""
    queries = []
    for name, model, column in (("project_id", Project, Project.id), ("label_id", Label, Label.id),
                                ("cycle_id", Cycle, Cycle.id), ("assignee_id", Membership, Membership.user_id),
                                ("parent_id", Issue, Issue.id)):
        ids = [parse_uuid(i) for i in refs.get(name, ())]
        if ids and (members or name != "assignee_id"):
            queries.append(select(literal(name, String).label("name"), column.label("id"))
                           .where(column.in_(ids), model.team_id == team_id))
    found: dict[str, set[str]] = {name: set() for name in NOT_IN_TEAM}
    if not queries:
        return found
    stmt = queries[0] if len(queries) == 1 else union_all(*queries)
    for name, rid in db.session.execute(stmt):
        found[name].add(str(rid))
    if not members:
        found["assignee_id"] = set(refs.get("assignee_id", ()))
    return found


def clean_filters(errors: dict, team_id, raw) -> dict | None:
    """Validated filters to store, or None with messages in `errors` (field `filters.<name>`)."""
    args = _as_args(errors, raw)
    if args is None or any(k == "filters" or k.startswith("filters.") for k in errors):
        return None
    try:
        saved = _saved(_parse(args, team_id))
    except ValidationError as err:
        errors.update(err.details)
        return None
    refs = _refs(saved)
    found = _found(team_id, refs, members=True)
    for name, ids in refs.items():
        if ids - found[name]:
            errors[f"filters.{name}"] = NOT_IN_TEAM[name]
    return None if any(k.startswith("filters.") for k in errors) else saved


def _shown(views: list[View]) -> list[ShownView]:
    """The views as read: filters naming rows gone from the team dropped (one statement for all)."""
    saved = {v.id: v.saved_filters for v in views}
    by_team: dict = {}
    for v in views:
        refs = by_team.setdefault(v.team_id, {name: set() for name in NOT_IN_TEAM})
        for name, ids in _refs(saved[v.id]).items():
            refs[name] |= ids
    found = {team_id: _found(team_id, refs, members=False) for team_id, refs in by_team.items()}
    out = []
    for v in views:
        filters, dropped = dict(saved[v.id]), []
        refs, there = _refs(filters), found[v.team_id]
        for name in ("project_id", "cycle_id", "parent_id"):
            if refs[name] - there[name]:
                del filters[name]
                dropped.append(name)
        if refs["label_id"] - there["label_id"]:
            kept = [x for x in filters["label_id"] if str(parse_uuid(x)) in there["label_id"]]
            if kept:
                filters["label_id"] = kept
            else:
                del filters["label_id"]
            dropped.append("label_id")
        filters, invalid = _still_valid(filters, v.team_id)
        dropped += invalid
        out.append(ShownView(v, filters, [name for name in FILTERS if name in dropped]))
    return out


def _still_valid(filters: dict, team_id) -> tuple[dict, list[str]]:
    """Filters saved under older rules that the list no longer takes are dropped, not a 422 on read."""
    errors: dict = {}
    filters = {k: v for k, v in filters.items() if k in FILTERS}
    args = _as_args(errors, filters)
    bad = [k.removeprefix("filters.") for k in errors if k.startswith("filters.")]
    try:
        _parse(args, team_id)
    except ValidationError as err:
        bad += [k.removeprefix("filters.") for k in err.details]
    if not bad:
        return filters, []
    return {k: v for k, v in filters.items() if k not in bad}, [k for k in FILTERS if k in bad]


def issue_filters(shown: ShownView) -> IssueFilters:
    """The list filters a view shows: its team, and its filters but the dropped ones."""
    return _parse(_as_args({}, shown.filters), shown.view.team_id)


def list_filters(args, team_id) -> tuple[dict, list[str]]:
    """A list or board URL's query parameters as a view's filters (the object create_view and
    update_view take: the API's names, lists for the repeatable ones), and the names of the list
    filters it had that a view does not hold (NOT_HELD), left out. Parsed by the list's own
    IssueFilters.from_args: ValidationError names `filters.<name>`."""
    saved = _saved(_parse(args, team_id))
    return ({k: v for k, v in saved.items() if k in FILTERS},
            [k for k in NOT_HELD if k in saved])


def same_filters(a: dict, b: dict) -> bool:
    """Do two filter objects select the same issues (the order within a list aside)?"""
    def norm(filters: dict) -> dict:
        return {k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in filters.items() if v not in (None, [])}
    return norm(a) == norm(b)


# -- views -----------------------------------------------------------------------------------

def _clean(errors: dict, team_id, data: dict, *, partial: bool) -> dict:
    """Column values of the fields given (all of them, with defaults, when not partial)."""
    out: dict = {}
    if data.get("name") is not None or not partial:
        out["name"] = clean_text(errors, "name", data.get("name"), label="Name", required=True, max_len=NAME_MAX)
    if data.get("filters") is not None or not partial:
        filters = clean_filters(errors, team_id, data.get("filters"))
        out["filters"] = json.dumps(filters, sort_keys=True) if filters is not None else None
    if data.get("layout") is not None or not partial:
        layout = "list" if data.get("layout") is None else data["layout"]
        if not isinstance(layout, str) or layout not in VIEW_LAYOUTS:
            errors["layout"] = "Layout must be " + " or ".join(VIEW_LAYOUTS) + "."
        out["layout"] = layout
    if data.get("display") is not None or not partial:
        display = Display.from_json(errors, data.get("display"))
        out["display"] = json.dumps(display.to_json(), sort_keys=True) if display is not None else None
    if data.get("shared") is not None or not partial:
        shared = False if data.get("shared") is None else data["shared"]
        if not isinstance(shared, bool):
            errors["shared"] = "Shared must be true or false."
        out["shared"] = shared
    return out


def _visible(actor: User):
    """A view the actor may see, once it is of one of their teams: shared, or their own."""
    return or_(View.shared.is_(True), View.owner_id == access.user_id_of(actor))


def view_for(actor: User, ref) -> View:
    """A view the actor may see: of one of their teams, and shared or theirs; NotFound otherwise."""
    vid = parse_uuid(ref)
    view = db.session.scalar(select(View).where(View.id == vid, View.team_id.in_(access.team_ids_of(actor)),
                                                _visible(actor))) if vid else None
    if view is None:
        raise NotFound("View not found.")
    return view


def may_change(actor: User, view: View) -> bool:
    """Its owner or a team admin may change a view; another member sees it and no more."""
    if view.owner_id == access.user_id_of(actor):
        return True
    m = db.session.get(Membership, (view.team_id, access.user_id_of(actor)))
    return m is not None and m.role == "admin"


def require_change(actor: User, view: View) -> None:
    """Forbidden unless the actor may change the view (may_change)."""
    if not may_change(actor, view):
        raise Forbidden("Only the view's owner or a team admin can change it.")


def create_view(actor: User, team_ref, data: dict) -> ShownView:
    """A new view of one of the actor's teams, theirs; private unless `shared`."""
    team = access.team_for(actor, team_ref)
    errors: dict = {}
    values = _clean(errors, team.id, data, partial=False)
    raise_if(errors)
    view = View(team_id=team.id, owner_id=access.user_id_of(actor), **values)
    db.session.add(view)
    mark_changed(team.id)  # the sidebars list the team's views (pages stored by web/inbox_cache.py)
    db.session.commit()
    return ShownView(view, view.saved_filters)


def get_view(actor: User, ref) -> ShownView:
    """A view the actor may see, as read."""
    return _shown([view_for(actor, ref)])[0]


def list_views(actor: User, team_ref) -> list[ShownView]:
    """The team's shared views and the actor's own private ones, by name (any case), then id."""
    team = access.team_for(actor, team_ref)
    views = db.session.scalars(select(View).where(View.team_id == team.id, _visible(actor))
                               .order_by(func.lower(View.name), View.id))
    return _shown(list(views))


def update_view(actor: User, ref, data: dict) -> ShownView:
    """Rename a view, replace its filters, layout or display options, or share it (its owner or a
    team admin)."""
    view = view_for(actor, ref)
    require_change(actor, view)
    errors: dict = {}
    values = _clean(errors, view.team_id, data, partial=True)
    raise_if(errors)
    for key, value in values.items():
        setattr(view, key, value)
    mark_changed(view.team_id)
    db.session.commit()
    return _shown([view])[0]  # an admin who made another's view private still gets the answer


def delete_view(actor: User, ref) -> None:
    """Delete a view (its owner or a team admin)."""
    view = view_for(actor, ref)
    require_change(actor, view)
    db.session.delete(view)
    mark_changed(view.team_id)
    db.session.commit()


def view_issues(actor: User, ref, *, limit=50, cursor: str | None = None) -> Page:
    """One page of the issues a view shows: the issue list (`list_issues`, rows of ROW_COLUMNS)
    with the view's team and filters, as GET /api/v1/issues answers them."""
    filters = issue_filters(get_view(actor, ref))
    return list_issues(actor, filters, limit=limit, cursor=cursor, rows=True)


def owner_names(views: list[ShownView]) -> dict:
    """{owner id: name} of the views' owners, in one statement."""
    ids = {v.view.owner_id for v in views}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# -- favourites ------------------------------------------------------------------------------

def favourite_view(actor: User, ref) -> View:
    """Star a view the actor may see (again: no change); NotFound for others' private views."""
    view = view_for(actor, ref)
    uid = access.user_id_of(actor)
    if db.session.get(ViewFavourite, (uid, view.id)) is None:
        db.session.add(ViewFavourite(user_id=uid, view_id=view.id))
        mark_changed(view.team_id)
        try:
            db.session.commit()
        except IntegrityError:   # a second click's request starred it first: starred all the same
            db.session.rollback()
    return view


def unfavourite_view(actor: User, ref) -> View:
    """Take the actor's star off a view they may see (none: no change)."""
    view = view_for(actor, ref)
    star = db.session.get(ViewFavourite, (access.user_id_of(actor), view.id))
    if star is not None:
        db.session.delete(star)
        mark_changed(view.team_id)
        db.session.commit()
    return view


def favourite_ids(actor: User, view_ids) -> set:
    """Which of these views the actor starred (one statement)."""
    ids = list(view_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(ViewFavourite.view_id).where(
        ViewFavourite.user_id == access.user_id_of(actor), ViewFavourite.view_id.in_(ids))))


@dataclass(frozen=True)
class SidebarView:
    """A view as the sidebar lists it under its team."""

    id: object
    team_id: object
    name: str
    shared: bool
    favourite: bool


def sidebar_of(membership: Membership) -> list[SidebarView]:
    """The views the sidebar lists under a membership's team: the team's shared views and the user's
    own, starred ones first, then by name, at most models.view.SIDEBAR_MAX. Read from the membership row
    (Membership.sidebar_views, models/view.py), which every page loads with the session's user: no
    statement of its own."""
    return [SidebarView(vid, membership.team_id, name, shared, starred)
            for vid, name, shared, starred in parse_sidebar(membership.sidebar_views)]
