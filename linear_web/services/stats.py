"""Dashboard figures: a handful of GROUP BY queries over the caller's teams, never a loop over issues.

`team_stats` is the shape of GET /api/v1/dashboard/stats; `dashboard` adds the 30-day series,
open issues per assignee and the oldest open high-priority issues for the pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, union_all

from ..infra.database import prepared
from ..infra.extensions import db
from ..models import Activity, Issue, Membership, Team, User, utcnow
from ..vocabulary import COUNTED_STATUSES, DONE, HIGH_PRIORITY, OPEN_STATUSES, PRIORITIES, STATUSES
from . import access

DAYS = 30
OLDEST_LIMIT = 8


class StatusFigures:
    """Figures read off `by_status` (a count per status): one team's, or all of them together."""

    @property
    def total(self) -> int:
        """Issues in any status."""
        return sum(self.by_status.values())

    @property
    def open(self) -> int:
        """Issues in an open status."""
        return sum(self.by_status[s] for s in OPEN_STATUSES)

    @property
    def done(self) -> int:
        """Issues in the status that completes work."""
        return self.by_status[DONE]

    @property
    def counted(self) -> int:
        """Issues that count towards progress (all but canceled)."""
        return sum(self.by_status[s] for s in COUNTED_STATUSES)


@dataclass
class TeamFigures(StatusFigures):
    """One team's counts (by status and by priority) and its progress."""

    team: Team
    by_status: dict = field(default_factory=lambda: {s: 0 for s in STATUSES})
    by_priority: dict = field(default_factory=lambda: {p: 0 for p in PRIORITIES})
    points_by_status: dict = field(default_factory=lambda: {s: 0 for s in STATUSES})

    @property
    def points_total(self) -> int:
        """Sum of the estimates of the issues that count (all but canceled)."""
        return sum(self.points_by_status[s] for s in COUNTED_STATUSES)

    @property
    def points_done(self) -> int:
        """Sum of the estimates of those done."""
        return self.points_by_status[DONE]

    @property
    def uses_estimates(self) -> bool:
        """Worth showing points: the team has an estimate scale, or some issue carries an estimate."""
        return self.team.estimates != "none" or any(self.points_by_status.values())

    @property
    def progress(self) -> float:
        """done / (total − canceled); 0 when nothing counts."""
        return round(self.done / self.counted, 4) if self.counted else 0.0

    def to_json(self) -> dict:
        """The API shape of one team; "canceled" there means every issue that does not count."""
        return {"team_id": str(self.team.id), "key": self.team.key, "name": self.team.name,
                "total": self.total, "done": self.done, "canceled": self.total - self.counted,
                "progress": self.progress}


@dataclass
class Stats(StatusFigures):
    """The figures of several teams, summed."""

    teams: list[TeamFigures]

    @property
    def by_status(self) -> dict:
        return {s: sum(t.by_status[s] for t in self.teams) for s in STATUSES}

    @property
    def by_priority(self) -> dict:
        return {p: sum(t.by_priority[p] for t in self.teams) for p in PRIORITIES}

    def to_json(self) -> dict:
        """The API shape: {total, by_status, by_priority, teams}."""
        return {"total": self.total, "by_status": self.by_status,
                "by_priority": {str(p): n for p, n in self.by_priority.items()},
                "teams": [t.to_json() for t in self.teams]}


@dataclass
class Dashboard:
    stats: Stats
    days: list[dict]            # [{day: date, created: n, completed: n}] oldest first, DAYS long
    assignees: list[dict]       # [{team, user_id, name, open}] most open first
    oldest: list[Issue]         # open high-priority issues, oldest first
    single_team: Team | None = None


def _teams_in_scope(actor: User, team_ref) -> list[Team]:
    """The one team asked for (NotFound for outsiders), else all of the actor's teams by key."""
    if team_ref not in (None, ""):
        return [access.team_for(actor, team_ref)]
    stmt = select(Team).join(Membership, Membership.team_id == Team.id).where(Membership.user_id == actor.id)
    return list(db.session.scalars(stmt.order_by(Team.key)))


def team_stats(actor: User, team_ref=None) -> Stats:
    """Counts by status and priority per team, from one GROUP BY (team, status, priority)."""
    teams = _teams_in_scope(actor, team_ref)
    return _stats_for(teams)


