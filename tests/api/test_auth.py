"""Sign up, login (JSON and OAuth2 form), tokens over HTTP, rate limit, the session cookie refused."""
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from linear_web.infra.extensions import db
from linear_web.models import User

from .conftest import error_of

PASSWORD = "correct-horse-battery"


def test_signup_then_login_then_me(client):
    r = client.post("/api/v1/users", json={"email": "Ada@Example.com", "password": PASSWORD, "name": "Ada"})
    assert r.status_code == 201
    assert r.json["email"] == "ada@example.com" and set(r.json) == {"id", "email", "name", "handle", "created_at"}
    assert r.json["handle"] == "ada"                      # from the email, lower case
    r = client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert r.status_code == 200 and r.json["token_type"] == "bearer" and r.json["expires_in"] == 1800
    assert r.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in r.headers
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {r.json['access_token']}"})
    assert me.status_code == 200 and me.json["name"] == "Ada"


def test_oauth2_password_form_login(client, f):
    user = f.user()
    r = client.post("/api/v1/auth/login", data={"grant_type": "password", "username": user.email,
                                                "password": f.PASSWORD})
    assert r.status_code == 200 and r.json["access_token"]


def test_signup_errors(client, f):
    taken = f.user()
    r = client.post("/api/v1/users", json={"email": taken.email, "password": PASSWORD, "name": "X"})
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    r = client.post("/api/v1/users", json={"email": "nope", "password": "short", "name": ""})
    assert r.status_code == 422 and {"password", "name"} <= set(error_of(r)["details"])
    r = client.post("/api/v1/users", json={"email": "b@example.com", "password": "é" * 40, "name": "B"})
    assert r.status_code == 422 and "password" in error_of(r)["details"]
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_wrong_password_is_401_and_eleventh_failure_is_429(client, f):
    user = f.user()
    for _ in range(10):
        r = client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong-password"})
        assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    r = client.post("/api/v1/auth/login", json={"email": user.email, "password": f.PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"]["message"] == "Too many attempts. Wait a minute, then try again."
    assert error_of(r)["code"] == "rate_limited"


def test_successful_logins_are_not_counted(client, f):
    user = f.user()
    for _ in range(12):
        assert client.post("/api/v1/auth/login", json={"email": user.email, "password": f.PASSWORD}).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer    ", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt",
                                    "Bearer lw_unknownkey", "Token abc"])
def test_missing_or_bad_credentials_are_401(client, f, header):
    f.user()
    r = client.get("/api/v1/users/me", headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("case", ["expired", "wrong_key", "unknown_user", "no_exp"])
def test_bad_jwts_are_401(app, client, f, case):
    user = f.user()
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user.id), "exp": now + timedelta(minutes=5)}
    key = app.config["SECRET_KEY"]
    if case == "expired":
        claims["exp"] = now - timedelta(minutes=1)
    elif case == "wrong_key":
        key = "some-other-secret-that-is-long-enough-for-hs256-xx"
    elif case == "unknown_user":
        claims["sub"] = "3f1c0e4e-0000-4000-8000-000000000000"
    else:
        del claims["exp"]
    token = jwt.encode(claims, key, algorithm="HS256")
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_browser_session_cookie_is_never_accepted(client, f):
    user = f.user()
    client.login(user)
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.post("/api/v1/teams", json={"key": "ENG", "name": "Eng"}).status_code == 401


def test_user_search_sees_only_teammates(api, f):
    ada, bob, eve = f.user(name="Ada"), f.user(name="Bob"), f.user(name="Eve")
    f.team(ada, members=[bob])
    f.team(eve)
    names = [u["name"] for u in api(ada).get("/api/v1/users").json["items"]]
    assert names == ["Ada", "Bob"]
    assert [u["name"] for u in api(ada).get("/api/v1/users?q=bo").json["items"]] == ["Bob"]
    assert api(ada).get("/api/v1/users?limit=0").status_code == 422
