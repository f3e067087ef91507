"""The issue page's planning: label, parent, due-date and estimate pickers (on the page and on list
rows), sub-issues with their progress, the relations panel; errors next to their fields."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue, IssueRelation, Label
from linear_web.services import issues, labels, relations, teams

from .conftest import hx


def _props(html: str) -> str:
    return html.split('id="issue-properties"', 1)[1].split("</form>", 1)[0]


def _section(html: str, dom_id: str) -> str:
    return html.split(f'id="{dom_id}"', 1)[1].split("</section>", 1)[0]


def _activity_count(issue, field) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Activity)
                             .where(Activity.issue_id == issue.id, Activity.field == field))


@pytest.fixture
def planned(f, eng):
    """ENG-1 Parent with two sub-issues (one done), ENG-4 blocking ENG-1, labels Bug and UI."""
    t, admin, bob = eng
    parent = f.issue(t, admin, title="Parent")
    first = f.issue(t, admin, title="First child", parent_id=parent, status="done")
    f.issue(t, admin, title="Second child", parent_id=parent)
    blocker = f.issue(t, admin, title="Blocker", status="in_progress")
    relations.add_relation(admin, blocker.id, "blocks", parent.id)
    bug = labels.create_label(admin, t.id, "Bug", "#ef4444")
    ui = labels.create_label(admin, t.id, "UI", "#3b82f6")
    return {"team": t, "admin": admin, "bob": bob, "parent": parent, "first": first, "blocker": blocker,
            "bug": bug, "ui": ui}


def test_issue_page_shows_labels_breadcrumb_sub_issues_relations_due_and_estimate(client, f, planned):
    p = planned
    teams.update_team(p["admin"], p["team"].id, estimates="tshirt")
    issues.update_issue(p["admin"], p["parent"].id, {"label_ids": [str(p["bug"].id)], "due_date": "2020-03-01",
                                                       "estimate": 5})
    html = client.login(p["bob"]).get("/issue/ENG-1").get_data(as_text=True)
    props = _props(html)
    assert '<span class="label-chip" data-label-color="#ef4444">' in props and ">Bug</span>" in props
    assert ">UI<" not in props  # the other label is not on the issue (">UI<": a CSRF token may hold "UI")
    assert 'value="2020-03-01"' in props and "is-overdue" in props and "Overdue" in props
    assert re.search(r'<option value="5" selected>L</option>', props)
    assert [m for m in re.findall(r'<option value="(\d+)"', props.split('id="prop-estimate"')[1])] == ["1", "2", "3", "5", "8"]
    subs = _section(html, "issue-sub-issues")
    assert "1/2" in subs and "First child" in subs and "Second child" in subs and 'class="status-icon status-done"' in subs
    rels = _section(html, "issue-relations")
    assert "Blocked by" in rels and "ENG-4" in rels and "Blocker" in rels and "status-in_progress" in rels
    child = client.get("/issue/ENG-2").get_data(as_text=True)
    crumbs = child.split('id="issue-crumbs"', 1)[1].split("</nav>", 1)[0]
    assert crumbs.index("Engineering") < crumbs.index("ENG-1") < crumbs.index("Parent") < crumbs.index("ENG-2")


def test_estimates_off_are_explained_and_an_off_scale_value_is_kept(client, f, planned):
    p = planned
    html = client.login(p["admin"]).get("/issue/ENG-1").get_data(as_text=True)
    assert 'id="prop-estimate"' not in html and "Estimates are off for Engineering" in html
    teams.update_team(p["admin"], p["team"].id, estimates="fibonacci")
    issues.update_issue(p["admin"], p["parent"].id, {"estimate": 13})
    teams.update_team(p["admin"], p["team"].id, estimates="linear")
    props = _props(client.get("/issue/ENG-1").get_data(as_text=True))
    assert "<option value=\"13\" selected>13 (off the team's scale)</option>" in props
    # Saving another property keeps the off-scale estimate (the form sends it back unchanged).
    version = db.session.get(Issue, p["parent"].id).version
    resp = client.post("/issue/ENG-1", data={"status": "todo", "estimate": "13", "version": str(version)},
                       headers=hx("issue-properties"))
    assert resp.status_code == 200
    assert db.session.get(Issue, p["parent"].id).estimate == 13


def test_due_date_and_estimate_from_the_properties_form_and_their_errors(client, planned):
    p = planned
    teams.update_team(p["admin"], p["team"].id, estimates="linear")
    client.login(p["admin"])
    resp = client.post("/issue/ENG-1", data={"due_date": "2026-02-30", "version": "1"}, headers=hx("issue-properties"))
    assert resp.status_code == 422
    props = _props(resp.get_data(as_text=True))
    assert 'id="prop-due-error">Due date must be a real date written YYYY-MM-DD.' in props
    resp = client.post("/issue/ENG-1", data={"estimate": "7", "version": "1"}, headers=hx("issue-properties"))
    assert resp.status_code == 422 and "Estimate must be one of the team&#39;s scale" in resp.get_data(as_text=True)
    assert _activity_count(p["parent"], "due_date") == 0
    resp = client.post("/issue/ENG-1", data={"due_date": "2031-12-05", "estimate": "3", "version": "1"},
                       headers=hx("issue-properties"))
    assert resp.status_code == 200
    issue = db.session.get(Issue, p["parent"].id)
    assert issue.due_date.isoformat() == "2031-12-05" and issue.estimate == 3
    assert "is-overdue" not in resp.get_data(as_text=True)


def test_label_picker_lists_the_teams_labels_and_saves_several(client, planned):
    p = planned
    client.login(p["admin"])
    html = client.get("/issue/ENG-1/picker?kind=labels", headers=hx("planning-picker-body")).get_data(as_text=True)
    assert "<html" not in html and 'hx-target="#issue-properties"' in html
    assert f'value="{p["bug"].id}"' in html and f'value="{p["ui"].id}"' in html and " checked" not in html
    resp = client.post("/issue/ENG-1/planning", headers=hx("issue-properties"),
                       data={"picker": "labels", "version": "1", "label_ids": ["", str(p["bug"].id), str(p["ui"].id)]})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert ">Bug</span>" in _props(body) and ">UI</span>" in _props(body)
    assert 'id="issue-crumbs" class="crumbs" aria-label="Breadcrumb" hx-swap-oob="true"' in body
    assert {c.name for c in db.session.get(Issue, p["parent"].id).label_chips} == {"Bug", "UI"}
    assert _activity_count(p["parent"], "labels") == 1
    # Unticking all of them sends only the empty marker: the labels are cleared.
    resp = client.post("/issue/ENG-1/planning", headers=hx("issue-properties"),
                       data={"picker": "labels", "version": "2", "label_ids": [""]})
    assert resp.status_code == 200 and db.session.get(Issue, p["parent"].id).label_chips == []


def test_pickers_on_a_list_row_answer_with_the_row(client, planned):
    p = planned
    client.login(p["admin"])
    html = client.get("/issue/ENG-2/picker?kind=labels&context=row", headers=hx("planning-picker-body")).get_data(as_text=True)
    assert 'hx-target="#issue-ENG-2"' in html and 'name="context" value="row"' in html
    resp = client.post("/issue/ENG-2/planning", headers=hx("issue-ENG-2"),
                       data={"picker": "due", "version": "1", "due_date": "2031-01-02", "context": "row"})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert body.startswith('<div id="issue-ENG-2" class="issue-row"') and 'id="issue-properties"' not in body
    assert db.session.get(Issue, p["first"].id).due_date.isoformat() == "2031-01-02"
    resp = client.post("/issue/ENG-2/planning", headers=hx("issue-ENG-2"),
                       data={"picker": "due", "version": "2", "due_date": "2031-01-02", "clear": "1", "context": "row"})
    assert resp.status_code == 200 and db.session.get(Issue, p["first"].id).due_date is None


def test_picker_errors_come_back_in_the_picker(client, planned):
    p = planned
    client.login(p["admin"])
    resp = client.post("/issue/ENG-1/planning", headers=hx("issue-properties"),
                       data={"picker": "estimate", "version": "1", "estimate": "3"})
    assert resp.status_code == 422
    assert resp.headers["HX-Retarget"] == "#planning-picker-body" and resp.headers["HX-Reswap"] == "innerHTML"
    assert "This team does not use estimates" in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-1/planning", headers=hx("issue-properties"),
                       data={"picker": "due", "version": "1", "due_date": "2026-02-30"})
    assert resp.status_code == 422 and 'id="picker-due-error"' in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-1/planning", headers=hx("issue-properties"),
                       data={"picker": "labels", "version": "7", "label_ids": [str(p["bug"].id)]})
    assert resp.status_code == 409 and "changed by" in resp.get_data(as_text=True)
    assert db.session.get(Issue, p["parent"].id).label_chips == []


def test_create_a_label_from_the_picker(client, planned):
    p = planned
    client.login(p["bob"])
    resp = client.post("/issue/ENG-1/labels/new", headers=hx("planning-picker-body"),
                       data={"name": "Backend", "label_ids": ["", str(p["ui"].id)], "version": "1"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    new = db.session.scalar(db.select(Label).where(Label.name == "Backend"))
    assert new is not None and new.team_id == p["team"].id
    assert f'value="{new.id}" checked data-label-new' in html and f'value="{p["ui"].id}" checked' in html
    assert f'value="{p["bug"].id}">' in html
    resp = client.post("/issue/ENG-1/labels/new", headers=hx("planning-picker-body"), data={"name": "x" * 51})
    assert resp.status_code == 422
    assert 'id="label-name-error" role="alert">Name must be at most 50 characters' in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-1/labels/new", headers=hx("planning-picker-body"), data={"name": "bug"})
    assert resp.status_code == 409 and "already exists" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Label)) == 3


def test_parent_picker_searches_the_team_and_refuses_a_loop(client, f, planned):
    p = planned
    client.login(p["admin"])
    html = client.get("/issue/ENG-1/picker?kind=parent", headers=hx("planning-picker-body")).get_data(as_text=True)
    assert "ENG-4" in html and 'value="' + str(p["parent"].id) + '"' not in html   # not itself
    found = client.get("/issue/ENG-1/picker?kind=parent&q=blocker", headers=hx("parent-candidates")).get_data(as_text=True)
    assert found.lstrip().startswith('<div id="parent-candidates"') and "ENG-4" in found and "Second child" not in found
    assert "ENG-4" in client.get("/issue/ENG-1/picker?kind=parent&q=eng-4", headers=hx("parent-candidates")).get_data(as_text=True)
    # ENG-2 is a sub-issue of ENG-1: making it ENG-1's parent would loop.
    resp = client.post("/issue/ENG-1/planning", headers=hx("issue-properties"),
                       data={"picker": "parent", "version": "1", "parent_id": str(p["first"].id)})
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#planning-picker-body"
    assert 'id="parent-error" role="alert">ENG-2 cannot be the parent of ENG-1: it is one of its sub-issues.' \
        in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-4/planning", headers=hx("issue-properties"),
                       data={"picker": "parent", "version": "1", "parent_id": str(p["parent"].id)})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    crumbs = body.split('id="issue-crumbs"', 1)[1].split("</nav>", 1)[0]
    assert "ENG-1" in crumbs and "Parent" in crumbs
    assert 'id="issue-parent"' in body and "Remove parent" in body
    resp = client.post("/issue/ENG-4/planning", headers=hx("issue-properties"),
                       data={"picker": "parent", "version": "2", "parent_id": ""})
    assert resp.status_code == 200 and db.session.get(Issue, p["blocker"].id).parent_id is None


def test_add_a_sub_issue_in_one_step(client, planned):
    p = planned
    client.login(p["bob"])
    resp = client.post("/issue/ENG-1/sub-issues", data={"title": "Third child"}, headers=hx("issue-sub-issues"))
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Third child" in html and "1/3" in html and 'value=""' in html
    child = db.session.scalar(db.select(Issue).where(Issue.title == "Third child"))
    assert child.team_id == p["team"].id and child.parent_id == p["parent"].id
    resp = client.post("/issue/ENG-1/sub-issues", data={"title": "   "}, headers=hx("issue-sub-issues"))
    assert resp.status_code == 422
    assert 'id="sub-issue-error">Title is required' in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-1/sub-issues", data={"title": "Plain form"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1#issue-sub-issues")


def test_relations_panel_adds_refuses_and_removes(client, f, planned):
    p = planned
    other_team = f.team(p["admin"], key="OPS", name="Operations")
    ops = f.issue(other_team, p["admin"], title="Server migration")
    client.login(p["admin"])
    found = client.get("/issue/ENG-2/relations/candidates?q=migration").get_data(as_text=True)
    assert found.lstrip().startswith('<div id="relation-candidates"') and "OPS-1" in found
    resp = client.post("/issue/ENG-2/relations", data={"type": "blocked_by", "issue_id": str(ops.id)},
                       headers=hx("issue-relations"))
    assert resp.status_code == 200
    panel = resp.get_data(as_text=True)
    assert "Blocked by" in panel and "OPS-1" in panel and "Server migration" in panel
    other_page = client.get("/issue/OPS-1").get_data(as_text=True)
    assert "Blocks" in _section(other_page, "issue-relations") and "ENG-2" in _section(other_page, "issue-relations")
    # Already related: left out of the search; sent anyway: 409 in the panel.
    assert "OPS-1" not in client.get("/issue/ENG-2/relations/candidates?q=migration").get_data(as_text=True)
    resp = client.post("/issue/ENG-2/relations", data={"type": "related", "q": "OPS-1"}, headers=hx("issue-relations"))
    assert resp.status_code == 409 and "ENG-2 and OPS-1 are already related." in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-2/relations", data={"type": "related", "q": "ENG-2"}, headers=hx("issue-relations"))
    assert resp.status_code == 422
    assert 'id="relation-error">An issue cannot be related to itself.' in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-2/relations", data={"type": "related", "q": "NOPE-9"}, headers=hx("issue-relations"))
    assert resp.status_code == 422 and "No issue found" in resp.get_data(as_text=True)
    resp = client.post("/issue/ENG-2/relations", data={"type": "sideways", "q": "ENG-3"}, headers=hx("issue-relations"))
    assert resp.status_code == 422 and "Type must be one of" in resp.get_data(as_text=True)
    relation = db.session.scalar(db.select(IssueRelation).where(IssueRelation.source_id == ops.id))
    resp = client.post(f"/issue/ENG-2/relations/{relation.id}/delete", headers=hx("issue-relations"))
    assert resp.status_code == 200 and "OPS-1" not in resp.get_data(as_text=True)
    assert "ENG-2" not in _section(client.get("/issue/OPS-1").get_data(as_text=True), "issue-relations")


def test_relation_search_stays_in_the_users_teams(client, f, planned, outsider):
    p = planned
    eve_team = outsider.team
    f.issue(eve_team, outsider.user, title="Hidden migration")
    client.login(p["admin"])
    found = client.get("/issue/ENG-1/relations/candidates?q=migration").get_data(as_text=True)
    assert "Hidden migration" not in found
    resp = client.post("/issue/ENG-1/relations", data={"type": "related", "q": f"{eve_team.key}-1"},
                       headers=hx("issue-relations"))
    assert resp.status_code == 422 and "No issue found" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path,data", [
    ("/issue/ENG-1/planning", {"picker": "due", "due_date": "2031-01-01"}),
    ("/issue/ENG-1/labels/new", {"name": "Sneaky"}),
    ("/issue/ENG-1/sub-issues", {"title": "Sneaky"}),
    ("/issue/ENG-1/relations", {"type": "related", "q": "ENG-2"}),
])
def test_planning_writes_need_the_csrf_token(client, planned, path, data):
    client.login(planned["admin"])
    assert client.post(path, data=data, csrf=False).status_code == 400
    assert db.session.get(Issue, planned["parent"].id).due_date is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue).where(Issue.title == "Sneaky")) == 0


def test_relation_remove_needs_the_csrf_token(client, planned):
    relation = db.session.scalar(db.select(IssueRelation))
    client.login(planned["admin"])
    assert client.post(f"/issue/ENG-1/relations/{relation.id}/delete", csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(IssueRelation)) == 1


def test_pickers_work_without_javascript(client, planned):
    p = planned
    client.login(p["admin"])
    html = client.get("/issue/ENG-1/picker?kind=labels").get_data(as_text=True)
    assert "<html" in html and "Labels of ENG-1" in html
    assert client.get("/issue/ENG-1/picker?kind=nonsense").status_code == 404
    resp = client.post("/issue/ENG-1/planning", data={"picker": "labels", "version": "1", "label_ids": [str(p["bug"].id)]})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1")
    resp = client.post("/issue/ENG-1/planning", data={"picker": "due", "version": "2", "due_date": "2026-13-01"})
    assert resp.status_code == 422 and "<html" in resp.get_data(as_text=True) and "real date" in resp.get_data(as_text=True)


def test_hostile_planning_text_is_inert(client, f, eng):
    """Label names and titles of sub-issues and related issues, in every planning section and picker."""
    from tests.test_xss_census import PAYLOADS, _assert_inert
    t, admin, _ = eng
    parent = f.issue(t, admin, title=PAYLOADS[0])
    issue = f.issue(t, admin, title=PAYLOADS[3], parent_id=parent)
    f.issue(t, admin, title=PAYLOADS[2], parent_id=issue)
    relations.add_relation(admin, issue.id, "related", f.issue(t, admin, title=PAYLOADS[1]).id)
    label = labels.create_label(admin, t.id, PAYLOADS[1][:50])
    issues.update_issue(admin, issue.id, {"label_ids": [str(label.id)]})
    client.login(admin)
    html = _assert_inert(client.get("/issue/ENG-2"), "/issue/ENG-2")
    assert "&lt;img src=x onerror=alert(1)&gt;" in _props(html)
    for kind in ("labels", "parent", "due", "estimate"):
        path = f"/issue/ENG-2/picker?kind={kind}"
        _assert_inert(client.get(path, headers=hx("planning-picker-body")), path)
        _assert_inert(client.get(path), path)
