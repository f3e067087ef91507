"""Saved views in the browser: saving the list's or board's filters, a view's own page (its list or
board, its filters applied, unsaved changes), rename / update / share / delete for its owner or a
team admin only, stars pinned first in the sidebar, the team's views page, outsiders."""
import json
import re
from html import unescape

import pytest

from linear_web.infra.extensions import db
from linear_web.models import View, ViewFavourite
from linear_web.services import labels, teams, views

from .conftest import hx

ROUTES = [("GET", ""), ("POST", "/rename"), ("POST", "/filters"), ("POST", "/share"), ("POST", "/delete"),
          ("POST", "/favourite")]
CHANGES = [("/rename", {"name": "Mine now"}), ("/filters", {"status": "done"}), ("/share", {"shared": "false"}),
           ("/delete", {})]


@pytest.fixture
def cy(f, eng):
    """Cy, a third member of ENG (not an admin)."""
    user = f.user(name="Cy Member")
    f.add_member(eng.team, user)
    return user


@pytest.fixture
def work(f, eng):
    """ENG's issues: two urgent todos, a low todo, an urgent done one."""
    t, ada, bob = eng
    return {"urgent": f.issue(t, ada, title="Urgent todo", status="todo", priority=1),
            "other": f.issue(t, ada, title="Second urgent todo", status="todo", priority=1, assignee_id=bob),
            "low": f.issue(t, ada, title="Low todo", status="todo", priority=3),
            "done": f.issue(t, ada, title="Urgent but done", status="done", priority=1)}


def only_view() -> View:
    db.session.expire_all()
    found = db.session.scalars(db.select(View)).all()
    assert len(found) == 1, found
    return found[0]


def count_views() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(View))


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="row-title" href="[^"]*">([^<]*)</a>', html)


def sidebar(html: str) -> list[str]:
    """The saved views the sidebar lists, top to bottom, with a star for starred ones."""
    nav = html.split('class="team-nav"', 1)[1].split("</nav>", 1)[0]
    return [("★ " if "view-star" in a else "") + unescape(re.sub(r"<[^>]+>", "", a)).replace("Starred: ", "").strip("★ \n")
            for a in re.findall(r'<a class="team-nav-sub team-nav-view".*?</a>', nav, re.S)]


def view_url(view) -> str:
    return f"/team/ENG/views/{view.id}"


# -- saving ----------------------------------------------------------------------------------------

def test_save_a_view_from_a_filtered_list_and_open_it(client, eng, work):
    client.login(eng.member)
    page = client.get("/team/ENG/issues?status=todo&priority=1&sort=priority").get_data(as_text=True)
    form = re.search(r'<form id="save-view-form".*?</form>', page, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1).replace("&amp;", "&")
    assert action == "/team/ENG/views?status=todo&priority=1&sort=priority"   # the page's filters
    assert 'hx-include="#issue-filters"' in form and 'name="csrf_token"' in form
    resp = client.post(action, data={"name": "Urgent todos", "layout": "list"})
    assert resp.status_code == 303
    view = only_view()
    assert resp.headers["Location"] == view_url(view)
    assert json.loads(view.filters) == {"status": ["todo"], "priority": [1], "sort": "priority"}
    assert (view.name, view.layout, view.shared, view.owner_id) == ("Urgent todos", "list", False, eng.member.id)
    html = client.get(view_url(view)).get_data(as_text=True)
    assert sorted(titles(html)) == ["Second urgent todo", "Urgent todo"]
    assert "<title>Urgent todos · linear_web</title>" in html and '<span id="view-title">Urgent todos</span>' in html
    assert "Saved the view “Urgent todos”." in html and "Unsaved changes" not in html
    assert sidebar(html) == ["Urgent todos"]


