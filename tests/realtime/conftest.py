"""Socket helpers: connect to the live server as a user, read JSON events, wait for subscribers."""
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from linear_web.events.broker import get_broker, set_broker
from linear_web.services.tokens import issue_access_token


class Sock:
    """A websockets client with helpers for our protocol."""

    def __init__(self, conn):
        self.conn = conn

    def json(self, timeout: float = 5.0) -> dict:
        return json.loads(self.conn.recv(timeout=timeout))

    def text(self, timeout: float = 5.0) -> str:
        return self.conn.recv(timeout=timeout)

    def nothing(self, timeout: float = 0.5) -> bool:
        """True when no message arrives within timeout."""
        try:
            self.conn.recv(timeout=timeout)
        except TimeoutError:
            return True
        return False

    def close_code(self, timeout: float = 5.0) -> tuple[int, str]:
        """Read until the server's close frame arrives: (code, reason).

        The close frame counts, not the TCP close: Werkzeug's dev server (the live_server
        fixture) may hold the connection open a little after a WebSocket ends.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.conn.recv(timeout=0.05)
            except ConnectionClosed as closed:
                return closed.rcvd.code, closed.rcvd.reason
            except TimeoutError:
                pass
            received = self.conn.protocol.close_rcvd
            if received is not None:
                return received.code, received.reason
        raise AssertionError("the server did not close the socket")

    def close(self):
        self.conn.close()


@pytest.fixture
def ws_url(live_server):
    return live_server.url.replace("http://", "ws://")


@pytest.fixture
def sockets(ws_url, app):
    """open(path, user=None, token=None, cookie_for=None, origin=..., wait=True) -> Sock."""
    opened = []

    def open_(path="/api/v1/ws", *, user=None, token=None, cookie_for=None, origin=None,
              wait=True, **params):
        query = dict(params)
        if user is not None:
            with app.app_context():
                query["token"] = issue_access_token(user)[0]
        if token is not None:
            query["token"] = token
        headers = {}
        if cookie_for is not None:
            headers["Cookie"] = "session=" + session_cookie(app, cookie_for)
        url = ws_url + path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        before = get_broker().subscriber_count
        conn = connect(url, origin=origin, additional_headers=headers, proxy=None, open_timeout=5,
                       close_timeout=1)
        sock = Sock(conn)
        opened.append(sock)
        if wait:
            wait_for(lambda: get_broker().subscriber_count > before)
        return sock

    yield open_
    for s in opened:
        s.close()


def session_cookie(app, user) -> str:
    """The signed session cookie of a logged-in browser of `user`."""
    client = app.test_client()
    client.login(user)
    return client.get_cookie("session").value


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="session", autouse=True)
def _stop_listener(app):
    """Stop this process's LISTEN connection before the test database is dropped."""
    yield
    set_broker(None)


@pytest.fixture(autouse=True)
def _no_subscribers_left(app):
    """Sockets notice a gone client quickly; every test ends with them unsubscribed."""
    app.config["WS_POLL_SECONDS"] = 0.1
    yield
    wait_for(lambda: get_broker().subscriber_count == 0, timeout=5)
