"""The board: a team's filtered issues as columns per status, and moving cards between them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import STATUSES, Issue, Team, User
from . import access, issues
from .errors import NotFound, ValidationError
from .issue_queries import IssueFilters, count_by_status, filtered

# A column shows at most this many cards (the count still says how many match).
COLUMN_LIMIT = 200


@dataclass
class Column:
    status: str
    cards: list[Issue]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def board_columns(actor: User, team: Team, filters: IssueFilters, *, limit: int = COLUMN_LIMIT) -> list[Column]:
    """One column per status, cards in board order; two queries whatever the number of cards."""
    filters.team_id = team.id
    ranked = filtered(actor, filters).with_only_columns(
        Issue.id, func.row_number().over(partition_by=Issue.status, order_by=(Issue.position, Issue.id))
        .label("rn")).subquery()
    card = aliased(Issue, flat=True)
    stmt = (select(card).join(ranked, ranked.c.id == card.id).where(ranked.c.rn <= limit)
            .order_by(card.position, card.id))
    by_status: dict[str, list[Issue]] = {s: [] for s in STATUSES}
    for issue in db.session.scalars(stmt).unique():
        by_status[issue.status].append(issue)
    counts = count_by_status(actor, filters)
    return [Column(s, by_status[s], counts[s]) for s in STATUSES]


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


def _version(raw) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    raise ValidationError({"version": "Version must be a whole number."})


def move_on_board(actor: User, team: Team, issue_ref, status, *, before=None, after=None, version=None) -> Issue:
    """Move a card of this team's board to a status and between two neighbours (409 if stale)."""
    issue = access.issue_for(actor, issue_ref)
    if issue.team_id != team.id:
        raise NotFound("Issue not found.")
    if status not in STATUSES:
        raise ValidationError({"status": "Status must be one of: " + ", ".join(STATUSES) + "."})
    version = _version(version)
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
