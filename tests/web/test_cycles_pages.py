"""The team's Cycles pages: the list by state with progress, create/rename/re-date/delete by form,
automatic cycles (admins), a cycle's page (figures, burndown, issues by status), completing it;
outsiders, CSRF, escaping and a fixed number of queries."""
import re
from datetime import date

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Cycle, Issue, Team
from linear_web.services import cycles, issues, teams as team_service

from .conftest import hx

TODAY = date(2026, 12, 9)  # a Wednesday


@pytest.fixture
def clock(clock):
    """Today is TODAY on these pages."""
    clock.set(TODAY)
    return clock


def _cycle(team, actor, starts: str, ends: str, name: str = "") -> Cycle:
    return cycles.create_cycle(actor, team.id, {"starts_on": starts, "ends_on": ends, "name": name}).cycle


@pytest.fixture
def sprints(eng, f, clock):
    """ENG's cycles seen on Dec 9, 2026: 1 "Autumn" (Nov 23 – Dec 6, completed with 1 of 2 done:
    its open issue rolled over to 2), 2 current (Dec 7 – Dec 20), 3 upcoming (Dec 21 – Jan 3)."""
    clock.day = date(2026, 11, 23)
    autumn = _cycle(eng.team, eng.admin, "2026-11-23", "2026-12-06", name="Autumn")
    f.issue(eng.team, eng.admin, title="Shipped in autumn", cycle_id=str(autumn.id), status="done")
    f.issue(eng.team, eng.admin, title="Left over", cycle_id=str(autumn.id), status="todo")
    current = _cycle(eng.team, eng.admin, "2026-12-07", "2026-12-20")
    upcoming = _cycle(eng.team, eng.admin, "2026-12-21", "2027-01-03")
    clock.day = TODAY
    cycles.team_cycles(eng.admin, eng.team)  # settles: Autumn completes, "Left over" moves to Cycle 2
    f.issue(eng.team, eng.admin, title="Crash on save", cycle_id=str(current.id), status="in_progress")
    f.issue(eng.team, eng.admin, title="Fix login", cycle_id=str(current.id), status="done")
    return {"autumn": autumn, "current": current, "upcoming": upcoming}


def _cycle_rows(team) -> list[tuple]:
    db.session.expire_all()
    return [(c.number, c.name, c.starts_on.isoformat(), c.ends_on.isoformat())
            for c in db.session.scalars(db.select(Cycle).where(Cycle.team_id == team.id).order_by(Cycle.number))]


def _section(html: str, state: str) -> str:
    start = html.index(f'id="cycles-{state}-heading"')
    end = html.find("</section>", start)
    return html[start:end]


def _row(html: str, number: int) -> str:
    start = html.index(f'<li id="cycle-{number}"')
    return html[start:html.index("</li>", start)]


def _error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}">([^<]*)</p>', html)
    assert match, f"no error for {field_id}"
    return match.group(1)


# -- the list page -------------------------------------------------------------------------------

