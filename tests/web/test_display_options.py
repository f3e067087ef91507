"""Display options on the list and the board (issue 16, point 3): grouping by status, assignee,
project, priority, label, cycle or nothing; the order; which properties rows show. Kept in the URL
(`group_by`, `show`) and in saved views (`display`)."""
import re
from datetime import timedelta

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue, View
from linear_web.services import cycles, labels
from linear_web.services.issue_queries import today
from linear_web.web.issues import FIRST_PAGE

from .conftest import hx


def groups(html: str) -> list[tuple[str, str, int]]:
    """(id part, name, count) of the list's groups in page order."""
    return [(dom, name, int(n)) for dom, name, n in re.findall(
        r'<details class="issue-group" id="group-([^"]+)"[^>]*>\s*<summary class="issue-group-header">.*?'
        r'<span class="group-label">([^<]*)</span> <span[^>]*class="group-count"[^>]*>(\d+)</span>', html, re.S)]


def rows_of(html: str, dom: str) -> list[str]:
    block = html.split(f'id="group-rows-{dom}"', 1)[1].split("</details>", 1)[0]
    return re.findall(r'<div id="issue-([A-Z0-9]+-\d+)" class="issue-row"', block)


@pytest.fixture
def planned(f, eng):
    """ENG: Ada and Bob, projects Website and API, labels Bug and Feature, a cycle; six issues."""
    t, ada, bob = eng
    web, api = f.project(t, ada, name="Website"), f.project(t, ada, name="API")
    bug, feature = labels.create_label(ada, t.id, "Bug", "#ef4444"), labels.create_label(ada, t.id, "Feature")
    start = today() + timedelta(days=1)
    cycle = cycles.create_cycle(ada, t.id, {"starts_on": start.isoformat(),
                                            "ends_on": (start + timedelta(days=13)).isoformat()}).cycle
    f.issue(t, ada, title="One", assignee_id=bob, project_id=web, priority=1, label_ids=[str(bug.id)],
            cycle_id=str(cycle.id))                                                         # ENG-1
    f.issue(t, ada, title="Two", assignee_id=ada, project_id=api, priority=3,
            label_ids=[str(bug.id), str(feature.id)])                                        # ENG-2
    f.issue(t, ada, title="Three", priority=2, status="todo")                                # ENG-3
    f.issue(t, ada, title="Four", assignee_id=bob, cycle_id=str(cycle.id), status="done")    # ENG-4
    return {"web": web, "api": api, "bug": bug, "feature": feature, "cycle": cycle, "ada": ada, "bob": bob}


def test_status_grouping_is_the_default(client, planned, eng):
    html = client.login(eng.admin).get("/team/ENG/issues").get_data(as_text=True)
    assert [g[0] for g in groups(html)] == ["backlog", "todo", "in_progress", "done", "canceled"]
    assert 'data-group-by="status"' in html
    # The display menu offers every grouping and every property, all shown.
    menu = html.split('id="display-options"', 1)[1].split("</details>", 1)[0]
    assert re.findall(r'<option value="(\w+)"', menu) == ["status", "assignee", "project", "priority", "label",
                                                          "cycle", "none"]
    assert len(re.findall(r'name="show" value="\w+" checked', menu)) == 10