def test_htmx_sends_the_filter_form_along_and_is_sent_to_the_view(client, eng, work, cy):
    client.login(eng.member)
    body = {"name": "Mine, shared", "shared": "true", "layout": "board", "q": "", "status": ["todo"],
            "assignee": "me", "sort": "-created_at", "project_id": "", "cycle_id": ""}
    resp = client.post("/team/ENG/views", data=body, headers=hx("save-view-form"))
    view = only_view()
    assert resp.status_code == 200 and resp.headers["HX-Redirect"] == view_url(view)   # a full page load
    assert json.loads(view.filters) == {"status": ["todo"], "assignee_id": "me"}
    assert (view.layout, view.shared) == ("board", True)
    html = client.get(view_url(view)).get_data(as_text=True)            # the board, its filters applied
    assert 'id="board"' in html and 'id="card-ENG-2"' in html and 'id="card-ENG-1"' not in html
    assert 'data-url="/ws?kind=board&amp;team=' in html
    assert f'hx-get="{view_url(view)}" hx-trigger="live-refresh" hx-include="#issue-filters"' in html
    # "me" is whoever looks: Cy sees the shared view with Cy's (no) issues
    assert 'id="card-' not in client.login(cy).get(view_url(view)).get_data(as_text=True)


@pytest.mark.parametrize("query, data, field_text", [
    ("status=todo", {"name": "   "}, "Name is required"),
    ("status=doing", {"name": "Bad"}, "Status"),
    ("status=todo", {"name": "x" * 101}, "Name"),
    ("status=todo", {"name": "Grid", "layout": "grid"}, "Layout must be list or board."),
])
def test_a_refused_save_says_why_keeps_the_input_and_saves_nothing(client, eng, work, query, data, field_text):
    client.login(eng.member)
    resp = client.post(f"/team/ENG/views?{query}", data=data)                # without htmx: a page
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and field_text in html and "<html" in html
    assert f'action="/team/ENG/views?{query}"' in html                      # the filters are kept
    resp = client.post("/team/ENG/views", data=dict(data, **dict([query.split("=")])), headers=hx("save-view-form"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.lstrip().startswith('<form id="save-view-form"') and field_text in html
    if data["name"].strip() and len(data["name"]) < 100:
        assert f'value="{data["name"]}"' in html
    assert count_views() == 0


def test_a_view_keeps_every_list_filter_top_level_due_and_overdue_too(client, eng, work):
    client.login(eng.member)
    resp = client.post("/team/ENG/views?status=todo&overdue=true&parent_id=none&due_before=2026-12-31",
                       data={"name": "Late"}, follow_redirects=True)
    assert json.loads(only_view().filters) == {"status": ["todo"], "overdue": True, "parent_id": "none",
                                               "due_before": "2026-12-31"}
    html = resp.get_data(as_text=True)
    assert "Not kept" not in html and "Unsaved changes" not in html
    # The view's page applies them: its filter bar shows them set.
    assert re.search(r'name="overdue" value="true" checked', html)
    assert re.search(r'name="parent_id" value="none" checked', html)


def test_the_board_saves_as_a_board(client, eng, work):
    client.login(eng.admin)
    html = client.get("/team/ENG/board?priority=1").get_data(as_text=True)
    form = re.search(r'<form id="save-view-form".*?</form>', html, re.S).group(0)
    assert 'value="board" checked' in form and 'action="/team/ENG/views?priority=1"' in form


# -- a view's page ----------------------------------------------------------------------------------

def test_changed_filters_on_a_view_page_are_unsaved_changes_until_the_view_is_updated(client, eng, work):
    view = views.create_view(eng.member, eng.team.id, {"name": "Todos", "filters": {"status": ["todo"]}}).view
    client.login(eng.member)
    url = view_url(view)
    # the filter bar sends every field: the same filters are no change
    same = client.get(url + "?q=&status=todo&assignee=&sort=-created_at", headers=hx("issue-list"))
    html = same.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="issue-list"') and "<html" not in html
    assert '<div id="view-state" class="view-state" hx-swap-oob="true">' in html and "Unsaved changes" not in html
    changed = client.get(url + "?q=&status=done&sort=-created_at", headers=hx("issue-list")).get_data(as_text=True)
    assert titles(changed) == ["Urgent but done"]
    state = changed.split('id="view-state"', 1)[1]
    assert "Unsaved changes" in state and "Update view" in state
    assert f'action="{url}/filters?status=done&amp;layout=list"' in state
    late = client.get(url + "?status=todo&overdue=true").get_data(as_text=True)   # a view keeps this one too
    assert "Unsaved changes" in late and "Not kept" not in late
    page = client.get(url + "?status=done&priority=1").get_data(as_text=True)       # a full page too
    assert "Unsaved changes" in page and titles(page) == ["Urgent but done"]
    assert f'action="{url}"' in page.split('id="issue-filters"', 1)[1][:600]          # the bar stays here
    # Update view: the filters htmx sends along (or the form URL's) become the view's
    resp = client.post(url + "/filters", data={"status": ["done", "todo"], "priority": "1", "layout": "board"},
                       headers=hx("view-state"))
    assert json.loads(resp.headers["HX-Location"])["path"] == url
    db.session.expire_all()
    saved = db.session.get(View, view.id)
    assert json.loads(saved.filters) == {"status": ["done", "todo"], "priority": [1]} and saved.layout == "board"
    assert "Unsaved changes" not in client.get(url).get_data(as_text=True)
    assert client.post(url + "/filters?status=todo&layout=list").status_code == 303   # without htmx
    db.session.expire_all()
    assert json.loads(db.session.get(View, view.id).filters) == {"status": ["todo"]}


def test_switching_layout_on_a_view_page_keeps_its_filters(client, eng, work):
    view = views.create_view(eng.member, eng.team.id, {"name": "Urgent", "filters": {"priority": [1]}}).view
    client.login(eng.member)
    html = client.get(view_url(view)).get_data(as_text=True)
    switch = html.split('class="issue-view-switch"', 1)[1].split("</nav>", 1)[0]
    board_link = re.search(r'<a href="([^"]+)">Board</a>', switch).group(1).replace("&amp;", "&")
    assert board_link == view_url(view) + "?priority=1&sort=-created_at&layout=board"
    board = client.get(board_link).get_data(as_text=True)
    assert 'id="card-ENG-1"' in board and 'id="card-ENG-3"' not in board and "Unsaved changes" in board
    assert '<input type="hidden" name="layout" value="board" form="issue-filters">' in board
    fragment = client.get(board_link, headers=hx("board")).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="board"') and 'id="view-state"' in fragment


def test_bad_filters_on_a_view_page_are_a_422_with_the_message(client, eng, work):
    view = views.create_view(eng.member, eng.team.id, {"name": "Todos", "filters": {"status": ["todo"]}}).view
    client.login(eng.member)
    resp = client.get(view_url(view) + "?status=doing")
    assert resp.status_code == 422 and "Status must be one of" in resp.get_data(as_text=True)
    resp = client.post(view_url(view) + "/filters", data={"status": "doing"}, headers=hx("view-state"))
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#view-errors"
    assert "Status must be one of" in resp.get_data(as_text=True)
    resp = client.post(view_url(view) + "/filters?status=doing")
    assert resp.status_code == 422 and "Status must be one of" in resp.get_data(as_text=True)
    assert json.loads(only_view().filters) == {"status": ["todo"]}


def test_a_deleted_label_is_dropped_from_the_view_with_a_note(client, eng, work, f):
    t, ada, bob = eng
    bug = labels.create_label(ada, t.id, "Bug")
    f.issue(t, ada, title="Labelled bug", status="todo", label_ids=[str(bug.id)])
    view = views.create_view(bob, t.id, {"name": "Bugs", "filters": {"label_id": [str(bug.id)]}}).view
    client.login(bob)
    assert titles(client.get(view_url(view)).get_data(as_text=True)) == ["Labelled bug"]
    labels.delete_label(ada, bug.id)
    html = client.get(view_url(view)).get_data(as_text=True)
    assert "The label filter was removed: the label no longer exists." in html
    assert len(titles(html)) == 5 and "Unsaved changes" not in html


def test_rename_share_and_delete_for_the_owner(client, eng, work):
    view = views.create_view(eng.member, eng.team.id, {"name": "Todos"}).view
    client.login(eng.member)
    url = view_url(view)
    html = client.get(url).get_data(as_text=True)
    for button in ("Rename", "Update from current filters", "Share with team", "Delete", "☆ Star"):
        assert button in html, button
    resp = client.post(url + "/rename", data={"name": ""}, headers=hx("view-rename-form"))
    assert resp.status_code == 422 and resp.get_data(as_text=True).lstrip().startswith('<form id="view-rename-form"')
    assert "Name is required" in resp.get_data(as_text=True)
    resp = client.post(url + "/rename", data={"name": "x" * 101})             # without htmx: the page
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "<details class=\"view-rename\" open>" in html and "x" * 101 in html
    # the page it came from, unsaved filters and all
    resp = client.post(url + "/rename", data={"name": "Renamed"}, headers={**hx("view-rename-form"),
                                                                           "HX-Current-URL": f"http://localhost{url}?status=done"})
    assert json.loads(resp.headers["HX-Location"])["path"] == url + "?status=done"
    assert client.post(url + "/share", data={"shared": "true"}).status_code == 303
    assert only_view().name == "Renamed" and only_view().shared is True
    assert "Make private" in client.get(url).get_data(as_text=True)
    resp = client.post(url + "/delete")
    assert resp.status_code == 303 and resp.headers["Location"] == "/team/ENG/views"
    assert count_views() == 0
    assert client.get(url).status_code == 404


def test_a_private_view_is_404_for_every_other_member(client, eng, work, cy):
    view = views.create_view(eng.member, eng.team.id, {"name": "Bob's"}).view
    for who in (eng.admin, cy):
        client.login(who)
        for method, suffix in ROUTES:
            assert client.open(view_url(view) + suffix, method=method, data={"name": "x"}).status_code == 404
        assert "Bob's" not in client.get("/team/ENG/views").get_data(as_text=True)
        assert "Bob&#39;s" not in client.get("/team/ENG/views").get_data(as_text=True)
    assert only_view().name == "Bob's"
    assert db.session.scalar(db.select(db.func.count()).select_from(ViewFavourite)) == 0


def test_a_shared_view_shows_members_no_edit_buttons_and_refuses_their_changes(client, eng, work, cy):
    view = views.create_view(eng.member, eng.team.id, {"name": "Team todos", "shared": True,
                                                       "filters": {"status": ["todo"]}}).view
    client.login(cy)
    html = client.get(view_url(view)).get_data(as_text=True)
    assert len(titles(html)) == 3 and "Team todos" in html
    for button in ("Rename", "Update from current filters", "Make private", ">Delete<", "Update view"):
        assert button not in html, button
    assert "☆ Star" in html                                       # a member may star it
    changed = client.get(view_url(view) + "?status=done").get_data(as_text=True)
    assert "Unsaved changes" in changed and "Update view" not in changed
    for suffix, data in CHANGES + [("/filters", {"status": "doing"})]:   # refused before the form is read
        assert client.post(view_url(view) + suffix, data=data).status_code == 403, suffix
    saved = only_view()
    assert (saved.name, saved.shared, json.loads(saved.filters)) == ("Team todos", True, {"status": ["todo"]})


def test_a_team_admin_renames_and_deletes_anothers_shared_view(client, eng, work):
    view = views.create_view(eng.member, eng.team.id, {"name": "Bob's board", "shared": True}).view
    client.login(eng.admin)
    assert "Rename" in client.get(view_url(view)).get_data(as_text=True)
    assert client.post(view_url(view) + "/rename", data={"name": "Ada's now"}).status_code == 303
    assert only_view().name == "Ada's now"
    # made private: Bob's alone again, so Ada goes to the views page
    resp = client.post(view_url(view) + "/share", data={"shared": "false"})
    assert resp.headers["Location"] == "/team/ENG/views" and only_view().shared is False
    views.update_view(eng.member, view.id, {"shared": True})
    assert client.post(view_url(view) + "/delete").status_code == 303 and count_views() == 0


# -- stars and the sidebar -----------------------------------------------------------------------

def test_starred_views_are_pinned_first_in_the_sidebar(client, eng, work, f, cy):
    t, ada, bob = eng
    other = f.team(bob, key="OPS", name="Operations")
    for name in ("Alpha", "Beta", "Gamma"):
        views.create_view(bob, t.id, {"name": name, "shared": name != "Beta"})
    ops = views.create_view(bob, other.id, {"name": "Ops view"}).view
    views.create_view(cy, t.id, {"name": "Cy's private"})
    gamma = next(s.view for s in views.list_views(bob, t.id) if s.view.name == "Gamma")
    client.login(bob)
    assert sidebar(client.get("/team/ENG/projects").get_data(as_text=True)) == ["Alpha", "Beta", "Gamma", "Ops view"]
    resp = client.post(view_url(gamma) + "/favourite", data={"favourite": "true"})
    assert resp.status_code == 303 and resp.headers["Location"] == view_url(gamma)
    html = client.get(view_url(gamma)).get_data(as_text=True)
    assert sidebar(html) == ["★ Gamma", "Alpha", "Beta", "Ops view"]
    assert "★ Starred" in html and 'aria-pressed="true"' in html
    assert re.search(rf'href="{view_url(gamma)}" aria-current="page"', html)
    # Cy's stars are Cy's; Bob's private view is not Cy's to see or star
    client.login(cy)
    assert sidebar(client.get("/team/ENG/projects").get_data(as_text=True)) == ["Alpha", "Cy's private", "Gamma"]
    beta = next(s.view for s in views.list_views(bob, t.id) if s.view.name == "Beta")
    assert client.post(view_url(beta) + "/favourite", data={"favourite": "true"}).status_code == 404
    # unstarring from the views page comes back to it
    client.login(bob)
    resp = client.post(view_url(gamma) + "/favourite", data={"favourite": "false"},
                       headers={"Referer": "http://localhost/team/ENG/views"})
    assert resp.headers["Location"] == "/team/ENG/views"
    assert sidebar(client.get("/team/OPS/issues").get_data(as_text=True)) == ["Alpha", "Beta", "Gamma", "Ops view"]
    assert ops.id


def test_the_sidebar_views_cost_no_statement_of_their_own(client, eng, f, count_queries):
    """They come with the session's user and memberships (one statement on every page)."""
    t, ada, bob = eng
    others = [f.team(bob, key=f"SB{n}") for n in range(3)]
    client.login(bob)

    def statements():
        client.get("/team/ENG/projects")
        with count_queries() as q:
            html = client.get("/team/ENG/projects").get_data(as_text=True)
        return q.statements, html

    before, html = statements()
    assert sidebar(html) == []
    for n, other in enumerate(others):
        views.create_view(bob, other.id, {"name": f"View {n}"})
        views.create_view(bob, t.id, {"name": f"ENG view {n}", "shared": True})
    after, html = statements()
    assert len(sidebar(html)) == 6 and len(after) == len(before)
    assert len([s for s in after if "saved_views" in s]) == 1


def test_the_views_page_lists_name_owner_visibility_and_layout(client, eng, work, cy):
    t, ada, bob = eng
    views.create_view(bob, t.id, {"name": "Bob's board", "shared": True, "layout": "board"})
    views.create_view(cy, t.id, {"name": "Cy's list"})
    views.create_view(cy, t.id, {"name": "Cy's shared", "shared": True})
    client.login(cy)
    html = client.get("/team/ENG/views").get_data(as_text=True)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).replace("&#39;", "'").strip()
            for r in re.findall(r'<tr id="view-row-.*?</tr>', html, re.S)]
    assert rows == ["☆ Bob's board Bob Stone Shared Board", "☆ Cy's list You Private List",
                    "☆ Cy's shared You Shared List"]
    client.login(ada)
    assert "Cy's list" not in client.get("/team/ENG/views").get_data(as_text=True).replace("&#39;", "'")


