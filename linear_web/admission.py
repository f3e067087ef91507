"""Admission control: at most N ordinary requests run Python at once in a worker process.

gunicorn's gthread workers need many threads, because every open WebSocket holds one for its
lifetime. Ordinary requests are CPU-bound under the GIL: when dozens run at once in one
process they share it in 5 ms slices, and every one of them gets slower (measured: the list
fragment's p99 at 16 clients fell from ~200 ms to ~40 ms with 4 at a time). Requests beyond N
wait their turn in arrival order. WebSocket upgrades are not counted (they mostly sleep), and
a streamed body (CSV export) is produced after the slot is released.
"""
import threading

SOCKET_PATHS = ("/ws", "/api/v1/ws")


class AdmissionControl:
    """WSGI middleware holding a slot of a bounded semaphore while the app handles a request."""

    def __init__(self, wsgi_app, limit: int):
        self.wsgi_app = wsgi_app
        self.slots = threading.BoundedSemaphore(limit)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in SOCKET_PATHS:
            return self.wsgi_app(environ, start_response)
        with self.slots:
            return self.wsgi_app(environ, start_response)
