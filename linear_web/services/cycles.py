"""Cycles: a team's time-boxed sprints, their figures, burndown, completion and rollover.

Dates are calendar days in UTC, both ends inclusive. A cycle is upcoming before its first day,
current until it completes, and completed once `completed_at` is set: by "Complete cycle" (it
ends today) or by itself the first time anything reads the team's cycles after its last day
(`settle`, no scheduler needed). Completing moves its unfinished issues (not done, not canceled)
to the team's next cycle, or to none, each with an Activity row; the cycle keeps its final scope
and done count.

Cycles of a team never overlap. Creating one and changing dates first take the team's row lock
(the same UPDATE that numbers cycles), so two concurrent writers check for overlaps one after
the other; SQLite serialises writers anyway.

Teams may turn on automatic cycles (length 1–4 weeks, a start weekday): reading the team's cycles
then keeps the current cycle and the next two in existence, creating them lazily.

Every change to a cycle's figures (an issue added, removed, done or reopened) writes one
CycleChange row in its transaction, so the burndown is one GROUP BY whatever the cycle's length.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, insert, select, update

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..models import Activity, Cycle, CycleChange, Issue, Team, User, iso, utcnow
from ..vocabulary import (CYCLE_MAX_DAYS, CYCLE_NAME_MAX, CYCLE_STATES, CYCLE_WEEKS, CYCLES_AHEAD, DONE,
                          OPEN_STATUSES, WEEKDAYS)
from . import access, issue_queries
from .errors import Conflict, NotFound, ValidationError
from .validation import clean_text, parse_uuid, raise_if


def today() -> date:
    """Today in UTC (tests replace it to travel in time)."""
    return issue_queries.today()


def state_of(cycle: Cycle, on: date | None = None) -> str:
    """upcoming | current | completed, from the date and whether it completed (a cycle past its
    last day reads as completed even before `settle` has rolled it over)."""
    on = on or today()
    if cycle.completed_at is not None or cycle.ends_on < on:
        return "completed"
    return "upcoming" if on < cycle.starts_on else "current"


def is_closed(cycle: Cycle, on: date | None = None) -> bool:
    """True when the cycle can no longer receive issues."""
    return state_of(cycle, on) == "completed"


@dataclass
class CycleView:
    """A cycle with its figures: issues in it (scope) and of those done; estimate points."""

    cycle: Cycle
    state: str
    scope: int
    completed: int
    points: int = 0
    points_done: int = 0

    @property
    def progress(self) -> float:
        return round(self.completed / self.scope, 4) if self.scope else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.progress)

    @property
    def days_left(self) -> int:
        """Days left including today (0 once completed or before it starts)."""
        if self.state != "current":
            return 0
        return (self.cycle.ends_on - today()).days + 1

    def to_json(self) -> dict:
        c = self.cycle
        return {"id": str(c.id), "team_id": str(c.team_id), "number": c.number, "name": c.title,
                "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(), "state": self.state,
                "scope": self.scope, "completed": self.completed, "progress": self.progress,
                "created_at": iso(c.created_at)}


def views_of(cycles: list[Cycle], session=None) -> list[CycleView]:
    """Each cycle with its figures: one GROUP BY over the open cycles' issues, whatever their
    number; completed cycles show the figures they ended with."""
    session = session or db.session
    on = today()
    open_ids = [c.id for c in cycles if c.completed_at is None]
    figures: dict = {}
    if open_ids:
        done = case((Issue.status == DONE, 1), else_=0)
        points = func.coalesce(Issue.estimate, 0)
        rows = session.execute(
            select(Issue.cycle_id, func.count(), func.sum(done), func.sum(points),
                   func.sum(case((Issue.status == DONE, points), else_=0)))
            .where(Issue.cycle_id.in_(open_ids)).group_by(Issue.cycle_id))
        figures = {cid: tuple(int(v or 0) for v in rest) for cid, *rest in rows}
    out = []
    for c in cycles:
        if c.completed_at is not None:
            out.append(CycleView(c, "completed", c.final_scope or 0, c.final_completed or 0, c.final_points or 0,
                                 c.final_points_done or 0))
        else:
            scope, completed, points, points_done = figures.get(c.id, (0, 0, 0, 0))
            out.append(CycleView(c, state_of(c, on), scope, completed, points, points_done))
    return out


def view_of(cycle: Cycle, session=None) -> CycleView:
    return views_of([cycle], session)[0]


# -- reading -------------------------------------------------------------------------------------

def _team_cycles(team_id) -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).where(Cycle.team_id == team_id)
                                   .order_by(Cycle.starts_on, Cycle.number)))


def list_cycles(actor: User, team_ref, state: str | None = None) -> list[CycleView]:
    """The team's cycles by start date, settled first (ended ones completed, automatic ones made)."""
    if state is not None and state not in CYCLE_STATES:
        raise ValidationError({"state": "State must be one of: " + ", ".join(CYCLE_STATES) + "."})
    team = access.team_for(actor, team_ref)
    views = views_of(settle(actor, team))
    return [v for v in views if state is None or v.state == state]


