"""Reading issues: filters, keyset pagination, ranked full-text search, counts.

Every query starts from `access.visible_issues(actor)` so an outsider's rows never appear.
Pages load assignee, project and team with the issue in one statement (joined eager loads).
"""
from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import and_, case, exists, func, join, literal_column, or_, select, text
from sqlalchemy.orm import aliased

from ..infra.database import prepared
from ..infra.extensions import db
from ..models import Cycle, Issue, IssueParent, Team, User, issue_labels
from ..models.issue import PRIORITY_RANK
from ..vocabulary import OPEN_STATUSES, SEARCH_MAX, STATUSES, parse_identifier
from . import access
from .errors import ValidationError
from .validation import check_priority, check_status, parse_uuid

SORTS = ("-created_at", "created_at", "priority", "-updated_at", "due_date", "-due_date")
MAX_LIMIT = 200
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class IssueFilters:
    """What a list, board, search, export or stats call narrows to."""

    team_id: uuid.UUID | None = None
    statuses: list[str] = field(default_factory=list)
    priorities: list[int] = field(default_factory=list)
    assignee: str | uuid.UUID | None = None  # a user id, "me" or "none"
    project_id: uuid.UUID | None = None
    q: str = ""
    sort: str = "-created_at"
    label_ids: list[uuid.UUID] = field(default_factory=list)  # any of
    parent: str | uuid.UUID | None = None  # an issue id, or "none" for top-level issues
    due_after: date | None = None  # inclusive
    due_before: date | None = None
    overdue: bool = False
    cycle: str | uuid.UUID | None = None  # a cycle id, "current" (the team's current cycle) or "none"

    @classmethod
    def from_args(cls, args, *, team_id=None) -> "IssueFilters":
        """Parse query parameters (repeatable status/priority); ValidationError names bad ones."""
        errors: dict = {}
        statuses = [s for v in args.getlist("status") for s in v.split(",") if s]
        for s in statuses:
            check_status(errors, s)
        priorities = [check_priority(errors, p) for raw in args.getlist("priority") for p in raw.split(",") if p]
        assignee = args.get("assignee_id") or args.get("assignee") or None
        if assignee not in (None, "me", "none") and parse_uuid(assignee) is None:
            errors["assignee_id"] = "Assignee must be a user id, 'me' or 'none'."
        project_raw = args.get("project_id") or None
        project_id = parse_uuid(project_raw) if project_raw else None
        if project_raw and project_id is None:
            errors["project_id"] = "Project must be a project id."
        tid = team_id
        if tid is None and args.get("team_id"):
            tid = parse_uuid(args.get("team_id"))
            if tid is None:
                errors["team_id"] = "Team must be a team id."
        q = args.get("q", "") or ""
        if "\x00" in q or len(q) > SEARCH_MAX:
            errors["q"] = f"Search text must be at most {SEARCH_MAX} characters, without NUL."
        sort = args.get("sort") or "-created_at"
        if sort not in SORTS:
            errors["sort"] = "Sort must be one of: " + ", ".join(SORTS) + "."
        planning = _planning_args(errors, args)
        if errors:
            raise ValidationError(errors)
        if assignee not in (None, "me", "none"):
            assignee = parse_uuid(assignee)
        return cls(team_id=tid, statuses=list(dict.fromkeys(statuses)),
                   priorities=list(dict.fromkeys(priorities)), assignee=assignee,
                   project_id=project_id, q=q.strip(), sort=sort, **planning)

    def to_args(self) -> list[tuple[str, str]]:
        """Back to query parameters (for links that keep the current filter)."""
        out = [("status", s) for s in self.statuses] + [("priority", str(p)) for p in self.priorities]
        if self.assignee:
            out.append(("assignee", str(self.assignee)))
        if self.project_id:
            out.append(("project_id", str(self.project_id)))
        if self.q:
            out.append(("q", self.q))
        out += [("label_id", str(x)) for x in self.label_ids]
        if self.parent:
            out.append(("parent_id", str(self.parent)))
        if self.due_after:
            out.append(("due_after", self.due_after.isoformat()))
        if self.due_before:
            out.append(("due_before", self.due_before.isoformat()))
        if self.overdue:
            out.append(("overdue", "true"))
        if self.cycle:
            out.append(("cycle_id", str(self.cycle)))
        if self.sort != "-created_at":
            out.append(("sort", self.sort))
        return out

    @property
    def active(self) -> bool:
        return bool(self.statuses or self.priorities or self.assignee or self.project_id or self.q
                    or self.label_ids or self.parent or self.due_after or self.due_before or self.overdue
                    or self.cycle)


