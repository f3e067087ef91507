"""Per-process fan-out of events into subscriber queues."""
from __future__ import annotations

import logging
import queue
import threading

log = logging.getLogger(__name__)


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

    def subscribe(self) -> Subscription:
        sub = Subscription(self.queue_size)
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
        self.publish("RESYNC")

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subs)


_broker = None
_broker_lock = threading.Lock()


def get_broker():
    """This process's broker, created lazily (after a gunicorn fork)."""
    global _broker
    with _broker_lock:
        if _broker is None:
            _broker = InProcessBroker()
        return _broker


def set_broker(broker) -> None:
    global _broker
    with _broker_lock:
        _broker = broker
