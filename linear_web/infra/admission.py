"""Admission control: at most N ordinary requests run Python at once in a worker process.

gunicorn's gthread workers need many threads, because every open WebSocket holds one for its
lifetime. Ordinary requests are CPU-bound under the GIL: when dozens run at once in one
process they share it in short slices, and every one of them gets slower (BENCHMARKS.md: the
list fragment's p99 at 16 clients fell several-fold with 4 at a time). Requests beyond N
wait their turn in arrival order. WebSocket upgrades are not counted (they mostly sleep), and
a streamed body (CSV export) is produced after the slot is released.

Slots are handed over directly, first come first served: a finishing request releases the lock
the longest-waiting one sleeps on, and that one owns the slot on waking. (threading.Semaphore
wakes a waiter that must then retake the semaphore's lock, still held by the waker, and under
load that convoy took over half of a cached list hit's GIL time, measured with py-spy --gil; an
unfair queue.SimpleQueue was cheap but let some requests wait 0.5 s while newer ones went first.)
"""
import threading
from collections import deque

SOCKET_PATHS = ("/ws", "/api/v1/ws")


class FifoSlots:
    """A counting semaphore that wakes waiters in arrival order and hands them the slot."""

    def __init__(self, limit: int):
        self._lock = threading.Lock()
        self._free = limit
        self._waiters: deque = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()  # released by release(): the slot is ours

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class AdmissionControl:
    """WSGI middleware holding one of `limit` slots while the app handles a request."""

    def __init__(self, wsgi_app, limit: int):
        self.wsgi_app = wsgi_app
        self.slots = FifoSlots(limit)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in SOCKET_PATHS:
            return self.wsgi_app(environ, start_response)
        self.slots.acquire()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.slots.release()