def _planning_args(errors: dict, args) -> dict:
    """The planning filters of query parameters: label_id (repeatable), parent_id, due window, overdue,
    cycle_id."""
    from .planning import parse_date
    raw_labels = [x for v in args.getlist("label_id") for x in v.split(",") if x]
    label_ids = [parse_uuid(x) for x in raw_labels]
    if None in label_ids or len(label_ids) > 50:
        errors["label_id"] = "Label must be a label id."
    parent = args.get("parent_id") or None
    if parent not in (None, "none") and parse_uuid(parent) is None:
        errors["parent_id"] = "Parent must be an issue id or 'none'."
    overdue = (args.get("overdue") or "").lower()
    if overdue not in ("", "true", "false", "1", "0"):
        errors["overdue"] = "Overdue must be true or false."
    cycle = args.get("cycle_id") or None
    if cycle not in (None, "current", "none") and parse_uuid(cycle) is None:
        errors["cycle_id"] = "Cycle must be a cycle id, 'current' or 'none'."
    return {"cycle": parse_uuid(cycle) if cycle not in (None, "current", "none") else cycle,
            "label_ids": list(dict.fromkeys(x for x in label_ids if x)),
            "parent": parse_uuid(parent) if parent not in (None, "none") else parent,
            "due_after": parse_date(errors, "due_after", args.get("due_after"), "Due after"),
            "due_before": parse_date(errors, "due_before", args.get("due_before"), "Due before"),
            "overdue": overdue in ("true", "1")}


@dataclass
class Page:
    items: list[Issue]
    next_cursor: str | None


# -- filtering -------------------------------------------------------------------------------

def filtered(actor: User, filters: IssueFilters):
    """The visible issues narrowed by filters (no order, no limit)."""
    stmt = access.visible_issues(actor)
    if filters.team_id:
        stmt = stmt.where(Issue.team_id == filters.team_id)
    if filters.statuses:
        stmt = stmt.where(Issue.status.in_(filters.statuses))
    if filters.priorities:
        stmt = stmt.where(Issue.priority.in_(filters.priorities))
    if filters.assignee == "me":
        stmt = stmt.where(Issue.assignee_id == actor.id)
    elif filters.assignee == "none":
        stmt = stmt.where(Issue.assignee_id.is_(None))
    elif filters.assignee:
        stmt = stmt.where(Issue.assignee_id == filters.assignee)
    if filters.project_id:
        stmt = stmt.where(Issue.project_id == filters.project_id)
    if filters.q:
        stmt = _text_match(stmt, filters.q)
    return _planning_filters(stmt, filters)


def _planning_filters(stmt, filters: IssueFilters):
    """Labels (any of), parent or top-level, due window, overdue (open and due before today)."""
    if filters.label_ids:
        stmt = stmt.where(Issue.id.in_(select(issue_labels.c.issue_id)
                                       .where(issue_labels.c.label_id.in_(filters.label_ids))))
    if filters.parent == "none":
        stmt = stmt.where(~exists().where(IssueParent.issue_id == Issue.id))
    elif filters.parent:
        stmt = stmt.where(Issue.id.in_(select(IssueParent.issue_id).where(IssueParent.parent_id == filters.parent)))
    if filters.due_after:
        stmt = stmt.where(Issue.due_date >= filters.due_after)
    if filters.due_before:
        stmt = stmt.where(Issue.due_date <= filters.due_before)
    if filters.overdue:
        stmt = stmt.where(Issue.due_date < today(), Issue.status.in_(OPEN_STATUSES))
    if filters.cycle == "none":
        stmt = stmt.where(Issue.cycle_id.is_(None))
    elif filters.cycle == "current":
        from .cycles import running_on
        stmt = stmt.where(Issue.cycle_id.in_(select(Cycle.id).where(*running_on(today()))))
    elif filters.cycle:
        stmt = stmt.where(Issue.cycle_id == filters.cycle)
    return stmt


def matches(actor: User, filters: IssueFilters, issue_id) -> bool:
    """Would a list with these filters show this issue? The list's own conditions, asked of one row."""
    stmt = filtered(actor, filters).with_only_columns(Issue.id).where(Issue.id == issue_id).limit(1)
    return db.session.scalar(stmt) is not None


