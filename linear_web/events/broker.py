"""Per-process fan-out of events into subscriber queues.

One broker per process, created lazily at first use (after a gunicorn fork) and chosen by the
database's dialect: SQLite gets the in-process broker (one process); PostgreSQL gets a broker fed
by one LISTEN connection (events/pg.py), so events made by any process reach every process.
"""
from __future__ import annotations

import logging
import queue
import threading

log = logging.getLogger(__name__)

# Queue item telling subscribers that events may have been missed (lost LISTEN connection).
RESYNC = "RESYNC"


class Subscription:
    """One socket's bounded queue; `overflowed` tells the socket to close (slow client)."""

    def __init__(self, maxsize: int):
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.overflowed = False

    def offer(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.overflowed = True


class InProcessBroker:
    """Delivers events published in this process to this process's subscribers."""

    def __init__(self, queue_size: int = 200):
        self.queue_size = queue_size
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self, maxsize: int | None = None) -> Subscription:
        """A new bounded queue that receives every published item from now on."""
        sub = Subscription(maxsize or self.queue_size)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, event) -> None:
        """Fan one event out to every subscriber (never blocks on a slow one)."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.offer(event)

    def broadcast_resync(self) -> None:
        """Tell every subscriber to re-sync (after a lost LISTEN connection)."""
        self.publish(RESYNC)

    def notify(self, channel: str, payload: str) -> bool:
        """Send a side-channel message (presence) to other processes; False: none to reach."""
        return False

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subs)


_broker = None
_broker_lock = threading.Lock()


def _make_broker():
    """PostgresBroker when the app's database is PostgreSQL, else the in-process broker."""
    from flask import current_app, has_app_context
    if not has_app_context():
        return InProcessBroker()
    size = int(current_app.config.get("WS_QUEUE_SIZE", 200))
    url = str(current_app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    if url.startswith("postgresql"):
        from .pg import PostgresBroker, dsn_from_url
        return PostgresBroker(dsn_from_url(url), queue_size=size)
    return InProcessBroker(queue_size=size)


def get_broker():
    """This process's broker, created lazily (after a gunicorn fork)."""
    global _broker
    with _broker_lock:
        if _broker is None:
            _broker = _make_broker()
        return _broker


def set_broker(broker) -> None:
    """Replace this process's broker (tests); stops a replaced PostgreSQL listener."""
    global _broker
    with _broker_lock:
        old, _broker = _broker, broker
    if old is not None and old is not broker and hasattr(old, "stop"):
        old.stop()