def test_page_lists_current_upcoming_and_completed_with_progress(client, eng, sprints):
    client.login(eng.member)  # any member
    resp = client.get("/team/ENG/cycles")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    current = _section(html, "current")
    assert 'href="/team/ENG/cycles/2"' in current and ">Cycle 2</a>" in current
    row = _row(current, 2)
    assert "Dec 7 – Dec 20" in row and "1/3 issues" in row and "33%" in row and "12 days left" in row
    assert '<progress class="cycle-progress" max="3" value="1"' in row
    assert 'aria-label="Cycle 2: 1 of 3 issues completed"' in row
    assert 'data-confirm="Delete Cycle 2? Its 3 issues stay, out of any cycle."' in row
    upcoming = _row(_section(html, "upcoming"), 3)
    assert "Dec 21 – Jan 3, 2027" in upcoming and "0/0 issues" in upcoming and "Starts in 12 days" in upcoming
    assert 'max="1" value="0"' in upcoming  # an empty cycle still has a valid bar
    completed = _row(_section(html, "completed"), 1)
    assert ">Autumn</a>" in completed and "Nov 23 – Dec 6" in completed
    assert "1/2 issues" in completed and "50%" in completed and "Ended Dec 6" in completed
    assert "Delete" not in completed and "<details" not in completed  # final: no edit, no delete
    # The create form suggests the two weeks after the last cycle.
    assert 'name="starts_on" type="date" value="2027-01-04"' in html
    assert 'name="ends_on" type="date" value="2027-01-17"' in html
    # The settings tab, its stylesheet, the live socket of kind "cycles".
    assert '<a href="/team/ENG/cycles" aria-current="page">Cycles</a>' in html
    assert "css/cycles.css" in html and "style=" not in html
    assert f'data-url="/ws?kind=cycles&amp;team={eng.team.id}"' in html and 'id="live-refetch"' in html
    assert re.search(r'id="live-refetch" hidden hx-get="/team/ENG/cycles" hx-trigger="live-refresh"\s+'
                     r'hx-target="#cycles-sections" hx-select="#cycles-sections"', html)
    # Team settings and labels lead here too.
    assert 'href="/team/ENG/cycles"' in client.get("/team/ENG/labels").get_data(as_text=True)


def test_empty_page_says_what_to_do(client, eng, clock):
    client.login(eng.admin)
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert "No cycle is running today. Create one below, or turn on automatic cycles." in html
    assert "Nothing planned yet." in html and "No completed cycles yet." in html
    assert 'name="starts_on" type="date" value="2026-12-09"' in html


def test_live_refresh_gets_the_region_alone(client, eng, sprints):
    client.login(eng.member)
    html = client.get("/team/ENG/cycles", headers=hx("cycles-sections")).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="cycles-body"') and "<html" not in html
    assert 'id="cycles-sections"' in html                  # what the live refresh takes out of it
    html = client.get("/team/ENG/cycles/2", headers=hx("cycle-page")).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="cycle-page"') and "<html" not in html