def today() -> date:
    """Today's date in UTC: what "overdue" and cycles are measured against."""
    return datetime.now(timezone.utc).date()


def fts_terms(q: str) -> list[str]:
    """Clean word tokens of the user's text; never their raw query syntax."""
    return [w.lower() for w in WORD.findall(q or "")][:12]


def _is_pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _tsquery(terms: list[str]):
    return func.to_tsquery("english", " & ".join(f"{t}:*" for t in terms))


def _fts5_query(terms: list[str]) -> str:
    return " ".join('"' + t.replace('"', "") + '"*' for t in terms)


def _text_match(stmt, q: str):
    terms = fts_terms(q)
    if not terms:
        return stmt.where(text("1 = 0"))
    if _is_pg():
        return stmt.where(literal_column("issues.search_vector").op("@@")(_tsquery(terms)))
    ids = text("SELECT issue_id FROM issues_fts WHERE issues_fts MATCH :fts").bindparams(fts=_fts5_query(terms))
    return stmt.where(Issue.id.in_(ids.columns(issue_id=Issue.id.type)))


# -- keyset pagination -------------------------------------------------------------------------

_PRIORITY_RANK = PRIORITY_RANK  # served by ix_issues_team_priority_rank (migration 0003)
# Due-date sorts put issues without a date last in both directions: the missing date sorts as the
# far end of the calendar (a plain expression, so keyset cursors need no NULL handling).
NO_DUE_LAST, NO_DUE_FIRST = date(9999, 12, 31), date(1, 1, 1)
DUE_ASC = func.coalesce(Issue.due_date, NO_DUE_LAST)
DUE_DESC = func.coalesce(Issue.due_date, NO_DUE_FIRST)


def _order_columns(sort: str):
    """(expression, descending) pairs; the last one is the id, so the order is total."""
    if sort == "created_at":
        return [(Issue.created_at, False), (Issue.id, False)]
    if sort == "priority":
        return [(_PRIORITY_RANK, False), (Issue.created_at, True), (Issue.id, True)]
    if sort == "-updated_at":
        return [(Issue.updated_at, True), (Issue.id, True)]
    if sort == "due_date":
        return [(DUE_ASC, False), (Issue.id, False)]
    if sort == "-due_date":
        return [(DUE_DESC, True), (Issue.id, True)]
    return [(Issue.created_at, True), (Issue.id, True)]


