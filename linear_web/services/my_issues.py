"""My issues: the issues of all the user's teams that are assigned to them, that they created, or
that they are subscribed to (one tab each), narrowed by the list's filters that make sense across
teams (status, priority, text, sort) and keyset-paged in the list's sort orders.

Every query starts from `issue_queries.filtered`, so from `access.visible_issues`: only issues of
teams the user is a member of *now* (one who left a team no longer sees its issues here, even
those still assigned to them). Pages load the row's team, assignee and project in the same
statement (the Issue model's joined loads), so rows cost no query each.

Indexes (migration 0013): assigned and created read (assignee_id | creator_id, created_at, id), the
newest first as a range scan; subscribed reads issue_subscriptions by user_id.
"""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ..infra.extensions import db
from ..models import Issue, IssueSubscription, User
from ..vocabulary import STATUSES
from . import access
from .issue_queries import (IssueFilters, Page, _after, _kinds, _order_columns, _row_values, check_limit,
                            decode_cursor, encode_cursor, filtered)

TABS = ("assigned", "created", "subscribed")
# The list's query parameters My issues takes: the others name rows of one team (assignee, project,
# labels, cycle) or are the tab itself.
ARGS = ("status", "priority", "q", "sort")


def tab_of(raw) -> str:
    """The tab a query string names; anything else is the default, "assigned"."""
    return raw if raw in TABS else "assigned"


def parse_filters(args) -> IssueFilters:
    """The filters of a query string, by the list's own parsing (ValidationError names bad ones);
    parameters My issues does not take are ignored."""
    return IssueFilters.from_args(MultiDict([(k, v) for k, v in args.items(multi=True) if k in ARGS]))


def _mine(actor: User, tab: str):
    """The tab's condition on issues."""
    uid = access.user_id_of(actor)
    if tab == "created":
        return Issue.creator_id == uid
    if tab == "subscribed":
        return Issue.id.in_(select(IssueSubscription.issue_id).where(IssueSubscription.user_id == uid,
                                                                     IssueSubscription.subscribed.is_(True)))
    return Issue.assignee_id == uid


def my_issues(actor: User, tab: str, filters: IssueFilters, *, limit=50, cursor: str | None = None) -> Page:
    """One page of the tab's issues in the filter's sort order; the cursor as the list's."""
    limit = check_limit(limit)
    columns = _order_columns(filters.sort)
    stmt = filtered(actor, filters).where(_mine(actor, tab))
    if cursor:
        stmt = stmt.where(_after(columns, decode_cursor(cursor, _kinds(filters.sort))))
    stmt = stmt.order_by(*[c.desc() if d else c.asc() for c, d in columns]).limit(limit + 1)
    found = list(db.session.scalars(stmt).unique())
    nxt = encode_cursor(_row_values(found[limit - 1], filters.sort)) if len(found) > limit else None
    return Page(found[:limit], nxt)


def my_counts(actor: User, tab: str, filters: IssueFilters) -> dict[str, int]:
    """How many of the tab's issues fall in each status (one GROUP BY)."""
    sub = filtered(actor, filters).where(_mine(actor, tab)).with_only_columns(Issue.status).subquery()
    counts = {s: 0 for s in STATUSES}
    counts.update(dict(db.session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()))
    return counts