def cycle_for(actor: User, ref) -> Cycle:
    """A cycle of one of the actor's teams (settled first); NotFound otherwise."""
    cid = parse_uuid(ref)
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == cid, Cycle.team_id.in_(access.team_ids_of(actor)))) \
        if cid else None
    if cycle is None:
        raise NotFound("Cycle not found.")
    if cycle.completed_at is None and cycle.ends_on < today():
        settle(actor, db.session.get(Team, cycle.team_id))
        db.session.refresh(cycle)
    return cycle


def cycle_by_number(actor: User, team: Team, number) -> Cycle:
    """The team's cycle N (the team already checked through access); NotFound otherwise."""
    try:
        n = int(number)
    except (TypeError, ValueError):
        raise NotFound("Cycle not found.") from None
    cycle = db.session.scalar(select(Cycle).where(Cycle.team_id == team.id, Cycle.number == n))
    if cycle is None:
        raise NotFound("Cycle not found.")
    if cycle.completed_at is None and cycle.ends_on < today():
        settle(actor, team)
        db.session.refresh(cycle)
    return cycle


def current_views(actor: User, teams: list[Team]) -> dict:
    """{team_id: CycleView} of the teams' current cycles (the dashboard), in two queries; teams
    with automatic cycles are settled first. The caller checked the teams through access."""
    for team in teams:
        if team.cycles_auto:
            settle(actor, team)
    current = list(db.session.scalars(select(Cycle).where(Cycle.team_id.in_([t.id for t in teams]),
                                                          *running_on(today()))))
    return {v.cycle.team_id: v for v in views_of(current)} if current else {}


def running_on(on: date):
    """The conditions of the cycles current on `on` (not completed; `on` between their days): what
    the dashboard shows and the `cycle_id=current` filter selects."""
    return (Cycle.completed_at.is_(None), Cycle.starts_on <= on, Cycle.ends_on >= on)


def takes_issues(team_id, on: date):
    """The conditions of a team's cycles that can take issues on `on` (current and upcoming)."""
    return (Cycle.team_id == team_id, Cycle.completed_at.is_(None), Cycle.ends_on >= on)


def picker_note(starts_on: date, on: date) -> str:
    """How a picker names when a cycle runs: "current", or "from Dec 21"."""
    return "current" if starts_on <= on else f"from {starts_on:%b} {starts_on.day}"


def team_cycles(actor: User, team: Team) -> list[Cycle]:
    """The settled cycles of a team already checked through access (pages and pickers)."""
    return settle(actor, team)


# -- burndown ------------------------------------------------------------------------------------

def burndown(cycle: Cycle) -> list[dict]:
    """[{date, scope, completed}], one point per day from the first day to today or the last day
    (a completed cycle: to its last day), in one query: the day's changes summed, then added up.
    Changes made before the cycle starts count on its first day."""
    rows = db.session.execute(select(CycleChange.day, func.sum(CycleChange.scope), func.sum(CycleChange.done))
                              .where(CycleChange.cycle_id == cycle.id).group_by(CycleChange.day)
                              .order_by(CycleChange.day)).all()
    last = cycle.ends_on if cycle.completed_at is not None else min(cycle.ends_on, today())
    points, scope, completed, i = [], 0, 0, 0
    day = cycle.starts_on
    while day <= last:
        while i < len(rows) and rows[i][0] <= day:
            scope, completed, i = scope + int(rows[i][1]), completed + int(rows[i][2]), i + 1
        points.append({"date": day.isoformat(), "scope": scope, "completed": completed})
        day += timedelta(days=1)
    return points


def record(cycle_id, issue_id, scope: int, done: int) -> None:
    """One change to a cycle's figures today, in the caller's transaction."""
    if cycle_id is not None and (scope or done):
        db.session.execute(insert(CycleChange).values(
            id=uuid.uuid4(), cycle_id=cycle_id, issue_id=issue_id, day=today(),
            scope=scope, done=done))


