"""An outsider (a member of another team) gets 404 on every API endpoint that takes an id of team A,
learns nothing about A's rows, and changes nothing. A census over the URL map keeps the list complete."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import ApiKey, Comment, Issue, Membership, Project, Team
from linear_web.services import api_keys, comments

from .conftest import error_of

MODULES = {"linear_web.api.users", "linear_web.api.api_keys", "linear_web.api.teams", "linear_web.api.projects",
           "linear_web.api.issues", "linear_web.api.comments", "linear_web.api.docs"}

# (method, path template, JSON body); {team} {issue} {ident} {project} {comment} {key} {admin} are team A's.
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
]


@pytest.fixture
def world(f):
    ada, eve = f.user(name="Ada"), f.user(name="Eve")
    team = f.team(ada, key="SEC", name="Secret team")
    f.team(eve, key="EVE")
    project = f.project(team, ada, name="Secret project")
    issue = f.issue(team, ada, title="secret plans", description="secret", project_id=str(project.id))
    comment = comments.create_comment(ada, issue.id, "secret comment")
    key, _ = api_keys.create_api_key(ada, "ada's key")
    ids = {"team": team.id, "issue": issue.id, "ident": issue.identifier, "project": project.id,
           "comment": comment.id, "key": key.id, "admin": ada.id, "outsider": eve.id}
    return eve, {k: str(v) for k, v in ids.items()}


def _snapshot() -> tuple:
    db.session.expire_all()
    rows = lambda model, *cols: sorted(tuple(str(getattr(r, c)) for c in cols)  # noqa: E731
                                       for r in db.session.scalars(db.select(model)))
    return (rows(Team, "id", "name", "description"), rows(Membership, "team_id", "user_id", "role"),
            rows(Project, "id", "name"), rows(Issue, "id", "title", "status", "version", "project_id"),
            rows(Comment, "id", "body"), rows(ApiKey, "id", "name"))


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("method, path, body", CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_outsider_gets_404_and_changes_nothing(api, world, method, path, body):
    eve, ids = world
    before = _snapshot()
    r = api(eve).open(method, path.format(**ids), json=_fill(body, ids) if body is not None else None)
    assert r.status_code == 404, (r.status_code, r.data[:300])
    assert error_of(r)["code"] == "not_found"
    text = r.get_data(as_text=True)
    assert "secret" not in text.lower() and "SEC-" not in text
    assert _snapshot() == before


def test_outsider_lists_show_nothing_of_team_a(api, world):
    eve, ids = world
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
            path = path.replace(f"<{arg}>", "{" + {"issue_id": "issue", "team_id": "team", "user_id": "admin",
                                                   "project_id": "project", "comment_id": "comment",
                                                   "key_id": "key"}[arg] + "}")
        missing += [(m, path) for m in rule.methods - {"HEAD", "OPTIONS"} if (m, path) not in covered]
    assert missing == []


# Endpoints colleagues own (dashboard, attachments): checked here too when they are registered.
OTHER_CASES = [("GET", "/api/v1/dashboard/stats?team_id={team}", "/api/v1/dashboard/stats"),
               ("GET", "/api/v1/issues/{issue}/attachments", "/api/v1/issues/<issue_id>/attachments"),
               ("GET", "/api/v1/issues/{ident}/attachments", "/api/v1/issues/<issue_id>/attachments")]


@pytest.mark.parametrize("method, path, rule", OTHER_CASES, ids=[f"{m} {p}" for m, p, _ in OTHER_CASES])
def test_outsider_gets_404_on_stats_and_attachment_lists(app, api, world, method, path, rule):
    if rule not in {r.rule for r in app.url_map.iter_rules()}:
        pytest.skip(f"{rule} is not registered yet")
    eve, ids = world
    r = api(eve).open(method, path.format(**ids))
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert "secret" not in r.get_data(as_text=True).lower()
