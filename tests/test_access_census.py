"""Access census: every route of the URL map, every method, called by an outsider with team A's
ids → 404, nothing of A in the body, and A's rows unchanged afterwards. Routes without an id in
their path are each listed with the test that covers them, so a new route cannot slip through."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import (Activity, Attachment, Comment, Cycle, Issue, IssueRelation, IssueSubscription, Label,
                               Membership, Notification, Project, Team, View, Webhook, WebhookDelivery)
from linear_web.services import tokens

from .conftest import SECRET_TITLE, endpoint_of


# Team A's ids in a query string: test_outsider_filters_by_foreign_team_get_404.
FILTERED = {"/api/v1/issues?team_id={team}": "api.issue_list",
            "/api/v1/issues/search?q=zebra&team_id={team}": "api.issue_search",
            "/api/v1/issues/export?team_id={team}": "api.issue_export",
            "/api/v1/dashboard/stats?team_id={team}": "api.dashboard_stats",
            "/api/v1/projects?team_id={team}": "api.project_list",
            "/api/v1/labels?team_id={team}": "api.label_list",
            "/api/v1/cycles?team_id={team}": "api.cycle_list",
            "/api/v1/views?team_id={team}": "api.view_list",
            "/api/v1/webhooks?team_id={team}": "api.webhook_list"}
# Lists of whatever the caller may see: test_outsider_unfiltered_lists_hold_nothing_of_team_a.
API_LISTS = {"/api/v1/issues": "api.issue_list", "/api/v1/issues/search?q=zebra": "api.issue_search",
             "/api/v1/issues/export": "api.issue_export", "/api/v1/dashboard/stats": "api.dashboard_stats",
             "/api/v1/projects": "api.project_list", "/api/v1/teams": "api.team_list"}
# Pages of whatever the caller may see: test_outsider_pages_hold_nothing_of_team_a.
PAGES = {"/search?q=zebra": "web.search", "/dashboard": "web.dashboard_all", "/": "web.home",
         "/palette/issues?q=zebra": "web.palette_issues", "/my?tab=subscribed": "web.my_issues"}
# Routes that take no id of team A at all, and why an outsider reaches nothing of A through them.
NO_TEAM_IDS = {
    "static": "public files", "health": "no data", "api.openapi_json": "the public API description",
    "api_docs_swagger": "the public API description", "api_docs_redoc": "the public API description",
    "auth.login": "before any team", "auth.signup": "before any team", "auth.logout": "the caller's session",
    "api.auth_login": "before any team", "api.user_create": "before any team",
    "api.user_me": "the caller", "api.user_list": "tests/api/test_outsider.py lists users",
    "api.team_create": "a new team", "web.team_new": "a new team",
    "api.issue_create": "team_id in the body: tests/api/test_outsider.py",
    "api.issue_import": "team_id in the query: tests/api/test_imports.py",
    "api.webhook_create": "team_id in the body: tests/api/test_webhooks.py",
    "api.project_create": "team_id in the body: tests/api/test_outsider.py",
    "api.label_create": "team_id in the body: tests/api/test_planning.py",
    "api.cycle_create": "team_id in the body: tests/api/test_cycles.py",
    "api.view_create": "team_id in the body: tests/api/test_views.py",
    "api.notification_list": "the caller's own: tests/api/test_notifications.py",
    "api.notification_unread_count": "the caller's own: tests/api/test_notifications.py",
    "api.notification_read_all": "the caller's own: tests/api/test_notifications.py",
    "api.user_me_update": "the caller",
    "api.api_key_list": "the caller's keys", "api.api_key_create": "the caller's keys",
    "web.account": "the caller's account", "web.account_password": "the caller's account",
    "web.account_email": "the caller's account",
    "web.account_api_key_create": "the caller's keys",
    "web.account_api_key_revoke": "the caller's keys, by id: the API route is checked here",
    "web.account_logout_everywhere": "the caller's sessions", "web.markdown_preview": "no stored data",
    "web.account_profile": "the caller's account",
    "web.inbox": "the caller's own notifications: tests/web/test_inbox_pages.py",
    "web.inbox_read_all": "the caller's own notifications: tests/web/test_inbox_pages.py",
    "realtime.api_ws": "sockets: tests/realtime check which teams they hear",
    "realtime.page_ws": "sockets: tests/realtime check which teams they hear",
}


@pytest.fixture
def secret_team(secret_team, app):
    """conftest's team A, with a shared saved view of Ada's (the /views/<view_id> routes) and a
    webhook with a delivery (the /webhooks/<webhook_id> routes)."""
    from linear_web.services import views, webhooks
    secret_team["view"] = views.create_view(secret_team["admin"], secret_team["team"].id, {
        "name": "Secret view", "shared": True, "filters": {"status": ["todo"]}}).view
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    try:
        secret_team["webhook"] = webhooks.create_webhook(secret_team["admin"], secret_team["team"].id,
                                                         {"url": "http://127.0.0.1:9/secret-hook"})[0]
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    secret_team["delivery"] = webhooks.ping(secret_team["admin"], secret_team["webhook"].id)
    return secret_team


def _values(w, use_identifier: bool) -> dict:
    issue = w["issue"]
    ref = issue.identifier if use_identifier else str(issue.id)
    return {"key": w["team"].key, "ref": ref, "identifier": ref, "issue_id": ref,
            "comment_id": str(w["comment"].id), "attachment_id": str(w["attachment"].id),
            "project_id": str(w["project"].id), "team_id": str(w["team"].id),
            "user_id": str(w["admin"].id), "key_id": str(w["api_key"].id), "label_id": str(w["label"].id),
            "relation_id": str(w["relation"].id), "cycle_id": str(w["cycle"].id), "number": str(w["cycle"].number),
            "notification_id": str(w["notification"].id), "view_id": str(w["view"].id),
            "webhook_id": str(w["webhook"].id), "delivery_id": str(w["delivery"].id)}


def _snapshot(w) -> tuple:
    db.session.expire_all()
    issue = db.session.get(Issue, w["issue"].id)
    return (issue.title, issue.status, issue.version, issue.project_id,
            db.session.scalar(db.select(db.func.count()).select_from(Comment)),
            db.session.scalar(db.select(db.func.count()).select_from(Activity)),
            db.session.get(Attachment, w["attachment"].id).filename,
            db.session.get(Project, w["project"].id).name,
            db.session.scalar(db.select(db.func.count()).select_from(Membership)
                              .where(Membership.team_id == w["team"].id)),
            db.session.get(Team, w["team"].id).name, db.session.get(Label, w["label"].id).name,
            db.session.scalar(db.select(db.func.count()).select_from(IssueRelation)),
            db.session.get(Cycle, w["cycle"].id).name, db.session.get(Cycle, w["cycle"].id).completed_at,
            db.session.get(Notification, w["notification"].id).read_at,
            db.session.scalar(db.select(db.func.count()).select_from(IssueSubscription)),
            (db.session.get(View, w["view"].id).name, db.session.get(View, w["view"].id).filters),
            (db.session.get(Webhook, w["webhook"].id).url, db.session.get(Webhook, w["webhook"].id).active,
             db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery))))


def _valid_body(rule: str) -> dict:
    """A body the endpoint would accept from a member: only access can refuse it."""
    for part, body in (("/views", {"name": "pwned", "shared": True}), ("/webhooks", {"active": False}),
                       ("/members", {"email": "x@example.com"}), ("/comments", {"body": "pwned"}),
                       ("/attachments", {"filename": "pwned.png"}), ("/projects", {"name": "pwned"}),
                       ("/teams", {"name": "pwned"}), ("/labels", {"name": "pwned"}),
                       ("/cycles", {"name": "pwned", "ends_on": "2099-01-01"}),
                       ("/relations", {"type": "related", "issue_id": "EVE-1"}),
                       ("/issues", {"title": "pwned", "status": "done"})):
        if part in rule:
            return body
    return {}


def _scoped_rules(app):
    """(rule, method) of every route with an id in its path, except those listed as the caller's own."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_TEAM_IDS or not rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_in_the_census(app):
    """A route without an id in its path is listed here; every listed route exists."""
    listed = set(NO_TEAM_IDS) | set(FILTERED.values()) | set(API_LISTS.values()) | set(PAGES.values())
    unlisted = [r.endpoint for r in app.url_map.iter_rules() if not r.arguments and r.endpoint not in listed]
    assert unlisted == []
    assert sorted(listed - set(app.view_functions)) == []
    for table in (FILTERED, API_LISTS, PAGES):
        assert {path: endpoint_of(app, "GET", path) for path in table} == table


