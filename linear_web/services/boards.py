"""The board: a team's filtered issues as columns per status (or per group of another grouping:
services/display.py), and moving cards between them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only, raiseload

from ..infra.extensions import db
from ..models import Issue, Team, User, issue_labels
from ..vocabulary import PRIORITY_MENU, STATUSES
from . import access, display, issues, teams as team_service
from .errors import NotFound, ValidationError
from .issue_queries import IssueFilters, filtered, totals_by_status
from .validation import check_status, check_version, raise_if

# A column shows at most this many cards (the count still says how many match).
COLUMN_LIMIT = 200
# What a card shows, and nothing more: descriptions, timestamps and password hashes of a
# thousand rows were most of the board's time. Projects are never read on a card. The planning
# facts (labels, blocked, sub-issue progress) are stored on the row; left out of load_only they
# would be loaded one card at a time.
CARD_COLUMNS = (
    load_only(Issue.id, Issue.team_id, Issue.number, Issue.title, Issue.status, Issue.priority,
              Issue.assignee_id, Issue.position, Issue.version, Issue.due_date, Issue.estimate,
              Issue.label_summary, Issue.blocked, Issue.sub_total, Issue.sub_done),
    joinedload(Issue.team).load_only(Team.id, Team.key, Team.estimates),
    joinedload(Issue.assignee).load_only(User.id, User.name, User.email),
    raiseload(Issue.project),
)


@dataclass
class Column:
    status: str  # the column's key: a status, or when grouped otherwise that group's key
    cards: list[Issue]
    total: int
    points: int = 0  # sum of the estimates of every matching issue (not only the cards shown)
    by: str = "status"
    label: str = ""
    color: str | None = None

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)

    @property
    def dom(self) -> str:
        return display.dom_id(self.by, self.status)


def board_columns(actor: User, team: Team, filters: IssueFilters, *, group_by: str = "status",
                  limit: int = COLUMN_LIMIT) -> list[Column]:
    """One column per status (or per group of another grouping: services/display.py), cards in
    board order; a fixed number of queries whatever the number of cards or columns."""
    filters.team_id = team.id
    if group_by != "status":
        return _grouped_columns(actor, filters, group_by, limit)
    # One index range scan per column (team_id, status, position) glued with UNION ALL: a window
    # over the whole team sorted every issue of the team (BENCHMARKS.md, board size).
    shown = [s for s in STATUSES if not filters.statuses or s in filters.statuses]
    ids = display.firsts(filtered(actor, filters), "status", shown, [Issue.position, Issue.id], limit)
    stmt = (select(Issue).where(Issue.id.in_(select(ids.c.id))).order_by(Issue.position, Issue.id)
            .options(*CARD_COLUMNS))
    by_status: dict[str, list[Issue]] = {s: [] for s in STATUSES}
    for issue in db.session.scalars(stmt).unique():
        by_status[issue.status].append(issue)
    counts, points = totals_by_status(actor, filters)
    return [Column(s, by_status[s], counts[s], points[s]) for s in STATUSES]


def _grouped_columns(actor: User, filters: IssueFilters, group_by: str, limit: int) -> list[Column]:
    """The columns of a board grouped by something other than status: every priority, member,
    project, label or cycle taking issues, the groups of others holding a card (a completed cycle),
    and the "No …" column, each a place to drop a card."""
    found = display.totals(actor, filters, group_by)
    if group_by == "priority":
        found = {str(p): found.get(str(p), (0, 0)) for p in PRIORITY_MENU}
    elif group_by != "none":
        # Every member, project, label or cycle taking issues is a column, empty or not: a card
        # can be dropped on any of them.
        kind = {"assignee": "members", "project": "projects", "label": "labels", "cycle": "cycles"}[group_by]
        for option in team_service.picker_options(filters.team_id, labels=group_by == "label")[kind]:
            found.setdefault(str(option.id), (0, 0))
        found.setdefault(display.NONE, (0, 0))
    names = display.names_of(group_by, list(found))
    keys = display.ordered(group_by, names)[:display.MAX_GROUPS]
    by_key: dict[str, list[Issue]] = {k: [] for k in keys}
    holding = [k for k in keys if found[k][0]]
    if holding:
        ids = display.firsts(filtered(actor, filters), group_by, holding, [Issue.position, Issue.id], limit)
        stmt = (select(ids.c.gkey, Issue).join(Issue, Issue.id == ids.c.id).order_by(Issue.position, Issue.id)
                .options(*CARD_COLUMNS))
        for gkey, issue in db.session.execute(stmt).unique():
            by_key[gkey].append(issue)
    return [Column(k, by_key[k], found[k][0], found[k][1], by=group_by, label=names[k][0], color=names[k][2])
            for k in keys]


def column_change(actor: User, issue: Issue, group_by: str, to, came_from=None) -> dict:
    """The fields a card takes on when dropped in column `to` of a board grouped by `group_by`
    (from column `came_from`: a label board swaps that label for the new one)."""
    if group_by == "status":
        errors: dict = {}
        check_status(errors, to)
        raise_if(errors)
        return {"status": to}
    to = display.parse_key(group_by, to)
    if group_by == "none":
        return {}
    if group_by == "priority":
        return {"priority": int(to)}
    if group_by == "label":
        came_from = display.parse_key("label", came_from) if came_from else display.NONE
        labels = [str(x) for x in db.session.scalars(select(issue_labels.c.label_id)
                                                       .where(issue_labels.c.issue_id == issue.id))]
        if came_from != display.NONE:
            labels = [x for x in labels if x != came_from]
        if to == display.NONE:
            return {"label_ids": labels}
        return {"label_ids": labels + ([to] if to not in labels else [])}
    field = {"assignee": "assignee_id", "project": "project_id", "cycle": "cycle_id"}[group_by]
    return {field: None if to == display.NONE else to}


def _neighbour(actor: User, team: Team, ref, field: str):
    """A neighbour card's id in this team; a missing or foreign one is a validation error."""
    if not ref:
        return None
    iid = access.resolve_issue_id(ref)
    found = iid and db.session.scalar(access.visible_issues(actor).with_only_columns(Issue.id)
                                      .where(Issue.id == iid, Issue.team_id == team.id))
    if not found:
        raise ValidationError({field: "That neighbouring card is no longer on this board — reload the board."})
    return found


