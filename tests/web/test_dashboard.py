"""Dashboard pages: figures from a known data set, links to the filtered lists, SVG text alternatives,
the live fragment, a fixed number of queries, and nothing of other teams."""
import re
from html import unescape

import pytest
from flask import g

from linear_web.infra.extensions import db

from tests.services.test_stats import seeded  # noqa: F401  (the known data set)

FRAGMENT = {"HX-Request": "true", "HX-Target": "dashboard"}


def links(html: str) -> set[str]:
    return {unescape(h) for h in re.findall(r'href="([^"]+)"', html)}


@pytest.fixture
def ada_client(client, seeded):  # noqa: F811
    return client.login(seeded[0])


def test_team_dashboard_shows_the_seeded_figures_with_links(ada_client):
    resp = ada_client.get("/team/ENG/dashboard")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    tiles = re.findall(r'dash-tile-value">([^<]+)<', html)
    assert tiles == ["7", "4", "2", "33%"]  # issues, open, done, done / (7 - 1 canceled)
    hrefs = links(html)
    assert "/team/ENG/issues?status=todo" in hrefs
    assert "/team/ENG/issues?priority=1" in hrefs
    assert "/team/ENG/issues?status=done" in hrefs
    bob_open = [h for h in hrefs if "assignee=" in h and "none" not in h]
    assert bob_open and all(h.endswith("&status=backlog&status=todo&status=in_progress") for h in bob_open)
    assert "/team/ENG/issues?assignee=none&status=backlog&status=todo&status=in_progress" in hrefs
    # the counts sit next to their links in the status table
    assert re.search(r'href="/team/ENG/issues\?status=backlog">2</a>', html)
    assert re.search(r'href="/team/ENG/issues\?priority=1">3</a>', html)
    assert "OPS" not in html.split('id="dashboard"')[1]


def test_oldest_high_priority_and_assignees(ada_client):
    html = ada_client.get("/team/ENG/dashboard").get_data(as_text=True)
    oldest = html.split('id="dash-oldest"')[1]
    assert re.findall(r'class="row-identifier" href="/issue/(ENG-\d+)"', oldest) == ["ENG-4", "ENG-5"]
    assignees = html.split('id="dash-assignees"')[1].split("</section>")[0]
    assert re.findall(r'class="bar-label">([^<]+)<', assignees) == ["Bob", "Ada", "Unassigned"]


def test_charts_are_inline_svg_with_text_alternatives_and_no_inline_style(ada_client):
    region = ada_client.get("/team/ENG/dashboard", headers=FRAGMENT).get_data(as_text=True)
    assert region.count("<svg") >= 4
    assert "<title" in region and "<desc" in region and "<table" in region
    assert "style=" not in region and "<script" not in region
    assert 'class="line-created"' in region and 'class="area-created"' in region


def test_all_teams_dashboard_sums_my_teams_only(ada_client):
    html = ada_client.get("/dashboard").get_data(as_text=True)
    assert "SEC" not in html
    assert re.findall(r'dash-tile-value">([^<]+)<', html) == ["9", "5", "3", "38%"]  # 3 done / (9 - 1)
    hrefs = links(html)
    assert "/team/OPS/issues?status=done" in hrefs and "/team/ENG/issues?status=done" in hrefs
    assert not any(h.startswith("/team/SEC") for h in hrefs)
    assert re.search(r'href="/team/OPS/issues\?status=todo">1</a>', html)


def test_outsider_gets_404_and_a_user_without_teams_an_empty_state(make_client, f, seeded):  # noqa: F811
    eve = seeded[2]
    outsider = make_client().login(eve)
    assert outsider.get("/team/ENG/dashboard").status_code == 404
    own = outsider.get("/dashboard").get_data(as_text=True)
    assert "SEC" in own and "ENG" not in own.split('id="dashboard"')[1]
    loner = make_client().login(f.user())
    assert "Create a team" in loner.get("/dashboard").get_data(as_text=True)


def test_live_refresh_gets_only_the_region(ada_client):
    resp = ada_client.get("/team/ENG/dashboard", headers=FRAGMENT)
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="dashboard"') and "<html" not in html
    assert 'hx-get="/team/ENG/dashboard"' in html


def _fresh():
    """Requests share the test's app context: forget what earlier requests loaded and cached in g."""
    db.session.expire_all()
    g.pop("my_memberships", None)


def test_query_count_is_fixed(ada_client, f, seeded, count_queries):  # noqa: F811
    _fresh()
    with count_queries() as few:
        assert ada_client.get("/dashboard").status_code == 200
    eng = seeded[3]
    for n in range(12):
        f.issue(eng, seeded[0], title=f"more {n}", priority=1, assignee_id=seeded[1])
    _fresh()
    with count_queries() as many:
        assert b"more 11" not in ada_client.get("/dashboard").data  # newest are not the oldest
    assert many.count == few.count <= 10


def test_login_required(make_client):
    resp = make_client().get("/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
