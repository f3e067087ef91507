"""Shared fixtures: one fresh database per run (SQLite or PostgreSQL), cleaned after each test.

TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres runs the same suite on
PostgreSQL: a database named lw_test_<random> is created on that server and dropped at the end.
"""
import contextlib
import contextvars
import io
import os
import secrets
import shutil
import tempfile
import threading
import uuid
from typing import NamedTuple

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from linear_web import create_app
from linear_web.config import TestConfig, database_url
from linear_web.infra.extensions import db, limiter

from . import factories

BASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def _create_pg_database(url: str) -> tuple[str, str]:
    """Create lw_test_<random> on the server of `url`; return (test url, admin url)."""
    import psycopg2
    admin = make_url(database_url(url)).set(database="postgres")
    name = f"lw_test_{secrets.token_hex(4)}"
    conn = psycopg2.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return admin.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(url: str, name: str) -> None:
    import psycopg2
    admin = make_url(database_url(url)).set(database="postgres", drivername="postgresql")
    conn = psycopg2.connect(admin.render_as_string(hide_password=False))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


class TestClient(FlaskClient):
    """A client that sends the CSRF token on browser writes unless told `csrf=False`.

    Each request runs in its own app context (as in production): the test's context, its `g`
    and its database session are not shared with the request.
    """

    def open(self, *args, **kwargs):
        ctx = contextvars.copy_context()
        resp = ctx.run(self._open_isolated, *args, **kwargs)
        if resp.is_streamed:  # a streamed body (stream_with_context) runs in the request's context
            body = iter(resp.response)
            resp.response = iter(lambda: ctx.run(next, body, None), None)
        if _cv_app.get(None) is not None:
            db.session.expire_all()  # the test sees what the request committed, as a new request would
        return resp

    def _open_isolated(self, *args, **kwargs):
        _cv_app.set(None)
        send_csrf = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        if send_csrf and method in ("POST", "PUT", "PATCH", "DELETE") and not str(path).startswith("/api/"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The signed token Flask-WTF expects for this client's session."""
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def login(self, user) -> "TestClient":
        """Log in without a login request: the session keys login_user writes for this client."""
        from flask import session
        from flask_login import login_user
        with self.application.test_request_context(environ_base=self.environ_base):
            login_user(user)  # its identifier is this client's address and user agent
            keys = {k: session[k] for k in ("_user_id", "_fresh", "_id")}
        with self.session_transaction() as sess:
            sess.update(keys)
        return self


@pytest.fixture(scope="session")
def database():
    """A fresh database for this run: yields its URL."""
    if BASE_URL.startswith(("postgres://", "postgresql")):
        url, name = _create_pg_database(BASE_URL)
        try:
            yield url
        finally:
            _drop_pg_database(BASE_URL, name)
    else:
        folder = tempfile.mkdtemp(prefix="lw-test-db-")
        yield f"sqlite:///{folder}/test.db"
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def app(database):
    """The app on the run's database, migrated once with Flask-Migrate."""
    from flask_migrate import upgrade
    uploads = tempfile.mkdtemp(prefix="lw-test-uploads-")
    application = create_app(TestConfig(database, uploads))
    application.test_client_class = TestClient
    with application.app_context():
        upgrade()
    yield application
    from linear_web.events.broker import set_broker
    set_broker(None)  # stop a PostgreSQL listener before its database is dropped
    shutil.rmtree(uploads, ignore_errors=True)
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts with empty tables, a fresh app context and fresh limiter counters."""
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.remove()
    _truncate_all()
    with contextlib.suppress(Exception):
        limiter.reset()
    ctx.pop()


def _truncate_all() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("DELETE FROM issues_fts"))


@pytest.fixture
def client(app) -> TestClient:
    return app.test_client()


@pytest.fixture
def make_client(app):
    """More clients (a second browser) on demand."""
    return app.test_client


@pytest.fixture
def is_postgres(app) -> bool:
    return db.engine.dialect.name == "postgresql"


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...; assert q.count == N` counts SQL statements (both engines:
    the ORM's and the autocommit one of the cached list check)."""
    from linear_web import list_cache
    with app.app_context():
        engines = [db.engine, list_cache.engine()]

    @contextlib.contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, params, context, executemany):
            counter.statements.append(statement)

        for engine in engines:
            event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", before)

    return counting


# -- A live server (browser and socket tests) ---------------------------------------------