def _stats_for(teams: list[Team]) -> Stats:
    """Counts by status and priority and the sum of estimates by status, in one GROUP BY."""
    figures = {t.id: TeamFigures(t) for t in teams}
    if figures:
        stmt = (select(Issue.team_id, Issue.status, Issue.priority, func.count(),
                       func.coalesce(func.sum(Issue.estimate), 0))
                .where(Issue.team_id.in_(list(figures)))
                .group_by(Issue.team_id, Issue.status, Issue.priority))
        for team_id, status, priority, n, points in db.session.execute(prepared(stmt)):
            figures[team_id].by_status[status] += n
            figures[team_id].by_priority[priority] += n
            figures[team_id].points_by_status[status] += int(points)
    return Stats(list(figures.values()))


def dashboard(actor: User, team_ref=None, *, today: date | None = None) -> Dashboard:
    """Everything the dashboard page shows, in five queries whatever the number of issues."""
    teams = _teams_in_scope(actor, team_ref)
    ids = [t.id for t in teams]
    today = today or utcnow().date()
    return Dashboard(stats=_stats_for(teams), days=_daily(ids, today), assignees=_assignees(ids, teams),
                     oldest=_oldest_high_priority(ids), single_team=teams[0] if team_ref else None)


def _day(column):
    """The UTC calendar day of a timestamp column, as text YYYY-MM-DD on both databases."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def _daily(team_ids: list, today: date) -> list[dict]:
    """Issues created and completed (status set to done) per day over the last DAYS days."""
    first = today - timedelta(days=DAYS - 1)
    since = datetime.combine(first, time.min, tzinfo=timezone.utc)
    days = {first + timedelta(days=i): {"created": 0, "completed": 0} for i in range(DAYS)}
    if team_ids:
        created = _day(Issue.created_at)
        rows = db.session.execute(select(created, func.count()).where(
            Issue.team_id.in_(team_ids), Issue.created_at >= since).group_by(created))
        _fill(days, rows, "created")
        done = _day(Activity.created_at)
        # A status change also sets the issue's updated_at, so only issues updated in the window can
        # have one: the (team_id, updated_at) index narrows the join before activities are read.
        rows = db.session.execute(
            select(done, func.count(func.distinct(Activity.issue_id)))
            .join(Issue, Issue.id == Activity.issue_id)
            .where(Issue.team_id.in_(team_ids), Issue.updated_at >= since, Activity.created_at >= since,
                   Activity.field == "status", Activity.new_value == DONE)
            .group_by(done))
        _fill(days, rows, "completed")
    return [{"day": d, **v} for d, v in sorted(days.items())]


def _fill(days: dict, rows, key: str) -> None:
    for day_text, n in rows:
        day = date.fromisoformat(day_text)
        if day in days:
            days[day][key] = n


def _assignees(team_ids: list, teams: list[Team]) -> list[dict]:
    """Open issues per (team, assignee); unassigned ones count under user_id None."""
    if not team_ids:
        return []
    by_id = {t.id: t for t in teams}
    counts = (select(Issue.team_id, Issue.assignee_id, func.count().label("n"))
              .where(Issue.team_id.in_(team_ids), Issue.status.in_(OPEN_STATUSES))
              .group_by(Issue.team_id, Issue.assignee_id).subquery())
    stmt = select(counts.c.team_id, counts.c.assignee_id, User.name, counts.c.n).outerjoin(
        User, User.id == counts.c.assignee_id)  # names joined to the few aggregated rows only
    rows = [{"team": by_id[tid], "user_id": uid, "name": name or "Unassigned", "open": n}
            for tid, uid, name, n in db.session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r["open"], r["user_id"] is None, r["name"].lower(), r["team"].key))


def _oldest_high_priority(team_ids: list) -> list[Issue]:
    """The oldest open issues of high priority (1), team and assignee loaded in the same query.

    One LIMITed branch per team walks that team's (team_id, priority, created_at) index in order and
    stops early; a single ORDER BY over the whole IN list would read every high-priority issue.
    """
    if not team_ids:
        return []
    branches = [select(Issue.id).where(Issue.team_id == tid, Issue.priority == HIGH_PRIORITY,
                                      Issue.status.in_(OPEN_STATUSES))
                .order_by(Issue.created_at, Issue.id).limit(OLDEST_LIMIT).subquery() for tid in team_ids]
    ids = union_all(*[select(b.c.id) for b in branches])
    stmt = (select(Issue).where(Issue.id.in_(ids)).order_by(Issue.created_at, Issue.id).limit(OLDEST_LIMIT))
    return list(db.session.scalars(stmt).unique())
