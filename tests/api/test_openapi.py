"""The OpenAPI document, the docs pages, and a bounded schemathesis run against the app itself."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

import linear_web.api  # noqa: F401  (registers every operation)
from linear_web.api.openapi import build_spec
from linear_web.services import tokens

from .conftest import error_of


def test_document_lists_every_endpoint_of_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    ops = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    expected = {("POST", "/api/v1/users"), ("POST", "/api/v1/auth/login"), ("GET", "/api/v1/users/me"),
                ("GET", "/api/v1/users"), ("POST", "/api/v1/api-keys"), ("GET", "/api/v1/api-keys"),
                ("DELETE", "/api/v1/api-keys/{key_id}"), ("POST", "/api/v1/teams"), ("GET", "/api/v1/teams"),
                ("GET", "/api/v1/teams/{team_id}"), ("PATCH", "/api/v1/teams/{team_id}"),
                ("GET", "/api/v1/teams/{team_id}/members"), ("POST", "/api/v1/teams/{team_id}/members"),
                ("DELETE", "/api/v1/teams/{team_id}/members/{user_id}"), ("POST", "/api/v1/projects"),
                ("GET", "/api/v1/projects"), ("GET", "/api/v1/projects/{project_id}"),
                ("PATCH", "/api/v1/projects/{project_id}"), ("DELETE", "/api/v1/projects/{project_id}"),
                ("POST", "/api/v1/issues"), ("GET", "/api/v1/issues"), ("GET", "/api/v1/issues/search"),
                ("GET", "/api/v1/issues/export"), ("GET", "/api/v1/issues/{issue_id}"),
                ("PATCH", "/api/v1/issues/{issue_id}"), ("PUT", "/api/v1/issues/{issue_id}"),
                ("DELETE", "/api/v1/issues/{issue_id}"), ("GET", "/api/v1/issues/{issue_id}/activity"),
                ("POST", "/api/v1/issues/{issue_id}/comments"), ("GET", "/api/v1/issues/{issue_id}/comments"),
                ("PATCH", "/api/v1/comments/{comment_id}"), ("DELETE", "/api/v1/comments/{comment_id}")}
    assert expected <= ops
    issue_in = spec["components"]["schemas"]["IssueIn"]
    assert issue_in["additionalProperties"] is False and issue_in["properties"]["title"]["maxLength"] == 255
    create = spec["paths"]["/api/v1/issues"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "422" in create["responses"] and spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []


def test_swagger_and_redoc_pages_use_vendored_assets_without_inline_script(client):
    for path, asset, init in (("/docs", "vendor/swagger-ui/swagger-ui-bundle.js", "js/swagger-init.js"),
                              ("/redoc", "vendor/redoc/redoc.standalone.js", "js/redoc-init.js")):
        r = client.get(path)
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and asset in html and init in html
        assert "<script>" not in html and "http" not in html.replace("http-equiv", "")
        assert client.get(f"/static/{asset}").status_code == 200
    assert "'unsafe-inline'" in client.get("/redoc").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/docs").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/api/v1/openapi.json").headers["Content-Security-Policy"]


def test_documented_error_body_matches_real_errors(client):
    spec = client.get("/api/v1/openapi.json").json
    assert set(spec["components"]["schemas"]["ErrorOut"]["properties"]) == {"error"}
    assert error_of(client.get("/api/v1/teams"))["code"] == "unauthorized"


@pytest.fixture
def fuzz_token(f):
    """A user with a team, a project and an issue, so some generated requests reach real rows."""
    user = f.user()
    team = f.team(user, key="FUZ")
    f.project(team, user)
    f.issue(team, user)
    return tokens.issue_access_token(user)[0]


# The document the app serves at /api/v1/openapi.json (built from the registered operations; the
# test below asserts they are the same), loaded at import so each operation becomes its own test.
schema = schemathesis.openapi.from_dict(build_spec())


def test_fuzzed_schema_is_the_served_document(client):
    assert client.get("/api/v1/openapi.json").json == build_spec()


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_fuzzed_requests_never_5xx_and_match_the_schema(app, case, fuzz_token):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {fuzz_token}"},
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])