def move_on_board(actor: User, team: Team, issue_ref, status, *, before=None, after=None, version=None,
                  group_by: str = "status", came_from=None) -> Issue:
    """Move a card of this team's board to a column and between two neighbours (409 if stale).
    `status` is the column's key: a status, or a group of `group_by` (column_change)."""
    issue = access.issue_for(actor, issue_ref)
    if issue.team_id != team.id:
        raise NotFound("Issue not found.")
    if group_by not in display.GROUPINGS:
        raise ValidationError({"group_by": "Group by must be one of: " + ", ".join(display.GROUPINGS) + "."})
    errors: dict = {}
    version = check_version(errors, version)
    raise_if(errors)
    change = column_change(actor, issue, group_by, status, came_from)
    before_id = _neighbour(actor, team, before, "before")
    after_id = _neighbour(actor, team, after, "after")
    if issue.id in (before_id, after_id):
        raise ValidationError({"position": "A card cannot be placed next to itself."})
    return issues.move_card(actor, issue.id, change=change, before=before_id, after=after_id, version=version)


def current_card(actor: User, team: Team, issue_ref) -> Issue | None:
    """The card as it is now (to roll a failed move back to), or None when it is gone."""
    db.session.rollback()  # drop whatever the failed attempt loaded; read the committed state
    try:
        issue = access.issue_for(actor, issue_ref)
    except NotFound:
        return None
    return issue if issue.team_id == team.id else None
