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
# Queue item that only wakes a socket's loop (its client spoke or left; the worker is stopping).
WAKE = "WAKE"


class Subscription:
    """One socket's bounded queue; `overflowed` tells the socket to close (slow client). A socket
    of a user (`user_id`) gets only the events the broker's router says may concern that user."""

    def __init__(self, maxsize: int, user_id: str | None = None):
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.overflowed = False
        self.user_id = user_id

    def offer(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.overflowed = True


class InProcessBroker:
    """Delivers events published in this process to this process's subscribers."""

    def __init__(self, queue_size: int = 200, router=None):
        self.queue_size = queue_size
        self.router = router              # item -> the user ids it may concern, or None: everyone
        self._subs: set[Subscription] = set()
        self._by_user: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    def subscribe(self, maxsize: int | None = None, user_id: str | None = None) -> Subscription:
        """A new bounded queue that receives published items from now on: every item, or with a
        `user_id` only those the router gives to that user (and those it gives to everyone)."""
        sub = Subscription(maxsize or self.queue_size, user_id)
        with self._lock:
            self._subs.add(sub)
            if user_id is not None:
                self._by_user.setdefault(user_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)
            mine = self._by_user.get(sub.user_id)
            if mine is not None:
                mine.discard(sub)
                if not mine:
                    del self._by_user[sub.user_id]

    def publish(self, event) -> None:
        """Fan one item out to the subscribers it concerns (never blocks on a slow one). Thousands
        of open sockets are not all woken for an event of one team: the router names its readers."""
        users = self._audience(event)
        with self._lock:
            if users is None:
                subs = list(self._subs)
            else:
                subs = [s for s in self._subs if s.user_id is None]
                for user_id in users:
                    subs.extend(self._by_user.get(user_id, ()))
        for sub in subs:
            sub.offer(event)

    def _audience(self, item):
        """The user ids the router names for the item; None (everyone) without a router, without
        subscribers, or when the router fails (each socket then checks the item itself)."""
        if self.router is None or not self._subs:
            return None
        try:
            return self.router(item)
        except Exception:  # noqa: BLE001 - deliver to all rather than lose the event
            log.exception("routing an event failed; offering it to every socket")
            return None

    def broadcast_resync(self) -> None:
        """Tell every subscriber to re-sync (after a lost LISTEN connection)."""
        self.publish(RESYNC)

    def wake_all(self) -> None:
        """Wake every subscriber's loop in this process now (the worker is stopping)."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.queue.put_nowait(WAKE)
            except queue.Full:
                pass                         # a full queue wakes its loop anyway

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
    router = _app_router(current_app._get_current_object()) if _audience_of is not None else None
    if url.startswith("postgresql"):
        from .pg import PostgresBroker, dsn_from_url
        return PostgresBroker(dsn_from_url(url), queue_size=size, router=router)
    return InProcessBroker(queue_size=size, router=router)


# Who an item may concern (user ids, or None for everyone), set by the realtime package: the
# broker itself knows nothing of teams.
_audience_of = None


def route_with(audience_of) -> None:
    """Install the function that names an item's readers for the brokers made from now on."""
    global _audience_of
    _audience_of = audience_of


def _app_router(app):
    """The router of a broker of `app`: the audience worked out in an app context (the LISTEN
    thread has none)."""
    def route(item):
        with app.app_context():
            return _audience_of(item)
    return route


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


def wake_all() -> None:
    """Wake the sockets of this process's broker, if one was made (never makes one)."""
    broker = _broker
    if broker is not None:
        broker.wake_all()
