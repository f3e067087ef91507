"""Fan-out benchmark: N sockets on /api/v1/ws, one writer changing issues through the API.

Starts gunicorn with the repo's gunicorn.conf.py (2 workers) on a fresh PostgreSQL
database, opens N sockets (asyncio client, one process), then PATCHes one issue every
--interval seconds and measures, for every (event, socket), the delay from the event's `at`
(stamped in the writing transaction, just before COMMIT) to its arrival. Also reports the
server's memory per open socket (RSS of master + workers, before vs. after connecting).

    .venv/bin/python bench/ws_fanout.py              # quick: 200 sockets
    .venv/bin/python bench/ws_fanout.py --full       # 1,000 sockets
    .venv/bin/python bench/ws_fanout.py --sockets 5000 --teams 50   # 100 sockets a team
    GUNICORN_WORKER_CLASS=gthread .venv/bin/python bench/ws_fanout.py --full   # the thread-per-socket worker
bench/api_mix.py --sockets N runs this in --attach mode beside the API mix.
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
import uuid
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


def seed(db_url: str, users: int, teams: int = 1, prefix: str = "W") -> tuple[str, str, list[list[str]]]:
    """Migrate, then `teams` teams of `users` members each (new users), and one issue in the first:
    (writer token, that issue's id, each team's member tokens)."""
    os.environ.update({"DATABASE_URL": db_url, "SECRET_KEY": SECRET})
    from flask_migrate import upgrade

    from linear_web import create_app
    from linear_web.infra.extensions import db
    from linear_web.models import Membership, User
    from linear_web.services import issues, teams as team_service
    from linear_web.services.tokens import issue_access_token
    app = create_app()
    run_id = uuid.uuid4().hex[:8]
    with app.app_context():
        upgrade()
        tokens, first_issue, writer = [], None, None
        for t in range(teams):
            people = [User(email=f"ws-{run_id}-{t}-{k}@example.com", name=f"Socket {t}.{k}",
                           handle=f"ws-{run_id}-{t}-{k}", password_hash="!") for k in range(users)]
            db.session.add_all(people)
            db.session.commit()
            key = f"{prefix}{run_id[:3].upper()}{t:04d}"
            team = team_service.create_team(people[0], key, f"Sockets {t}", "")
            db.session.add_all(Membership(team_id=team.id, user_id=u.id, role="member") for u in people[1:])
            db.session.commit()
            if t == 0:
                first_issue = issues.create_issue(people[0], team.id, {"title": "warm start"})
                writer = issue_access_token(people[0])[0]
            tokens.append([issue_access_token(u)[0] for u in people])
        return writer, str(first_issue.id), tokens


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
    # gthread (GUNICORN_WORKER_CLASS=gthread): each socket holds a thread, and the kernel does not
    # spread connections evenly over the workers, so every worker is sized for all the sockets.
    threads = sockets + 64
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET, "WEB_CONCURRENCY": str(workers),
           "GUNICORN_THREADS": str(threads), "GUNICORN_CONNECTIONS": str(sockets + 1000),
           "WS_MAX_PER_USER": "20", "GUNICORN_LOGLEVEL": "warning",
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


async def open_sockets(url: str, tokens: list[str]) -> list:
    """One socket per token (a token may come several times)."""
    gate = asyncio.Semaphore(50)

    async def one(token: str):
        async with gate:
            return await connect(f"{url}?token={token}", open_timeout=120, proxy=None, max_queue=None)
    return await asyncio.gather(*(one(token) for token in tokens))


async def reader(index: int, ws, delays: list[float], seen: dict, warm: set, state: dict) -> None:
    """Record each change's delay; `seen[k]` counts sockets that got change k, `warm` who got any
    warm-up. A socket of another team (index < 0) should get nothing: what it gets is `stray`."""
    while time.time() < state["stop"]:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, state["stop"] - time.time()))
        except (asyncio.TimeoutError, TimeoutError):
            continue
        arrived = time.time()
        if index < 0:
            state["stray"] = state.get("stray", 0) + 1
            continue
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


def socket_tokens(tokens: list[list[str]], sockets: int) -> list[tuple[int, str]]:
    """(team, token) of each socket: the sockets spread evenly over the teams, and within a team
    over its members."""
    out = []
    for k in range(sockets):
        team = tokens[k % len(tokens)]
        out.append((k % len(tokens), team[(k // len(tokens)) % len(team)]))
    return out


async def run(args) -> dict:
    if args.attach:
        db_url, port, master, proc = args.db_url, args.attach, args.server_pid, None
    else:
        admin = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        db_url = fresh_database(admin, "lw_bench_ws")
    per_team = -(-args.sockets // args.teams)          # sockets of one team
    writer, issue_id, tokens = seed(db_url, users=max(1, per_team // 10), teams=args.teams)
    if not args.attach:
        port = free_port()
        proc = start_gunicorn(db_url, port, args.sockets, args.workers)
        master = proc.pid
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/api/v1/ws"
    assigned = socket_tokens(tokens, args.sockets)
    measured = sum(1 for team, _ in assigned if team == 0)
    try:
        time.sleep(1.0)
        idle = rss_kib(server_pids(master))
        t = time.monotonic()
        socks = await open_sockets(ws_url, [token for _, token in assigned])
        connect_s = time.monotonic() - t
        await asyncio.sleep(2.0)
        busy = rss_kib(server_pids(master))
        delays: list[float] = []
        seen: dict[int, int] = {}
        warm: set[int] = set()
        state = {"stop": time.time() + 120}
        readers = [asyncio.create_task(reader(i if assigned[i][0] == 0 else -1, ws, delays, seen, warm, state))
                   for i, ws in enumerate(socks)]
        loop = asyncio.get_running_loop()
        for i in range(60):                    # warm-up until every measured socket is subscribed
            await loop.run_in_executor(None, patch, base, writer, issue_id, f"warm {i}")
            await asyncio.sleep(1.0)
            if len(warm) >= measured:
                break
        if args.attach:
            print("READY", flush=True)         # the caller starts its load now
        state["stop"] = time.time() + 15 + args.events * args.interval
        writes = []
        for k in range(1, args.events + 1):
            writes.append(await loop.run_in_executor(None, patch, base, writer, issue_id, f"bench {k}"))
            await asyncio.sleep(args.interval)
        while time.time() < state["stop"] and sum(seen.values()) < args.events * measured:
            await asyncio.sleep(0.2)
        state["stop"] = 0
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in socks), return_exceptions=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    delays.sort()
    firsts = sorted(state.get("first", {}).values())
    expected = args.events * measured
    pct = (lambda p: delays[min(len(delays) - 1, int(p * len(delays)))] * 1000) if delays else (lambda p: float("nan"))
    return {"warm": len(warm), "sockets": args.sockets, "teams": args.teams, "measured": measured,
            "stray": state.get("stray", 0), "events": args.events, "delivered": len(delays), "expected": expected,
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


def worker_class() -> str:
    return os.environ.get("GUNICORN_WORKER_CLASS") or "gevent"


def report(args, rows: list[dict], load: tuple) -> str:
    lines = ["# Live events fan-out benchmark", "",
             f"Command: `.venv/bin/python bench/ws_fanout.py {' '.join(sys.argv[1:])}`"
             + (f" with `GUNICORN_WORKER_CLASS={os.environ['GUNICORN_WORKER_CLASS']}`"
                if os.environ.get("GUNICORN_WORKER_CLASS") else "") + "  ",
             f"Server: `gunicorn -c gunicorn.conf.py wsgi:app` — {args.workers} {worker_class()} workers"
             + (", GUNICORN_THREADS = sockets + 64" if worker_class() == "gthread" else "")
             + ", PostgreSQL LISTEN/NOTIFY fan-out  ",
             f"Machine: {machine()}  ",
             f"Load average before / after: {load[0]:.1f} / {load[1]:.1f} (2 cores shared with other work)  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"The sockets (JWT in the query) spread evenly over {args.teams} team(s) of new users. One writer "
             f"PATCHes one issue of the first team through the API every {args.interval}s ({args.events} "
             "changes); the first team's sockets are measured, the others must receive nothing ('stray'). "
             "Delay = arrival at the client minus the event's `at` (stamped in the writing transaction just "
             "before COMMIT), so it covers commit, NOTIFY, the listener, the per-process load of the event, "
             "and the send.", "",
             "| sockets | teams | measured sockets | delivered | stray | p50 ms | p90 ms | p99 ms | max ms | "
             "server RSS idle → with sockets | per socket | connect s | writer PATCH p50 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['sockets']} | {r['teams']} | {r['measured']} | {r['delivered']}/{r['expected']} | "
                     f"{r['stray']} | {r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
                     f"{r['rss_idle_mib']:.0f} → {r['rss_busy_mib']:.0f} MiB | {r['kib_per_socket']:.0f} KiB | "
                     f"{r['connect_s']:.1f} | {r['write_p50']:.0f} ms |")
    lines += ["", "How to read it: under gevent each socket is two greenlets (flask-sock's handler and "
              "simple-websocket's reader) waiting on its own bounded queue without a DB connection; under "
              "gthread they are two threads. Per process, the LISTEN connection's loop loads each event once "
              "(team members, the issue, the API JSON) and offers it only to the queues of the sockets of those "
              "members. The client (one asyncio process decoding every message) shares the 2 cores with "
              "gunicorn and PostgreSQL, so the numbers include its queueing. Memory per socket is the server's "
              "RSS growth divided by the sockets (greenlets or threads, buffers, queues)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--full", action="store_true", help="1,000 sockets")
    parser.add_argument("--sizes", help="several runs, e.g. 200,1000 (one table row each)")
    parser.add_argument("--teams", type=int, default=1, help="spread the sockets over this many teams")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--attach", type=int, help="port of a running server (with --db-url, --server-pid)")
    parser.add_argument("--db-url", help="its database (new teams and users are added to it)")
    parser.add_argument("--server-pid", type=int, help="its gunicorn master (for RSS)")
    parser.add_argument("--json", help="also write the result rows as JSON here")
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
    if args.json:
        Path(args.json).write_text(json.dumps(rows))
    if args.attach:
        return
    text = report(args, rows, (before, os.getloadavg()[0]))
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