def encode_cursor(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v
                      for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: list) -> list:
    """Values of a cursor, typed like `kinds`; ValidationError for anything malformed."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        out = []
        for value, kind in zip(raw, kinds):
            if kind is datetime:
                out.append(datetime.fromisoformat(value))
            elif kind is date:
                out.append(date.fromisoformat(value))
            elif kind is uuid.UUID:
                out.append(uuid.UUID(value))
            elif kind is float:
                out.append(float(value))
            else:
                out.append(int(value))
        return out
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError, base64.binascii.Error):
        raise ValidationError({"cursor": "The cursor is not valid: start from the first page."})


def _after(columns, values):
    """Rows strictly after `values` in the order of `columns` (mixed directions allowed)."""
    clauses = []
    for i, (col, desc) in enumerate(columns):
        equal = [c == v for (c, _), v in zip(columns[:i], values[:i])]
        clauses.append(and_(*equal, col < values[i] if desc else col > values[i]))
    # The redundant bound on the first column is what an index can start its range scan from
    # (an OR of mixed-direction comparisons alone is only a filter).
    first, desc = columns[0]
    return and_(first <= values[0] if desc else first >= values[0], or_(*clauses))


def _row_values(issue: Issue, sort: str) -> list:
    if sort in ("due_date", "-due_date"):
        return [(issue.due_date or (NO_DUE_LAST if sort == "due_date" else NO_DUE_FIRST)).isoformat(), issue.id]
    if sort == "created_at" or sort == "-created_at":
        return [issue.created_at, issue.id]
    if sort == "priority":
        return [4 if issue.priority == 0 else issue.priority, issue.created_at, issue.id]
    return [issue.updated_at, issue.id]


def _kinds(sort: str) -> list:
    if sort in ("due_date", "-due_date"):
        return [date, uuid.UUID]
    if sort == "priority":
        return [int, datetime, uuid.UUID]
    return [datetime, uuid.UUID]


def check_limit(limit) -> int:
    try:
        limit = int(limit if limit is not None else 50)
    except (TypeError, ValueError):
        raise ValidationError({"limit": f"Limit must be a number from 1 to {MAX_LIMIT}."})
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": f"Limit must be a number from 1 to {MAX_LIMIT}."})
    return limit


# What the API's Issue object needs of a row (models.issue.issue_json), for pages read as plain
# rows: no ORM objects, identity map or eager-load bookkeeping for 50 issues a page.
_ROW_ASSIGNEE = aliased(User, name="row_assignee")
ROW_COLUMNS = (Issue.id, Issue.team_id, Issue.number, Issue.title, Issue.description, Issue.status, Issue.priority,
               Issue.project_id, Issue.assignee_id, Issue.creator_id, Issue.created_at, Issue.updated_at,
               Issue.version, Issue.label_summary, Issue.parent_id.label("parent_id"), Issue.sub_total,
               Issue.sub_done, Issue.due_date, Issue.estimate, Issue.cycle_id, Team.key.label("team_key"),
               _ROW_ASSIGNEE.name.label("assignee_name"))


def _row_from(selectable=None):
    """FROM issues (joined to `selectable` first if given), their team and assignee, for ROW_COLUMNS."""
    base = Issue.__table__ if selectable is None else join(Issue, selectable, selectable.c.id == Issue.id)
    return join(base, Team, Team.id == Issue.team_id).outerjoin(_ROW_ASSIGNEE, _ROW_ASSIGNEE.id == Issue.assignee_id)


def list_issues(actor: User, filters: IssueFilters, *, limit=50, cursor: str | None = None,
                rows: bool = False, where=None) -> Page:
    """One page of issues in the filter's sort order; the cursor is stable under inserts.
    `rows`: the page holds rows of ROW_COLUMNS (for models.issue.issue_json) instead of Issues.
    `where`: a further condition (one group of a grouped list: services/display.condition)."""
    limit = check_limit(limit)
    columns = _order_columns(filters.sort)
    stmt = filtered(actor, filters)
    if where is not None:
        stmt = stmt.where(where)
    if cursor:
        stmt = stmt.where(_after(columns, decode_cursor(cursor, _kinds(filters.sort))))
    stmt = stmt.order_by(*[c.desc() if d else c.asc() for c, d in columns]).limit(limit + 1)
    if rows:
        found = list(db.session.execute(prepared(stmt.with_only_columns(*ROW_COLUMNS).select_from(_row_from()))))
    else:
        found = list(db.session.scalars(prepared(stmt)).unique())
    nxt = encode_cursor(_row_values(found[limit - 1], filters.sort)) if len(found) > limit else None
    return Page(found[:limit], nxt)


# PostgreSQL ranks at most this many matches, the newest first: a very common word then costs a
# bounded sort instead of ranking every match (README, "Search").
SEARCH_CANDIDATES = 2000
PHRASE_BOOST = 1.0  # added to the relevance of issues holding the words as typed, in order
EXACT_RANK = -1e9  # the issue named by an identifier ("ENG-42") comes before every ranked match


def search_issues(actor: User, filters: IssueFilters, *, limit=20, cursor: str | None = None,
                  rows: bool = False) -> Page:
    """Issues matching filters.q, most relevant first.

    An identifier ("ENG-42", also an old one after a move) puts that issue first when it is
    visible and within the filters, whatever its text. Then the matches of every word (prefixes
    count), those holding the words as a phrase first, then by relevance: PostgreSQL's ts_rank
    over the SEARCH_CANDIDATES newest matches, SQLite's bm25 over all of them."""
    limit = check_limit(limit)
    terms = fts_terms(filters.q)
    if not terms:
        return Page([], None)
    base = filtered(actor, IssueFilters(**{**filters.__dict__, "q": ""}))
    exact = _exact_issue(base, filters.q)
    ranked = _ranked_matches(base, terms, exact).subquery("ranked")
    top = select(ranked.c.id, ranked.c.rank)
    if cursor:
        after = decode_cursor(cursor, [float, uuid.UUID])
        top = top.where(_after([(ranked.c.rank, False), (ranked.c.id, False)], after))
    top = top.order_by(ranked.c.rank.asc(), ranked.c.id.asc()).limit(limit + 1).subquery("top")
    # Rank and cut to one page first, then load the page's rows with their joins: joining every
    # match before the sort made common words ~2x slower (EXPLAIN ANALYZE on 100k issues).
    # Not prepared: a generic plan fits no word. A rare word wants the search index; a word in half
    # the issues wants the newest issues first (ix_issues_created) and stops at SEARCH_CANDIDATES:
    # planned for each word, "cursor" (47,198 matches of 100,000) took 8 ms instead of 55 ms.
    if rows:
        stmt = select(*ROW_COLUMNS, top.c.rank).select_from(_row_from(top))
        found = [(row, row.rank) for row in db.session.execute(stmt.order_by(top.c.rank.asc(), Issue.id.asc()))]
    else:
        stmt = select(Issue, top.c.rank).join(top, top.c.id == Issue.id).order_by(top.c.rank.asc(), Issue.id.asc())
        found = [(issue, rank) for issue, rank in db.session.execute(stmt).unique().all()]
    if exact is not None and not cursor:  # first page: the named issue, ranked before everything
        named = db.session.execute(select(*ROW_COLUMNS).select_from(_row_from()).where(Issue.id == exact)).first() \
            if rows else db.session.scalar(select(Issue).where(Issue.id == exact))
        found.insert(0, (named, EXACT_RANK))
    nxt = encode_cursor([found[limit - 1][1], found[limit - 1][0].id]) if len(found) > limit else None
    return Page([item for item, _ in found[:limit]], nxt)


