"""Planning on the list, the board and the dashboard: chips, due dates, blocked, progress, estimates,
the planning filters, bulk label edits, estimate sums in headers, points per team."""
import re
from datetime import timedelta

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue
from linear_web.services import labels, relations, teams
from linear_web.services.issue_queries import today

from .conftest import hx


def row_ids(html: str) -> list[str]:
    return re.findall(r'<div id="issue-([A-Z0-9]+-\d+)" class="issue-row"', html)


def card_ids(html: str) -> list[str]:
    return re.findall(r'<div id="card-([A-Z0-9]+-\d+)" class="board-card"', html)


def row_of(html: str, ident: str) -> str:
    return html.split(f'id="issue-{ident}"', 1)[1].split('<div id="issue-', 1)[0].split("</details>", 1)[0]


def card_of(html: str, ident: str) -> str:
    return html.split(f'id="card-{ident}"', 1)[1].split('<div id="card-', 1)[0].split("</section>", 1)[0]


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def planned(f, eng):
    """ENG with labels Bug (red) and Feature, a parent with two sub-issues (one done), a blocked
    issue, an overdue one, a done one that was due, and estimates (Fibonacci scale)."""
    t, ada, bob = eng
    teams.update_team(ada, t.id, estimates="fibonacci")
    bug = labels.create_label(ada, t.id, "Bug", "#ef4444")
    feature = labels.create_label(ada, t.id, "Feature", "#3b82f6")
    parent = f.issue(t, ada, title="Parent", label_ids=[str(bug.id)], estimate=3)             # ENG-1
    f.issue(t, ada, title="Child open", parent_id=parent, estimate=2, status="todo")          # ENG-2
    f.issue(t, ada, title="Child done", parent_id=parent, estimate=5, status="done")          # ENG-3
    late = f.issue(t, ada, title="Late", due_date=day(-2), label_ids=[str(feature.id)])       # ENG-4
    f.issue(t, ada, title="Was due", due_date=day(-2), status="done")                         # ENG-5
    soon = f.issue(t, ada, title="Soon", due_date=day(3), label_ids=[str(bug.id), str(feature.id)])  # ENG-6
    relations.add_relation(ada, late.id, "blocks", soon.id)
    return {"team": t, "ada": ada, "bob": bob, "bug": bug, "feature": feature}


