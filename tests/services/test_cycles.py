"""Cycles: dates that never overlap, lazy automatic cycles, completion with rollover, the burndown."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from linear_web.infra.extensions import db
from linear_web.models import Activity, Cycle, Issue, User
from linear_web.services import cycles, issues
from linear_web.services.errors import Conflict, NotFound, ValidationError
from linear_web.services.issue_queries import IssueFilters, list_issues

from ..concurrency import run_in_threads


@pytest.fixture
def crew(f):
    ada, bob, eve = f.user("Ada"), f.user("Bob"), f.user("Eve")
    eng = f.team(ada, key="ENG", members=[bob])
    ops = f.team(ada, key="OPS")
    f.team(eve, key="EVE")
    return type("Crew", (), {"ada": ada, "bob": bob, "eve": eve, "eng": eng, "ops": ops})


def _new(crew, starts: str, ends: str, name: str = "", actor=None):
    return cycles.create_cycle(actor or crew.bob, crew.eng.id, {"starts_on": starts, "ends_on": ends, "name": name})


def test_cycles_are_numbered_per_team_and_overlaps_are_refused_with_the_other_cycle_named(crew, clock):
    first = _new(crew, "2026-12-07", "2026-12-20")
    second = _new(crew, "2026-12-21", "2027-01-03", name="Holiday polish")
    assert (first.cycle.number, first.state, second.cycle.number, second.state) == (1, "current", 2, "upcoming")
    assert second.to_json()["name"] == "Holiday polish" and first.to_json()["name"] == "Cycle 1"
    with pytest.raises(Conflict) as err:
        _new(crew, "2026-12-20", "2026-12-22")          # touches both: the earlier one is named
    assert err.value.details == {"starts_on": "These dates overlap Cycle 1 (Dec 7 – Dec 20, 2026)."}
    assert cycles.create_cycle(crew.ada, crew.ops.id, {"starts_on": "2026-12-07", "ends_on": "2026-12-20"}) \
        .cycle.number == 1                               # another team's dates are its own
    assert [v.cycle.number for v in cycles.list_cycles(crew.bob, crew.eng.id)] == [1, 2]
    assert _new(crew, "2027-01-04", "2027-01-17").cycle.number == 3  # the refused one used no number


@pytest.mark.parametrize("data, field", [
    ({"starts_on": "2026-12-10", "ends_on": "2026-12-09"}, "ends_on"),
    ({"starts_on": "2026-02-30", "ends_on": "2026-03-09"}, "starts_on"),
    ({"starts_on": "12/10/2026", "ends_on": "2026-12-20"}, "starts_on"),
    ({"starts_on": 20261210, "ends_on": "2026-12-20"}, "starts_on"),
    ({"ends_on": "2026-12-20"}, "starts_on"),
    ({"starts_on": "2026-11-01", "ends_on": "2026-11-14"}, "ends_on"),            # ends in the past
    ({"starts_on": "2026-12-10", "ends_on": "2028-12-20"}, "ends_on"),            # over a year
    ({"starts_on": "2026-12-10", "ends_on": "2026-12-20", "name": "x" * 81}, "name"),
    ({"starts_on": "2026-12-10", "ends_on": "2026-12-20", "name": "a\x00b"}, "name"),
    ({"starts_on": "2026-12-10", "ends_on": "2026-12-20", "name": ["list"]}, "name"),
])
def test_bad_cycle_input_names_the_field_and_writes_nothing(crew, clock, data, field):
    with pytest.raises(ValidationError) as err:
        cycles.create_cycle(crew.bob, crew.eng.id, data)
    assert field in err.value.details
    assert db.session.scalar(select(db.func.count()).select_from(Cycle)) == 0


def test_outsiders_see_no_cycles_and_reach_none(crew, clock):
    view = _new(crew, "2026-12-07", "2026-12-20")
    for call in (lambda: cycles.list_cycles(crew.eve, crew.eng.id),
                 lambda: cycles.cycle_for(crew.eve, view.cycle.id),
                 lambda: cycles.update_cycle(crew.eve, view.cycle.id, {"name": "mine"}),
                 lambda: cycles.complete_cycle(crew.eve, view.cycle.id),
                 lambda: cycles.delete_cycle(crew.eve, view.cycle.id),
                 lambda: cycles.create_cycle(crew.eve, crew.eng.id, {"starts_on": "2027-01-04",
                                                                     "ends_on": "2027-01-10"})):
        with pytest.raises(NotFound):
            call()
    assert db.session.get(Cycle, view.cycle.id).name == ""


def test_two_concurrent_overlapping_creates_one_wins(app, crew, clock):
    """The team's row lock serialises the overlap check (PostgreSQL); SQLite serialises writers."""
    bob_id, team_id = crew.bob.id, crew.eng.id

    def create(i):
        actor = db.session.get(User, bob_id)
        return cycles.create_cycle(actor, team_id, {"starts_on": f"2026-12-{10 + i:02d}",
                                                    "ends_on": "2026-12-24"}).cycle.number

    results = run_in_threads(app, 6, create)
    wins = [r for r in results if isinstance(r, int)]
    assert len(wins) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int)), results
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Cycle).where(Cycle.team_id == team_id)) == 1


