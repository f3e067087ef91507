"""Cycles outside their own pages: the issue page's cycle field, bulk edit, the list and board
filter, the sidebar's "Current cycle", the dashboard's current cycles, the timeline's words."""
from datetime import date

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue
from linear_web.services import cycles

from .conftest import hx


@pytest.fixture
def planned(f, eng, monkeypatch):
    """ENG with "Old" (number 1, completed), Cycle 2 (current, Dec 7–20) and Cycle 3 (upcoming);
    ENG-1 in Cycle 2, ENG-2 in none, ENG-3 done in Cycle 2. Today is Dec 9."""
    monkeypatch.setattr("linear_web.services.issue_queries.today", lambda: date(2026, 11, 30))
    t, admin, bob = eng
    old = cycles.create_cycle(admin, t.id, {"starts_on": "2026-11-30", "ends_on": "2026-12-06", "name": "Old"}).cycle
    monkeypatch.setattr("linear_web.services.issue_queries.today", lambda: date(2026, 12, 9))
    one = cycles.create_cycle(admin, t.id, {"starts_on": "2026-12-07", "ends_on": "2026-12-20"}).cycle
    two = cycles.create_cycle(admin, t.id, {"starts_on": "2026-12-21", "ends_on": "2027-01-03"}).cycle
    cycles.list_cycles(admin, t.id)                       # "Old" ended: reading completes it
    f.issue(t, admin, title="In the sprint", cycle_id=str(one.id))
    f.issue(t, admin, title="Unplanned")
    f.issue(t, admin, title="Shipped", cycle_id=str(one.id), status="done")
    return {"team": t, "admin": admin, "bob": bob, "one": one, "two": two, "old": old}


def _props(html: str) -> str:
    return html.split('id="issue-properties"', 1)[1].split("</form>", 1)[0]


def _cycle_of(number: int):
    db.session.expire_all()
    return db.session.scalar(db.select(Issue.cycle_id).where(Issue.number == number))


def test_the_issue_page_offers_current_and_upcoming_cycles_and_sets_one(client, planned):
    p = planned
    client.login(p["bob"])
    props = _props(client.get("/issue/ENG-2").get_data(as_text=True))
    assert '<label for="prop-cycle">Cycle</label>' in props
    assert f'<option value="{p["one"].id}">Cycle 2 · current</option>' in props
    assert f'<option value="{p["two"].id}">Cycle 3 · from Dec 21</option>' in props
    assert "Old" not in props                              # completed: not offered
    resp = client.post("/issue/ENG-2", data={"cycle_id": str(p["two"].id), "version": "1"},
                       headers=hx("issue-properties"))
    assert resp.status_code == 200 and _cycle_of(2) == p["two"].id
    assert f'<option value="{p["two"].id}" selected>' in resp.get_data(as_text=True)
    page = client.get("/issue/ENG-2").get_data(as_text=True)
    assert "added to Cycle 3" in page                      # the timeline says it


def test_a_completed_cycle_is_refused_next_to_the_field_and_kept_on_its_issues(client, planned):
    p = planned
    client.login(p["bob"])
    resp = client.post("/issue/ENG-2", data={"cycle_id": str(p["old"].id), "version": "1"},
                       headers=hx("issue-properties"))
    assert resp.status_code == 422
    assert 'id="prop-cycle-error">Old is completed: it cannot receive issues.' in _props(resp.get_data(as_text=True))
    assert _cycle_of(2) is None
    db.session.execute(db.update(Issue).where(Issue.number == 3).values(cycle_id=p["old"].id))
    db.session.commit()
    props = _props(client.get("/issue/ENG-3").get_data(as_text=True))
    assert f'<option value="{p["old"].id}" selected>Old (completed)</option>' in props


def test_bulk_edit_puts_issues_in_a_cycle_and_takes_them_out(client, planned):
    p = planned
    ids = [str(i) for i in db.session.scalars(db.select(Issue.id).where(Issue.number.in_((1, 2))))]
    client.login(p["bob"])
    page = client.get("/team/ENG/issues").get_data(as_text=True)
    assert '<select name="set_cycle" aria-label="Set cycle">' in page
    resp = client.post("/team/ENG/issues/bulk", headers=hx("issue-list"), data={"ids": ids, "set_cycle": str(p["two"].id)})
    assert resp.status_code == 200 and (_cycle_of(1), _cycle_of(2)) == (p["two"].id, p["two"].id)
    assert cycles.view_of(db.session.get(type(p["two"]), p["two"].id)).scope == 2
    client.post("/team/ENG/issues/bulk", headers=hx("issue-list"), data={"ids": ids, "set_cycle": "none"})
    assert (_cycle_of(1), _cycle_of(2)) == (None, None)
    resp = client.post("/team/ENG/issues/bulk", headers=hx("issue-list"), data={"ids": ids, "set_cycle": str(p["old"].id)})
    assert resp.status_code == 422 and "completed" in resp.get_data(as_text=True)