def list_fragment(client, query: str = "") -> str:
    resp = client.get("/team/ENG/issues?" + query, headers=hx("issue-list"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_data(as_text=True)


# -- rows and cards ------------------------------------------------------------------------------

def test_rows_show_chips_due_dates_blocked_progress_and_estimates(client, planned):
    html = client.login(planned["ada"]).get("/team/ENG/issues").get_data(as_text=True)
    parent = row_of(html, "ENG-1")
    assert 'class="label-chip" data-label-color="#ef4444">Bug<' in parent
    assert 'title="Sub-issues: 1 of 2 done"' in parent and ">1/2</span>" in parent
    assert 'class="estimate"' in parent and ">3</span>" in parent
    soon = row_of(html, "ENG-6")
    assert soon.index(">Bug<") < soon.index(">Feature<")  # chips by name
    assert "blocked-mark" in soon and "blocked-mark" not in row_of(html, "ENG-4")
    assert "Sub-issues" not in row_of(html, "ENG-2")
    # The filter menu offers the team's labels with their colours.
    menu = html.split('id="filter-labels"', 1)[1].split("</details>", 1)[0]
    assert f'value="{planned["bug"].id}"' in menu and 'data-label-color="#3b82f6"' in menu


def test_overdue_rows_are_marked_and_done_ones_are_not(client, planned):
    html = list_fragment(client.login(planned["ada"]))
    late, done, soon = row_of(html, "ENG-4"), row_of(html, "ENG-5"), row_of(html, "ENG-6")
    assert 'class="due-date overdue"' in late and f'datetime="{day(-2)}"' in late and "Overdue: due" in late
    assert 'class="due-date"' in done and "overdue" not in done  # done: not overdue however late
    assert 'class="due-date"' in soon and "overdue" not in soon


def test_due_dates_read_as_month_and_day(client, f, eng):
    t, ada, _ = eng
    this_year = today().replace(month=12, day=5)
    f.issue(t, ada, due_date=this_year.isoformat())
    f.issue(t, ada, due_date=this_year.replace(year=this_year.year + 1).isoformat())
    html = list_fragment(client.login(ada))
    assert ">Dec 5</time>" in row_of(html, "ENG-1")
    assert f">Dec 5, {this_year.year + 1}</time>" in row_of(html, "ENG-2")


def test_estimates_read_on_the_team_scale(client, f, eng):
    t, ada, _ = eng
    teams.update_team(ada, t.id, estimates="tshirt")
    f.issue(t, ada, estimate=5)
    html = list_fragment(client.login(ada))
    assert 'title="Estimate: 5 points">L</span>' in row_of(html, "ENG-1")


def test_cards_show_chips_blocked_progress_due_and_estimate(client, planned):
    html = client.login(planned["ada"]).get("/team/ENG/board").get_data(as_text=True)
    soon, parent, late = card_of(html, "ENG-6"), card_of(html, "ENG-1"), card_of(html, "ENG-4")
    assert "blocked-mark" in soon and ">Feature<" in soon and 'class="due-date"' in soon
    assert ">1/2</span>" in parent and 'class="estimate"' in parent
    assert 'class="due-date overdue"' in late and "blocked-mark" not in late
    assert "js/list_planning.js" in html and 'id="filter-labels"' in html


def test_label_chip_names_are_escaped(client, f, eng):
    t, ada, _ = eng
    evil = labels.create_label(ada, t.id, '<img src=x onerror=alert(1)>', "#ef4444")
    f.issue(t, ada, label_ids=[str(evil.id)])
    client.login(ada)
    for html in (client.get("/team/ENG/issues").get_data(as_text=True),
                 client.get("/team/ENG/board").get_data(as_text=True)):
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# -- filters -------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("label_id={bug}", ["ENG-1", "ENG-6"]),
    ("label_id={bug}&label_id={feature}", ["ENG-1", "ENG-4", "ENG-6"]),
    ("parent_id=none", ["ENG-1", "ENG-4", "ENG-5", "ENG-6"]),
    ("overdue=true", ["ENG-4"]),
    ("due_after={plus1}", ["ENG-6"]),
    ("due_before={minus1}", ["ENG-4", "ENG-5"]),
    ("due_after={minus2}&due_before={minus2}&label_id={feature}", ["ENG-4"]),
])
def test_planning_filters_narrow_the_list_and_the_board(client, planned, query, expected):
    query = query.format(bug=planned["bug"].id, feature=planned["feature"].id, plus1=day(1),
                         minus1=day(-1), minus2=day(-2))
    client.login(planned["ada"])
    assert sorted(row_ids(list_fragment(client, query))) == expected
    board = client.get("/team/ENG/board?" + query, headers=hx("board"))
    assert board.status_code == 200 and sorted(card_ids(board.get_data(as_text=True))) == expected


def test_filters_are_kept_in_the_form(client, planned):
    client.login(planned["ada"])
    bug = planned["bug"].id
    html = client.get(f"/team/ENG/issues?label_id={bug}&parent_id=none&overdue=true&due_after={day(-9)}"
                      "&sort=due_date").get_data(as_text=True)
    form = html.split('id="issue-filters"', 1)[1].split("</form>", 1)[0]
    assert f'value="{bug}" checked' in form and 'name="parent_id" value="none" checked' in form
    assert 'name="overdue" value="true" checked' in form and f'value="{day(-9)}"' in form
    assert '<option value="due_date" selected>' in form


def test_sort_by_due_date_puts_undated_issues_last(client, planned):
    html = list_fragment(client.login(planned["ada"]), "sort=due_date&status=backlog")
    assert row_ids(html) == ["ENG-4", "ENG-6", "ENG-1"]


@pytest.mark.parametrize("query", ["label_id=nope", "parent_id=top", "overdue=maybe", "due_after=2026-02-30",
                                   "due_before=tomorrow", "sort=due"])
def test_bad_planning_filters_are_a_422_message(client, planned, query):
    client.login(planned["ada"])
    for headers in ({}, hx("issue-list")):
        resp = client.get("/team/ENG/issues?" + query, headers=headers)
        assert resp.status_code == 422 and 'class="form-error"' in resp.get_data(as_text=True)
    board = client.get("/team/ENG/board?" + query, headers=hx("board"))
    assert board.status_code == 422 and "board-errors" in board.get_data(as_text=True)


def test_a_foreign_label_filter_matches_nothing(client, f, planned, outsider):
    foreign = labels.create_label(outsider.user, outsider.team.id, "Theirs")
    assert row_ids(list_fragment(client.login(planned["ada"]), f"label_id={foreign.id}")) == []