def test_changing_dates_checks_overlaps_and_past_ends_but_renames_freely(crew, clock):
    one = _new(crew, "2026-12-07", "2026-12-20").cycle
    two = _new(crew, "2026-12-21", "2027-01-03").cycle
    with pytest.raises(Conflict):
        cycles.update_cycle(crew.bob, two.id, {"starts_on": "2026-12-15"})
    assert cycles.update_cycle(crew.bob, two.id, {"name": "  Launch  "}).to_json()["name"] == "Launch"
    moved = cycles.update_cycle(crew.bob, one.id, {"ends_on": "2026-12-18"})
    assert moved.cycle.ends_on == date(2026, 12, 18)
    with pytest.raises(ValidationError) as err:
        cycles.update_cycle(crew.bob, one.id, {"starts_on": "2026-11-20", "ends_on": "2026-12-01"})
    assert "past" in err.value.details["ends_on"]


def test_automatic_cycles_are_made_lazily_across_a_year_boundary(crew, clock):
    clock.set(date(2026, 12, 30))                           # a Wednesday
    cycles.set_automatic(crew.ada, crew.eng.id, True, 2, 0)  # two weeks from Mondays
    with pytest.raises(NotFound):
        cycles.set_automatic(crew.eve, crew.eng.id, True, 2, 0)
    with pytest.raises(ValidationError):
        cycles.set_automatic(crew.ada, crew.eng.id, True, 5, 0)
    assert db.session.scalar(select(db.func.count()).select_from(Cycle)) == 0  # nothing until read
    views = cycles.list_cycles(crew.bob, crew.eng.id)
    spans = [(v.cycle.number, v.cycle.starts_on, v.cycle.ends_on, v.state) for v in views]
    assert spans == [(1, date(2026, 12, 28), date(2027, 1, 10), "current"),
                     (2, date(2027, 1, 11), date(2027, 1, 24), "upcoming"),
                     (3, date(2027, 1, 25), date(2027, 2, 7), "upcoming")]
    assert cycles.list_cycles(crew.bob, crew.eng.id)[-1].cycle.number == 3   # reading again makes none
    f_issue = issues.create_issue(crew.bob, crew.eng.id, {"title": "Carry me", "cycle_id": str(views[0].cycle.id)})
    clock.set(date(2027, 1, 12))                            # cycle 1 has ended: reading settles it
    views = cycles.list_cycles(crew.bob, crew.eng.id)
    assert [(v.cycle.number, v.state) for v in views] == [(1, "completed"), (2, "current"), (3, "upcoming"),
                                                          (4, "upcoming")]
    assert views[-1].cycle.starts_on == date(2027, 2, 8)
    assert db.session.get(Issue, f_issue.id).cycle_id == views[1].cycle.id
    assert (views[0].scope, views[0].completed) == (1, 0)    # its final figures stay


def test_completing_moves_unfinished_issues_to_the_next_cycle_with_activity(crew, clock, f):
    one = _new(crew, "2026-12-07", "2026-12-20").cycle
    two = _new(crew, "2026-12-21", "2027-01-03").cycle
    done = f.issue(crew.eng, crew.bob, title="Shipped", cycle_id=str(one.id), status="done")
    dropped = f.issue(crew.eng, crew.bob, title="Dropped", cycle_id=str(one.id), status="canceled")
    open_ = f.issue(crew.eng, crew.bob, title="Still open", cycle_id=str(one.id), status="in_progress")
    with pytest.raises(ValidationError):
        cycles.complete_cycle(crew.bob, two.id)            # not started yet
    clock.add(3)
    view, moved, target = cycles.complete_cycle(crew.bob, one.id)
    assert (view.state, view.scope, view.completed, moved, target.id) == ("completed", 3, 1, 1, two.id)
    assert view.cycle.ends_on == date(2026, 12, 10)        # it ends today
    db.session.expire_all()
    assert [db.session.get(Issue, i.id).cycle_id for i in (done, dropped, open_)] == [one.id, one.id, two.id]
    rows = db.session.scalars(select(Activity).where(Activity.issue_id == open_.id, Activity.field == "cycle")).all()
    assert [(a.old_value, a.new_value) for a in rows] == [("Cycle 1", "Cycle 2")]
    with pytest.raises(ValidationError):
        cycles.complete_cycle(crew.bob, one.id)            # once
    with pytest.raises(ValidationError) as err:
        issues.update_issue(crew.bob, open_.id, {"cycle_id": str(one.id)})
    assert err.value.details["cycle_id"] == "Cycle 1 is completed: it cannot receive issues."
    issues.update_issue(crew.bob, done.id, {"cycle_id": str(one.id), "title": "Shipped!"})  # stays: no change
    assert cycles.view_of(db.session.get(Cycle, two.id)).scope == 1


def test_a_last_cycle_completing_leaves_its_unfinished_issues_without_one(crew, clock, f):
    one = _new(crew, "2026-12-07", "2026-12-13").cycle
    left = f.issue(crew.eng, crew.bob, cycle_id=str(one.id))
    clock.set(date(2026, 12, 14))
    assert cycles.cycle_for(crew.bob, one.id).completed_at is not None   # any read settles it
    assert db.session.get(Issue, left.id).cycle_id is None


