"""Sockets that misbehave are dropped without hurting others: slow, chatty, too many, vanished."""
import socket
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed

from linear_web.events import Event
from linear_web.events.broker import get_broker
from linear_web.realtime.stream import slots

from .conftest import wait_for

pytestmark = pytest.mark.live


def flood_events(n: int, issue) -> None:
    """One event of the issue published n times into this process's broker without a write: loaded
    once, so the burst outpaces any socket."""
    broker = get_broker()
    event = Event(type="ISSUE_UPDATED", team_id=str(issue.team_id), actor_id="a", issue_id=str(issue.id),
                  identifier=issue.identifier)
    for _ in range(n):
        broker.publish(event)


def test_slow_client_is_closed_and_others_keep_receiving(f, sockets, app, is_postgres):
    if is_postgres:
        pytest.skip("publishes into this process's broker directly; PostgreSQL delivers via NOTIFY")
    admin = f.user()
    team = f.team(admin)
    app.config["WS_QUEUE_SIZE"] = 3
    try:
        slow = sockets(user=admin)
    finally:
        app.config["WS_QUEUE_SIZE"] = 200
    healthy = sockets(user=admin)
    flood_events(100, f.issue(team, admin, title="flood"))  # more than 3 queued, fewer than 200
    assert slow.close_code(timeout=10)[0] == 1013
    f.issue(team, admin, title="still flowing")
    # The flood issue's creation and the flood, then the new issue.
    titles = [healthy.json()["issue"]["title"] for _ in range(102)]
    assert titles == ["flood"] * 101 + ["still flowing"]


def test_client_flooding_messages_is_closed(f, sockets):
    user = f.user()
    sock = sockets(user=user)
    try:
        for _ in range(100):
            sock.conn.send("spam")
    except ConnectionClosed:
        pass                                  # closed while still sending: the socket reads as they come
    code, reason = sock.close_code()
    assert code == 1008 and "messages" in reason


def test_sockets_per_user_are_capped(f, sockets, app):
    user, other = f.user(), f.user()
    app.config["WS_MAX_PER_USER"] = 2
    try:
        sockets(user=user), sockets(user=user)
        code, _ = sockets(user=user, wait=False).close_code()
        assert code == 4429
        sockets(user=other)                   # the cap is per user
        assert slots.count(str(user.id)) == 2
    finally:
        app.config["WS_MAX_PER_USER"] = 20


def server_threads() -> set[threading.Thread]:
    """Request handler and socket reader threads of the live server."""
    return {t for t in threading.enumerate() if "process_request" in t.name or "simple_websocket" in t.name}


def test_vanished_client_is_dropped_and_threads_return(f, sockets, live_server):
    user = f.user()
    threads_before = server_threads()        # (a thread of an earlier test may still be ending)
    sock = sockets(user=user)
    ours = server_threads() - threads_before
    assert len(ours) >= 2                      # a handler and a reader thread
    raw = sock.conn.socket
    raw.shutdown(socket.SHUT_RDWR)            # gone without a close frame
    raw.close()
    wait_for(lambda: get_broker().subscriber_count == 0)
    wait_for(lambda: slots.count(str(user.id)) == 0)
    deadline = time.monotonic() + 5
    while ours & server_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ours & server_threads(), [t.name for t in ours if t.is_alive()]


def test_pings_are_configured(app):
    assert app.config["SOCK_SERVER_OPTIONS"]["ping_interval"] == 25
    assert app.config["SOCK_SERVER_OPTIONS"]["max_message_size"] == 4096


def test_per_message_compression_is_declined(f, sockets):
    sock = sockets(user=f.user())
    assert sock.conn.protocol.extensions == []           # the client offered deflate; the server said no