def test_the_views_page_without_views_says_what_to_do(client, eng):
    client.login(eng.member)
    assert "No saved views yet" in client.get("/team/ENG/views").get_data(as_text=True)


# -- access and forms ------------------------------------------------------------------------------

@pytest.mark.parametrize("method, suffix", ROUTES + [("GET", "LIST"), ("POST", "CREATE")])
def test_outsiders_get_404_on_every_view_route(client, eng, outsider, method, suffix):
    view = views.create_view(eng.member, eng.team.id, {"name": "Shared", "shared": True}).view
    url = {"LIST": "/team/ENG/views", "CREATE": "/team/ENG/views?status=todo"}.get(suffix, view_url(view) + suffix)
    client.login(outsider.user)
    resp = client.open(url, method=method, data={"name": "pwned", "shared": "true", "favourite": "true"})
    assert resp.status_code == 404 and "Shared" not in resp.get_data(as_text=True)
    if suffix not in ("LIST", "CREATE"):      # nor through a team of theirs: the view is of ENG
        resp = client.open(url.replace("/team/ENG/", "/team/EVE/"), method=method, data={"name": "pwned"})
        assert resp.status_code == 404
    db.session.expire_all()
    assert [v.name for v in db.session.scalars(db.select(View).where(View.team_id == eng.team.id))] == ["Shared"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ViewFavourite)) == 0


