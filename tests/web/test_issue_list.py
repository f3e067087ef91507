"""The issue list: page vs fragment, groups and counts, filters in the URL, load more, bulk edit."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue
from linear_web.web.issues import FIRST_PAGE

from .conftest import hx


def row_ids(html: str) -> list[str]:
    return re.findall(r'<div id="issue-([A-Z0-9]+-\d+)" class="issue-row"', html)


def group_count(html: str, status: str) -> int:
    block = html.split(f'id="group-{status}"', 1)[1]
    return int(re.search(r'class="group-count">(\d+)<', block).group(1))


def test_full_page_has_filters_groups_and_rows(client, f, eng):
    t, admin, bob = eng
    web = f.project(t, admin, name="Website")
    f.issue(t, admin, title="Fix login", status="todo", priority=1, assignee_id=bob, project_id=web)
    f.issue(t, admin, title="Write docs")
    html = client.login(admin).get("/team/ENG/issues").get_data(as_text=True)
    assert "<html" in html and 'id="issue-filters"' in html and 'id="issue-bulk"' in html
    assert row_ids(html) == ["ENG-2", "ENG-1"]  # grouped in status order: backlog, then todo
    assert group_count(html, "todo") == 1 and group_count(html, "backlog") == 1
    row = html.split('id="issue-ENG-1"', 1)[1].split("</div>", 1)[0]
    assert "Fix login" in row and "Website" in row and ">BS<" in row and 'title="Priority: High"' in row


def test_groups_follow_status_order(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin, title="done one", status="done")
    f.issue(t, admin, title="backlog one")
    f.issue(t, admin, title="progress one", status="in_progress")
    html = client.login(admin).get("/team/ENG/issues").get_data(as_text=True)
    assert row_ids(html) == ["ENG-2", "ENG-3", "ENG-1"]


def test_htmx_target_gets_only_the_fragment(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin, title="Only one")
    resp = client.login(admin).get("/team/ENG/issues", headers=hx("issue-list"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="issue-list"')
    assert "<html" not in html and "Only one" in html
    # an htmx request for another target (e.g. a boosted link) gets the full page
    other = client.get("/team/ENG/issues", headers=hx("main")).get_data(as_text=True)
    assert "<html" in other


def test_filters_by_several_statuses_priority_assignee_project_and_text(client, f, eng):
    t, admin, bob = eng
    web = f.project(t, admin, name="Website")
    f.issue(t, admin, title="alpha", status="todo", priority=1, assignee_id=bob, project_id=web)
    f.issue(t, admin, title="beta", status="done", priority=2, assignee_id=admin)
    f.issue(t, admin, title="gamma", status="backlog", priority=3)
    client.login(admin)

    def ids(query):
        return row_ids(client.get("/team/ENG/issues?" + query, headers=hx("issue-list")).get_data(as_text=True))

    assert ids("status=todo&status=done") == ["ENG-1", "ENG-2"]
    assert ids("priority=2&priority=3") == ["ENG-3", "ENG-2"]
    assert ids("assignee=me") == ["ENG-2"]
    assert ids("assignee=none") == ["ENG-3"]
    assert ids(f"assignee={bob.id}") == ["ENG-1"]
    assert ids(f"project_id={web.id}") == ["ENG-1"]
    assert ids("q=gamm") == ["ENG-3"]
    assert ids("status=todo&assignee=me") == []


def test_filter_form_reflects_the_url_and_pushes_it(client, f, eng):
    t, admin, bob = eng
    html = client.login(admin).get(f"/team/ENG/issues?status=todo&priority=1&assignee={bob.id}&sort=priority&q=abc") \
        .get_data(as_text=True)
    form = html.split('<form id="issue-filters"', 1)[1].split("</form>", 1)[0]
    assert 'hx-push-url="true"' in form and 'hx-target="#issue-list"' in form
    assert 'value="todo" checked' in form and 'value="1" checked' in form
    assert f'value="{bob.id}" selected' in form and 'value="priority" selected' in form and 'value="abc"' in form
    assert 'value="done" checked' not in form


def test_sort_by_priority_puts_high_first_and_none_last(client, f, eng):
    t, admin, _ = eng
    for p in (0, 3, 1, 2):
        f.issue(t, admin, title=f"p{p}", priority=p)
    html = client.login(admin).get("/team/ENG/issues?sort=priority", headers=hx("issue-list")).get_data(as_text=True)
    assert row_ids(html) == ["ENG-3", "ENG-4", "ENG-2", "ENG-1"]


@pytest.mark.parametrize("query", ["status=nope", "priority=9", "assignee=bob", "project_id=12", "sort=title;drop",
                                   "q=" + "x" * 300])
def test_bad_filter_values_are_a_422_message_not_a_500(client, f, eng, query):
    t, admin, _ = eng
    f.issue(t, admin, title="still here")
    client.login(admin)
    page = client.get("/team/ENG/issues?" + query)
    assert page.status_code == 422
    assert 'class="form-error"' in page.get_data(as_text=True) and "still here" not in page.get_data(as_text=True)
    frag = client.get("/team/ENG/issues?" + query, headers=hx("issue-list"))
    assert frag.status_code == 422 and "<html" not in frag.get_data(as_text=True)


def test_empty_states(client, f, eng):
    t, admin, _ = eng
    client.login(admin)
    html = client.get("/team/ENG/issues").get_data(as_text=True)
    assert "Create the first issue".lower() in html.lower()
    f.issue(t, admin, title="one")
    html = client.get("/team/ENG/issues?status=done").get_data(as_text=True)
    assert "No issues match" in html and row_ids(html) == []


def test_a_tampered_cursor_is_a_422_not_a_500(client, f, eng):
    t, admin, _ = eng
    resp = client.login(admin).get("/team/ENG/issues?group=todo&cursor=%%%", headers=hx("load-more-todo"))
    assert resp.status_code == 422 and "cursor is not valid" in resp.get_data(as_text=True)
    assert "<html" not in resp.get_data(as_text=True)


def test_load_more_uses_keyset_cursors_per_group(client, f, eng, count_queries, is_postgres):
    t, admin, _ = eng
    for n in range(FIRST_PAGE + 3):
        f.issue(t, admin, title=f"issue {n}", status="todo")
    f.issue(t, admin, title="in backlog")
    client.login(admin)
    html = client.get("/team/ENG/issues").get_data(as_text=True)
    todo = html.split('id="group-rows-todo"', 1)[1].split("</details>", 1)[0]
    assert len(row_ids(todo)) == FIRST_PAGE and group_count(html, "todo") == FIRST_PAGE + 3
    more = re.search(r'id="load-more-todo" hx-get="([^"]+)"', todo).group(1).replace("&amp;", "&")
    assert "cursor=" in more and "group=todo" in more
    assert 'id="load-more-backlog"' not in html
    with count_queries() as q:
        rest = client.get(more, headers=hx("load-more-todo")).get_data(as_text=True)
    assert row_ids(rest) == [f"ENG-{n}" for n in (3, 2, 1)]
    assert "load-more" not in rest and "<html" not in rest
    listing = [s for s in q.statements if "FROM issues" in s and "ORDER BY issues." in s]
    assert listing and all("issues.created_at <" in s for s in listing)  # keyset, not OFFSET
    if is_postgres:  # SQLite's compiler always writes "LIMIT ? OFFSET 0"
        assert not any("OFFSET" in s.upper() for s in q.statements)
    assert set(row_ids(todo)).isdisjoint(row_ids(rest))


def _fragment_queries(client, count_queries) -> int:
    client.get("/team/ENG/issues", headers=hx("issue-list"))  # warm caches (session user, etc.)
    with count_queries() as q:
        resp = client.get("/team/ENG/issues", headers=hx("issue-list"))
    assert resp.status_code == 200
    return q.count


def _page_queries(client, count_queries) -> int:
    with count_queries() as q:
        resp = client.get("/team/ENG/issues")
    assert resp.status_code == 200
    return q.count


def test_list_runs_a_fixed_number_of_queries(client, f, eng, count_queries):
    t, admin, bob = eng
    web = f.project(t, admin)
    client.login(admin)

    def add(n):
        for i in range(n):
            f.issue(t, admin, status=("todo", "done", "backlog")[i % 3], assignee_id=(bob if i % 2 else admin),
                    project_id=web)

    add(5)
    few_fragment, few_page = _fragment_queries(client, count_queries), _page_queries(client, count_queries)
    add(25)
    assert _fragment_queries(client, count_queries) == few_fragment
    assert _page_queries(client, count_queries) == few_page
    assert few_fragment <= 8


def test_titles_are_escaped_in_the_list(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin, title='<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=x>')
    html = client.login(admin).get("/team/ENG/issues").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- bulk edit ---------------------------------------------------------------------------------

def test_bulk_sets_status_priority_assignee_and_project(client, f, eng):
    t, admin, bob = eng
    web = f.project(t, admin, name="Website")
    a, b, c = (f.issue(t, admin, title=n) for n in "abc")
    client.login(admin)
    resp = client.post("/team/ENG/issues/bulk", headers=hx("issue-list"),
                       data={"ids": [str(a.id), str(b.id)], "set_status": "done", "set_priority": "1",
                             "set_assignee": str(bob.id), "set_project": str(web.id), "status": "done"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="issue-list"')
    assert row_ids(html) == ["ENG-2", "ENG-1"]  # the re-rendered list keeps the filter status=done
    assert "Updated 2 issues." in html  # the flash rides along
    db.session.expire_all()
    for i in (a, b):
        got = db.session.get(Issue, i.id)
        assert (got.status, got.priority, got.assignee_id, got.project_id) == ("done", 1, bob.id, web.id)
    assert db.session.get(Issue, c.id).status == "backlog"


def test_bulk_answers_with_the_counts_of_its_filters(client, f, eng):
    t, admin, _ = eng
    a, _b = f.issue(t, admin, title="a"), f.issue(t, admin, title="b")
    client.login(admin)
    resp = client.post("/team/ENG/issues/bulk", headers=hx("issue-list"),
                       data={"ids": [str(a.id)], "set_status": "todo", "status": ["todo", "backlog"]})
    html = resp.get_data(as_text=True)
    assert group_count(html, "todo") == 1 and group_count(html, "backlog") == 1
    assert '<span id="group-count-todo" class="group-count">1</span>' in html and 'id="group-count-done"' not in html
    assert '<span id="list-total" class="muted list-total">2 issues</span>' in html
    assert "Updated 1 issue." in html


def test_bulk_can_unassign_and_clear_project(client, f, eng):
    t, admin, bob = eng
    web = f.project(t, admin)
    a = f.issue(t, admin, assignee_id=bob, project_id=web)
    client.login(admin).post("/team/ENG/issues/bulk", data={"ids": [str(a.id)], "set_assignee": "none",
                                                            "set_project": "none"})
    db.session.expire_all()
    got = db.session.get(Issue, a.id)
    assert got.assignee_id is None and got.project_id is None


def test_bulk_without_js_redirects_back_to_the_list(client, f, eng):
    t, admin, _ = eng
    a = f.issue(t, admin)
    resp = client.login(admin).post("/team/ENG/issues/bulk", data={"ids": [str(a.id)], "set_status": "todo"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/issues")


@pytest.mark.parametrize("data, message", [
    ({"set_status": "done"}, "Select at least one issue"),
    ({"set_status": ""}, "Choose a status"),
    ({"set_status": "bogus"}, "Status must be one of"),
    ({"set_priority": "7"}, "Priority must be"),
])
def test_bulk_rejects_bad_input_and_writes_nothing(client, f, eng, data, message):
    t, admin, _ = eng
    a = f.issue(t, admin)
    payload = {"ids": [str(a.id)], **data} if "Select" not in message else data
    client.login(admin)
    resp = client.post("/team/ENG/issues/bulk", data=payload, headers=hx("issue-list"))
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert resp.headers["HX-Retarget"] == "#bulk-error"
    page = client.post("/team/ENG/issues/bulk", data=payload)
    assert page.status_code == 422 and message in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Issue, a.id).status == "backlog"
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity).where(Activity.action == "updated")) == 0


def test_bulk_with_an_assignee_outside_the_team_is_refused(client, f, eng):
    t, admin, _ = eng
    stranger = f.user()
    a = f.issue(t, admin)
    resp = client.login(admin).post("/team/ENG/issues/bulk", data={"ids": [str(a.id)], "set_assignee": str(stranger.id)})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Issue, a.id).assignee_id is None


def test_bulk_on_another_teams_issue_is_404_and_changes_nothing(client, f, eng):
    t, admin, _ = eng
    other_admin = f.user()
    theirs = f.issue(f.team(other_admin, key="OPS"), other_admin)
    mine = f.issue(t, admin)
    resp = client.login(admin).post("/team/ENG/issues/bulk", data={"ids": [str(mine.id), str(theirs.id)],
                                                                   "set_status": "done"})
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(Issue, theirs.id).status == "backlog" and db.session.get(Issue, mine.id).status == "backlog"


def test_rows_show_a_compact_age(client, f, eng):
    from datetime import timedelta

    from linear_web.models import utcnow
    t, admin, _ = eng
    old = f.issue(t, admin, title="old one")
    old.created_at = utcnow() - timedelta(days=3, hours=2)
    db.session.commit()
    f.issue(t, admin, title="new one")
    html = client.login(admin).get("/team/ENG/issues").get_data(as_text=True)
    assert re.search(r'id="issue-ENG-1".*?class="row-age muted"[^>]*>3d</time>', html, re.S)
    assert re.search(r'id="issue-ENG-2".*?class="row-age muted"[^>]*>now</time>', html, re.S)
