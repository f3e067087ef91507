"""Account page: password change, log out everywhere, personal API keys (shown once, revocable)."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import ApiKey
from linear_web.services import api_keys, auth


@pytest.fixture(autouse=True)
def _forget_loaded_user(app):
    """The harness keeps one app context per test, so flask-login's cached user (g._login_user) would
    outlive a request: drop it before each request so every client is identified by its own cookie."""
    from flask import g, request_started

    def forget(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


def _new_key(html: str) -> str:
    match = re.search(r'id="new-api-key-value"[^>]*value="(lw_[^"]+)"', html)
    assert match, "the new key is shown"
    return match.group(1)


def test_page_needs_login_and_lists_keys_without_secrets(client, f):
    assert client.get("/account").status_code in (302, 303)
    user = f.user()
    key, raw = api_keys.create_api_key(user, "CI <bot>")
    client.login(user)
    r = client.get("/account")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "CI &lt;bot&gt;" in html and key.prefix in html and raw not in html and "never used" in html


def test_create_key_shows_it_once_and_it_works_on_the_api(client, f):
    user = f.user()
    client.login(user)
    r = client.post("/account/api-keys", data={"name": "Deploy"})
    raw = _new_key(r.get_data(as_text=True))
    assert r.status_code == 200
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json["id"] == str(user.id)
    page = client.get("/account").get_data(as_text=True)
    assert raw not in page and "Deploy" in page and "last used" in page


def test_invalid_key_name_rerenders_with_error(client, f):
    client.login(f.user())
    r = client.post("/account/api-keys", data={"name": "  "})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="error-name"' in html and "Name is required" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 0


def test_revoke_own_key_and_404_for_someone_elses(client, f):
    owner, other = f.user(), f.user()
    key, raw = api_keys.create_api_key(owner, "mine")
    client.login(other)
    assert client.post(f"/account/api-keys/{key.id}/revoke").status_code == 404
    assert db.session.get(ApiKey, key.id) is not None
    client.login(owner)
    r = client.post(f"/account/api-keys/{key.id}/revoke")
    assert r.status_code == 303 and r.headers["Location"].endswith("/account")
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


@pytest.mark.parametrize("path", ["/account/api-keys", "/account/password", "/account/logout-everywhere",
                                  "/account/api-keys/00000000-0000-4000-8000-000000000000/revoke"])
def test_forms_need_csrf(client, f, path):
    client.login(f.user())
    r = client.post(path, data={"name": "x", "current_password": f.PASSWORD, "new_password": "x" * 12},
                    csrf=False)
    assert r.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 0


def test_change_password_keeps_this_session_and_ends_others(client, make_client, f):
    user = f.user()
    other = make_client().login(user)
    client.login(user)
    r = client.post("/account/password", data={"current_password": f.PASSWORD, "new_password": "brand-new-pass"})
    assert r.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code in (302, 303)
    assert auth.authenticate(user.email, "brand-new-pass") is not None


def test_change_password_errors_rerender(client, f):
    user = f.user()
    client.login(user)
    r = client.post("/account/password", data={"current_password": "wrong-one", "new_password": "short"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Current password is wrong" in html and 'id="error-new_password"' in html
    assert auth.authenticate(user.email, f.PASSWORD) is not None


def test_logout_everywhere_ends_all_sessions_and_tokens(client, make_client, f):
    from linear_web.services import tokens
    user = f.user()
    token, _ = tokens.issue_access_token(user)
    other = make_client().login(user)
    client.login(user)
    r = client.post("/account/logout-everywhere")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    assert client.get("/account").status_code in (302, 303)
    assert other.get("/account").status_code in (302, 303)
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
