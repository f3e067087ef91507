"""Creating issues in the browser: page, dialog and form fragments, inline errors, the new row in place."""
import json
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue


def hx(target: str, current_url: str | None = None) -> dict:
    headers = {"HX-Request": "true", "HX-Target": target}
    if current_url:
        headers["HX-Current-URL"] = current_url
    return headers


def issue_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Issue))


def oob_counts(html: str) -> dict:
    """The out-of-band count fragments of an answer: {dom id: text}."""
    return dict(re.findall(r'<span id="((?:group-count|list-total)[\w-]*)" class="[^"]*" hx-swap-oob="true">([^<]*)<', html))


def test_new_issue_page_dialog_and_form_fragment(client, eng):
    t, admin, bob = eng
    client.login(admin)
    page = client.get("/team/ENG/issues/new").get_data(as_text=True)
    assert "<html" in page and 'id="issue-form"' in page and "<dialog id=\"issue-dialog\"" not in page
    assert "Bob Stone" in page  # assignee choices are the team's members
    dialog = client.get("/team/ENG/issues/new", headers=hx("issue-dialog-slot")).get_data(as_text=True)
    assert dialog.lstrip().startswith('<dialog id="issue-dialog"') and 'id="issue-form"' in dialog
    assert "<html" not in dialog
    form = client.get("/team/ENG/issues/new", headers=hx("issue-form")).get_data(as_text=True)
    assert form.lstrip().startswith('<form id="issue-form"')


def test_new_form_preselects_a_status(client, eng):
    t, admin, _ = eng
    html = client.login(admin).get("/team/ENG/issues/new?status=todo").get_data(as_text=True)
    assert '<option value="todo" selected>' in html


def test_sidebar_new_issue_button_points_at_the_form(client, eng):
    t, admin, _ = eng
    html = client.login(admin).get("/team/ENG/issues").get_data(as_text=True)
    assert 'href="/team/ENG/issues/new" data-shortcut="c"' in html


def test_create_from_a_plain_form_goes_to_the_new_issue(client, eng):
    t, admin, bob = eng
    resp = client.login(admin).post("/team/ENG/issues", data={
        "title": "  Fix the login  ", "description": "**now**", "status": "todo", "priority": "1",
        "assignee_id": str(bob.id), "project_id": ""})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1")
    issue = db.session.scalars(db.select(Issue)).one()
    assert (issue.title, issue.status, issue.priority, issue.assignee_id, issue.creator_id) == \
        ("Fix the login", "todo", 1, bob.id, admin.id)
    page = client.get("/issue/ENG-1").get_data(as_text=True)
    assert "Created ENG-1." in page and "<strong>now</strong>" in page


