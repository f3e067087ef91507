"""PostgreSQL fan-out: one LISTEN connection per process feeds that process's subscribers.

Services send `pg_notify` inside their transaction (events.emit), so PostgreSQL delivers the
notification to every listening process exactly when the transaction commits, and never after a
rollback. The listener is a daemon thread started on first subscribe, i.e. in the worker after
gunicorn forked. If its connection is lost it reconnects with backoff and then tells every
subscriber to re-sync, since events sent meanwhile were missed.
"""
from __future__ import annotations

import logging
import os
import select
import threading

import psycopg2
from sqlalchemy.engine import make_url

from . import CHANNEL, Event
from .broker import InProcessBroker

log = logging.getLogger(__name__)

PRESENCE_CHANNEL = "linear_web_presence"


def dsn_from_url(url: str) -> str:
    """A libpq URL (psycopg2) from the app's SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresBroker(InProcessBroker):
    """InProcessBroker fed by LISTEN; `notify` reaches the other processes' listeners."""

    def __init__(self, dsn: str, queue_size: int = 200, *, poll_timeout: float = 5.0,
                 max_backoff: float = 10.0, ready_timeout: float = 5.0, router=None):
        super().__init__(queue_size, router)
        self.dsn = dsn
        self.poll_timeout = poll_timeout
        self.max_backoff = max_backoff
        self.ready_timeout = ready_timeout
        self.listening = threading.Event()
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._conn = None
        self._start_lock = threading.Lock()

    def subscribe(self, maxsize: int | None = None, user_id: str | None = None):
        """Subscribe, starting the listener if needed and waiting (bounded) until it listens."""
        self.start()
        sub = super().subscribe(maxsize, user_id)
        self.listening.wait(self.ready_timeout)
        return sub

    def start(self) -> None:
        """Start the listener thread once per process (a forked child starts its own)."""
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self.listening.clear()
            self._thread = threading.Thread(target=self._run, name="linear-web-listen", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop listening (tests, shutdown)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.poll_timeout + 2)

    def drop_connection(self) -> None:
        """Close the LISTEN connection from outside (tests of the reconnect path)."""
        conn = self._conn
        if conn is not None:
            conn.close()

    def notify(self, channel: str, payload: str) -> bool:
        """NOTIFY on a short-lived connection (presence; events go through the writer's transaction)."""
        try:
            conn = psycopg2.connect(self.dsn, connect_timeout=5)
        except psycopg2.Error:
            log.warning("presence notify failed: database unreachable")
            return False
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_notify(%s, %s)", (channel, payload))
        except psycopg2.Error:
            log.warning("presence notify failed", exc_info=True)
            return False
        finally:
            conn.close()
        return True

    def _run(self) -> None:
        backoff, ever_connected = 0.5, False
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except psycopg2.Error as err:
                log.warning("LISTEN connection failed (%s); retrying in %.1fs", str(err).strip(), backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 0.5
            self._conn = conn
            self.listening.set()
            if ever_connected:
                self.reconnects += 1
                self.broadcast_resync()
            ever_connected = True
            self._after_connect()
            try:
                self._listen(conn)
            except (psycopg2.Error, OSError, ValueError) as err:
                log.warning("LISTEN connection lost (%s); reconnecting", str(err).strip())
            finally:
                self.listening.clear()
                self._conn = None
                if not conn.closed:
                    conn.close()
            self._stop.wait(backoff)          # not at once: a server that just went away is busy

    def _connect(self):
        conn = psycopg2.connect(self.dsn, connect_timeout=5, keepalives=1, keepalives_idle=30,
                                keepalives_interval=10, keepalives_count=3)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")
            cur.execute(f"LISTEN {PRESENCE_CHANNEL}")
        return conn

    def _listen(self, conn) -> None:
        """Wait for notifications; a quiet period runs SELECT 1 so a dead connection shows up."""
        while not self._stop.is_set():
            if conn.closed:
                raise psycopg2.InterfaceError("connection closed")
            # poll, not select: select(2) refuses descriptors above 1024, which a worker with
            # thousands of sockets hands out (a reconnect would fail forever). Under gevent this
            # is gevent's poll: the greenlet waits, the worker does not.
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN)
            ready = poller.poll(self.poll_timeout * 1000)
            if not ready:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
            conn.poll()
            while conn.notifies:
                note = conn.notifies.pop(0)
                self._dispatch(note.channel, note.payload)

    def _dispatch(self, channel: str, payload: str) -> None:
        try:
            if channel == CHANNEL:
                self.publish(Event.from_payload(payload))
            elif channel == PRESENCE_CHANNEL:
                from .presence import presence
                presence.receive(payload, self)
        except (ValueError, TypeError):
            log.warning("ignored a malformed %s notification", channel)

    def _after_connect(self) -> None:
        """Ask the other processes to re-announce who is viewing what (we may have missed it)."""
        from .presence import presence
        presence.hello(self)
