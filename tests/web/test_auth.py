"""Sign up, log in, log out: labels, 422s, rate limits, redirects, cookies, sessions."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import User


PASSWORD = "correct-horse-battery"  # the factories' password


def _users() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def _login(client, email, password=PASSWORD, addr="10.0.0.1", **kw):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr}, **kw)


# -- sign up -----------------------------------------------------------------------------------

def test_signup_form_has_labels_and_csrf(client):
    page = client.get("/signup").get_data(as_text=True)
    for name in ("name", "email", "password", "remember"):
        assert f'<label for="field-{name}">' in page and f'id="field-{name}" name="{name}"' in page
    assert 'name="csrf_token"' in page and "<script>" not in page


def test_signup_logs_in_and_offers_the_first_team(client):
    resp = client.post("/signup", data={"name": "Ada", "email": "Ada@Example.com", "password": "longenough"})
    assert resp.status_code == 303
    page = client.get("/", follow_redirects=True)
    assert b"Create your first team" in page.data and b"Welcome to linear_web, Ada." in page.data
    assert db.session.scalar(db.select(User.email)) == "ada@example.com"


@pytest.mark.parametrize("data,field,message", [
    ({"name": "Ada", "email": "taken@example.com", "password": "longenough"}, "email",
     "An account with this email already exists."),
    ({"name": "Ada", "email": "ada@example.com", "password": "short"}, "password",
     "Password must be at least 8 characters."),
    ({"name": "Ada", "email": "ada@example.com", "password": "ü" * 37}, "password",
     "Password must be at most 72 bytes."),
    ({"name": "Ada", "email": "not an email", "password": "longenough"}, "email", "Enter a valid email address."),
    ({"name": "", "email": "ada@example.com", "password": "longenough"}, "name", "Name is required."),
])
def test_signup_bad_input_is_422_next_to_the_field_and_writes_nothing(client, f, data, field, message):
    f.user(email="taken@example.com")
    resp = client.post("/signup", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    error = re.search(rf'id="field-{field}"[^>]*aria-invalid="true"[^>]*>.*?<p class="field-error" id="error-{field}">([^<]*)</p>',
                      page, re.S)
    assert error and error.group(1) == message
    assert f'value="{data["email"]}"' in page  # typed values stay (never the password)
    assert data["password"] not in page
    assert _users() == 1


def test_signup_without_csrf_is_400(client):
    resp = client.post("/signup", data={"name": "Ada", "email": "ada@example.com", "password": "longenough"},
                       csrf=False)
    assert resp.status_code == 400 and _users() == 0


# -- log in ------------------------------------------------------------------------------------

def test_login_lands_on_the_first_team(client, f):
    ada = f.user(email="ada@example.com")
    f.team(ada, key="ZED")
    f.team(ada, key="ENG")
    resp = _login(client, "ADA@example.com")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    resp = client.get("/", follow_redirects=True)
    assert resp.request.path.startswith("/team/ENG/")


def test_wrong_password_is_401_with_a_message_and_keeps_the_email(client, f):
    f.user(email="ada@example.com")
    resp = _login(client, "ada@example.com", "wrong-password")
    assert resp.status_code == 401
    assert b"Wrong email or password." in resp.data and b'value="ada@example.com"' in resp.data
    assert client.get("/teams/new").status_code == 302  # still anonymous


def test_login_without_csrf_is_400(client, f):
    f.user(email="ada@example.com")
    assert _login(client, "ada@example.com", csrf=False).status_code == 400
    assert client.get("/teams/new").status_code == 302


def test_ten_failures_then_429_even_with_the_right_password(client, f, make_client):
    f.user(email="ada@example.com")
    f.user(email="bob@example.com")
    for _ in range(10):
        assert _login(client, "ada@example.com", "wrong-password").status_code == 401
    resp = _login(client, "ada@example.com")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert b"Too many attempts" in resp.data and b"Back to log in" in resp.data
    assert _login(make_client(), "bob@example.com", addr="10.0.0.2").status_code == 303


def test_successes_do_not_count(client, f):
    f.user(email="ada@example.com")
    for _ in range(12):
        assert _login(client, "ada@example.com").status_code == 303
        client.post("/logout")


def test_email_limit_holds_across_addresses(client, f):
    f.user(email="ada@example.com")
    for n in range(10):
        assert _login(client, "ada@example.com", "wrong-password", addr=f"10.1.0.{n}").status_code == 401
    assert _login(client, "ADA@example.com", addr="10.1.0.99").status_code == 429


def test_address_limit_holds_across_emails_and_ignores_untrusted_forwarded_for(client, f):
    f.user(email="ada@example.com")
    for n in range(10):
        resp = client.post("/login", data={"email": f"guess{n}@example.com", "password": "x" * 8},
                           headers={"X-Forwarded-For": f"192.0.2.{n}"}, environ_base={"REMOTE_ADDR": "10.2.0.1"})
        assert resp.status_code == 401
    resp = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD},
                       headers={"X-Forwarded-For": "192.0.2.200"}, environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert resp.status_code == 429


@pytest.mark.parametrize("target", ["//evil.test", "///evil.test", "/\\evil.test", "https://evil.test",
                                    "javascript:alert(1)", "http:/evil.test", "/\n/evil.test", "\t//evil.test",
                                    "evil.test"])
def test_next_only_same_origin(client, f, target):
    f.user(email="ada@example.com")
    resp = client.post("/login?" + "next=" + __import__("urllib.parse").parse.quote(target),
                       data={"email": "ada@example.com", "password": PASSWORD})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_next_same_origin_path_is_followed(client, f):
    ada = f.user(email="ada@example.com")
    f.team(ada, key="ENG")
    page = client.get("/team/ENG/settings", follow_redirects=True)
    assert page.request.path == "/login" and b"next=" in page.data
    resp = client.post("/login?next=/team/ENG/settings", data={"email": "ada@example.com", "password": PASSWORD})
    assert resp.headers["Location"] == "/team/ENG/settings"


# -- cookies and sessions ----------------------------------------------------------------------

def _session_cookie(resp) -> str:
    return next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_flags(client, f, app):
    f.user(email="ada@example.com")
    cookie = _session_cookie(_login(client, "ada@example.com"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        cookie = _session_cookie(_login(app.test_client(), "ada@example.com"))
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "Secure" in cookie


def test_session_changes_at_login(client, f):
    f.user(email="ada@example.com")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    before = client.get_cookie("session").value
    _login(client, "ada@example.com")
    assert client.get_cookie("session").value != before
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["_user_id"]


def test_logout_is_post_only_and_needs_csrf(client, f):
    ada = f.user()
    client.login(ada)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/teams/new").status_code == 200
    resp = client.post("/logout")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert b"You are logged out." in client.get("/login").data
    assert client.get("/teams/new").status_code == 302


def test_logout_ends_a_copied_session_cookie(client, f, make_client):
    f.user(email="ada@example.com")
    _login(client, "ada@example.com")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = make_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/teams/new").status_code == 302



def test_remember_cookie_is_http_only_and_dies_at_logout(client, f, make_client):
    f.user(email="ada@example.com")
    resp = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "remember": "1"})
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    remembered = client.get_cookie("remember_token").value
    other = make_client()
    other.set_cookie("remember_token", remembered)
    assert other.get("/teams/new").status_code == 200  # the cookie alone logs in…
    client.post("/logout")
    replay = make_client()
    replay.set_cookie("remember_token", remembered)
    assert replay.get("/teams/new").status_code == 302  # …until its owner logs out