# -- bulk labels ---------------------------------------------------------------------------------

def label_names(ident_number: int) -> list[str]:
    db.session.expire_all()
    issue = db.session.scalar(db.select(Issue).where(Issue.number == ident_number))
    return [c.name for c in issue.label_chips]


def test_bulk_adds_and_removes_labels(client, planned):
    bug, feature = planned["bug"], planned["feature"]
    ids = [str(i.id) for i in db.session.scalars(db.select(Issue).where(Issue.number.in_((1, 4, 6))))]
    resp = client.login(planned["ada"]).post("/team/ENG/issues/bulk", headers=hx("issue-list"),
                                             data={"ids": ids, "add_label_ids": [str(feature.id)],
                                                   "remove_label_ids": [str(bug.id)]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="issue-list"')
    assert [label_names(n) for n in (1, 4, 6)] == [["Feature"], ["Feature"], ["Feature"]]
    assert ">Bug<" not in row_of(html, "ENG-1") and ">Feature<" in row_of(html, "ENG-1")
    changed = db.session.scalars(db.select(Activity).where(Activity.field == "labels")).all()
    assert len(changed) == 2  # ENG-1 and ENG-6 changed; ENG-4 had Feature already


def test_bulk_with_a_foreign_label_is_422_and_writes_nothing(client, f, planned, outsider):
    foreign = labels.create_label(outsider.user, outsider.team.id, "Theirs")
    ids = [str(i.id) for i in db.session.scalars(db.select(Issue).where(Issue.number.in_((1, 4))))]
    before = db.session.scalar(db.select(db.func.count()).select_from(Activity))
    resp = client.login(planned["ada"]).post(
        "/team/ENG/issues/bulk", headers=hx("issue-list"),
        data={"ids": ids, "set_priority": "1", "add_label_ids": [str(planned["feature"].id), str(foreign.id)]})
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#bulk-error"
    assert "Labels must belong to the issue" in resp.get_data(as_text=True)
    assert label_names(1) == ["Bug"] and label_names(4) == ["Feature"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == before
    assert {i.priority for i in db.session.scalars(db.select(Issue).where(Issue.number.in_((1, 4))))} == {0}


def test_bulk_without_any_change_names_labels_too(client, planned):
    one = db.session.scalar(db.select(Issue.id).where(Issue.number == 1))
    resp = client.login(planned["ada"]).post("/team/ENG/issues/bulk", headers=hx("issue-list"),
                                             data={"ids": [str(one)], "add_label_ids": ""})
    assert resp.status_code == 422 and "labels" in resp.get_data(as_text=True)


def test_bulk_label_menus_list_the_team_labels(client, planned):
    html = client.login(planned["ada"]).get("/team/ENG/issues").get_data(as_text=True)
    bulk = html.split('id="issue-bulk"', 1)[1].split("</form>", 1)[0]
    assert bulk.count(f'value="{planned["bug"].id}"') == 2  # add and remove
    assert 'name="add_label_ids"' in bulk and 'name="remove_label_ids"' in bulk


def test_bulk_labels_need_the_csrf_token(client, planned):
    one = db.session.scalar(db.select(Issue.id).where(Issue.number == 4))
    resp = client.login(planned["ada"]).post("/team/ENG/issues/bulk", csrf=False,
                                             data={"ids": [str(one)], "add_label_ids": [str(planned["bug"].id)]})
    assert resp.status_code == 400 and label_names(4) == ["Feature"]


# -- estimate sums -------------------------------------------------------------------------------

def points_of(html: str, prefix: str, status: str) -> tuple[str, bool]:
    tag = re.search(rf'<span id="{prefix}-{status}"[^>]*>[^<]*</span>', html).group(0)
    return re.search(r">([^<]*)<", tag).group(1), " hidden" in tag


def test_group_and_column_headers_sum_estimates_under_the_filters(client, planned):
    teams.update_team(planned["ada"], planned["team"].id, estimates="none")  # estimates kept, scale off
    client.login(planned["ada"])
    html = list_fragment(client)
    assert points_of(html, "group-points", "backlog") == ("3 pts", False)   # ENG-1 (3); the others have none
    assert points_of(html, "group-points", "todo") == ("2 pts", False)
    assert points_of(html, "group-points", "done") == ("5 pts", False)
    board = client.get("/team/ENG/board").get_data(as_text=True)
    assert points_of(board, "board-points", "done") == ("5 pts", False)
    assert points_of(board, "board-points", "in_progress") == ("0 pts", True)  # scale "none", nothing
    narrowed = list_fragment(client, "parent_id=none")
    assert points_of(narrowed, "group-points", "done") == ("0 pts", True)


def test_sums_show_for_a_team_that_uses_estimates_even_at_zero(client, planned):
    html = list_fragment(client.login(planned["ada"]), "parent_id=none")
    assert points_of(html, "group-points", "done") == ("0 pts", False)


def test_count_updates_after_a_change_carry_the_sums(client, planned):
    teams.update_team(planned["ada"], planned["team"].id, estimates="none")  # estimates kept, scale off
    client.login(planned["ada"])
    resp = client.post("/team/ENG/issues", data={"title": "New one", "status": "done"},
                       headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/team/ENG/issues"})
    html = resp.get_data(as_text=True)
    assert 'id="group-points-done" class="group-points" title="Sum of estimates" hx-swap-oob="true"' in html
    assert points_of(html, "group-points", "done") == ("5 pts", False)
    card = db.session.scalar(db.select(Issue).where(Issue.number == 1))
    moved = client.post("/team/ENG/board/move", headers={"HX-Request": "true",
                                                         "HX-Current-URL": "http://localhost/team/ENG/board"},
                        data={"issue": "ENG-1", "status": "done", "version": card.version})
    assert moved.status_code == 200
    assert points_of(moved.get_data(as_text=True), "board-points", "done") == ("8 pts", False)
    assert points_of(moved.get_data(as_text=True), "board-points", "backlog") == ("0 pts", True)


# -- queries -------------------------------------------------------------------------------------

def test_list_and_board_queries_do_not_grow_with_planning_facts(client, f, planned, count_queries):
    t, ada = planned["team"], planned["ada"]
    client.login(ada)

    def measure(url, headers=None):
        client.get(url, headers=headers or {})
        with count_queries() as q:
            assert client.get(url, headers=headers or {}).status_code == 200
        return q.count

    urls = [("/team/ENG/issues", None), ("/team/ENG/issues?status=backlog", hx("issue-list")),
            ("/team/ENG/board", None), ("/team/ENG/board", hx("board"))]
    few = [measure(u, h) for u, h in urls]
    parent = db.session.scalar(db.select(Issue).where(Issue.number == 1))
    for i in range(20):
        issue = f.issue(t, ada, label_ids=[str(planned["bug"].id), str(planned["feature"].id)],
                        parent_id=parent, due_date=day(i - 10), estimate=i % 3 + 1)
        if i % 4 == 0:
            relations.add_relation(ada, issue.id, "blocks", parent.id)
    assert [measure(u, h) for u, h in urls] == few


# -- dashboard -----------------------------------------------------------------------------------

def test_dashboard_shows_points_done_of_total(client, planned, f):
    # Counted: 3 + 2 + 5 (done); a canceled issue's estimate does not count.
    f.issue(planned["team"], planned["ada"], estimate=8, status="canceled")
    client.login(planned["ada"])
    for url in ("/team/ENG/dashboard", "/dashboard"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'id="dash-points-ENG"[^>]*>5/10 points done<', html), url


def test_dashboard_hides_points_for_teams_without_estimates(client, f, eng):
    t, ada, _ = eng
    f.issue(t, ada)
    html = client.login(ada).get("/team/ENG/dashboard").get_data(as_text=True)
    assert 'id="dash-points-ENG"' not in html
    teams.update_team(ada, t.id, estimates="linear")
    html = client.get("/team/ENG/dashboard").get_data(as_text=True)
    assert re.search(r'id="dash-points-ENG"[^>]*>0/0 points done<', html)


# -- label changes reach cached lists ------------------------------------------------------------

def test_renaming_or_deleting_a_label_invalidates_the_cached_list(client, planned):
    client.login(planned["ada"])
    first = list_fragment(client)
    assert ">Bug<" in row_of(first, "ENG-1") and list_fragment(client) == first  # cached
    labels.update_label(planned["ada"], planned["bug"].id, name="Defect", color="#22c55e")
    renamed = list_fragment(client)
    assert 'data-label-color="#22c55e">Defect<' in row_of(renamed, "ENG-1") and ">Bug<" not in renamed
    labels.delete_label(planned["ada"], planned["bug"].id)
    assert "Defect" not in list_fragment(client)
    assert "Defect" not in client.get("/team/ENG/board", headers=hx("board")).get_data(as_text=True)
