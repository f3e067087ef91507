"""Starting the app under gunicorn for the benchmark scripts (loopback only)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"


def recreate_database(server: str, name: str) -> str:
    """Drop and create the benchmark's own database `name` on the PostgreSQL server of `server`
    (a URL of any database there); the URL of the new database."""
    import psycopg2
    conn = psycopg2.connect(server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return server.rsplit("/", 1)[0] + f"/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int) -> list[str]:
    """gunicorn with the repo's gunicorn.conf.py (2 gthread workers of 8 threads without one)."""
    gunicorn = str(ROOT / ".venv/bin/gunicorn")
    if (ROOT / "gunicorn.conf.py").exists():
        return [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    return [gunicorn, "-w", "2", "-k", "gthread", "--threads", "8", "--bind", f"127.0.0.1:{port}", "wsgi:app"]


def start_server(db_url: str, port: int) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port against db_url, once /health answers 200 (at most 30 s)."""
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET, "RATELIMIT_STORAGE_URI": "memory://"}
    proc = subprocess.Popen(gunicorn_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not become healthy within 30 s")