# -- issues in cycles (called by services/planning.py and services/issues.py) ---------------------

def resolve_for_issue(errors: dict, team: Team, ref, issue: Issue | None) -> Cycle | None:
    """The cycle an issue is being put in: of the issue's team, and not completed (an issue may
    stay in the completed cycle it is already in)."""
    cid = parse_uuid(ref)
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == cid, Cycle.team_id == team.id)) if cid else None
    if cycle is None:
        errors["cycle_id"] = "The cycle was not found in the issue's team."
        return None
    if is_closed(cycle) and not (issue is not None and issue.cycle_id == cycle.id):
        errors["cycle_id"] = f"{cycle.title} is completed: it cannot receive issues."
        return None
    return cycle


def move_issue(issue: Issue, cycle: Cycle | None) -> tuple[str | None, str | None] | None:
    """Put the issue in `cycle` (None: no cycle); the cycles' figures follow. (old, new) titles
    for the activity history, or None when unchanged."""
    old_id, new_id = issue.cycle_id, cycle.id if cycle is not None else None
    if old_id == new_id:
        return None
    done = 1 if issue.status == DONE else 0
    old = db.session.get(Cycle, old_id) if old_id else None
    record(old_id, issue.id, -1, -done)
    record(new_id, issue.id, 1, done)
    issue.cycle_id = new_id
    return (old.title if old else None), (cycle.title if cycle else None)


def status_changed(issue: Issue, old_status: str, new_status: str) -> None:
    """An issue in a cycle was done or reopened: the cycle's done count follows."""
    if issue.cycle_id and (old_status == DONE) != (new_status == DONE):
        record(issue.cycle_id, issue.id, 0, 1 if new_status == DONE else -1)


def issue_deleted(issue: Issue) -> None:
    """A deleted issue leaves its cycle's scope."""
    record(issue.cycle_id, issue.id, -1, -1 if issue.status == DONE else 0)


# -- writing -------------------------------------------------------------------------------------

def _clean(errors: dict, data: dict, *, partial: bool) -> dict:
    from .planning import parse_date
    out: dict = {}
    for key, label in (("starts_on", "Start date"), ("ends_on", "End date")):
        if key in data or not partial:
            value = parse_date(errors, key, data.get(key), label)
            if value is None and key not in errors:
                errors[key] = f"{label} is required."
            out[key] = value
    if data.get("name") is not None:
        name = clean_text(errors, "name", data["name"], label="Name", max_len=CYCLE_NAME_MAX)
        if name is not None and any(ord(c) < 32 for c in name):
            errors["name"] = "Name must not contain control characters."
        out["name"] = name or ""
    return out


def _check_dates(errors: dict, starts_on: date | None, ends_on: date | None, *, was_ends_on=None) -> None:
    if starts_on is None or ends_on is None or errors:
        return
    if ends_on < starts_on:
        errors["ends_on"] = "The end date must be on or after the start date."
    elif (ends_on - starts_on).days + 1 > CYCLE_MAX_DAYS:
        errors["ends_on"] = f"A cycle lasts at most {CYCLE_MAX_DAYS} days."
    elif ends_on < today() and ends_on != was_ends_on:
        errors["ends_on"] = "A cycle cannot end in the past."


def _lock_team(team_id, *, number: bool = False) -> int:
    """Take the team's row lock until commit (serialising cycle date changes of the team); with
    `number`, also hand out the team's next cycle number."""
    return db.session.execute(
        update(Team).where(Team.id == team_id)
        .values(cycle_counter=Team.cycle_counter + (1 if number else 0)).returning(Team.cycle_counter)
    ).scalar_one()


def _overlap(team_id, starts_on: date, ends_on: date, except_id=None) -> Cycle | None:
    stmt = select(Cycle).where(Cycle.team_id == team_id, Cycle.starts_on <= ends_on, Cycle.ends_on >= starts_on)
    if except_id is not None:
        stmt = stmt.where(Cycle.id != except_id)
    return db.session.scalar(stmt.order_by(Cycle.starts_on).limit(1))


def _overlap_conflict(other: Cycle) -> Conflict:
    span = f"{other.starts_on:%b} {other.starts_on.day} – {other.ends_on:%b} {other.ends_on.day}, {other.ends_on.year}"
    message = f"These dates overlap {other.title} ({span})."
    return Conflict(message, {"starts_on": message})