def test_create_on_the_list_page_answers_with_the_new_row_out_of_band(client, eng):
    t, admin, _ = eng
    client.login(admin)
    resp = client.post("/team/ENG/issues", data={"title": "Shiny", "status": "todo", "priority": "2"},
                       headers=hx("issue-form", "http://localhost/team/ENG/issues?sort=priority"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html.startswith('<div hx-swap-oob="afterbegin:#group-rows-todo">')
    assert '<div id="issue-ENG-1" class="issue-row"' in html and "Shiny" in html
    trigger = json.loads(resp.headers["HX-Trigger"])
    assert trigger["issue-created"] == {"identifier": "ENG-1", "shown": True}
    assert oob_counts(html) == {"group-count-backlog": "0", "group-count-todo": "1", "group-count-in_progress": "0",
                                "group-count-done": "0", "group-count-canceled": "0", "list-total": "1 issue"}


def test_create_sends_the_counts_of_the_list_filters(client, eng, f):
    t, admin, bob = eng
    f.issue(t, admin, title="old todo", status="todo", priority=1)
    f.issue(t, admin, title="low todo", status="todo", priority=3)
    f.issue(t, admin, title="done", status="done", priority=1)
    client.login(admin)
    resp = client.post("/team/ENG/issues", data={"title": "Urgent", "status": "todo", "priority": "1"},
                       headers=hx("issue-form", "http://localhost/team/ENG/issues?status=todo&priority=1"))
    # Only the shown group, counted with the page's filters (the low-priority todo is not counted).
    assert oob_counts(resp.get_data(as_text=True)) == {"group-count-todo": "2", "list-total": "2 issues"}


def test_create_from_a_list_with_refused_filters_sends_no_counts(client, eng):
    t, admin, _ = eng
    resp = client.login(admin).post("/team/ENG/issues", data={"title": "x"},
                                    headers=hx("issue-form", "http://localhost/team/ENG/issues?status=nope"))
    assert resp.status_code == 200 and oob_counts(resp.get_data(as_text=True)) == {}


def test_create_hidden_by_the_list_filters_says_so(client, eng):
    t, admin, _ = eng
    client.login(admin)
    resp = client.post("/team/ENG/issues", data={"title": "Elsewhere", "status": "backlog"},
                       headers=hx("issue-form", "http://localhost/team/ENG/issues?status=done"))
    html = resp.get_data(as_text=True)
    assert "hx-swap-oob=\"afterbegin" not in html and "the current filters hide it" in html
    assert oob_counts(html) == {"group-count-done": "0", "list-total": "0 issues"}
    assert json.loads(resp.headers["HX-Trigger"])["issue-created"]["shown"] is False
    assert issue_count() == 1


def test_create_from_elsewhere_with_htmx_goes_to_the_issue(client, eng):
    t, admin, _ = eng
    client.login(admin)
    resp = client.post("/team/ENG/issues", data={"title": "From the board"},
                       headers=hx("issue-form", "http://localhost/team/ENG/board"))
    assert resp.status_code == 200 and json.loads(resp.headers["HX-Location"])["path"] == "/issue/ENG-1"


@pytest.mark.parametrize("data, field, message", [
    ({"title": "   "}, "title", "Title is required."),
    ({"title": "x" * 256}, "title", "Title must be at most 255 characters."),
    ({"title": "ok", "status": "later"}, "status", "Status must be one of"),
    ({"title": "ok", "priority": "9"}, "priority", "Priority must be"),
    ({"title": "ok", "description": "nul\x00"}, "description", "must not contain NUL"),
    ({"title": "ok", "project_id": "not-a-uuid"}, "project_id", "Project must be an id."),
])
def test_bad_input_rerenders_the_form_with_messages_and_writes_nothing(client, eng, data, field, message):
    t, admin, _ = eng
    client.login(admin)
    resp = client.post("/team/ENG/issues", data={"description": "keep me", **data}, headers=hx("issue-form"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.lstrip().startswith('<form id="issue-form"')
    assert message in html and "has-error" in html
    if field != "description":
        assert ">keep me</textarea>" in html  # what the user typed stays
    page = client.post("/team/ENG/issues", data={"description": "keep me", **data})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True) and message in page.get_data(as_text=True)
    assert issue_count() == 0


def test_assignee_and_project_must_belong_to_the_team(client, eng, f):
    t, admin, _ = eng
    stranger = f.user()
    foreign_project = f.project(f.team(stranger), stranger)
    client.login(admin)
    resp = client.post("/team/ENG/issues", data={"title": "x", "assignee_id": str(stranger.id),
                                                 "project_id": str(foreign_project.id)}, headers=hx("issue-form"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "The assignee must be a member" in html and "The project must belong" in html
    assert issue_count() == 0


def test_dialog_create_error_keeps_the_dialog_form(client, eng):
    t, admin, _ = eng
    resp = client.login(admin).post("/team/ENG/issues", data={"title": ""},
                                    headers=hx("issue-form", "http://localhost/team/ENG/issues"))
    assert resp.status_code == 422 and resp.get_data(as_text=True).lstrip().startswith('<form id="issue-form"')


def test_create_without_csrf_is_400_and_writes_nothing(client, eng):
    t, admin, _ = eng
    resp = client.login(admin).post("/team/ENG/issues", data={"title": "x"}, csrf=False)
    assert resp.status_code == 400 and issue_count() == 0


def test_new_form_requires_login(client, eng):
    resp = client.get("/team/ENG/issues/new")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
