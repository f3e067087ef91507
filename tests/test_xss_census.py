"""Stored XSS census (SECURITY.md #6): hostile text in every user field, then every render site parsed."""
from html.parser import HTMLParser

import pytest

from linear_web.services import comments, teams

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
    comments.create_comment(admin, issue.id, HOSTILE)
    return admin, t, issue


@pytest.mark.parametrize("path", [
    "/team/XSS/issues", "/team/XSS/board", "/issue/XSS-1", "/team/XSS/projects", "/team/XSS/settings",
    "/team/XSS/dashboard", "/dashboard", "/search?q=alert", "/account", "/team/XSS/issues/new",
])
def test_hostile_text_is_inert_on_every_page(client, hostile, path):
    admin, _team, _issue = hostile
    client.login(admin)
    resp = client.get(path)
    assert resp.status_code == 200, path
    html = resp.get_data(as_text=True)
    page = Page()
    page.feed(html)
    assert page.problems == [], page.problems
    raw_title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in raw_title, raw_title  # escaped as &lt; in the document


def test_hostile_text_is_inert_in_fragments(client, hostile):
    admin, _team, _issue = hostile
    client.login(admin)
    for path, target in (("/team/XSS/issues", "issue-list"), ("/team/XSS/board", "board"),
                         ("/search?q=alert", "search-results")):
        resp = client.get(path, headers={"HX-Request": "true", "HX-Target": target})
        page = Page()
        page.feed(resp.get_data(as_text=True))
        assert resp.status_code == 200 and page.problems == [], (path, page.problems)