def test_burndown_follows_scope_added_and_removed_mid_cycle(crew, clock, f):
    clock.set(date(2026, 12, 5))                           # planned before it starts
    one = _new(crew, "2026-12-07", "2026-12-13").cycle
    a, b, c = (f.issue(crew.eng, crew.bob, cycle_id=str(one.id)) for _ in range(3))
    clock.set(date(2026, 12, 8))
    issues.update_issue(crew.bob, a.id, {"status": "done"})
    clock.set(date(2026, 12, 9))
    d = f.issue(crew.eng, crew.bob, title="Added mid-cycle")
    issues.update_issue(crew.bob, d.id, {"cycle_id": str(one.id)})
    issues.update_issue(crew.bob, b.id, {"status": "done"})
    issues.update_issue(crew.bob, b.id, {"status": "todo"})  # reopened the same day: no net change
    clock.set(date(2026, 12, 10))
    issues.update_issue(crew.bob, c.id, {"cycle_id": None})  # taken out
    issues.delete_issue(crew.bob, a.id)                      # a done issue deleted: both figures drop
    points = [(p["date"][-2:], p["scope"], p["completed"]) for p in cycles.burndown(db.session.get(Cycle, one.id))]
    assert points == [("07", 3, 0), ("08", 3, 1), ("09", 4, 1), ("10", 2, 0)]   # up to today
    view = cycles.view_of(db.session.get(Cycle, one.id))
    assert (view.scope, view.completed) == (2, 0)            # the figures and the chart agree


def test_cycle_filter_current_none_and_by_id(crew, clock, f):
    one = _new(crew, "2026-12-07", "2026-12-20").cycle
    two = _new(crew, "2026-12-21", "2027-01-03").cycle
    f.issue(crew.eng, crew.bob, title="now", cycle_id=str(one.id))
    f.issue(crew.eng, crew.bob, title="next", cycle_id=str(two.id))
    f.issue(crew.eng, crew.bob, title="unplanned")

    def titles(**args):
        return sorted(i.title for i in list_issues(crew.bob, IssueFilters.from_args(MultiDict(args),
                                                                                     team_id=crew.eng.id)).items)
    assert titles(cycle_id="current") == ["now"]
    assert titles(cycle_id="none") == ["unplanned"]
    assert titles(cycle_id=str(two.id)) == ["next"]
    with pytest.raises(ValidationError) as err:
        titles(cycle_id="soon")
    assert "cycle_id" in err.value.details


def test_an_issue_takes_only_a_cycle_of_its_team_and_leaves_it_when_it_moves_team(crew, clock, f):
    mine = _new(crew, "2026-12-07", "2026-12-20").cycle
    theirs = cycles.create_cycle(crew.ada, crew.ops.id, {"starts_on": "2026-12-07", "ends_on": "2026-12-20"}).cycle
    with pytest.raises(ValidationError) as err:
        f.issue(crew.eng, crew.ada, cycle_id=str(theirs.id))
    assert err.value.details == {"cycle_id": "The cycle was not found in the issue's team."}
    issue = f.issue(crew.eng, crew.ada, cycle_id=str(mine.id))
    issues.update_issue(crew.ada, issue.id, {"team_id": str(crew.ops.id)})
    assert db.session.get(Issue, issue.id).cycle_id is None
    assert cycles.view_of(db.session.get(Cycle, mine.id)).scope == 0
    rows = db.session.scalars(select(Activity).where(Activity.issue_id == issue.id, Activity.field == "cycle")).all()
    assert [(a.old_value, a.new_value) for a in rows] == [("Cycle 1", None)]


def test_deleting_a_cycle_keeps_its_issues_out_of_any_cycle(crew, clock, f):
    one = _new(crew, "2026-12-07", "2026-12-20").cycle
    issue = f.issue(crew.eng, crew.bob, cycle_id=str(one.id))
    cycles.delete_cycle(crew.bob, one.id)
    assert db.session.get(Issue, issue.id).cycle_id is None
    assert db.session.get(Cycle, one.id) is None
    rows = db.session.scalars(select(Activity).where(Activity.issue_id == issue.id, Activity.field == "cycle")).all()
    assert [(a.old_value, a.new_value) for a in rows] == [("Cycle 1", None)]


def test_the_cycles_page_reads_a_fixed_number_of_queries(crew, clock, f, count_queries):
    def add(weeks):
        for week in weeks:
            start = date(2026, 12, 7) + timedelta(days=7 * week)
            view = _new(crew, start.isoformat(), (start + timedelta(days=6)).isoformat())
            f.issue(crew.eng, crew.bob, cycle_id=str(view.cycle.id))

    def count():
        db.session.expire_all()
        with count_queries() as counter:
            views = cycles.list_cycles(crew.bob, crew.eng.id)
        assert all(v.scope == 1 for v in views)
        return len(views), counter.count

    add(range(2))
    few = count()
    add(range(2, 12))
    assert count() == (12, few[1]) and few[1] <= 5
