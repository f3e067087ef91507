"""An outsider (a member of another team) gets 404 on every API endpoint that takes an id of team A,
learns nothing about A's rows, and changes nothing. A census over the URL map keeps the list complete."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import ApiKey, Attachment, Comment, Issue, Membership, Project, Team

from ..conftest import endpoint_of
from .conftest import error_of

MODULES = {"linear_web.api.users", "linear_web.api.api_keys", "linear_web.api.teams", "linear_web.api.projects",
           "linear_web.api.issues", "linear_web.api.comments", "linear_web.api.docs",
           "linear_web.api.attachments", "linear_web.api.dashboard"}
ARGUMENTS = {"issue_id": "issue", "team_id": "team", "user_id": "admin", "project_id": "project",
             "comment_id": "comment", "key_id": "key", "attachment_id": "attachment"}

# (method, path template, JSON body); {team} {issue} {ident} {project} {comment} {key} {admin}
# {attachment} are team A's.
CASES = [
    ("GET", "/api/v1/teams/{team}", None),
    ("PATCH", "/api/v1/teams/{team}", {"name": "Pwned"}),
    ("GET", "/api/v1/teams/{team}/members", None),
    ("POST", "/api/v1/teams/{team}/members", {"user_id": "{outsider}", "role": "admin"}),
    ("DELETE", "/api/v1/teams/{team}/members/{admin}", None),
    ("POST", "/api/v1/projects", {"team_id": "{team}", "name": "Mine"}),
    ("GET", "/api/v1/projects?team_id={team}", None),
    ("GET", "/api/v1/projects/{project}", None),
    ("PATCH", "/api/v1/projects/{project}", {"name": "Pwned"}),
    ("DELETE", "/api/v1/projects/{project}", None),
    ("POST", "/api/v1/issues", {"team_id": "{team}", "title": "Mine"}),
    ("GET", "/api/v1/issues?team_id={team}", None),
    ("GET", "/api/v1/issues?project_id={project}", None),
    ("GET", "/api/v1/issues/search?q=secret&team_id={team}", None),
    ("GET", "/api/v1/issues/export?team_id={team}", None),
    ("GET", "/api/v1/issues/{issue}", None),
    ("GET", "/api/v1/issues/{ident}", None),
    ("PATCH", "/api/v1/issues/{issue}", {"title": "Pwned"}),
    ("PUT", "/api/v1/issues/{ident}", {"status": "done"}),
    ("DELETE", "/api/v1/issues/{ident}", None),
    ("GET", "/api/v1/issues/{issue}/activity", None),
    ("POST", "/api/v1/issues/{ident}/comments", {"body": "Pwned"}),
    ("GET", "/api/v1/issues/{issue}/comments", None),
    ("PATCH", "/api/v1/comments/{comment}", {"body": "Pwned"}),
    ("DELETE", "/api/v1/comments/{comment}", None),
    ("DELETE", "/api/v1/api-keys/{key}", None),
    ("GET", "/api/v1/dashboard/stats?team_id={team}", None),
    ("GET", "/api/v1/issues/{issue}/attachments", None),
    ("GET", "/api/v1/issues/{ident}/attachments", None),
    ("POST", "/api/v1/issues/{ident}/attachments", None),
    ("GET", "/api/v1/attachments/{attachment}", None),
    ("PATCH", "/api/v1/attachments/{attachment}", {"filename": "pwned.png"}),
    ("DELETE", "/api/v1/attachments/{attachment}", None),
    ("GET", "/api/v1/attachments/{attachment}/content", None),
]


@pytest.fixture
def secret_ids(secret_team):
    """The outsider, and team A's ids by the names the cases use."""
    w = secret_team
    ids = {"team": w["team"].id, "issue": w["issue"].id, "ident": w["issue"].identifier,
           "project": w["project"].id, "comment": w["comment"].id, "key": w["api_key"].id,
           "attachment": w["attachment"].id, "admin": w["admin"].id, "outsider": w["outsider"].id}
    return w["outsider"], {k: str(v) for k, v in ids.items()}


def _snapshot() -> tuple:
    db.session.expire_all()
    rows = lambda model, *cols: sorted(tuple(str(getattr(r, c)) for c in cols)  # noqa: E731
                                       for r in db.session.scalars(db.select(model)))
    return (rows(Team, "id", "name", "description"), rows(Membership, "team_id", "user_id", "role"),
            rows(Project, "id", "name"), rows(Issue, "id", "title", "status", "version", "project_id"),
            rows(Comment, "id", "body"), rows(ApiKey, "id", "name"), rows(Attachment, "id", "filename"))


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("method, path, body", CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_outsider_gets_404_and_changes_nothing(app, api, secret_ids, method, path, body):
    eve, ids = secret_ids
    endpoint_of(app, method, path.format(**ids))  # a 404 from a deleted route proves nothing
    before = _snapshot()
    r = api(eve).open(method, path.format(**ids), json=_fill(body, ids) if body is not None else None)
    assert r.status_code == 404, (r.status_code, r.data[:300])
    assert error_of(r)["code"] == "not_found"
    text = r.get_data(as_text=True)
    assert "secret" not in text.lower() and "SECRETA" not in text
    assert _snapshot() == before


def test_outsider_lists_show_nothing_of_team_a(api, secret_ids):
    eve, ids = secret_ids
    client = api(eve)
    for path in ("/api/v1/issues", "/api/v1/issues/search?q=secret", "/api/v1/projects", "/api/v1/teams",
                 "/api/v1/users?q=ada", "/api/v1/api-keys"):
        r = client.get(path)
        assert r.status_code == 200 and "secret" not in r.get_data(as_text=True).lower(), path
        assert ids["team"] not in r.get_data(as_text=True)
    export = client.get("/api/v1/issues/export").get_data(as_text=True)
    assert "secret" not in export and export.count("\n") == 1


def test_every_api_route_with_an_id_is_covered(app):
    covered = {(m, p.split("?")[0].replace("{ident}", "{issue}")) for m, p, _ in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.endpoint.startswith("api.") or view.__module__ not in MODULES or not rule.arguments:
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "{" + ARGUMENTS[arg] + "}")
        missing += [(m, path) for m in rule.methods - {"HEAD", "OPTIONS"} if (m, path) not in covered]
    assert missing == []
