"""Fan-out benchmark: N sockets on /api/v1/ws, one writer changing issues through the API.

Starts gunicorn with the repo's gunicorn.conf.py (2 gthread workers) on a fresh PostgreSQL
database, opens N sockets (asyncio client, one process), then PATCHes one issue every
--interval seconds and measures, for every (event, socket), the delay from the event's `at`
(stamped in the writing transaction, just before COMMIT) to its arrival. Also reports the
server's memory per open socket (RSS of master + workers, before vs. after connecting).

    .venv/bin/python bench/ws_fanout.py              # quick: 200 sockets
    .venv/bin/python bench/ws_fanout.py --full       # 1,000 sockets
Writes bench/results-realtime.md (use --out to write elsewhere). Loopback only; every loop is
bounded by count and time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg2
import requests
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from server import SECRET, free_port  # noqa: E402


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))


def fresh_database(admin_url: str, name: str) -> str:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def seed(db_url: str, users: int) -> tuple[str, str, list[str]]:
    """Migrate, then one team with `users` members and one issue: (writer token, issue id, tokens)."""
    os.environ.update({"DATABASE_URL": db_url, "SECRET_KEY": SECRET})
    from flask_migrate import upgrade

    from linear_web import create_app
    from linear_web.infra.extensions import db
    from linear_web.models import Membership, User
    from linear_web.services import issues, teams
    from linear_web.services.tokens import issue_access_token
    app = create_app()
    with app.app_context():
        upgrade()
        people = [User(email=f"bench{k}@example.com", name=f"Bench {k}", password_hash="!") for k in range(users)]
        db.session.add_all(people)
        db.session.commit()
        team = teams.create_team(people[0], "BENCH", "Bench", "")
        db.session.add_all(Membership(team_id=team.id, user_id=u.id, role="member") for u in people[1:])
        db.session.commit()
        issue = issues.create_issue(people[0], team.id, {"title": "warm start"})
        tokens = [issue_access_token(u)[0] for u in people]
        return tokens[0], str(issue.id), tokens


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def server_pids(master: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master] + [int(p) for p in children]


def start_gunicorn(db_url: str, port: int, sockets: int, workers: int) -> subprocess.Popen:
    # Each socket holds a thread, and the kernel does not spread connections evenly over the
    # workers: size every worker for all the sockets, plus room for requests.
    threads = sockets + 64
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET, "WEB_CONCURRENCY": str(workers),
           "GUNICORN_THREADS": str(threads), "WS_MAX_PER_USER": "20", "GUNICORN_LOGLEVEL": "warning",
           "INSTANCE_PATH": tempfile.mkdtemp(prefix="lw-bench-")}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                             "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


async def open_sockets(url: str, tokens: list[str], n: int) -> list:
    gate = asyncio.Semaphore(50)

    async def one(k: int):
        async with gate:
            return await connect(f"{url}?token={tokens[k % len(tokens)]}", open_timeout=60, proxy=None,
                                 max_queue=None)
    return await asyncio.gather(*(one(k) for k in range(n)))


async def reader(index: int, ws, delays: list[float], seen: dict, warm: set, state: dict) -> None:
    """Record each change's delay; `seen[k]` counts sockets that got change k, `warm` who got any warm-up."""
    while time.time() < state["stop"]:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, state["stop"] - time.time()))
        except (asyncio.TimeoutError, TimeoutError):
            continue
        arrived = time.time()
        msg = json.loads(raw)
        label, number = msg["issue"]["title"].split()
        if label == "warm":
            warm.add(index)
            continue
        k = int(number)
        seen[k] = seen.get(k, 0) + 1
        delay = arrived - datetime.fromisoformat(msg["at"]).timestamp()
        delays.append(delay)
        state.setdefault("first", {})
        state["first"][k] = min(delay, state["first"].get(k, delay))


