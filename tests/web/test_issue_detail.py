"""The issue page: redirects, fragments for in-place edits, stale versions, Markdown, delete, queries."""
import re


from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue
from linear_web.services import comments, issues, labels, relations

from .conftest import hx


def test_detail_page_shows_two_columns_and_the_includes(client, f, eng):
    t, admin, bob = eng
    web = f.project(t, admin, name="Website")
    i = f.issue(t, admin, title="Fix login", status="todo", priority=1, assignee_id=bob, project_id=web)
    html = client.login(admin).get(f"/issue/{i.identifier}").get_data(as_text=True)
    assert "<title>ENG-1 Fix login · linear_web</title>" in html
    for fragment in ('id="issue-title"', 'id="issue-description"', 'id="issue-properties"', 'id="issue-timeline"',
                     'id="comment-form"', 'id="issue-version" name="version" value="1"', "data-copy=",
                     'data-confirm="Delete ENG-1?'):
        assert fragment in html, fragment
    props = html.split('id="issue-properties"', 1)[1].split("</form>", 1)[0]
    assert '<option value="todo" selected>' in props and '<option value="1" selected>' in props
    assert f'<option value="{bob.id}" selected>' in props and f'<option value="{web.id}" selected>' in props
    assert "Ada Lovelace</strong>\n  created the issue" in html


def test_uuid_and_old_identifier_redirect_to_the_current_identifier(client, f, eng):
    t, admin, _ = eng
    ops = f.team(admin, key="OPS")
    i = f.issue(t, admin)
    client.login(admin)
    assert client.get(f"/issue/{i.id}").headers["Location"].endswith("/issue/ENG-1")
    assert client.get("/issue/eng-1").headers["Location"].endswith("/issue/ENG-1")
    issues.update_issue(admin, i.id, {"team_id": str(ops.id)})
    resp = client.get("/issue/ENG-1")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/issue/OPS-1")
    assert client.get("/issue/OPS-1").status_code == 200


def test_unknown_issue_is_404(client, eng):
    t, admin, _ = eng
    client.login(admin)
    for ref in ("ENG-99", "nonsense", "00000000-0000-0000-0000-000000000000"):
        assert client.get(f"/issue/{ref}").status_code == 404


def _detail_queries(client, count_queries, ref) -> int:
    client.get(f"/issue/{ref}")  # warm up: the test's app context caches the sidebar's memberships in g
    with count_queries() as q:
        assert client.get(f"/issue/{ref}").status_code == 200
    return q.count


def test_detail_runs_a_fixed_number_of_queries(client, f, eng, count_queries):
    t, admin, bob = eng
    parent = f.issue(t, admin, title="Parent")
    i = f.issue(t, admin, parent_id=parent)
    client.login(admin)

    def churn(n, start=0):
        for k in range(start, start + n):
            comments.create_comment(bob if k % 2 else admin, i.id, f"comment {k}")
            issues.update_issue(admin, i.id, {"priority": k % 4, "title": f"title {k}"})
            child = f.issue(t, admin, title=f"child {k}", parent_id=i)
            relations.add_relation(admin, i.id, "related", f.issue(t, admin).id)
            label = labels.create_label(admin, t.id, f"label {k}")
            issues.update_issue(admin, child.id, {"label_ids": [str(label.id)], "status": "done"})

    churn(2)
    few = _detail_queries(client, count_queries, "ENG-2")
    churn(10, start=2)
    assert _detail_queries(client, count_queries, "ENG-2") == few
    # The user with the sidebar's teams; the issue with its team, parent id and attachments; the
    # comments; the activity; the pickers' members and projects; the parent, sub-issues and
    # relations together. The sidebar's unread count comes with the session's user, the
    # subscribers with the pickers. Labels, due date, estimate and the sub-issue counts come in
    # the issue's own row; the label picker loads the team's labels when opened. (@mentions add
    # one query when the page has any: test_inbox_pages.py.)
    assert few == 6, few


