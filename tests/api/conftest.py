"""API test helpers: a client that sends a Bearer token for a user."""
import pytest

from linear_web.services import tokens


class ApiClient:
    """Wraps the Flask test client: every call carries `Authorization: Bearer <token>`."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def open(self, method: str, path: str, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


@pytest.fixture
def api(app):
    """`api(user)` → a client authenticated as user with a fresh JWT; `api(None)` sends no token."""
    def make(user=None):
        token = tokens.issue_access_token(user)[0] if user is not None else None
        return ApiClient(app.test_client(), token)
    return make


def error_of(resp) -> dict:
    """The error object of an API error response (asserting its shape)."""
    assert resp.is_json, resp.data[:200]
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]