def test_the_cycle_filter_on_list_and_board_and_the_sidebar_link(client, planned):
    p = planned
    client.login(p["bob"])
    page = client.get("/team/ENG/issues?cycle_id=current").get_data(as_text=True)
    assert "In the sprint" in page and "Shipped" in page and "Unplanned" not in page
    assert '<option value="current" selected>Current cycle</option>' in page
    assert 'href="/team/ENG/issues?cycle_id=current" aria-current="page">Current cycle</a>' in page
    board = client.get("/team/ENG/board?cycle_id=none").get_data(as_text=True)
    assert "Unplanned" in board and "In the sprint" not in board
    one = client.get(f"/team/ENG/issues?cycle_id={p['one'].id}").get_data(as_text=True)
    assert "In the sprint" in one and "Unplanned" not in one
    assert client.get("/team/ENG/issues?cycle_id=soon").status_code == 422


def test_a_foreign_cycle_in_the_filter_shows_nothing_of_it(client, planned, outsider):
    theirs = cycles.create_cycle(outsider.user, outsider.team.id, {"starts_on": "2026-12-07", "ends_on": "2026-12-20",
                                                                   "name": "Their secret sprint"}).cycle
    page = client.login(planned["bob"]).get(f"/team/ENG/issues?cycle_id={theirs.id}").get_data(as_text=True)
    assert "Their secret sprint" not in page and "In the sprint" not in page


def test_the_dashboard_shows_each_teams_current_cycle(client, planned):
    html = client.login(planned["bob"]).get("/team/ENG/dashboard").get_data(as_text=True)
    card = html.split('id="dash-cycles"', 1)[1].split("</section>", 1)[0]
    assert "Cycle 2" in card and "1/2 · 50%" in card and "12 days left" in card
    assert 'aria-label="Cycle 2 of ' in card
    assert "Current cycles" in client.get("/dashboard").get_data(as_text=True)


def test_the_csv_export_names_each_issues_cycle(client, planned):
    import csv
    import io
    from linear_web.services import cycles as cycle_service
    cycle_service.update_cycle(planned["admin"], planned["one"].id, {"name": "=Launch"})   # a formula is guarded
    body = client.login(planned["bob"]).get("/team/ENG/issues/export.csv").get_data(as_text=True)
    assert body.startswith("\ufeffidentifier,"), body[:200]
    rows = {r["identifier"]: r["cycle"] for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
    assert rows == {"ENG-1": "'=Launch", "ENG-2": "", "ENG-3": "'=Launch"}
    db.session.execute(db.update(Issue).where(Issue.number == 2).values(cycle_id=planned["two"].id))
    db.session.commit()
    body = client.get("/team/ENG/issues/export.csv?cycle_id=current").get_data(as_text=True)
    assert [r["identifier"] for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))] == ["ENG-3", "ENG-1"]
    body = client.get(f"/team/ENG/issues/export.csv?cycle_id={planned['two'].id}").get_data(as_text=True)
    assert [r["cycle"] for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))] == ["Cycle 3"]


def test_the_dashboard_makes_a_teams_automatic_cycles_when_it_reads_them(client, f, clock):
    ada = f.user(name="Ada")
    team = f.team(ada, key="AUT", name="Auto")
    f.issue(team, ada, title="Something")
    cycles.set_automatic(ada, team.id, True, 1, 0)          # one week from Mondays; today is Monday Dec 7
    html = client.login(ada).get("/team/AUT/dashboard").get_data(as_text=True)
    card = html.split('id="dash-cycles"', 1)[1].split("</section>", 1)[0]
    assert "Cycle 1" in card and "7 days left" in card
    assert [v.cycle.starts_on.isoformat() for v in cycles.views_of(cycles.team_cycles(ada, team))] == \
        ["2026-12-07", "2026-12-14", "2026-12-21"]