def test_create_by_form_then_redirect_and_flash(client, eng, clock):
    client.login(eng.member)
    resp = client.post("/team/ENG/cycles", data={"name": "Launch", "starts_on": "2026-12-14", "ends_on": "2026-12-27"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/cycles#cycle-1")
    assert _cycle_rows(eng.team) == [(1, "Launch", "2026-12-14", "2026-12-27")]
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert "Launch created: Dec 14 – Dec 27." in html
    assert ">Launch</a>" in _section(html, "upcoming")


def test_create_over_htmx_answers_with_the_region_and_the_flash(client, eng, clock):
    client.login(eng.member)
    resp = client.post("/team/ENG/cycles", data={"name": "", "starts_on": "2026-12-07", "ends_on": "2026-12-20"},
                       headers=hx("cycles-body"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="cycles-body"')
    assert ">Cycle 1</a>" in _section(html, "current")
    assert 'id="flash"' in html and 'hx-swap-oob="true"' in html and "Cycle 1 created: Dec 7 – Dec 20." in html


def test_overlap_is_409_with_the_message_next_to_the_start_and_input_kept(client, eng, sprints):
    client.login(eng.member)
    data = {"name": "Overlapping", "starts_on": "2026-12-15", "ends_on": "2026-12-28"}
    for headers in ({}, hx("cycles-body")):
        resp = client.post("/team/ENG/cycles", data=data, headers=headers)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 409, html
        assert _error(html, "error-starts_on") == "These dates overlap Cycle 2 (Dec 7 – Dec 20, 2026)."
        assert 'value="Overlapping"' in html and 'value="2026-12-15"' in html and 'value="2026-12-28"' in html
        assert 'aria-invalid="true" aria-describedby="error-starts_on"' in html
    assert [n for n, *_ in _cycle_rows(eng.team)] == [1, 2, 3]


@pytest.mark.parametrize("data,field,message", [
    ({"starts_on": "2027-01-10", "ends_on": "2027-01-04"}, "ends_on", "The end date must be on or after the start date."),
    ({"starts_on": "", "ends_on": "2027-01-04"}, "starts_on", "Start date is required."),
    ({"starts_on": "2027-02-30", "ends_on": "2027-03-04"}, "starts_on", "Start date must be a real date"),
    ({"starts_on": "2026-11-01", "ends_on": "2026-11-14"}, "ends_on", "A cycle cannot end in the past."),
    ({"starts_on": "2027-01-04", "ends_on": "2027-01-17", "name": "x" * 81}, "name", "at most 80"),
])
def test_bad_input_is_422_next_to_the_field_with_input_kept(client, eng, clock, data, field, message):
    client.login(eng.member)
    for headers in ({}, hx("cycles-body")):
        resp = client.post("/team/ENG/cycles", data={"name": "Kept", **data}, headers=headers)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, html
        assert message in _error(html, f"error-{field}")
        assert f'value="{data.get("name", "Kept")}"' in html and f'value="{data["ends_on"]}"' in html
    assert _cycle_rows(eng.team) == []


def test_rename_and_change_dates_in_the_row(client, eng, sprints):
    client.login(eng.member)
    resp = client.post("/team/ENG/cycles/3", data={"name": "Holidays", "starts_on": "2026-12-21", "ends_on": "2027-01-10"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/cycles#cycle-3")
    assert _cycle_rows(eng.team)[2] == (3, "Holidays", "2026-12-21", "2027-01-10")
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert "Holidays saved: Dec 21 – Jan 10, 2027." in html and ">Holidays</a>" in _row(html, 3)
    # Over htmx the region comes back; an emptied name is "Cycle N" again.
    resp = client.post("/team/ENG/cycles/3", data={"name": " ", "starts_on": "2026-12-21", "ends_on": "2027-01-10"},
                       headers=hx("cycles-body"))
    assert resp.status_code == 200 and ">Cycle 3</a>" in _row(resp.get_data(as_text=True), 3)
    assert _cycle_rows(eng.team)[2] == (3, "", "2026-12-21", "2027-01-10")


def test_refused_row_edit_stays_open_with_the_error_and_input(client, eng, sprints):
    client.login(eng.member)
    for headers in ({}, hx("cycles-body")):
        resp = client.post("/team/ENG/cycles/3", data={"name": "Early", "starts_on": "2026-12-18", "ends_on": "2027-01-03"},
                           headers=headers)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 409
        row = _row(html, 3)
        assert '<details class="cycle-edit" open>' in row
        assert _error(row, "cycle-3-starts_on-error") == "These dates overlap Cycle 2 (Dec 7 – Dec 20, 2026)."
        assert 'value="Early"' in row and 'value="2026-12-18"' in row
        assert '<details class="cycle-edit" open>' not in _row(html, 2)  # only that row
    resp = client.post("/team/ENG/cycles/3", data={"starts_on": "2027-01-05", "ends_on": "2027-01-04"})
    assert resp.status_code == 422
    assert "on or after the start date" in _error(resp.get_data(as_text=True), "cycle-3-ends_on-error")
    assert _cycle_rows(eng.team)[2] == (3, "", "2026-12-21", "2027-01-03")


def test_delete_leaves_the_issues_out_of_any_cycle(client, eng, sprints):
    client.login(eng.member)
    resp = client.post("/team/ENG/cycles/2/delete")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/cycles")
    assert [n for n, *_ in _cycle_rows(eng.team)] == [1, 3]
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue).where(Issue.cycle_id.is_(None))) == 3
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert "Cycle 2 deleted; its issues are no longer in a cycle." in html
    assert client.get("/team/ENG/cycles/2").status_code == 404
    resp = client.post("/team/ENG/cycles/3/delete", headers=hx("cycles-body"))
    assert resp.status_code == 200 and 'id="cycle-3"' not in resp.get_data(as_text=True)
    assert client.post("/team/ENG/cycles/3/delete").status_code == 404  # already gone


# -- automatic cycles ----------------------------------------------------------------------------

def test_admin_turns_on_automatic_cycles_and_three_appear(client, eng, clock):
    client.login(eng.admin)
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert 'id="cycle-settings-form"' in html and 'name="cycles_auto"' in html
    resp = client.post("/team/ENG/cycles/settings", data={"cycles_auto": "on", "cycle_weeks": "2", "cycle_start_day": "0"})
    assert resp.status_code == 303
    team = db.session.get(Team, eng.team.id)
    assert (team.cycles_auto, team.cycle_weeks, team.cycle_start_day) == (True, 2, 0)
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert "Automatic cycles on: 2 weeks long, starting on Monday." in html
    assert _cycle_rows(eng.team) == [(1, "", "2026-12-07", "2026-12-20"), (2, "", "2026-12-21", "2027-01-03"),
                                     (3, "", "2027-01-04", "2027-01-17")]
    assert ">Cycle 1</a>" in _section(html, "current")
    assert ">Cycle 2</a>" in _section(html, "upcoming") and ">Cycle 3</a>" in _section(html, "upcoming")
    assert 'id="cycles-auto" name="cycles_auto" value="on" checked' in html
    # Off again (an unchecked box sends nothing): the planned cycles stay.
    resp = client.post("/team/ENG/cycles/settings", data={"cycle_weeks": "1", "cycle_start_day": "3"},
                       headers=hx("cycles-body"))
    assert resp.status_code == 200 and "Automatic cycles off" in resp.get_data(as_text=True)
    team = db.session.get(Team, eng.team.id)
    assert (team.cycles_auto, team.cycle_weeks, team.cycle_start_day) == (False, 1, 3)
    assert len(_cycle_rows(eng.team)) == 3


def test_bad_settings_are_422_next_to_the_field(client, eng, clock):
    client.login(eng.admin)
    resp = client.post("/team/ENG/cycles/settings", data={"cycles_auto": "on", "cycle_weeks": "6", "cycle_start_day": "9"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert _error(html, "cycle-weeks-error") == "Length must be 1, 2, 3, 4 weeks."
    assert _error(html, "cycle-start-day-error") == "Choose the weekday cycles start on."
    assert 'id="cycles-auto" name="cycles_auto" value="on" checked' in html  # kept
    assert db.session.get(Team, eng.team.id).cycles_auto is False and _cycle_rows(eng.team) == []


def test_members_see_the_setting_but_cannot_change_it(client, eng, clock):
    client.login(eng.member)
    html = client.get("/team/ENG/cycles").get_data(as_text=True)
    assert 'id="cycle-settings-form"' not in html and "Only team admins can change this." in html
    resp = client.post("/team/ENG/cycles/settings", data={"cycles_auto": "on", "cycle_weeks": "2", "cycle_start_day": "0"})
    assert resp.status_code == 403 and b"You do not have permission" in resp.data
    assert db.session.get(Team, eng.team.id).cycles_auto is False and _cycle_rows(eng.team) == []


# -- a cycle's page ------------------------------------------------------------------------------

def test_cycle_page_shows_figures_burndown_and_issues_by_status(client, eng, sprints):
    client.login(eng.member)
    resp = client.get("/team/ENG/cycles/2")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<h1>Cycle 2</h1>" in html and ">Current</span>" in html and "Dec 7 – Dec 20" in html
    assert "12 days left" in html and '<span class="cycle-count">1/3 issues</span> completed' in html and "33%" in html
    assert 'action="/team/ENG/cycles/2/complete"' in html and "Complete cycle" in html
    assert 'data-confirm="Complete Cycle 2 today? 2 unfinished issues will move to the next cycle' in html
    assert "Points" not in html  # the team does not use estimates
    # The burndown: an image named as such, with its numbers as a table.
    svg = re.search(r'<svg class="burndown"[^>]*>', html).group(0)
    assert 'role="img"' in svg
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)
    assert label == ("Burndown of Cycle 2: 3 issues in scope, 2 remaining, 1 completed on Dec 9; "
                     "the ideal line reaches 0 on Dec 20.")
    assert f"<title>{label}</title>" in html and 'class="line-remaining"' in html and 'class="line-ideal"' in html
    table = html[html.index('<table class="cycle-table">'):html.index("</table>")]
    assert "<caption" in table and ">Remaining</th>" in table and ">Ideal</th>" in table
    # Dec 7 to Dec 9: "Left over" rolled over on Dec 9, the two others added on Dec 9.
    assert re.findall(r'<time datetime="([^"]+)">', table) == ["2026-12-07", "2026-12-08", "2026-12-09"]
    assert '<td class="num">3</td><td class="num">1</td><td class="num">2</td>' in table
    # Issues grouped by status with their counts, with the list's rows.
    groups = re.findall(r'<details class="issue-group" id="group-(\w+)"', html)
    assert groups == ["todo", "in_progress", "done"]
    assert re.search(r'id="group-count-todo" class="group-count">1<', html)
    for title in ("Left over", "Crash on save", "Fix login"):
        assert f">{title}</a>" in html
    assert "Shipped in autumn" not in html
    assert 'id="issue-ENG-' in html and "css/issues.css" in html and 'id="icon-status-done"' in html
    assert f'data-url="/ws?kind=cycles&amp;team={eng.team.id}"' in html


def test_cycle_page_shows_points_when_the_team_uses_estimates(client, eng, sprints, f):
    team_service.update_team(eng.admin, eng.team.id, estimates="linear")
    f.issue(eng.team, eng.admin, title="Estimated", cycle_id=str(sprints["current"].id), status="done", estimate=3)
    f.issue(eng.team, eng.admin, title="Estimated too", cycle_id=str(sprints["current"].id), estimate=2)
    client.login(eng.member)
    html = client.get("/team/ENG/cycles/2").get_data(as_text=True)
    assert '<dd class="cycle-points">3/5 points done</dd>' in html
    cycles.complete_cycle(eng.member, sprints["current"].id)   # the open one moves on; the figures stay
    html = client.get("/team/ENG/cycles/2").get_data(as_text=True)
    assert ">Completed</span>" in html and '<dd class="cycle-points">3/5 points done</dd>' in html


def test_upcoming_cycle_page_has_no_chart_yet_nor_complete_button(client, eng, sprints):
    client.login(eng.member)
    html = client.get("/team/ENG/cycles/3").get_data(as_text=True)
    assert ">Upcoming</span>" in html and "Starts in 12 days" in html
    assert "The chart starts on Dec 21, the cycle" in html and '<svg class="burndown"' not in html
    assert "Complete cycle" not in html and "No issues in Cycle 3 yet" in html


def test_completed_cycle_shows_its_final_figures_and_chart(client, eng, sprints):
    client.login(eng.member)
    html = client.get("/team/ENG/cycles/1").get_data(as_text=True)
    assert "<h1>Autumn</h1>" in html and ">Completed</span>" in html and "Ended Dec 6" in html
    assert '<span class="cycle-count">1/2 issues</span>' in html and "50%" in html
    assert "Complete cycle" not in html and 'action="/team/ENG/cycles/1/complete"' not in html
    label = re.search(r'<svg class="burndown"[^>]*aria-label="([^"]+)"', html).group(1)
    assert label.startswith("Burndown of Autumn: 2 issues in scope, 1 remaining, 1 completed on Dec 6")
    assert len(re.findall(r"<time datetime=", html)) == 14  # every day of the cycle
    assert ">Shipped in autumn</a>" in html and ">Left over</a>" not in html  # it moved on


def test_complete_cycle_moves_unfinished_issues_to_the_next_cycle(client, eng, sprints):
    client.login(eng.member)
    resp = client.post("/team/ENG/cycles/2/complete")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/cycles/2")
    html = client.get("/team/ENG/cycles/2").get_data(as_text=True)
    assert "Cycle 2 completed: 2 unfinished issues moved to Cycle 3." in html
    assert ">Completed</span>" in html and "Complete cycle" not in html
    moved = {i.title: i.cycle_id for i in db.session.scalars(db.select(Issue))}
    assert moved["Crash on save"] == moved["Left over"] == sprints["upcoming"].id
    assert moved["Fix login"] == sprints["current"].id
    # Completing it again (a stale page): a message, nothing else.
    resp = client.post("/team/ENG/cycles/2/complete")
    assert resp.status_code == 303
    assert "Cycle 2 is already completed." in client.get("/team/ENG/cycles/2").get_data(as_text=True)


def test_complete_without_a_next_cycle_moves_issues_out_of_cycles(client, eng, sprints):
    cycles.delete_cycle(eng.admin, sprints["upcoming"].id)
    client.login(eng.admin)
    assert client.post("/team/ENG/cycles/2/complete").status_code == 303
    html = client.get("/team/ENG/cycles/2").get_data(as_text=True)
    assert "Cycle 2 completed: 2 unfinished issues moved out of cycles." in html
    crash = db.session.scalar(db.select(Issue).where(Issue.title == "Crash on save"))
    assert crash.cycle_id is None


def test_an_upcoming_cycle_cannot_be_completed(client, eng, sprints):
    client.login(eng.admin)
    assert client.post("/team/ENG/cycles/3/complete").status_code == 303
    html = client.get("/team/ENG/cycles/3").get_data(as_text=True)
    assert "Cycle 3 has not started yet: only a current cycle can be completed." in html
    assert db.session.get(Cycle, sprints["upcoming"].id).completed_at is None


def test_cycle_page_runs_the_same_queries_for_2_and_20_issues(client, eng, f, clock, count_queries):
    team_service.update_team(eng.admin, eng.team.id, estimates="linear")
    cycle = _cycle(eng.team, eng.admin, "2026-12-07", "2026-12-20")
    bob = eng.member

    def add(n):
        for i in range(n):
            issue = f.issue(eng.team, eng.admin, title=f"Issue {i}", cycle_id=str(cycle.id),
                            status="done" if i % 2 else "todo", assignee_id=str(bob.id))
            issues.update_issue(eng.admin, issue.id, {"estimate": 2})
    add(2)
    client.login(eng.admin)
    client.get("/team/ENG/cycles/1")
    with count_queries() as few:
        assert client.get("/team/ENG/cycles/1").status_code == 200
    add(18)
    with count_queries() as many:
        html = client.get("/team/ENG/cycles/1").get_data(as_text=True)
    assert html.count('class="issue-row"') == 20 and "20/40 points done" in html
    assert many.count == few.count
    with count_queries() as listing:
        client.get("/team/ENG/cycles")
    _cycle(eng.team, eng.admin, "2026-12-21", "2027-01-03")
    _cycle(eng.team, eng.admin, "2027-01-04", "2027-01-17")
    with count_queries() as more_cycles:
        client.get("/team/ENG/cycles")
    assert more_cycles.count == listing.count


def test_unknown_cycle_numbers_are_404(client, eng, sprints):
    client.login(eng.admin)
    assert client.get("/team/ENG/cycles/99").status_code == 404
    assert client.post("/team/ENG/cycles/99", data={"name": "x"}).status_code == 404
    assert client.post("/team/ENG/cycles/99/delete").status_code == 404
    assert client.post("/team/ENG/cycles/99/complete").status_code == 404
    assert client.get("/team/ENG/cycles/abc").status_code == 404


# -- access, CSRF, escaping ------------------------------------------------------------------

ROUTES = [("GET", "/team/ENG/cycles"), ("POST", "/team/ENG/cycles"), ("POST", "/team/ENG/cycles/settings"),
          ("GET", "/team/ENG/cycles/2"), ("POST", "/team/ENG/cycles/2"), ("POST", "/team/ENG/cycles/2/delete"),
          ("POST", "/team/ENG/cycles/2/complete")]


@pytest.mark.parametrize("method,url", ROUTES)
def test_outsider_gets_404_on_every_cycles_route(client, app, eng, sprints, outsider, method, url):
    from tests.conftest import endpoint_of
    assert endpoint_of(app, method, url).startswith("web.cycle_")
    before = _cycle_rows(eng.team)
    client.login(outsider.user)
    data = {"name": "pwned", "starts_on": "2027-02-01", "ends_on": "2027-02-10", "cycles_auto": "on",
            "cycle_weeks": "1", "cycle_start_day": "0"}
    resp = client.open(url, method=method, data=data)
    assert resp.status_code == 404
    assert b"Engineering" not in resp.data and b"Crash on save" not in resp.data
    assert _cycle_rows(eng.team) == before
    assert db.session.get(Cycle, sprints["current"].id).completed_at is None
    assert db.session.get(Team, eng.team.id).cycles_auto is False


@pytest.mark.parametrize("url", [u for m, u in ROUTES if m == "POST"])
def test_posts_without_csrf_are_400(client, eng, sprints, url):
    client.login(eng.admin)
    before = _cycle_rows(eng.team)
    resp = client.post(url, data={"name": "Nope", "starts_on": "2027-02-01", "ends_on": "2027-02-10",
                                  "cycles_auto": "on", "cycle_weeks": "1", "cycle_start_day": "0"}, csrf=False)
    assert resp.status_code == 400
    assert _cycle_rows(eng.team) == before
    assert db.session.get(Cycle, sprints["current"].id).completed_at is None
    assert db.session.get(Team, eng.team.id).cycles_auto is False


def test_every_form_carries_the_csrf_token(client, eng, sprints):
    client.login(eng.admin)
    for url in ("/team/ENG/cycles", "/team/ENG/cycles/2"):
        html = client.get(url).get_data(as_text=True)
        forms = re.findall(r'<form\b[^>]*method="post".*?</form>', html, re.S)
        assert forms and all('name="csrf_token"' in form for form in forms)


def test_cycle_names_are_escaped(client, eng, clock):
    client.login(eng.member)
    evil = '<script>alert(1)</script>"&'
    resp = client.post("/team/ENG/cycles", data={"name": evil, "starts_on": "2026-12-07", "ends_on": "2026-12-20"})
    assert resp.status_code == 303
    for url in ("/team/ENG/cycles", "/team/ENG/cycles/1"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert 'aria-label="&lt;script&gt;' in html or "Burndown of &lt;script&gt;" in html


def test_long_groups_load_more_from_the_list_with_the_cycle_filter(client, eng, f, clock, monkeypatch):
    monkeypatch.setattr("linear_web.web.cycles.GROUP_PAGE", 2)
    cycle = _cycle(eng.team, eng.admin, "2026-12-07", "2026-12-20")
    for n in range(3):
        f.issue(eng.team, eng.admin, title=f"In cycle {n}", cycle_id=str(cycle.id), status="todo")
    f.issue(eng.team, eng.admin, title="Not in the cycle", status="todo")
    client.login(eng.member)
    html = client.get("/team/ENG/cycles/1").get_data(as_text=True)
    assert html.count('class="issue-row"') == 2 and re.search(r'id="group-count-todo" class="group-count">3<', html)
    more = re.search(r'id="load-more-todo" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"cycle_id={cycle.id}" in more
    rest = client.get(more, headers=hx("load-more-todo")).get_data(as_text=True)
    assert ">In cycle 0</a>" in rest and "Not in the cycle" not in rest