def test_timeline_merges_comments_and_activity_by_time(client, f, eng):
    t, admin, bob = eng
    i = f.issue(t, admin)
    issues.update_issue(admin, i.id, {"status": "todo"})
    c = comments.create_comment(bob, i.id, "first *comment*")
    issues.update_issue(admin, i.id, {"assignee_id": str(bob.id)})
    html = client.login(admin).get("/issue/ENG-1").get_data(as_text=True)
    timeline = html.split('id="issue-timeline"', 1)[1].split('id="comment-form"', 1)[0]
    order = [timeline.index(s) for s in ("created the issue", "changed status from Backlog to Todo",
                                         f'id="comment-{c.id}"', "assigned the issue to Bob Stone")]
    assert order == sorted(order)
    assert "<em>comment</em>" in timeline and "commented" not in timeline.replace("comment-", "")


def test_property_change_returns_the_panel_and_writes_activity(client, f, eng):
    t, admin, bob = eng
    i = f.issue(t, admin)
    client.login(admin)
    resp = client.post("/issue/ENG-1", headers=hx("issue-properties"), data={
        "status": "in_progress", "priority": "0", "assignee_id": str(bob.id), "project_id": "", "version": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<form id="issue-properties"')
    assert 'name="version" value="2"' in html and '<option value="in_progress" selected>' in html
    fields = db.session.scalars(db.select(Activity.field).where(Activity.issue_id == i.id,
                                                                Activity.action == "updated")).all()
    assert sorted(fields) == ["assignee", "status"]


def test_stale_version_keeps_the_input_and_says_who_changed_it(client, f, eng):
    t, admin, bob = eng
    i = f.issue(t, admin)
    issues.update_issue(bob, i.id, {"priority": 2})  # Bob changed it meanwhile: version 2
    client.login(admin)
    resp = client.post("/issue/ENG-1", headers=hx("issue-properties"), data={
        "status": "done", "priority": "0", "assignee_id": "", "project_id": "", "version": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "changed by Bob Stone meanwhile" in html and "Reload" in html
    assert '<option value="done" selected>' in html  # the user's choice is still there
    assert 'name="version" value="1"' in html  # and stays stale until they reload
    db.session.expire_all()
    got = db.session.get(Issue, i.id)
    assert (got.status, got.priority) == ("backlog", 2)
    title = client.post("/issue/ENG-1", headers=hx("issue-title"), data={"title": "My new title", "version": "1"})
    assert title.status_code == 409 and 'value="My new title"' in title.get_data(as_text=True)
    assert "hx-swap-oob" not in title.get_data(as_text=True)


def test_title_edit_in_place_returns_title_and_fresh_version(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin, title="Old")
    resp = client.login(admin).post("/issue/ENG-1", headers=hx("issue-title"), data={"title": "New", "version": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<form id="issue-title"') and 'value="New"' in html
    assert 'id="issue-properties"' in html and 'hx-swap-oob="true"' in html and 'name="version" value="2"' in html


def test_empty_title_is_422_with_the_message_next_to_it(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin, title="Keep")
    client.login(admin)
    resp = client.post("/issue/ENG-1", headers=hx("issue-title"), data={"title": "  ", "version": "1"})
    assert resp.status_code == 422 and "Title is required." in resp.get_data(as_text=True)
    page = client.post("/issue/ENG-1", data={"title": "", "version": "1"})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    assert "Title is required." in page.get_data(as_text=True)
    assert db.session.get(Issue, db.session.scalars(db.select(Issue.id)).one()).title == "Keep"


def test_bad_version_or_property_is_422(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin)
    client.login(admin)
    assert client.post("/issue/ENG-1", headers=hx("issue-properties"), data={"status": "x"}).status_code == 422
    assert client.post("/issue/ENG-1", headers=hx("issue-properties"),
                       data={"status": "todo", "version": "abc"}).status_code == 422
    assert db.session.scalars(db.select(Issue.status)).one() == "backlog"


def test_plain_form_update_redirects_back(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin)
    resp = client.login(admin).post("/issue/ENG-1", data={"status": "done"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1")


def test_row_picker_update_returns_the_row(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin)
    resp = client.login(admin).post("/issue/ENG-1", headers=hx("issue-ENG-1"), data={"priority": "1", "version": "1"})
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="issue-ENG-1" class="issue-row"') and 'data-version="2"' in html
    stale = client.post("/issue/ENG-1", headers=hx("issue-ENG-1"), data={"priority": "2", "version": "1"})
    assert stale.status_code == 409 and "meanwhile" in stale.get_data(as_text=True)  # flash rides along


def test_row_status_change_on_the_list_sends_the_group_counts(client, f, eng):
    t, admin, bob = eng
    f.issue(t, admin, status="todo", assignee_id=bob)
    f.issue(t, admin, status="todo")
    headers = {**hx("issue-ENG-1"), "HX-Current-URL": f"http://localhost/team/ENG/issues?assignee={bob.id}"}
    resp = client.login(admin).post("/issue/ENG-1", headers=headers, data={"status": "done", "version": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="issue-ENG-1" class="issue-row"')
    counts = dict(re.findall(r'<span id="([\w-]+)" class="[^"]*" hx-swap-oob="true">([^<]*)<', html))
    assert counts == {"group-count-backlog": "0", "group-count-todo": "0", "group-count-in_progress": "0",
                      "group-count-done": "1", "group-count-canceled": "0", "list-total": "1 issue"}
    # From the issue page there are no list counts to send.
    page = client.post("/issue/ENG-1", headers=hx("issue-properties"), data={"status": "todo", "version": "2"})
    assert page.status_code == 200 and "group-count" not in page.get_data(as_text=True)


def test_description_markdown_is_rendered_and_sanitised(client, f, eng):
    t, admin, _ = eng
    md = ("# Head\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n```\ncode <b>\n```\n\n"
          "[x](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror=alert(3)>")
    f.issue(t, admin, title="md", description=md)
    html = client.login(admin).get("/issue/ENG-1").get_data(as_text=True)
    view = html.split('class="description-view"', 1)[1].split("data-edit-toggle", 1)[0]
    assert "<table>" in view and "<td>1</td>" in view and 'type="checkbox"' in view and "<pre><code>" in view
    assert "code &lt;b&gt;" in view
    assert "href=\"javascript" not in view and "<script>" not in view and "<img" not in view


def test_xss_in_title_is_escaped_in_page_title_and_body(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin, title='</title><script>alert(1)</script>"><img src=x onerror=alert(1)>')
    html = client.login(admin).get("/issue/ENG-1").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    head_title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "&lt;/title&gt;&lt;script&gt;" in head_title


def test_description_edit_and_preview(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin)
    client.login(admin)
    preview = client.post("/markdown/preview", headers=hx("description-preview"),
                          data={"description": "**hi** <script>x</script>"})
    assert preview.status_code == 200 and "<strong>hi</strong>" in preview.get_data(as_text=True)
    assert "<script>" not in preview.get_data(as_text=True)
    assert client.post("/markdown/preview", data={"body": "a\x00b"}).status_code == 422
    resp = client.post("/issue/ENG-1", headers=hx("issue-description"), data={"description": "*new*", "version": "1"})
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="issue-description"') and "<em>new</em>" in html
    assert 'name="version" value="2"' in html


def test_preview_needs_csrf_and_login(client, f, eng):
    t, admin, _ = eng
    assert client.post("/markdown/preview", data={"body": "x"}).status_code == 302
    client.login(admin)
    assert client.post("/markdown/preview", data={"body": "x"}, csrf=False).status_code == 400


def test_delete_asks_first_then_goes_back_to_the_list(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin)
    client.login(admin)
    resp = client.post("/issue/ENG-1/delete")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/issues")
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue)) == 0
    assert "Deleted ENG-1." in client.get("/team/ENG/issues").get_data(as_text=True)


def test_delete_without_csrf_is_400_and_keeps_the_issue(client, f, eng):
    t, admin, _ = eng
    f.issue(t, admin)
    assert client.login(admin).post("/issue/ENG-1/delete", csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue)) == 1


def test_fields_a_user_may_not_set_are_ignored(client, f, eng):
    t, admin, bob = eng
    other = f.team(admin, key="OPS")
    i = f.issue(t, admin, title="Stay")
    client.login(admin).post("/issue/ENG-1", data={"team_id": str(other.id), "number": "99", "creator_id": str(bob.id),
                                                   "id": "00000000-0000-0000-0000-000000000000", "version": "1"})
    db.session.expire_all()
    got = db.session.get(Issue, i.id)
    assert (got.team_id, got.number, got.creator_id, got.version) == (t.id, 1, admin.id, 1)
