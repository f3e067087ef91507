"""gunicorn settings: `gunicorn wsgi:app` picks this file up from the project root.

gthread workers: every open WebSocket holds one worker thread for its lifetime (flask-sock), so
threads are sized for the expected sockets per worker plus headroom for ordinary requests.
Environment: PORT (default 8000), WEB_CONCURRENCY (workers, default: CPU count),
GUNICORN_THREADS (threads per worker, default 200), GUNICORN_ACCESSLOG ("-" for stdout).
Each worker starts its own PostgreSQL LISTEN connection lazily, after the fork.
"""
import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count()))
worker_class = "gthread"
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

    A full collection walks every tracked object (~130,000 once the app has served a few pages)
    and took 40-50 ms with the GIL held, a stall for every request of the worker; frozen objects
    are skipped. Objects made later are collected as usual."""
    import gc
    from sqlalchemy.orm import configure_mappers
    configure_mappers()
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """In the new worker: a fresh broker, and sockets that close promptly when it is stopped."""
    from linear_web.events.broker import set_broker
    from linear_web.realtime.stream import shutting_down
    set_broker(None)
    original = worker.handle_exit

    def handle_exit(sig, frame):
        shutting_down.set()
        original(sig, frame)

    worker.handle_exit = handle_exit