@pytest.mark.parametrize("use_identifier", [True, False], ids=["identifier", "uuid"])
def test_outsider_gets_404_on_every_scoped_route(app, client, secret_team, use_identifier):
    w = secret_team
    before = _snapshot(w)
    token, _ = tokens.issue_access_token(w["outsider"])
    client.login(w["outsider"])
    values = _values(w, use_identifier)
    checked = []
    for rule, method in _scoped_rules(app):
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
        if url.startswith("/api/"):
            resp = client.open(url, method=method, json=_valid_body(rule.rule),
                               headers={"Authorization": f"Bearer {token}"})
        else:
            resp = client.open(url, method=method, data={"title": "pwned", "name": "pwned", "body": "x",
                                                         "status": "done", "email": "x@example.com"})
        checked.append(f"{method} {rule.rule}")
        assert resp.status_code == 404, f"{method} {url} answered {resp.status_code}"
        body = resp.get_data(as_text=True)
        assert SECRET_TITLE not in body and "Secret project" not in body, f"{method} {url} leaked"
    assert len(checked) >= 40, checked
    assert _snapshot(w) == before


@pytest.mark.parametrize("path", FILTERED)
def test_outsider_filters_by_foreign_team_get_404(client, secret_team, path):
    token, _ = tokens.issue_access_token(secret_team["outsider"])
    resp = client.get(path.format(team=secret_team["team"].id), headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404
    assert SECRET_TITLE not in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", API_LISTS)
def test_outsider_unfiltered_lists_hold_nothing_of_team_a(client, secret_team, path):
    token, _ = tokens.issue_access_token(secret_team["outsider"])
    resp = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert SECRET_TITLE not in body and "SECRETA" not in body and "Secret project" not in body


@pytest.mark.parametrize("path", PAGES)
def test_outsider_pages_hold_nothing_of_team_a(client, secret_team, path):
    client.login(secret_team["outsider"])
    resp = client.get(path, follow_redirects=True)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert SECRET_TITLE not in body and "SECRETA" not in body


@pytest.mark.parametrize("path", ["/team/%00", "/team/EN%00G/issues", "/issue/ENG-1%00", "/team/" + "A" * 300])
def test_hostile_path_values_are_404_not_500(client, secret_team, path):
    client.login(secret_team["admin"])
    assert client.get(path).status_code == 404
