"""Every failure is the JSON error body of the API contract with the right status: never HTML, never a 500."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue, Team

from .conftest import error_of


def _issue_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Issue))


def test_unknown_api_url_and_wrong_method_are_json(api, f):
    user = f.user()
    r = api(user).get("/api/v1/nope")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = api(user).open("PUT", "/api/v1/users/me", json={})
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed" and "GET" in r.headers["Allow"]


@pytest.mark.parametrize("raw", ["{", "[]", "null", "42", '"text"', "NaN", '{"title": NaN}', "\xff",
                                 '{"title": "a", "title": "b"}', ""])
def test_malformed_bodies_are_400(api, eng, raw):
    admin = eng.admin
    r = api(admin).post("/api/v1/issues", data=raw.encode("latin-1"), content_type="application/json")
    assert r.status_code == 400 and error_of(r)["code"] == "bad_request"
    assert _issue_count() == 0


def test_deeply_nested_json_is_400(api, eng):
    admin = eng.admin
    body = "[" * 100_000 + "]" * 100_000
    r = api(admin).post("/api/v1/issues", data=body, content_type="application/json")
    assert r.status_code == 400 and "nested" in error_of(r)["message"]


def test_non_json_content_type_is_415(api, eng):
    team, admin, _ = eng
    r = api(admin).post("/api/v1/issues", data={"team_id": str(team.id), "title": "x"})
    assert r.status_code == 415 and error_of(r)["code"] == "unsupported_media_type"
    r = api(admin).post("/api/v1/issues", data="title=x", content_type="text/plain")
    assert r.status_code == 415 and _issue_count() == 0


def test_body_over_the_limit_is_413(app, api, eng):
    team, admin, _ = eng
    big = b'{"title": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    r = api(admin).post("/api/v1/issues", data=big, content_type="application/json")
    assert r.status_code == 413 and error_of(r)["code"] == "payload_too_large"


@pytest.mark.parametrize("body, field", [
    ({"title": "nul\x00byte"}, "title"),
    ({"title": 42}, "title"),
    ({"title": "x" * 1_000_000}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "ok", "description": "d" * 100_001}, "description"),
    ({"title": "ok", "priority": "1"}, "priority"),
    ({"title": "ok", "priority": True}, "priority"),
    ({"title": "ok", "priority": 9}, "priority"),
    ({"title": "ok", "status": "doing"}, "status"),
    ({"title": "ok", "assignee_id": "not-a-uuid"}, "assignee_id"),
    ({"title": "\ud800"}, "title"),
    ({"title": ["a"]}, "title"),
])
def test_invalid_fields_are_422_naming_the_field(api, eng, body, field):
    team, admin, _ = eng
    r = api(admin).post("/api/v1/issues", json={"team_id": str(team.id), **body})
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "validation_error" and field in err["details"]
    assert _issue_count() == 0


@pytest.mark.parametrize("extra", ["id", "number", "creator_id", "created_at", "updated_at", "version",
                                   "identifier", "role"])
def test_mass_assignment_is_refused_naming_the_key(api, eng, extra):
    team, admin, _ = eng
    r = api(admin).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x", extra: "1"})
    assert r.status_code == 422 and extra in error_of(r)["details"]
    assert _issue_count() == 0


def test_mass_assignment_on_update_changes_nothing(api, eng, f):
    team, admin, _ = eng
    issue = f.issue(team, admin, title="Keep")
    r = api(admin).patch(f"/api/v1/issues/{issue.identifier}",
                         json={"title": "Changed", "number": 99, "creator_id": str(admin.id)})
    assert r.status_code == 422 and {"number", "creator_id"} <= set(error_of(r)["details"])
    db.session.expire_all()
    fresh = db.session.get(Issue, issue.id)
    assert (fresh.title, fresh.number) == ("Keep", 1)


def test_team_key_mass_assignment_and_conflict(api, eng):
    admin = eng.admin
    r = api(admin).post("/api/v1/teams", json={"key": "OPS", "name": "Ops", "issue_counter": 100})
    assert r.status_code == 422 and "issue_counter" in error_of(r)["details"]
    r = api(admin).post("/api/v1/teams", json={"key": "ENG", "name": "Again"})
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 1


@pytest.mark.parametrize("query", ["sort=title", "sort=;drop", "status=nope", "priority=7", "limit=0",
                                   "limit=201", "limit=abc", "cursor=%%%", "assignee_id=bob",
                                   "cursor=WzEsMl0", "q=" + "x" * 201, "team_id=zzz"])
def test_hostile_list_parameters_are_422(api, eng, query):
    team, admin, _ = eng
    r = api(admin).get(f"/api/v1/issues?{query}")
    assert r.status_code == 422, r.json
    assert error_of(r)["details"]


@pytest.mark.parametrize("path, status", [
    ("/api/v1/teams/%00", 404), ("/api/v1/teams/EN%00G/members", 404), ("/api/v1/projects/%00", 404),
    ("/api/v1/issues/EN%00G-1", 404), ("/api/v1/issues/" + "9" * 300, 404), ("/api/v1/issues?assignee_id=%00", 422),
    ("/api/v1/issues?cursor=%00", 422), ("/api/v1/issues/export?q=%00", 422), ("/api/v1/users?q=%00", 422),
])
def test_nul_in_paths_and_queries_is_a_clean_4xx(api, eng, path, status):
    admin = eng.admin
    r = api(admin).get(path)
    assert r.status_code == status and error_of(r)["code"] in ("not_found", "validation_error")


def test_nul_in_login_is_422_in_json_and_form(client):
    assert client.post("/api/v1/auth/login", json={"email": "a\x00@x.com", "password": "x"}).status_code == 422
    assert client.post("/api/v1/auth/login", data={"username": "a\x00@x.com", "password": "x"}).status_code == 422


def test_login_multipart_form_with_too_many_parts_is_413(client):
    r = client.post("/api/v1/auth/login", data={f"f{i}": "x" for i in range(5000)},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and error_of(r)["code"] == "payload_too_large"


def test_database_unreachable_is_503_json(api, eng, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from linear_web.services import issue_queries
    admin = eng.admin
    client = api(admin)

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("linear_web.api.issues.list_issues", down)
    r = client.get("/api/v1/issues")
    assert r.status_code == 503 and error_of(r)["code"] == "database_unavailable"
    assert "connection refused" not in r.get_data(as_text=True)
    assert issue_queries.list_issues is not down


@pytest.mark.live
def test_chunked_body_over_the_limit_is_413(app, live_server, f):
    import requests

    from linear_web.services import tokens
    user = f.user()
    f.team(user)

    def chunks():
        yield b'{"title": "'
        for _ in range(app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    r = requests.post(live_server.url + "/api/v1/issues", data=chunks(), timeout=60,
                      headers={"Authorization": "Bearer " + tokens.issue_access_token(user)[0],
                               "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
