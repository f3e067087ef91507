"""Foundation smoke: migrations applied, health, security headers."""
from linear_web.infra.extensions import db


def test_health_reports_database_ok(client):
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_security_headers_on_every_response(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]


def test_signup_then_landing(client, f):
    resp = client.post("/signup", data={"name": "Ada", "email": "ada@x.io", "password": "longenough"})
    assert resp.status_code == 303
    resp = client.get("/", follow_redirects=True)
    assert b"Create your first team" in resp.data


def test_tables_exist(app):
    assert "issues" in db.inspect(db.engine).get_table_names()


def test_outsider_gets_404_page_for_team_urls(client, f):
    admin, outsider = f.user(), f.user()
    t = f.team(admin, key="SECRET")
    client.login(outsider)
    resp = client.get(f"/team/{t.key}")
    assert resp.status_code == 404
    assert b"SECRET" not in resp.data


def test_database_down_shows_the_friendly_503_page_to_a_logged_in_user(client, f, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from linear_web.services import access
    user = f.user()
    f.team(user, key="DOWN")
    client.login(user)

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(access, "team_for", down)
    resp = client.get("/team/DOWN/issues")
    assert resp.status_code == 503
    assert b"database is unreachable" in resp.data and b"<nav" not in resp.data