def _exact_issue(base, q: str) -> uuid.UUID | None:
    """The id of the issue that q names by identifier, if it is among `base` (visible, filtered)."""
    iid = access.resolve_issue_id(q.strip()) if parse_identifier(q.strip()) else None
    if iid is None:
        return None
    return db.session.scalar(base.with_only_columns(Issue.id).where(Issue.id == iid).limit(1))


def _ranked_matches(base, terms: list[str], exact: uuid.UUID | None):
    """A select of (id, rank) of the matching issues but `exact`; the smaller the rank, the better."""
    phrase = len(terms) > 1
    if exact is not None:
        base = base.where(Issue.id != exact)
    if _is_pg():
        vector, query = literal_column("issues.search_vector"), _tsquery(terms)
        newest = (base.where(vector.op("@@")(query)).with_only_columns(Issue.id.label("id"), vector.label("sv"))
                  .order_by(Issue.created_at.desc(), Issue.id.desc()).limit(SEARCH_CANDIDATES).subquery("newest"))
        relevance = func.ts_rank(newest.c.sv, query)
        if phrase:
            relevance = relevance + case((newest.c.sv.op("@@")(func.phraseto_tsquery("english", " ".join(terms))),
                                          PHRASE_BOOST), else_=0.0)
        return select(newest.c.id.label("id"), (func.cast(relevance, db.Float) * -1.0).label("rank"))
    fts = text("SELECT issue_id, bm25(issues_fts, 0.0, 10.0, 3.0) AS score FROM issues_fts "
               "WHERE issues_fts MATCH :fts").bindparams(fts=_fts5_query(terms)) \
        .columns(issue_id=Issue.id.type, score=db.Float).subquery("fts")
    rank = fts.c.score  # bm25: smaller is better (negative)
    if phrase:
        quoted = '"' + " ".join(t.replace('"', "") for t in terms) + '"'
        in_order = text("SELECT issue_id FROM issues_fts WHERE issues_fts MATCH :phrase") \
            .bindparams(phrase=quoted).columns(issue_id=Issue.id.type)
        rank = rank - case((Issue.id.in_(in_order), 1000.0), else_=0.0)
    return base.join(fts, fts.c.issue_id == Issue.id).with_only_columns(Issue.id.label("id"), rank.label("rank"))


def count_by_status(actor: User, filters: IssueFilters) -> dict[str, int]:
    """How many issues of the filter fall in each status (one GROUP BY)."""
    return totals_by_status(actor, filters)[0]


def totals_by_status(actor: User, filters: IssueFilters) -> tuple[dict[str, int], dict[str, int]]:
    """(issues, sum of estimates) of the filter per status, from the same one GROUP BY."""
    sub = filtered(actor, filters).with_only_columns(Issue.status, Issue.estimate).subquery()
    rows = db.session.execute(select(sub.c.status, func.count(), func.coalesce(func.sum(sub.c.estimate), 0))
                              .group_by(sub.c.status)).all()
    counts, points = {s: 0 for s in STATUSES}, {s: 0 for s in STATUSES}
    for status, n, total in rows:
        counts[status], points[status] = n, int(total)
    return counts, points