@pytest.mark.parametrize("group_by, expected", [
    ("assignee", [("Ada Lovelace", ["ENG-2"]), ("Bob Stone", ["ENG-4", "ENG-1"]), ("No assignee", ["ENG-3"])]),
    ("project", [("API", ["ENG-2"]), ("Website", ["ENG-1"]), ("No project", ["ENG-4", "ENG-3"])]),
    ("priority", [("High", ["ENG-1"]), ("Medium", ["ENG-3"]), ("Low", ["ENG-2"]), ("No priority", ["ENG-4"])]),
    ("label", [("Bug", ["ENG-2", "ENG-1"]), ("Feature", ["ENG-2"]), ("No label", ["ENG-4", "ENG-3"])]),
    ("none", [("All issues", ["ENG-4", "ENG-3", "ENG-2", "ENG-1"])]),
])
def test_group_by_shows_the_groups_holding_issues_in_order(client, planned, eng, group_by, expected):
    client.login(eng.admin)
    for headers in ({}, hx("issue-list")):   # the page and the fragment its filter bar fetches
        html = client.get(f"/team/ENG/issues?group_by={group_by}", headers=headers).get_data(as_text=True)
        found = groups(html)
        assert [(name, n) for _, name, n in found] == [(name, len(ids)) for name, ids in expected]
        assert [rows_of(html, dom) for dom, _, _ in found] == [ids for _, ids in expected]
        assert f'data-group-by="{group_by}"' in html


def test_group_by_cycle_names_the_cycle(client, planned, eng):
    html = client.login(eng.admin).get("/team/ENG/issues?group_by=cycle").get_data(as_text=True)
    assert [(name, n) for _, name, n in groups(html)] == [("Cycle 1", 2), ("No cycle", 2)]
    assert rows_of(html, f"cycle-{planned['cycle'].id}") == ["ENG-4", "ENG-1"]


def test_grouping_keeps_filters_and_order(client, planned, eng):
    client.login(eng.admin)
    html = client.get(f"/team/ENG/issues?group_by=assignee&assignee={planned['bob'].id}&sort=created_at") \
        .get_data(as_text=True)
    assert [(name, n) for _, name, n in groups(html)] == [("Bob Stone", 2)]
    assert rows_of(html, f"assignee-{planned['bob'].id}") == ["ENG-1", "ENG-4"]   # oldest first
    # The filter bar keeps the grouping selected; the export link keeps the filters.
    assert '<option value="assignee" selected>' in html


def test_grouped_list_runs_a_fixed_number_of_queries(client, planned, eng, f, count_queries):
    client.login(eng.admin)

    def page_queries() -> int:
        with count_queries() as q:
            assert client.get("/team/ENG/issues?group_by=label").status_code == 200
        return q.count

    page_queries()   # warm the session's caches
    few = page_queries()
    for i in range(6):   # six more groups, each with issues
        extra = labels.create_label(eng.admin, eng.team.id, f"Extra {i}")
        f.issue(eng.team, eng.admin, title=f"Labelled {i}", label_ids=[str(extra.id)],
                assignee_id=eng.member if i % 2 else None)
    assert len(groups(client.get("/team/ENG/issues?group_by=label").get_data(as_text=True))) == 9
    assert page_queries() == few


