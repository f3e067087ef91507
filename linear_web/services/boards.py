"""The board: a team's filtered issues as columns per status, and moving cards between them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union_all
from sqlalchemy.orm import joinedload, load_only, raiseload

from ..infra.extensions import db
from ..models import Issue, Team, User
from ..vocabulary import STATUSES
from . import access, issues
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
    status: str
    cards: list[Issue]
    total: int
    points: int = 0  # sum of the estimates of every matching issue (not only the cards shown)

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def board_columns(actor: User, team: Team, filters: IssueFilters, *, limit: int = COLUMN_LIMIT) -> list[Column]:
    """One column per status, cards in board order; two queries whatever the number of cards."""
    filters.team_id = team.id
    base = filtered(actor, filters).with_only_columns(Issue.id)
    # One index range scan per column (team_id, status, position) glued with UNION ALL: a window
    # over the whole team sorted every issue of the team (BENCHMARKS.md, board size).
    shown = [s for s in STATUSES if not filters.statuses or s in filters.statuses]
    parts = [select(top.c.id) for top in (base.where(Issue.status == s).order_by(Issue.position, Issue.id)
                                          .limit(limit).subquery() for s in shown)]
    ids = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    stmt = (select(Issue).where(Issue.id.in_(select(ids.c.id))).order_by(Issue.position, Issue.id)
            .options(*CARD_COLUMNS))
    by_status: dict[str, list[Issue]] = {s: [] for s in STATUSES}
    for issue in db.session.scalars(stmt).unique():
        by_status[issue.status].append(issue)
    counts, points = totals_by_status(actor, filters)
    return [Column(s, by_status[s], counts[s], points[s]) for s in STATUSES]


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


def move_on_board(actor: User, team: Team, issue_ref, status, *, before=None, after=None, version=None) -> Issue:
    """Move a card of this team's board to a status and between two neighbours (409 if stale)."""
    issue = access.issue_for(actor, issue_ref)
    if issue.team_id != team.id:
        raise NotFound("Issue not found.")
    errors: dict = {}
    check_status(errors, status)
    version = check_version(errors, version)
    raise_if(errors)
    before_id = _neighbour(actor, team, before, "before")
    after_id = _neighbour(actor, team, after, "after")
    if issue.id in (before_id, after_id):
        raise ValidationError({"position": "A card cannot be placed next to itself."})
    return issues.move_card(actor, issue.id, status, before=before_id, after=after_id, version=version)


def current_card(actor: User, team: Team, issue_ref) -> Issue | None:
    """The card as it is now (to roll a failed move back to), or None when it is gone."""
    db.session.rollback()  # drop whatever the failed attempt loaded; read the committed state
    try:
        issue = access.issue_for(actor, issue_ref)
    except NotFound:
        return None
    return issue if issue.team_id == team.id else None
