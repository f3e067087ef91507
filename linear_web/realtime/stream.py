"""The loop every live socket runs: subscribe, forward what its renderer makes of each item.

A socket holds one worker thread but no database connection while it waits: sessions are
removed before waiting and after each delivery. Slow clients (a full queue) and chatty clients
(too many messages) are closed rather than allowed to slow the others; sockets per user are capped.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter

from flask import current_app
from simple_websocket import ConnectionClosed

from ..events.broker import WAKE, get_broker, wake_all
from ..infra.extensions import db

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0          # how often an idle socket checks its client (WS_POLL_SECONDS overrides)
FLOOD_MESSAGES = 30         # client messages allowed per FLOOD_WINDOW seconds
FLOOD_WINDOW = 10.0
SEND_TIMEOUT = 10.0         # a client that does not read for this long is dropped


class _WakingEvent:
    """The socket's own event, which also wakes the socket's loop.

    simple-websocket sets `ws.event` whenever a message arrives or the connection ends; the
    loop waits on the broker queue, so without this a client that leaves is only noticed at the
    next poll (up to WS_POLL_SECONDS later, and others see it in the viewers list that late).
    """

    def __init__(self, event, sub):
        self._event, self._sub = event, sub

    def set(self) -> None:
        self._event.set()
        try:
            self._sub.queue.put_nowait(WAKE)
        except queue.Full:
            pass                             # the loop has items to wake it anyway

    def __getattr__(self, name):
        return getattr(self._event, name)


class Close(Exception):
    """Ends a stream with a WebSocket close code and reason."""

    def __init__(self, code: int, reason: str):
        """The close code and its human-readable reason."""
        super().__init__(reason)
        self.code, self.reason = code, reason


class Slots:
    """Open sockets per user in this process, capped by WS_MAX_PER_USER."""

    def __init__(self):
        """No sockets open yet."""
        self._open: Counter = Counter()
        self._lock = threading.Lock()

    def acquire(self, user_id: str, limit: int) -> bool:
        """Take a slot for the user; False when they already have `limit` sockets open."""
        with self._lock:
            if self._open[user_id] >= limit:
                return False
            self._open[user_id] += 1
            return True

    def release(self, user_id: str) -> None:
        """Give the user's slot back."""
        with self._lock:
            self._open[user_id] -= 1
            if self._open[user_id] <= 0:
                del self._open[user_id]

    def count(self, user_id: str) -> int:
        """How many sockets the user has open in this process."""
        with self._lock:
            return self._open.get(user_id, 0)


slots = Slots()

# Set when this worker is asked to stop (gunicorn.conf.py): sockets close with 1012 so clients
# reconnect to a live worker instead of holding this one open until it is killed.
shutting_down = threading.Event()


def begin_shutdown() -> None:
    """Close this worker's sockets with 1012 now, not at their next poll."""
    shutting_down.set()
    wake_all()


class FloodGuard:
    """Reads and discards client messages; too many within the window is a Close(1008)."""

    def __init__(self, limit: int = FLOOD_MESSAGES, window: float = FLOOD_WINDOW):
        """At most `limit` client messages per `window` seconds."""
        self.limit, self.window = limit, window
        self.started, self.seen = time.monotonic(), 0

    def drain(self, ws) -> None:
        """Read what the client sent; Close(1008) when it sends too much."""
        while ws.connected:
            if ws.receive(timeout=0) is None:
                return
            now = time.monotonic()
            if now - self.started > self.window:
                self.started, self.seen = now, 0
            self.seen += 1
            if self.seen > self.limit:
                raise Close(1008, "Too many messages: this socket only sends events.")


def close(ws, code: int, reason: str) -> None:
    """Close with a code and reason, then let the client answer before the request ends.

    Waiting for the reader thread (it ends on the client's close reply) also keeps the server
    from writing anything after the close frame (Werkzeug's dev server appends an HTTP reply).
    """
    try:
        ws.close(reason=code, message=reason)
    except Exception:  # noqa: BLE001 - the peer may have vanished: nothing left to tell it
        pass
    thread = getattr(ws, "thread", None)
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=2)


def serve(ws, user_id: str, renderer) -> None:
    """Forward renderer.render(item) for each broker item until the socket ends."""
    limit = int(current_app.config.get("WS_MAX_PER_USER", 20))
    if not slots.acquire(user_id, limit):
        return close(ws, 4429, f"Too many open sockets (at most {limit} per user).")
    broker, sub = get_broker(), None
    _limit_send_time(ws)
    try:
        sub = broker.subscribe(int(current_app.config.get("WS_QUEUE_SIZE", 200)), user_id=user_id)
        if hasattr(ws, "event"):
            ws.event = _WakingEvent(ws.event, sub)
        db.session.remove()                  # hold no DB connection while waiting
        _send_all(ws, renderer.opened())
        _loop(ws, sub, renderer, FloodGuard(), float(current_app.config.get("WS_POLL_SECONDS", POLL_SECONDS)))
    except Close as err:
        close(ws, err.code, err.reason)
    except (ConnectionClosed, OSError):
        pass                                 # the client went away (or stopped reading)
    finally:
        if sub is not None:
            broker.unsubscribe(sub)
        slots.release(user_id)
        renderer.closed()
        db.session.remove()


def _loop(ws, sub, renderer, guard: FloodGuard, poll: float) -> None:
    """Wait for broker items and send what the renderer makes of them, until the socket ends."""
    while ws.connected:
        if shutting_down.is_set():
            raise Close(1012, "The server is restarting. Reconnect in a moment.")
        guard.drain(ws)
        if sub.overflowed:
            raise Close(1013, "Too slow: events were dropped. Reconnect and re-fetch.")
        try:
            item = sub.queue.get(timeout=poll)
        except queue.Empty:
            _send_all(ws, renderer.idle())
            continue
        if item is WAKE:
            continue                         # read what came, or end: the loop's checks above
        try:
            _send_all(ws, renderer.render(item))
        finally:
            db.session.remove()


def _send_all(ws, messages) -> None:
    """Send each message in order."""
    for message in messages or ():
        ws.send(message)


def _limit_send_time(ws) -> None:
    """A send to a client that stopped reading fails after SEND_TIMEOUT instead of hanging.

    Only with pings on: the reader thread then waits in select(), so the timeout never fires
    on an idle but healthy socket.
    """
    if getattr(ws, "ping_interval", None) and getattr(ws, "sock", None) is not None:
        try:
            ws.sock.settimeout(SEND_TIMEOUT)
        except OSError:
            pass