def test_a_view_is_only_at_its_own_teams_url(client, eng, f):
    """Bob is in ENG and OPS: ENG's view is not OPS's, whatever the key in the URL."""
    f.team(eng.admin, key="OPS", members=[eng.member])
    view = views.create_view(eng.member, eng.team.id, {"name": "Shared", "shared": True}).view
    client.login(eng.member)
    for method, suffix in ROUTES:
        url = f"/team/OPS/views/{view.id}{suffix}"
        assert client.open(url, method=method, data={"name": "x", "favourite": "true"}).status_code == 404, url
    assert only_view().name == "Shared"


def test_a_member_who_left_the_team_gets_404(client, eng, work):
    view = views.create_view(eng.admin, eng.team.id, {"name": "Shared", "shared": True}).view
    client.login(eng.member)
    assert client.get(view_url(view)).status_code == 200
    teams.remove_member(eng.admin, eng.team.id, str(eng.member.id))
    assert client.get(view_url(view)).status_code == 404


@pytest.mark.parametrize("suffix", ["CREATE"] + [s for s, _ in CHANGES] + ["/favourite"])
def test_every_view_form_needs_its_csrf_token(client, eng, suffix):
    view = views.create_view(eng.member, eng.team.id, {"name": "Mine"}).view
    client.login(eng.member)
    url = "/team/ENG/views" if suffix == "CREATE" else view_url(view) + suffix
    resp = client.post(url, data={"name": "Forged", "shared": "true", "favourite": "true"}, csrf=False)
    assert resp.status_code == 400
    saved = only_view()
    assert (saved.name, saved.shared) == ("Mine", False)
    assert db.session.scalar(db.select(db.func.count()).select_from(ViewFavourite)) == 0


def test_view_pages_load_in_a_fixed_number_of_statements(client, eng, f, count_queries):
    t, ada, bob = eng
    view = views.create_view(bob, t.id, {"name": "All"}).view
    for status in ("backlog", "todo", "in_progress", "done", "canceled"):   # every group has its page
        f.issue(t, ada, title=f"First {status}", status=status)
    client.login(bob)
    client.get(view_url(view))

    def statements() -> int:
        with count_queries() as q:
            assert client.get(view_url(view)).status_code == 200
        return q.count

    few = statements()
    for n in range(12):
        f.issue(t, ada, title=f"Issue {n}", status=("todo", "done", "backlog")[n % 3], assignee_id=bob)
    assert statements() == few