def patch(base: str, token: str, issue_id: str, title: str) -> float:
    started = time.monotonic()
    r = requests.patch(f"{base}/api/v1/issues/{issue_id}", json={"title": title},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    return time.monotonic() - started


async def run(args) -> dict:
    admin = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    db_url = fresh_database(admin, "lw_bench_ws")
    writer, issue_id, tokens = seed(db_url, users=max(1, args.sockets // 10))
    port = free_port()
    proc = start_gunicorn(db_url, port, args.sockets, args.workers)
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/api/v1/ws"
    try:
        time.sleep(1.0)
        idle = rss_kib(server_pids(proc.pid))
        t = time.monotonic()
        socks = await open_sockets(ws_url, tokens, args.sockets)
        connect_s = time.monotonic() - t
        await asyncio.sleep(2.0)
        busy = rss_kib(server_pids(proc.pid))
        delays: list[float] = []
        seen: dict[int, int] = {}
        warm: set[int] = set()
        state = {"stop": time.time() + 60}
        readers = [asyncio.create_task(reader(i, ws, delays, seen, warm, state)) for i, ws in enumerate(socks)]
        loop = asyncio.get_running_loop()
        for i in range(30):                    # warm-up until every socket is subscribed
            await loop.run_in_executor(None, patch, base, writer, issue_id, f"warm {i}")
            await asyncio.sleep(1.0)
            if len(warm) >= args.sockets:
                break
        state["stop"] = time.time() + 15 + args.events * args.interval
        writes = []
        for k in range(1, args.events + 1):
            writes.append(await loop.run_in_executor(None, patch, base, writer, issue_id, f"bench {k}"))
            await asyncio.sleep(args.interval)
        while time.time() < state["stop"] and sum(seen.values()) < args.events * args.sockets:
            await asyncio.sleep(0.2)
        state["stop"] = 0
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in socks), return_exceptions=True)
    finally:
        proc.terminate()
        proc.wait(30)
    delays.sort()
    firsts = sorted(state.get("first", {}).values())
    expected = args.events * args.sockets
    pct = (lambda p: delays[min(len(delays) - 1, int(p * len(delays)))] * 1000) if delays else (lambda p: float("nan"))
    return {"warm": len(warm), "sockets": args.sockets, "events": args.events, "delivered": len(delays), "expected": expected,
            "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": delays[-1] * 1000 if delays else float("nan"),
            "mean": statistics.mean(delays) * 1000 if delays else float("nan"),
            "rss_idle_mib": idle / 1024, "rss_busy_mib": busy / 1024,
            "kib_per_socket": (busy - idle) / args.sockets, "connect_s": connect_s,
            "write_p50": statistics.median(writes) * 1000 if writes else float("nan"),
            "first_p50": statistics.median(firsts) * 1000 if firsts else float("nan"),
            "first_max": firsts[-1] * 1000 if firsts else float("nan")}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 / 1024
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.1f} GiB RAM, Python {platform.python_version()}"


def report(args, rows: list[dict], load: tuple) -> str:
    lines = ["# Live events fan-out benchmark", "",
             f"Command: `.venv/bin/python bench/ws_fanout.py {' '.join(sys.argv[1:])}`  ",
             f"Server: `gunicorn -c gunicorn.conf.py wsgi:app` — {args.workers} gthread workers, "
             f"GUNICORN_THREADS = sockets + 64, PostgreSQL LISTEN/NOTIFY fan-out  ",
             f"Machine: {machine()}  ",
             f"Load average before / after: {load[0]:.1f} / {load[1]:.1f} (2 cores shared with other work)  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"One writer PATCHes one issue through the API every {args.interval}s ({args.events} changes); every "
             "socket is a member of the issue's team (JWT in the query). Delay = arrival at the client minus "
             "the event's `at` (stamped in the writing transaction just before COMMIT), so it covers commit, "
             "NOTIFY, the listener, the per-process load of the event, and the send.", "",
             "| sockets | delivered | p50 ms | p90 ms | p99 ms | max ms | first socket p50 / max ms | server RSS idle → with sockets | per socket | writer PATCH p50 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['sockets']} | {r['delivered']}/{r['expected']} | {r['p50']:.1f} | {r['p90']:.1f} | "
                     f"{r['p99']:.1f} | {r['max']:.1f} | {r['first_p50']:.1f} / {r['first_max']:.1f} | {r['rss_idle_mib']:.0f} → {r['rss_busy_mib']:.0f} MiB | "
                     f"{r['kib_per_socket']:.0f} KiB | {r['write_p50']:.0f} ms |")
    lines += ["", "How to read it: each socket holds one gthread thread (plus simple-websocket's reader thread) "
              "and waits on its own bounded queue without a DB connection. Per process, the LISTEN thread puts "
              "each event in every queue; the first socket thread to look at it loads it once (team members, "
              "the issue, the API JSON) and the others reuse that without taking a lock. Two things were worth "
              "a lot: declining permessage-deflate (a zlib context per socket made p99 ~350 ms at 200 sockets) "
              "and not serialising the socket threads on the per-event lock once loaded (p99 ~700 ms → ~200 ms "
              "at 1,000). The client (one asyncio process decoding every message) shares the 2 cores with "
              "gunicorn and PostgreSQL, so the numbers include its queueing; compare runs at a similar load "
              "average. Memory per socket is the server's RSS growth divided by the sockets (threads, buffers, "
              "queues)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--full", action="store_true", help="1,000 sockets")
    parser.add_argument("--sizes", help="several runs, e.g. 200,1000 (one table row each)")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-realtime.md"))
    args = parser.parse_args()
    if args.full:
        args.sockets = 1000
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [args.sockets]
    raise_fd_limit(max(sizes) * 4 + 256)
    before, rows = os.getloadavg()[0], []
    for n in sizes:
        args.sockets = n
        rows.append(asyncio.run(run(args)))
    text = report(args, rows, (before, os.getloadavg()[0]))
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
