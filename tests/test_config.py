"""Configuration from the environment (the API contract, "Running the server") and /health."""
import os
import socket
import subprocess
import sys

import pytest

from linear_web import config, create_app
from linear_web.config import ROOT, Config, database_url
from linear_web.config import TestConfig as AppConfig  # not a test class


@pytest.mark.parametrize("given, expected", [
    ("postgres://lw:pw@db.internal:5432/linear", "postgresql+psycopg2://lw:pw@db.internal:5432/linear"),
    ("postgresql://postgres@127.0.0.1/postgres", "postgresql+psycopg2://postgres@127.0.0.1/postgres"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg2://u@h/d"),
    ("postgresql+psycopg2://u@h/d", "postgresql+psycopg2://u@h/d"),
    ("sqlite:////srv/linear/app.db", "sqlite:////srv/linear/app.db"),
])
def test_database_url_maps_postgres_to_psycopg2(given, expected):
    assert database_url(given) == expected


def test_database_defaults_to_sqlite_under_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE", tmp_path / "inst")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Config().SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'inst' / 'linear_web.db'}"
    assert (tmp_path / "inst").is_dir()


def _secret_key_in_fresh_process(instance: str) -> subprocess.CompletedProcess:
    """Import the config as a new process would, with INSTANCE_PATH set and SECRET_KEY unset."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"INSTANCE_PATH": instance}
    code = "from linear_web.config import Config; print(Config().SECRET_KEY)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=True)


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = _secret_key_in_fresh_process(str(tmp_path))
    second = _secret_key_in_fresh_process(str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert first.stdout.strip() == second.stdout.strip() == key_file.read_text().strip()
    assert len(key_file.read_text().strip()) >= 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "SECRET_KEY is not set" in first.stderr
    assert "SECRET_KEY is not set" not in second.stderr


def test_secret_key_from_the_environment_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    assert Config().SECRET_KEY == "k" * 48
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("value, secure", [(None, False), ("1", True), ("true", True), ("0", False)])
def test_session_cookie_secure_from_the_environment(monkeypatch, value, secure):
    if value is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    settings = Config()
    assert (settings.SESSION_COOKIE_SECURE, settings.REMEMBER_COOKIE_SECURE) == (secure, secure)
    assert (settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE) == (True, "Lax")


def test_secure_session_cookie_is_sent_with_the_secure_flag(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    cookie = client.get("/login").headers.get("Set-Cookie", "")
    assert "session=" in cookie
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}


def test_session_cookie_is_not_secure_by_default(client):
    cookie = client.get("/login").headers.get("Set-Cookie", "")
    assert "session=" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("value, limit", [(None, 25 * 1024 * 1024), ("3", 3 * 1024 * 1024)])
def test_max_upload_mb_sets_max_content_length(monkeypatch, value, limit):
    if value is None:
        monkeypatch.delenv("MAX_UPLOAD_MB", raising=False)
    else:
        monkeypatch.setenv("MAX_UPLOAD_MB", value)
    assert Config().MAX_CONTENT_LENGTH == limit


def test_a_body_over_max_content_length_gets_413_json(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    resp = client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 2048})
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"


def test_other_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://lw@db/linear")
    monkeypatch.setenv("UPLOAD_DIR", "/srv/uploads")
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "5")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    settings = Config()
    assert settings.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg2://lw@db/linear"
    assert settings.UPLOAD_DIR == "/srv/uploads"
    assert settings.ACCESS_TOKEN_EXPIRE_MINUTES == 5
    assert settings.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"


def test_health_reports_ok_when_the_database_answers(client):
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("url", [
    "postgresql://postgres@127.0.0.1:{port}/linear",
    "sqlite:////nonexistent-dir-{port}/sub/linear.db",
])
def test_health_is_503_with_json_when_the_database_is_unreachable(url, tmp_path):
    down = create_app(AppConfig(url.format(port=_closed_port()), str(tmp_path)))
    resp = down.test_client().get("/health")
    assert resp.status_code == 503
    assert resp.is_json
    assert resp.get_json() == {"status": "error", "database": "unreachable"}


@pytest.mark.parametrize("value", ["lots", "-3", "2.5"])
def test_bad_number_settings_fail_at_startup_naming_the_variable(monkeypatch, value):
    from linear_web.config import Config
    monkeypatch.setenv("MAX_UPLOAD_MB", value)
    with pytest.raises(RuntimeError, match="MAX_UPLOAD_MB"):
        Config()


@pytest.mark.parametrize("env, workers", [
    ({}, 1),                                                    # the embedded default: SQLite
    ({"DATABASE_URL": "sqlite:////srv/app.db"}, 1),
    ({"DATABASE_URL": "postgresql://u@h/d"}, 4),                # the CPU count
    ({"DATABASE_URL": "postgresql://u@h/d", "WEB_CONCURRENCY": "3"}, 3),
    ({"WEB_CONCURRENCY": "1"}, 1),
])
def test_server_workers_default_to_one_on_sqlite(env, workers):
    assert config.server_workers(env, cpus=4) == workers


@pytest.mark.parametrize("env, message", [
    ({"WEB_CONCURRENCY": "3"}, "live updates need a single process on SQLite"),
    ({"WEB_CONCURRENCY": "two", "DATABASE_URL": "postgresql://u@h/d"}, "whole number"),
    ({"WEB_CONCURRENCY": "0", "DATABASE_URL": "postgresql://u@h/d"}, "at least 1"),
])
def test_server_workers_refuses_contradictions(env, message):
    with pytest.raises(RuntimeError, match=message):
        config.server_workers(env, cpus=4)


@pytest.mark.parametrize("env, worker_class", [
    ({}, "gthread"),
    ({"DATABASE_URL": "postgresql://u@h/d"}, "gevent"),
    ({"DATABASE_URL": "postgresql://u@h/d", "GUNICORN_WORKER_CLASS": "gthread"}, "gthread"),
    ({"GUNICORN_WORKER_CLASS": "gthread"}, "gthread"),
])
def test_worker_class_is_gevent_on_postgresql_and_gthread_on_sqlite(env, worker_class):
    assert config.server_worker_class(env) == worker_class


@pytest.mark.parametrize("env, message", [
    ({"GUNICORN_WORKER_CLASS": "gevent"}, "sqlite3 blocks the whole worker"),
    ({"GUNICORN_WORKER_CLASS": "eventlet", "DATABASE_URL": "postgresql://u@h/d"}, "one of gevent, gthread"),
])
def test_worker_class_refuses_what_cannot_work(env, message):
    with pytest.raises(RuntimeError, match=message):
        config.server_worker_class(env)


def test_server_bind_reads_host_and_port():
    assert config.server_bind({}) == "0.0.0.0:8000"
    assert config.server_bind({"HOST": "127.0.0.1", "PORT": "9001"}) == "127.0.0.1:9001"


def test_gunicorn_refuses_several_workers_on_sqlite(tmp_path):
    """gunicorn.conf.py stops the server before it starts, naming the fix."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "WEB_CONCURRENCY": "2", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 48}
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--check-config", "wsgi:app"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "WEB_CONCURRENCY=2 with SQLite" in done.stderr + done.stdout


def test_every_setting_the_code_reads_is_declared_in_config():
    """app.config["X"] / config.get("X") anywhere in the package names a setting Config declares."""
    import re
    declared = set(vars(Config()))
    used = set()
    for path in (ROOT / "linear_web").rglob("*.py"):
        used |= set(re.findall(r"""config(?:\.get\(|\[)["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    assert used and used <= declared, sorted(used - declared)


def test_every_environment_variable_is_in_the_readme_table():
    """Each variable config.py or gunicorn.conf.py reads has a row in README's Configuration table."""
    import re
    code = (ROOT / "linear_web/config.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    names = set(re.findall(r"""(?:_int|_bool|environ\.get|environ\[)\(?["']([A-Z][A-Z0-9_]+)["']""", code))
    table = "\n".join(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `"))
    assert {"DATABASE_URL", "WEB_CONCURRENCY", "HOST", "BCRYPT_ROUNDS"} <= names
    assert not {n for n in names if f"`{n}`" not in table}