def create_cycle(actor: User, team_ref, data: dict) -> CycleView:
    """A new cycle of the team (any member); 422 for bad dates, 409 when it overlaps another."""
    team = access.team_for(actor, team_ref)
    errors: dict = {}
    values = _clean(errors, data, partial=False)
    _check_dates(errors, values.get("starts_on"), values.get("ends_on"))
    raise_if(errors)
    number = _lock_team(team.id, number=True)
    other = _overlap(team.id, values["starts_on"], values["ends_on"])
    if other is not None:
        db.session.rollback()
        raise _overlap_conflict(other)
    cycle = Cycle(team_id=team.id, number=number, name=values.get("name") or "",
                  starts_on=values["starts_on"], ends_on=values["ends_on"])
    db.session.add(cycle)
    db.session.flush()
    emit(Event.for_cycle(events.CYCLE_CREATED, cycle, actor))
    db.session.commit()
    return view_of(cycle)


def update_cycle(actor: User, ref, data: dict) -> CycleView:
    """Rename a cycle or change its dates (not those of a completed one); 409 on an overlap."""
    cycle = cycle_for(actor, ref)
    errors: dict = {}
    values = _clean(errors, data, partial=True)
    dates = {k: v for k, v in values.items() if k in ("starts_on", "ends_on")}
    if dates and cycle.completed_at is not None:
        errors["ends_on" if "ends_on" in dates else "starts_on"] = "A completed cycle's dates cannot change."
    starts_on, ends_on = dates.get("starts_on", cycle.starts_on), dates.get("ends_on", cycle.ends_on)
    _check_dates(errors, starts_on, ends_on, was_ends_on=cycle.ends_on)
    raise_if(errors)
    changed = {k: v for k, v in values.items() if getattr(cycle, k) != v}
    if not changed:
        return view_of(cycle)
    if dates:
        _lock_team(cycle.team_id)
        other = _overlap(cycle.team_id, starts_on, ends_on, except_id=cycle.id)
        if other is not None:
            db.session.rollback()
            raise _overlap_conflict(other)
    for key, value in changed.items():
        setattr(cycle, key, value)
    emit(Event.for_cycle(events.CYCLE_UPDATED, cycle, actor))
    db.session.commit()
    return view_of(cycle)


def delete_cycle(actor: User, ref) -> None:
    """Delete a cycle: its issues stay, out of any cycle, each with an Activity row."""
    cycle = cycle_for(actor, ref)
    team = db.session.get(Team, cycle.team_id)
    now = utcnow()
    issues = list(db.session.scalars(select(Issue).where(Issue.cycle_id == cycle.id)))
    for issue in issues:
        issue.cycle_id, issue.updated_at = None, now
        db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated", field="cycle",
                                old_value=cycle.title, new_value=None, created_at=now))
        issue.team = team
        emit(Event.for_issue(events.ISSUE_UPDATED, issue, actor))
    emit(Event.for_cycle(events.CYCLE_DELETED, cycle, actor))
    db.session.delete(cycle)
    db.session.commit()


def complete_cycle(actor: User, ref) -> tuple[CycleView, int, Cycle | None]:
    """End a current cycle today: its unfinished issues move to the team's next cycle (or to
    none). Returns the completed cycle, how many issues moved, and where to."""
    cycle = cycle_for(actor, ref)
    state = state_of(cycle)
    if state == "completed":
        raise ValidationError({"cycle": f"{cycle.title} is already completed."})
    if state == "upcoming":
        raise ValidationError({"cycle": f"{cycle.title} has not started yet: only a current cycle can be completed."})
    moved, target = _complete(actor, cycle, ends_on=today())
    db.session.commit()
    return view_of(cycle), moved, target


