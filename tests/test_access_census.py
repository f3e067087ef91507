"""Access census (SECURITY.md #1, #2, #4): every route of the URL map, every method, called by an
outsider with team A's ids → 404, nothing of A in the body, and A's rows unchanged afterwards."""
import io
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Attachment, Comment, Issue, Membership, Project, Team
from linear_web.services import api_keys, attachments, comments, tokens

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")
# Routes without a team-scoped parameter, or not plain HTTP (sockets have their own tests).
SKIP = {"static", "realtime.api_ws", "realtime.page_ws"}
SECRET_TITLE = "Acquisition plan zebra"


@pytest.fixture
def world(f):
    """Team A with every kind of row; an outsider who belongs only to team B."""
    alice, outsider = f.user(name="Alice A"), f.user(name="Olga Outsider")
    a = f.team(alice, key="SECRETA", name="Secret team A")
    f.team(outsider, key="OTHERB")
    project = f.project(a, alice, name="Secret project")
    issue = f.issue(a, alice, title=SECRET_TITLE, project_id=project)
    comment = comments.create_comment(alice, issue.id, "secret comment")
    attachment = attachments.upload(alice, issue.id, io.BytesIO(PNG), "secret.png")
    key, _raw = api_keys.create_api_key(alice, "alice key")
    return {"alice": alice, "outsider": outsider, "team": a, "project": project, "issue": issue,
            "comment": comment, "attachment": attachment, "api_key": key}


def _values(w, use_identifier: bool) -> dict:
    issue = w["issue"]
    ref = issue.identifier if use_identifier else str(issue.id)
    return {"key": w["team"].key, "ref": ref, "identifier": ref, "issue_id": ref,
            "comment_id": str(w["comment"].id), "attachment_id": str(w["attachment"].id),
            "project_id": str(w["project"].id), "team_id": str(w["team"].id),
            "user_id": str(w["alice"].id), "key_id": str(w["api_key"].id)}


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
            db.session.get(Team, w["team"].id).name)


def _valid_body(rule: str) -> dict:
    """A body the endpoint would accept from a member: only access can refuse it."""
    for part, body in (("/members", {"email": "x@example.com"}), ("/comments", {"body": "pwned"}),
                       ("/attachments", {"filename": "pwned.png"}), ("/projects", {"name": "pwned"}),
                       ("/teams", {"name": "pwned"}), ("/issues", {"title": "pwned", "status": "done"})):
        if part in rule:
            return body
    return {}


def _scoped_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or not rule.arguments:
            continue
        if rule.arguments == {"key_id"} and not rule.rule.startswith("/api/"):
            continue  # the account page's own keys: covered below through the API
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.mark.parametrize("use_identifier", [True, False], ids=["identifier", "uuid"])
def test_outsider_gets_404_on_every_scoped_route(app, client, world, use_identifier):
    w = world
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


@pytest.mark.parametrize("path", [
    "/api/v1/issues?team_id={team}", "/api/v1/issues/search?q=zebra&team_id={team}",
    "/api/v1/issues/export?team_id={team}", "/api/v1/dashboard/stats?team_id={team}",
    "/api/v1/projects?team_id={team}",
])
def test_outsider_filters_by_foreign_team_get_404(client, world, path):
    token, _ = tokens.issue_access_token(world["outsider"])
    resp = client.get(path.format(team=world["team"].id), headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404
    assert SECRET_TITLE not in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/api/v1/issues", "/api/v1/issues/search?q=zebra", "/api/v1/issues/export",
    "/api/v1/dashboard/stats", "/api/v1/projects", "/api/v1/teams",
])
def test_outsider_unfiltered_lists_hold_nothing_of_team_a(client, world, path):
    token, _ = tokens.issue_access_token(world["outsider"])
    resp = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert SECRET_TITLE not in body and "SECRETA" not in body and "Secret project" not in body


@pytest.mark.parametrize("path", ["/search?q=zebra", "/dashboard", "/"])
def test_outsider_pages_hold_nothing_of_team_a(client, world, path):
    client.login(world["outsider"])
    resp = client.get(path, follow_redirects=True)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert SECRET_TITLE not in body and "SECRETA" not in body


@pytest.mark.parametrize("path", ["/team/%00", "/team/EN%00G/issues", "/issue/ENG-1%00", "/team/" + "A" * 300])
def test_hostile_path_values_are_404_not_500(client, world, path):
    client.login(world["alice"])
    assert client.get(path).status_code == 404
