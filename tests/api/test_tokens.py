"""Bearer credentials: JWT claims and algorithms, API keys by hash, last_used_at."""
import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from linear_web.infra.extensions import db
from linear_web.models import ApiKey
from linear_web.services import api_keys, auth, tokens

SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_issued_token_round_trips(app, f):
    user = f.user()
    token, expires_in = tokens.issue_access_token(user)
    assert expires_in == 30 * 60
    assert tokens.user_for_token(token).id == user.id
    claims = jwt.decode(token, app.config["SECRET_KEY"], algorithms=["HS256"])
    assert claims["sub"] == str(user.id) and claims["exp"] > claims["iat"]


@pytest.mark.parametrize("case", ["expired", "no_exp", "no_sub", "wrong_key", "alg_none", "unknown_user",
                                  "garbage", "hs512"])
def test_bad_tokens_give_none(app, f, case):
    user = f.user()
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user.id), "exp": now + timedelta(minutes=5)}
    key = app.config["SECRET_KEY"]
    token = {
        "expired": lambda: jwt.encode({**claims, "exp": now - timedelta(seconds=5)}, key, algorithm="HS256"),
        "no_exp": lambda: jwt.encode({"sub": str(user.id)}, key, algorithm="HS256"),
        "no_sub": lambda: jwt.encode({"exp": claims["exp"]}, key, algorithm="HS256"),
        "wrong_key": lambda: jwt.encode(claims, "another-secret-key-that-is-long-enough-0123456789", algorithm="HS256"),
        "alg_none": lambda: _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(
            {"sub": str(user.id), "exp": int((now + timedelta(minutes=5)).timestamp())}) + ".",
        "unknown_user": lambda: jwt.encode({**claims, "sub": "00000000-0000-0000-0000-000000000000"}, key,
                                           algorithm="HS256"),
        "garbage": lambda: "not.a.token",
        "hs512": lambda: jwt.encode(claims, key, algorithm="HS512"),
    }[case]()
    assert tokens.user_for_token(token) is None


def test_password_change_ends_tokens(f):
    user = f.user()
    token, _ = tokens.issue_access_token(user)
    auth.change_password(user, f.PASSWORD, "another-long-password")
    assert tokens.user_for_token(token) is None


def test_api_key_is_stored_as_hash_and_touches_last_used(f):
    user = f.user()
    key, raw = api_keys.create_api_key(user, "CI bot")
    assert raw.startswith("lw_") and key.prefix == raw[:11]
    row = db.session.get(ApiKey, key.id)
    assert raw not in (row.key_hash, row.prefix) and row.last_used_at is None
    assert tokens.user_for_token(raw).id == user.id
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).last_used_at is not None
    assert tokens.user_for_token(raw + "x") is None
    api_keys.revoke_api_key(user, key.id)
    assert tokens.user_for_token(raw) is None
