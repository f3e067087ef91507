"""gunicorn settings: `gunicorn wsgi:app` picks this file up from the project root.

Worker class (GUNICORN_WORKER_CLASS; linear_web.config.server_worker_class):
- gevent on PostgreSQL: every request and every open WebSocket is a greenlet, so a worker holds
  thousands of sockets (GUNICORN_CONNECTIONS, default 10000 per worker) at a few tens of KiB
  each. psycopg2 is made cooperative (psycogreen) so a query waits without blocking the worker.
- gthread on SQLite (one process): every open WebSocket holds one worker thread for its lifetime
  (flask-sock), so GUNICORN_THREADS (default 200) is sized for the sockets plus requests.
Environment: HOST (default 0.0.0.0) and PORT (default 8000), WEB_CONCURRENCY (workers, default
one on SQLite, the CPU count on PostgreSQL; several on SQLite are refused), GUNICORN_ACCESSLOG
("-" for stdout), GUNICORN_LOGLEVEL. Each worker starts its own PostgreSQL LISTEN connection
lazily, after the fork.
"""
import os

from linear_web.config import server_bind, server_worker_class, server_workers

bind = server_bind()
workers = server_workers()
worker_class = server_worker_class()
if worker_class == "gevent":
    worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "10000"))
else:
    threads = int(os.environ.get("GUNICORN_THREADS", "200"))
    # gthread counts kept-alive connections too: room for every socket thread plus idle clients.
    worker_connections = max(1000, threads * 2)
keepalive = 5
timeout = 60                 # worker heartbeat (the main loop), not a limit on socket lifetime
graceful_timeout = 15        # sockets are told to reconnect (1012) as soon as a stop begins
preload_app = False          # each worker imports the app (and opens its connections) itself
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def post_worker_init(worker):
    """The app is loaded: move its objects out of the garbage collector's sight (gc.freeze).

    A full collection walks every tracked object with the GIL held, a stall for every request of
    the worker (BENCHMARKS.md); frozen objects are skipped. Objects made later are collected as usual."""
    import gc
    from sqlalchemy.orm import configure_mappers
    configure_mappers()
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """In the new worker: psycopg2 cooperative under gevent, a fresh broker, and sockets that
    close promptly when it is stopped."""
    if worker_class == "gevent":
        from psycogreen.gevent import patch_psycopg
        patch_psycopg()
    from linear_web.events.broker import set_broker
    from linear_web.realtime.stream import begin_shutdown
    set_broker(None)
    original = worker.handle_exit

    def handle_exit(sig, frame):
        begin_shutdown()
        original(sig, frame)

    worker.handle_exit = handle_exit