def test_load_more_of_a_group_keeps_its_grouping(client, f, eng):
    t, ada, bob = eng
    client.login(ada)
    for n in range(FIRST_PAGE + 2):
        f.issue(t, ada, title=f"bob's {n}", assignee_id=bob)
    f.issue(t, ada, title="nobody's")
    html = client.get("/team/ENG/issues?group_by=assignee&show=identifier,status").get_data(as_text=True)
    dom = f"assignee-{bob.id}"
    assert len(rows_of(html, dom)) == FIRST_PAGE and rows_of(html, "assignee-none") == [f"ENG-{FIRST_PAGE + 3}"]
    more = re.search(rf'id="load-more-{dom}" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "group_by=assignee" in more and f"group={bob.id}" in more
    rest = client.get(more, headers=hx(f"load-more-{dom}")).get_data(as_text=True)
    assert re.findall(r'<div id="issue-([A-Z0-9]+-\d+)" class="issue-row"', rest) == ["ENG-2", "ENG-1"]
    # A group key that names no possible group is refused, not a 500.
    bad = client.get("/team/ENG/issues?group_by=assignee&group=xyz&cursor=abc", headers=hx("load-more-x"))
    assert bad.status_code == 422


def test_hidden_properties_are_classes_of_the_list(client, planned, eng):
    client.login(eng.admin)
    html = client.get("/team/ENG/issues?show=identifier,status,assignee").get_data(as_text=True)
    assert re.search(r'<div id="issue-list" class="issue-list hide-priority hide-labels hide-due hide-estimate '
                     r'hide-project hide-created hide-sub_issues"', html)
    menu = html.split('id="display-options"', 1)[1].split("</details>", 1)[0]
    assert re.findall(r'name="show" value="(\w+)" checked', menu) == ["identifier", "status", "assignee"]
    # An empty `show` hides every optional property; the default shows them all.
    assert "hide-identifier" in client.get("/team/ENG/issues?show=").get_data(as_text=True)
    assert 'class="issue-list" ' in client.get("/team/ENG/issues").get_data(as_text=True)


@pytest.mark.parametrize("query, field", [("group_by=title", "Group by"), ("show=secret", "Properties are")])
def test_unknown_display_options_are_refused(client, planned, eng, query, field):
    client.login(eng.admin)
    resp = client.get(f"/team/ENG/issues?{query}")
    assert resp.status_code == 422 and field in resp.get_data(as_text=True)
    board = client.get(f"/team/ENG/board?{query}")
    assert board.status_code == 422 and field in board.get_data(as_text=True)


def test_outsiders_get_404_whatever_the_display(client, planned, outsider):
    client.login(outsider.user)
    for url in ("/team/ENG/issues?group_by=assignee", "/team/ENG/board?group_by=label",
                "/team/ENG/issues?group_by=label&group=none&cursor=x"):
        assert client.get(url).status_code == 404


# -- the board -----------------------------------------------------------------------------------

def columns(html: str) -> list[tuple[str, str]]:
    """(data-group key, title) of a grouped board's columns."""
    return [(k, re.sub(r"<[^>]+>", "", title).strip()) for k, title in re.findall(
        r'<section class="board-column" data-group="([^"]+)"[^>]*>\s*<header class="board-column-header">\s*'
        r'<h2[^>]*>(.*?)</h2>', html, re.S)]


def cards_in(html: str, key: str) -> list[str]:
    block = html.split(f'<div class="board-cards" data-group="{key}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'id="card-([A-Z]+-\d+)"', block)


def test_board_columns_follow_the_grouping(client, planned, eng):
    client.login(eng.admin)
    html = client.get("/team/ENG/board?group_by=priority").get_data(as_text=True)
    assert columns(html) == [("1", "High"), ("2", "Medium"), ("3", "Low"), ("0", "No priority")]
    assert cards_in(html, "1") == ["ENG-1"] and 'data-group-by="priority"' in html
    html = client.get("/team/ENG/board?group_by=assignee").get_data(as_text=True)
    bob = str(planned["bob"].id)
    assert [t for _, t in columns(html)] == ["Ada Lovelace", "Bob Stone", "No assignee"]
    assert sorted(cards_in(html, bob)) == ["ENG-1", "ENG-4"]
    assert re.search(rf'id="board-count-assignee-{bob}" class="board-count"[^>]*>2<', html)


def test_board_offers_empty_columns_to_drop_cards_on(client, planned, eng, f):
    empty = f.project(eng.team, eng.admin, name="Empty")
    client.login(eng.admin)
    html = client.get("/team/ENG/board?group_by=project").get_data(as_text=True)
    assert columns(html) == [(str(planned["api"].id), "API"), (str(empty.id), "Empty"),
                             (str(planned["web"].id), "Website"), ("none", "No project")]
    assert cards_in(html, str(empty.id)) == []
    html = client.get("/team/ENG/board?group_by=cycle").get_data(as_text=True)
    assert [t for _, t in columns(html)] == ["Cycle 1", "No cycle"]


def test_dropping_a_card_in_another_column_sets_that_field(client, planned, eng):
    ada, bob = planned["ada"], planned["bob"]
    client.login(ada)
    three = db.session.scalar(db.select(Issue).where(Issue.number == 3))
    headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost/team/ENG/board?group_by=assignee"}
    resp = client.post("/team/ENG/board/move", headers=headers, data={
        "issue": str(three.id), "status": str(bob.id), "from": "none", "group_by": "assignee", "version": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="card-ENG-3"' in html
    db.session.expire_all()
    assert db.session.get(Issue, three.id).assignee_id == bob.id
    # Both columns' counts come back out of band, the emptied one with 0.
    assert re.search(rf'id="board-count-assignee-{bob.id}" [^>]*hx-swap-oob="true">3<', html)
    assert re.search(r'id="board-count-assignee-none" [^>]*hx-swap-oob="true">0<', html)


def test_dropping_a_card_between_label_columns_swaps_the_label(client, planned, eng):
    client.login(planned["ada"])
    two = db.session.scalar(db.select(Issue).where(Issue.number == 2))   # Bug and Feature
    bug, feature = planned["bug"], planned["feature"]
    resp = client.post("/team/ENG/board/move", data={"issue": str(two.id), "status": "none", "from": str(bug.id),
                                                      "group_by": "label"})
    assert resp.status_code == 200
    db.session.expire_all()
    assert db.session.get(Issue, two.id).label_summary.count("\x1f") == 0   # one label left: Feature
    assert "Feature" in db.session.get(Issue, two.id).label_summary
    resp = client.post("/team/ENG/board/move", data={"issue": str(two.id), "status": str(bug.id),
                                                      "from": str(feature.id), "group_by": "label"})
    db.session.expire_all()
    summary = db.session.get(Issue, two.id).label_summary
    assert resp.status_code == 200 and "Bug" in summary and "Feature" not in summary


@pytest.mark.parametrize("data, message", [
    ({"group_by": "assignee", "status": "not-a-user"}, "group does not exist"),
    ({"group_by": "priority", "status": "9"}, "group does not exist"),
    ({"group_by": "title", "status": "x"}, "Group by must be"),
])
def test_bad_moves_are_refused_and_change_nothing(client, planned, eng, data, message):
    client.login(planned["ada"])
    three = db.session.scalar(db.select(Issue).where(Issue.number == 3))
    resp = client.post("/team/ENG/board/move", data={"issue": str(three.id), **data})
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Issue, three.id).version == 1


def test_moving_to_an_assignee_outside_the_team_is_refused(client, planned, eng, outsider):
    client.login(planned["ada"])
    three = db.session.scalar(db.select(Issue).where(Issue.number == 3))
    resp = client.post("/team/ENG/board/move", data={"issue": str(three.id), "group_by": "assignee",
                                                      "status": str(outsider.user.id)})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Issue, three.id).assignee_id is None


# -- saved views keep them -----------------------------------------------------------------------

def test_saving_a_view_keeps_its_display_and_its_page_shows_it(client, planned, eng):
    client.login(eng.admin)
    resp = client.post("/team/ENG/views?group_by=project&show=identifier,project&sort=created_at",
                       data={"name": "By project"})
    assert resp.status_code == 303
    view = db.session.scalar(db.select(View).where(View.name == "By project"))
    assert view.saved_display == {"group_by": "project", "properties": ["identifier", "project"]}
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert [name for _, name, _ in groups(html)] == ["API", "Website", "No project"]
    assert "hide-priority" in html and "Unsaved changes" not in html
    # The page's own display is its default: the menu says so, and changing it is an unsaved change.
    assert 'data-default-group-by="project" data-default-show="identifier,project"' in html
    changed = client.get(resp.headers["Location"] + "?group_by=priority").get_data(as_text=True)
    assert [name for _, name, _ in groups(changed)][0] == "High" and "Unsaved changes" in changed
    # "Update view" stores the new display.
    client.post(f"/team/ENG/views/{view.id}/filters?group_by=priority")
    db.session.expire_all()
    assert db.session.get(View, view.id).saved_display["group_by"] == "priority"