class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served on a free loopback port in a thread (werkzeug, threaded)."""
    server = LiveServer(app)
    yield server
    server.stop()


# -- A real browser: Debian's chromium driven by Playwright ---------------------------------

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium. Missing chromium fails on CI (journeys must run), skips elsewhere."""
    path = chromium_path()
    if not path:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: browser journeys cannot run")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open more independent browser pages (a second user)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def unique(prefix: str = "x") -> str:
    """A short unique name."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def endpoint_of(app, method: str, url: str) -> str:
    """The endpoint that answers `method url`; fails when no route does.

    Access tests expect 404, which a deleted route also gives: they check the route first.
    """
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    try:
        return app.url_map.bind("localhost").match(url.split("?")[0], method=method)[0]
    except (NotFound, MethodNotAllowed):
        raise AssertionError(f"no route answers {method} {url}") from None


class Clock:
    """"Today" (UTC) for cycles, due dates and the overdue filter: set `day`, or move it."""

    def __init__(self, day):
        self.day = day

    def set(self, day) -> None:
        self.day = day

    def add(self, days: int) -> None:
        from datetime import timedelta
        self.day += timedelta(days=days)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Today is Monday 2026-12-07 until the test moves it (services.issue_queries.today)."""
    from datetime import date
    c = Clock(date(2026, 12, 7))
    monkeypatch.setattr("linear_web.services.issue_queries.today", lambda: c.day)
    return c


@pytest.fixture
def f():
    """The factories module: f.user(), f.team(admin), f.project(...), ..."""
    return factories


@pytest.fixture
def empty_list_cache():
    """The per-process list cache, empty before and after the test."""
    from linear_web import list_cache
    list_cache.clear()
    yield list_cache
    list_cache.clear()


@pytest.fixture
def cache_team(f, empty_list_cache):
    """Ada's team CCH with one issue, and an empty list cache."""
    ada = f.user(name="Ada")
    t = f.team(ada, key="CCH")
    f.issue(t, ada, title="First issue", status="todo")
    return ada, t


# -- Shared scenarios ----------------------------------------------------------------------

class Crew(NamedTuple):
    """A team with its admin and one plain member."""
    team: object
    admin: object
    member: object


@pytest.fixture
def eng(f) -> Crew:
    """ENG "Engineering": Ada Lovelace (admin) and Bob Stone (member)."""
    ada, bob = f.user(name="Ada Lovelace"), f.user(name="Bob Stone")
    return Crew(f.team(ada, key="ENG", name="Engineering", members=[bob]), ada, bob)


class Outsider(NamedTuple):
    """A user with a team of her own, and no other."""
    user: object
    team: object


@pytest.fixture
def outsider(f) -> Outsider:
    """Eve Outsider, admin of her own team EVE "Evil Corp" and of no other."""
    eve = f.user(name="Eve Outsider")
    return Outsider(eve, f.team(eve, key="EVE", name="Evil Corp"))


@pytest.fixture
def crash(eng, f):
    """An issue of ENG, ENG-1 "Crash", created by Ada."""
    return f.issue(eng.team, eng.admin, title="Crash")


SECRET_TITLE = "Acquisition plan zebra"


@pytest.fixture
def secret_team(f, outsider) -> dict:
    """Team A (SECRETA, Ada) with one row of every kind; Eve is an outsider to it."""
    from linear_web.services import api_keys, attachments, comments
    ada = f.user(name="Ada Lovelace")
    team = f.team(ada, key="SECRETA", name="Secret team A")
    project = f.project(team, ada, name="Secret project")
    issue = f.issue(team, ada, title=SECRET_TITLE, description="secret", project_id=project)
    comment = comments.create_comment(ada, issue.id, "secret comment")
    attachment = attachments.upload(ada, issue.id, io.BytesIO(factories.PNG), "secret.png")
    key, _raw = api_keys.create_api_key(ada, "ada's key")
    from linear_web.services import labels, relations
    label = labels.create_label(ada, team.id, "Secret label")
    other = f.issue(team, ada, title="Secret sibling", parent_id=issue)
    relation = relations.add_relation(ada, issue.id, "blocks", other.id)
    from datetime import timedelta
    from linear_web.services import cycles, issue_queries, issues, teams as teams_service
    day = issue_queries.today()
    cycle = cycles.create_cycle(ada, team.id, {"starts_on": day.isoformat(), "name": "Secret cycle",
                                               "ends_on": (day + timedelta(days=13)).isoformat()}).cycle
    issues.update_issue(ada, other.id, {"cycle_id": str(cycle.id)})
    from linear_web.models import Notification
    bob = f.user(name="Bob Secret")
    teams_service.add_member(ada, team.id, user_id=str(bob.id))
    issues.update_issue(bob, other.id, {"status": "todo"})   # ada (its creator) is told
    notification = db.session.scalar(db.select(Notification).where(Notification.user_id == ada.id))
    return {"admin": ada, "outsider": outsider.user, "team": team, "project": project, "issue": issue,
            "comment": comment, "attachment": attachment, "api_key": key, "label": label, "relation": relation,
            "cycle": cycle, "notification": notification}


@pytest.fixture
def receiver(app):
    """A real HTTP receiver for webhooks (tests/webhook_receiver.py), which may be on loopback."""
    from .webhook_receiver import start_receiver
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    r = start_receiver()
    yield r
    r.stop()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