def _complete(actor: User, cycle: Cycle, *, ends_on: date | None = None) -> tuple[int, Cycle | None]:
    """Complete the cycle in the caller's transaction (once, even when two requests race: the
    UPDATE that sets completed_at claims it) and roll its unfinished issues over."""
    view = view_of(cycle)
    last_day = min(cycle.ends_on, ends_on) if ends_on else cycle.ends_on
    claimed = db.session.execute(
        update(Cycle).where(Cycle.id == cycle.id, Cycle.completed_at.is_(None))
        .values(completed_at=utcnow(), ends_on=last_day, final_scope=view.scope, final_completed=view.completed,
                final_points=view.points, final_points_done=view.points_done)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return 0, None
    db.session.refresh(cycle)
    target = db.session.scalar(select(Cycle).where(Cycle.team_id == cycle.team_id, Cycle.completed_at.is_(None),
                                                  Cycle.starts_on > last_day).order_by(Cycle.starts_on).limit(1))
    team = db.session.get(Team, cycle.team_id)
    unfinished = list(db.session.scalars(select(Issue).where(Issue.cycle_id == cycle.id,
                                                             Issue.status.in_(OPEN_STATUSES))))
    now = utcnow()
    for issue in unfinished:
        # Moved on, not removed: the completed cycle keeps them in its final figures and chart.
        issue.cycle_id, issue.updated_at, issue.team = (target.id if target else None), now, team
        record(target.id if target else None, issue.id, 1, 0)
        db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated", field="cycle",
                                old_value=cycle.title, new_value=target.title if target else None,
                                created_at=now))
        emit(Event.for_issue(events.ISSUE_UPDATED, issue, actor))
    emit(Event.for_cycle(events.CYCLE_UPDATED, cycle, actor))
    if target is not None and unfinished:
        emit(Event.for_cycle(events.CYCLE_UPDATED, target, actor))
    return len(unfinished), target


# -- settling: automatic completion and automatic cycles -----------------------------------------

def auto_plan(team: Team, cycles: list[Cycle], on: date) -> list[tuple[date, date]]:
    """The (start, end) of the automatic cycles to create so that the current cycle and the next
    CYCLES_AHEAD exist, each `cycle_weeks` long and starting on the team's weekday."""
    if not team.cycles_auto:
        return []
    ahead = sum(1 for c in cycles if c.ends_on >= on and c.completed_at is None)
    last_end = max((c.ends_on for c in cycles), default=None)
    if last_end is None or last_end < on:
        start = on - timedelta(days=(on.weekday() - team.cycle_start_day) % 7)
        if last_end is not None and start <= last_end:
            start = last_end + timedelta(days=1)
    else:
        start = last_end + timedelta(days=1)
    plans = []
    while ahead + len(plans) < 1 + CYCLES_AHEAD:
        end = start + timedelta(days=7 * team.cycle_weeks - 1)
        end += timedelta(days=(team.cycle_start_day - (end + timedelta(days=1)).weekday()) % 7)
        plans.append((start, end))
        start = end + timedelta(days=1)
    return plans


def settle(actor: User, team: Team) -> list[Cycle]:
    """The team's cycles after creating the automatic ones it lacks and completing those whose
    last day has passed (rolling their issues over). One query when there is nothing to do;
    otherwise the work commits under the team's row lock, re-checked after taking it."""
    cycles = _team_cycles(team.id)
    on = today()
    if not (auto_plan(team, cycles, on) or any(c.completed_at is None and c.ends_on < on for c in cycles)):
        return cycles
    _lock_team(team.id)
    db.session.refresh(team)
    cycles = _team_cycles(team.id)
    for c in cycles:
        db.session.refresh(c)
    for start, end in auto_plan(team, cycles, on):
        cycle = Cycle(team_id=team.id, number=_lock_team(team.id, number=True), starts_on=start, ends_on=end)
        db.session.add(cycle)
        db.session.flush()
        emit(Event.for_cycle(events.CYCLE_CREATED, cycle, actor))
    for c in sorted(_team_cycles(team.id), key=lambda c: c.starts_on):
        if c.completed_at is None and c.ends_on < on:
            _complete(actor, c)
    db.session.commit()
    return _team_cycles(team.id)


def set_automatic(actor: User, team_ref, enabled: bool, weeks, start_day) -> Team:
    """A team's automatic cycles (admins): on or off, length in weeks, start weekday."""
    team = access.team_for(actor, team_ref)
    access.require_admin(actor, team)
    errors: dict = {}
    try:
        weeks = int(weeks)
    except (TypeError, ValueError):
        weeks = None
    if weeks not in CYCLE_WEEKS:
        errors["cycle_weeks"] = f"Length must be {', '.join(map(str, CYCLE_WEEKS))} weeks."
    try:
        start_day = int(start_day)
    except (TypeError, ValueError):
        start_day = None
    if start_day not in range(len(WEEKDAYS)):
        errors["cycle_start_day"] = "Choose the weekday cycles start on."
    raise_if(errors)
    team.cycles_auto, team.cycle_weeks, team.cycle_start_day = bool(enabled), weeks, start_day
    db.session.commit()
    return team
