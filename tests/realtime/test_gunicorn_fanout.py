"""Two gunicorn instances (the repo's gunicorn.conf.py) on one PostgreSQL database.

An event made through one process reaches sockets held by the other; outsiders still get
nothing; presence on an issue page crosses processes; stopping a worker closes its sockets with
1012 so clients reconnect elsewhere.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

from linear_web.services.tokens import issue_access_token

from .conftest import Sock, session_cookie

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn wsgi:app` with gunicorn.conf.py, one worker, on a free port."""

    def __init__(self, database_url: str, instance: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
               "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "32", "PORT": str(self.port)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.proc.stderr.read().decode()[-2000:])

    def ws(self, path: str, **headers) -> Sock:
        url = self.url.replace("http://", "ws://") + path
        return Sock(connect(url, proxy=None, open_timeout=5, close_timeout=2, additional_headers=headers))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def servers(database, tmp_path_factory):
    """Started once for this module (each test cleans the database as usual)."""
    if not database.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL (TEST_DATABASE_URL)")
    started = []
    try:
        for name in ("a", "b"):
            started.append(Gunicorn(database, tmp_path_factory.mktemp(f"gunicorn-{name}")))
        yield started
    finally:
        for server in started:
            server.stop()


def _until_received(sock: Sock, make_change, attempts: int = 5) -> dict:
    """Make a change and wait for its event; the socket may still be subscribing at first."""
    for _ in range(attempts):
        make_change()
        try:
            return sock.json(timeout=1.5)
        except TimeoutError:
            continue
    raise AssertionError("no event reached the other process")


def test_event_made_through_one_process_reaches_sockets_on_the_other(servers, f, app):
    a, b = servers
    admin, outsider = f.user(), f.user()
    team = f.team(admin, key="FAN")
    f.team(outsider)
    with app.app_context():
        token, stranger = issue_access_token(admin)[0], issue_access_token(outsider)[0]
    on_b = b.ws(f"/api/v1/ws?token={token}")
    also_a = a.ws(f"/api/v1/ws?token={token}")
    outsider_b = b.ws(f"/api/v1/ws?token={stranger}")
    auth = {"Authorization": f"Bearer {token}"}

    def create():
        r = requests.post(a.url + "/api/v1/issues", json={"team_id": str(team.id), "title": "via A"},
                          headers=auth, timeout=5)
        assert r.status_code == 201, r.text

    event = _until_received(on_b, create)
    assert (event["type"], event["issue"]["title"], event["team_id"]) == ("ISSUE_CREATED", "via A", str(team.id))
    assert also_a.json()["type"] == "ISSUE_CREATED"
    r = requests.patch(b.url + f"/api/v1/issues/{event['issue']['id']}", json={"status": "done"},
                       headers=auth, timeout=5)
    assert r.status_code == 200
    updates = [m for m in (on_b.json(), also_a.json()) if m["type"] == "ISSUE_UPDATED"]
    assert [m["issue"]["status"] for m in updates] == ["done", "done"]
    assert outsider_b.nothing(0.5)
    for s in (on_b, also_a, outsider_b):
        s.close()


def test_a_notification_reaches_only_its_recipient_on_the_other_process(servers, f, app):
    """Bob assigns Grace through server A: Grace's sockets on B (whatever team_id narrows them to)
    hear NOTIFICATION_CREATED; Bob and Ada, members of the same team, do not."""
    a, b = servers
    ada, bob, grace = f.user(name="Ada"), f.user(name="Bob"), f.user(name="Grace")
    team = f.team(ada, key="NTF", members=[bob, grace])
    other = f.team(grace, key="GRC")
    with app.app_context():
        tokens = {u.name: issue_access_token(u)[0] for u in (ada, bob, grace)}
    grace_b = b.ws(f"/api/v1/ws?token={tokens['Grace']}&team_id={other.id}")   # narrowed to another team
    ada_b = b.ws(f"/api/v1/ws?token={tokens['Ada']}")
    auth = {"Authorization": f"Bearer {tokens['Bob']}"}
    made = []

    def assign():
        r = requests.post(a.url + "/api/v1/issues", json={"team_id": str(team.id), "title": "For Grace",
                                                          "assignee_id": str(grace.id)}, headers=auth, timeout=5)
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])

    event = _until_received(grace_b, assign)
    assert event["type"] == "NOTIFICATION_CREATED" and event["notification"]["type"] == "assigned"
    assert event["notification"]["issue"]["id"] == made[-1] and event["notification"]["actor"]["name"] == "Bob"
    assert event["notification"]["read_at"] is None
    heard = [ada_b.json(timeout=3) for _ in made]
    assert {m["type"] for m in heard} == {"ISSUE_CREATED"}          # Ada hears the issue, not Grace's notice
    assert ada_b.nothing(0.5) and grace_b.nothing(0.3)
    for s in (grace_b, ada_b):
        s.close()


def test_bad_token_closes_4401_under_gunicorn(servers):
    code, reason = servers[0].ws("/api/v1/ws?token=nope").close_code()
    assert code == 4401 and reason


def test_presence_crosses_processes(servers, f, app):
    a, b = servers
    ada, bob = f.user(name="Ada Viewer"), f.user(name="Bob Viewer")
    team = f.team(ada, members=[bob])
    issue = f.issue(team, ada)
    path = f"/ws?kind=issue&team={team.id}&issue={issue.id}"
    ada_sock = a.ws(path, Cookie="session=" + session_cookie(app, ada), Origin=a.url)
    assert 'data-live="ready"' in ada_sock.text()
    bob_sock = b.ws(path, Cookie="session=" + session_cookie(app, bob), Origin=b.url)
    seen = bob_sock.text()                   # ready + who is here (Ada, if her join arrived already)
    assert 'data-live="ready"' in seen
    deadline = time.monotonic() + 10
    while "Ada Viewer" not in seen and time.monotonic() < deadline:
        seen = bob_sock.text(timeout=10)
    assert "Ada Viewer" in seen and "Bob Viewer" not in seen     # who *else* is here
    ada_sock.close()
    deadline = time.monotonic() + 10
    while "Ada Viewer" in seen and time.monotonic() < deadline:
        seen = bob_sock.text(timeout=10)
    assert "Ada Viewer" not in seen
    bob_sock.close()


def test_stopping_a_worker_closes_its_sockets_with_1012(servers, f, app):
    a, _ = servers
    admin = f.user()
    f.team(admin)
    with app.app_context():
        token = issue_access_token(admin)[0]
    sock = a.ws(f"/api/v1/ws?token={token}")
    time.sleep(0.5)
    workers = subprocess.run(["pgrep", "-P", str(a.proc.pid)], capture_output=True, text=True).stdout.split()
    assert workers
    os.kill(int(workers[0]), signal.SIGTERM)
    code, _ = sock.close_code(timeout=10)
    assert code == 1012
