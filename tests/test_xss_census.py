"""Stored XSS census: hostile text in every user field, then every page that shows it parsed.
Every HTML page of the URL map is either in PAGES or listed with why it shows no stored text."""
from html.parser import HTMLParser

import pytest

from linear_web.services import comments, issues, labels, projects, teams

from .conftest import endpoint_of

PAYLOADS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<svg onload=alert(1)>',
            '"><b onmouseover=alert(1)>x', "[x](javascript:alert(1))", "jav&#x09;ascript:alert(1)"]
HOSTILE = " ".join(PAYLOADS)


class Page(HTMLParser):
    """Elements as a browser parses them; inline scripts and handlers are collected."""

    def __init__(self):
        super().__init__()
        self.problems, self.in_title, self.title = [], False, ""

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag == "script" and not dict(attrs).get("src"):
            self.problems.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.replace("\t", "").strip().lower().startswith(("javascript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.problems.append(f"<{tag} style=...> (CSP forbids inline styles)")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


@pytest.fixture
def hostile(f):
    """A team, project, issue, comment and member all named with hostile text."""
    admin = f.user(name="Eve " + PAYLOADS[1][:60])
    t = f.team(admin, key="XSS", name="Team " + PAYLOADS[0][:80])
    teams.update_team(admin, t.id, description=HOSTILE)
    project = f.project(t, admin, name="P " + PAYLOADS[2][:80], description=HOSTILE)
    issue = f.issue(t, admin, title=PAYLOADS[3] + " " + PAYLOADS[0], description=HOSTILE,
                    project_id=project, assignee_id=admin, status="todo")
    comment = comments.create_comment(admin, issue.id, HOSTILE)
    comments.update_comment(admin, comment.id, HOSTILE + " (edited)")
    label = labels.create_label(admin, t.id, PAYLOADS[1][:50], description=HOSTILE)
    issues.update_issue(admin, issue.id, {"label_ids": [str(label.id)]})
    from datetime import timedelta
    from linear_web.services import cycles, issue_queries
    day = issue_queries.today()
    cycle = cycles.create_cycle(admin, t.id, {"starts_on": day.isoformat(), "name": PAYLOADS[0][:80],
                                              "ends_on": (day + timedelta(days=13)).isoformat()}).cycle
    issues.update_issue(admin, issue.id, {"cycle_id": str(cycle.id)})
    # The inbox: a hostile-named member mentions the admin in a hostile comment (and in its own handle's
    # neighbourhood), so the inbox, the subscribers and the mention links all show hostile text.
    mallory = f.user(name="Mal " + PAYLOADS[2][:60])
    teams.add_member(admin, t.id, user_id=str(mallory.id))
    comments.create_comment(mallory, issue.id, f"{HOSTILE} @{admin.handle}{PAYLOADS[1]} [@{admin.handle}]({PAYLOADS[4]})")
    # A saved view with a hostile name and search text: the sidebar of every page lists it.
    from linear_web.services import views
    views.create_view(admin, t.id, {"name": "V " + PAYLOADS[3][:80], "shared": True,
                                    "filters": {"label_id": [str(label.id)], "q": PAYLOADS[0]}})
    return admin, t, issue


PAGES = ["/team/XSS/issues", "/team/XSS/board", "/issue/XSS-1", "/team/XSS/projects", "/team/XSS/settings",
         "/team/XSS/dashboard", "/dashboard", "/search?q=alert", "/account", "/team/XSS/issues/new",
         "/teams/new", "/team/XSS/labels", "/issue/XSS-1/picker?kind=labels", "/team/XSS/cycles",
         "/team/XSS/cycles/1", "/inbox", "/team/XSS/views", "/my", "/my?tab=subscribed", "/team/XSS/webhooks",
         "/team/XSS/import", "/team/XSS/import/done?first=1&last=1"]
FRAGMENTS = [("/team/XSS/issues", "issue-list"), ("/team/XSS/board", "board"),
             ("/search?q=alert", "search-results"), ("/issue/XSS-1/attachments", "attachments"),
             ("/issue/XSS-1/relations/candidates?q=alert", "relation-candidates"),
             ("/issue/XSS-1/picker?kind=parent&q=alert", "parent-candidates"),
             ("/team/XSS/cycles", "cycles-body"), ("/team/XSS/cycles/1", "cycle-page"),
             ("/inbox", "inbox-list"), ("/team/XSS/members/mentions?q=", "mention-options"), ("/my", "my-list"),
             ("/palette/issues?q=alert", "palette-listbox"),
             ("/team/XSS/palette/options?kind=assignee&issue=XSS-1", "palette-listbox"),
             ("/team/XSS/palette/options?kind=labels&issue=XSS-1", "palette-listbox"),
             ("/team/XSS/palette/options?kind=cycle&issue=XSS-1", "palette-listbox")]
# GET routes that render no stored user text as HTML, and why.
NOT_PAGES = {"web.home": "a redirect", "web.team_home": "a redirect",
             "web.issue_export": "CSV: tests/web/test_issue_export.py checks formula escaping",
             "web.attachment_content": "the stored file itself, under its own headers",
             "web.project_edit": "needs a project id: test_hostile_text_is_inert_on_the_project_form",
             "web.inbox_open": "a redirect",
             "web.view_detail": "needs a view id: test_hostile_text_is_inert_on_a_saved_views_page",
             "web.webhook_detail": "needs a webhook id: test_hostile_text_is_inert_on_a_webhooks_pages"}


def test_every_page_is_in_the_census(app):
    """Each GET page of the web blueprint is parsed here or listed with a reason; each listed one exists."""
    pages = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("web.") and "GET" in r.methods}
    covered = {endpoint_of(app, "GET", path) for path in PAGES + [path for path, _ in FRAGMENTS]}
    assert sorted(pages - covered - set(NOT_PAGES)) == []
    assert sorted(set(NOT_PAGES) - pages) == []


def _assert_inert(resp, path) -> str:
    """The response is a 200 page with no inline script, handler, style or script URL."""
    assert resp.status_code == 200, path
    html = resp.get_data(as_text=True)
    page = Page()
    page.feed(html)
    assert page.problems == [], (path, page.problems)
    return html


@pytest.mark.parametrize("path", PAGES)
def test_hostile_text_is_inert_on_every_page(client, hostile, path):
    admin, _team, _issue = hostile
    client.login(admin)
    html = _assert_inert(client.get(path), path)
    raw_title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in raw_title, raw_title  # escaped as &lt; in the document
    if path == "/inbox":
        assert "Mal &lt;svg onload=alert(1)&gt;" in html and "mentioned you in" in html
    if path == "/issue/XSS-1":
        assert 'class="mention"' in html and "Mal &lt;svg" in html.split('id="issue-subscription"')[1]


def test_hostile_text_is_inert_in_fragments(client, hostile):
    admin, _team, _issue = hostile
    client.login(admin)
    for path, target in FRAGMENTS:
        _assert_inert(client.get(path, headers={"HX-Request": "true", "HX-Target": target}), path)


def test_hostile_text_is_inert_on_the_project_form(client, hostile):
    admin, team, _issue = hostile
    project = projects.list_projects(admin, team.id)[0]
    client.login(admin)
    path = f"/team/XSS/projects/{project.id}/edit"
    assert "P &lt;svg" in _assert_inert(client.get(path), path)


def test_hostile_text_is_inert_on_a_saved_views_page(client, hostile):
    """A view's page (list and board), its fragment, and the refused save and rename forms."""
    from linear_web.services import views
    admin, team, _issue = hostile
    view = views.list_views(admin, team.id)[0].view
    client.login(admin)
    path = f"/team/XSS/views/{view.id}"
    html = _assert_inert(client.get(path), path)
    assert "V &#34;&gt;&lt;b onmouseover" in html or "V &quot;&gt;&lt;b onmouseover" in html
    assert "<title>V &#34;&gt;&lt;b" in html or "<title>V &quot;&gt;&lt;b" in html
    _assert_inert(client.get(path + "?layout=board"), path)
    _assert_inert(client.get(path + "?q=alert", headers={"HX-Request": "true", "HX-Target": "issue-list"}), path)
    for url, data in ((f"/team/XSS/views?q={PAYLOADS[1]}", {"name": ""}), (path + "/rename", {"name": ""})):
        resp = client.post(url, data=data)
        assert resp.status_code == 422
        resp.status_code = 200
        _assert_inert(resp, url)


def test_hostile_text_is_inert_on_a_webhooks_pages(client, hostile, app):
    """A webhook whose URL carries markup, and a delivery whose receiver answered with markup
    (the error quotes the answer): the list, the webhook's page and the secret's panel."""
    from linear_web.infra.extensions import db
    from linear_web.models import WebhookDelivery
    from linear_web.services import webhooks
    admin, team, _issue = hostile
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    try:
        hook, _ = webhooks.create_webhook(admin, team.id, {"url": 'http://127.0.0.1:9/"><svg/onload=alert(1)>'})
        client.login(admin)
        created = client.post("/team/XSS/webhooks", data={"url": "http://127.0.0.1:9/<script>alert(1)</script>"})
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    assert created.status_code == 201
    delivery = webhooks.ping(admin, hook.id)
    db.session.get(WebhookDelivery, delivery.id).error = "HTTP 500: " + HOSTILE
    db.session.commit()
    for path in ("/team/XSS/webhooks", f"/team/XSS/webhooks/{hook.id}"):
        html = _assert_inert(client.get(path), path)
        assert "&lt;svg/onload=alert(1)&gt;" in html
    assert "HTTP 500: &lt;script&gt;" in client.get(f"/team/XSS/webhooks/{hook.id}").get_data(as_text=True)
    page = Page()
    page.feed(created.get_data(as_text=True))
    assert page.problems == []
