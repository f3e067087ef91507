"""The JSON API as integrations use it (issue 13): a mixed workload of 4 member users, 16 clients.

    .venv/bin/python bench/api_mix.py --issues 10000               # writes bench/results-api-mix-10k.md
    .venv/bin/python bench/api_mix.py --issues 100000 --runs 3 --seconds 30
    .venv/bin/python bench/api_mix.py --issues 10000 --reuse       # the database of an earlier --keep
    .venv/bin/python bench/api_mix.py --issues 10000 --sockets 5000 # each run again with 5,000 sockets open

Recreates the PostgreSQL database `lw_bench_mix` (or $BENCH_DB) on --server, applies the
migrations, and through the services makes an owner and 4 member users, who all belong to team
ENG and to team OPS (which stays empty). Starts gunicorn on loopback as the README runs it (the
repo's gunicorn.conf.py: 2 workers here), logs the 4 users in through POST /api/v1/auth/login and
seeds the issues through POST /api/v1/issues, 16 clients at a time; above 10,000 the rest are
COPYed in (as bench/seed_bulk.py does), then VACUUM ANALYZE (autovacuum is off on this machine).

Each run: 16 closed-loop clients (threads with keep-alive connections; client i is user i mod 4)
for --seconds, each request drawn at random from the mix: 50 % filtered list
(`team_id`, one `status`, one `priority`, limit 50), 15 % detail, 10 % search for one word found
in about 1 issue in 20 (team_id, limit 20), 10 % create, 10 % PATCH status of an issue the
client's user created, 5 % dashboard stats of the team. Every run has a new random seed. Reports,
per run and as the median of the runs: requests/s, errors, p50/p95/p99 per operation, and CPU
seconds of gunicorn (master and workers), of PostgreSQL (all its processes) and of this load
generator.
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from api_bench import admin_conn, machine  # noqa: E402
from server import SECRET, free_port, gunicorn_command, start_server  # noqa: E402

DB = os.environ.get("BENCH_DB", "lw_bench_mix")
PASSWORD = "bench-password-1"
OWNER = "mix-owner@example.com"
MEMBERS = [f"mix-member{i}@example.com" for i in range(4)]
WORDS = ("login session export board socket cursor invoice payment retry timeout cache index upload "
         "avatar theme sidebar keyboard shortcut filter sort assignee comment markdown preview").split()
# Each issue carries at most one of these ten words, with probability 1/2: each in about 1 issue in 20.
SEARCH_WORDS = "aurora basalt cobalt dynamo ember falcon glacier harbor indigo juniper".split()
STATUSES = ("backlog", "todo", "in_progress", "done", "canceled")
MIX = (("list", 50), ("detail", 15), ("search", 10), ("create", 10), ("update", 10), ("stats", 5))
NAMES = {"list": "GET /issues?team_id&status&priority", "detail": "GET /issues/{id}",
         "search": "GET /issues/search?q&team_id", "create": "POST /issues",
         "update": "PATCH /issues/{id} status", "stats": "GET /dashboard/stats?team_id"}
SEED_API_MAX = 10_000


# --- database ----------------------------------------------------------------------------------

def recreate_database(server: str) -> str:
    conn = admin_conn(server)
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (DB,))
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        cur.execute(f'CREATE DATABASE "{DB}"')
    conn.close()
    return f"{server.rstrip('/')}/{DB}"


def create_workspace(url: str) -> dict:
    """Migrations, the owner and 4 members in ENG and OPS, through the app's services."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BCRYPT_ROUNDS="4")
    from flask_migrate import upgrade

    from linear_web import create_app
    from linear_web.infra.extensions import db
    from linear_web.services import auth, teams
    app = create_app()
    with app.app_context():
        upgrade()
        owner = auth.signup(OWNER, PASSWORD, "Mix Owner")
        members = [auth.signup(email, PASSWORD, f"Member {i}") for i, email in enumerate(MEMBERS)]
        made = {}
        for key, name in (("ENG", "Engineering"), ("OPS", "Operations")):
            team = teams.create_team(owner, key, name)
            for user in members:
                teams.add_member(owner, team.id, user_id=str(user.id))
            made[key] = str(team.id)
        made["users"] = [str(u.id) for u in members]
        db.session.remove()
        db.engine.dispose()
    return made


def vacuum_analyze(url: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()


def title_and_description(rng: random.Random) -> tuple[str, str]:
    words = rng.sample(WORDS, 4)
    desc = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24)))
    if rng.random() < 0.5:
        marker = rng.choice(SEARCH_WORDS)
        if rng.random() < 0.5:
            words[3] = marker
        else:
            desc += " " + marker
    return f"{words[0].capitalize()} {words[1]} breaks {words[2]} {words[3]}", desc


def copy_rest(url: str, team_id: str, users: list[str], first_number: int, total: int) -> dict[str, list[str]]:
    """COPY issues first_number..total into ENG (PostgreSQL fills the search vector), one `created`
    activity each, as bench/seed_bulk.py does; returns the new ids by creator."""
    rng, now = random.Random(11), datetime.now(timezone.utc)
    by_user: dict[str, list[str]] = {u: [] for u in users}
    issues, acts = io.StringIO(), io.StringIO()
    for number in range(first_number, total + 1):
        iid, creator = str(uuid.uuid4()), rng.choice(users)
        title, desc = title_and_description(rng)
        created = now - timedelta(seconds=rng.randint(3600, 365 * 86400))
        assignee = rng.choice(users) if rng.random() < 0.8 else "\\N"
        issues.write(f"{iid}\t{team_id}\t{number}\t{title}\t{desc}\t{rng.choice(STATUSES)}\t{rng.randint(0, 3)}\t"
                     f"{assignee}\t{creator}\t{-created.timestamp()}\t{created.isoformat()}\t{created.isoformat()}\t1\n")
        acts.write(f"{uuid.uuid4()}\t{iid}\t{creator}\tcreated\t{created.isoformat()}\n")
        by_user[creator].append(iid)
    issues.seek(0)
    acts.seek(0)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.copy_expert("COPY issues (id, team_id, number, title, description, status, priority, assignee_id, "
                        "creator_id, position, created_at, updated_at, version) FROM STDIN", issues)
        cur.copy_expert("COPY activities (id, issue_id, actor_id, action, created_at) FROM STDIN", acts)
        cur.execute("UPDATE teams SET issue_counter = %s WHERE id = %s", (total, team_id))
    conn.close()
    return by_user


# --- HTTP --------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; JSON in and out."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.conn = port, http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    return 599, b""
        return 599, b""


def login(port: int, email: str) -> str:
    status, body = Client(port).call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"login of {email} answered {status}: {body[:200]!r}")
    return json.loads(body)["access_token"]


def seed_through_api(port: int, tokens: list[str], users: list[str], team_id: str, count: int) -> dict[str, list[str]]:
    """POST count issues to team_id, 16 clients at a time; ids by creator."""
    by_user: dict[str, list[str]] = {u: [] for u in users}
    lock, left = threading.Lock(), [count]

    def worker(n: int) -> None:
        rng, client, user = random.Random(1000 + n), Client(port, tokens[n % 4]), users[n % 4]
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            title, desc = title_and_description(rng)
            body = {"team_id": team_id, "title": title, "description": desc, "status": rng.choice(STATUSES),
                    "priority": rng.randint(0, 3), "assignee_id": rng.choice(users)}
            status, data = client.call("POST", "/api/v1/issues", body)
            if status != 201:
                raise SystemExit(f"seeding: POST /api/v1/issues answered {status}: {data[:200]!r}")
            with lock:
                by_user[user].append(json.loads(data)["id"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return by_user


# --- the mix -----------------------------------------------------------------------------------

def drive(port: int, tokens: list[str], users: list[str], team_id: str, own: dict[str, list[str]],
          all_ids: list[str], clients: int, seconds: float, seed: int, mix=MIX) -> tuple[dict, float]:
    kinds, weights = [k for k, _ in mix], [w for _, w in mix]
    latencies: dict[str, list[float]] = {k: [] for k in kinds}
    errors: dict[str, int] = {k: 0 for k in kinds}
    samples: dict[str, bytes] = {}
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        user, conn = users[n % 4], Client(port, tokens[n % 4])
        mine = list(own[user])
        start_gate.wait()
        while time.monotonic() < stop_at[0]:
            kind = rng.choices(kinds, weights)[0]
            if kind == "list":
                req = ("GET", f"/api/v1/issues?team_id={team_id}&status={rng.choice(STATUSES)}"
                              f"&priority={rng.randint(0, 3)}&limit=50", None)
            elif kind == "detail":
                req = ("GET", f"/api/v1/issues/{rng.choice(all_ids)}", None)
            elif kind == "search":
                req = ("GET", f"/api/v1/issues/search?q={rng.choice(SEARCH_WORDS)}&team_id={team_id}&limit=20", None)
            elif kind == "create":
                title, desc = title_and_description(rng)
                req = ("POST", "/api/v1/issues", {"team_id": team_id, "title": title, "description": desc,
                                                  "priority": rng.randint(0, 3)})
            elif kind == "update":
                req = ("PATCH", f"/api/v1/issues/{rng.choice(mine)}", {"status": rng.choice(STATUSES)})
            else:
                req = ("GET", f"/api/v1/dashboard/stats?team_id={team_id}", None)
            began = time.perf_counter()
            status, body = conn.call(*req)
            elapsed = time.perf_counter() - began
            ok = status < 400
            if kind == "create" and status == 201:
                mine.append(json.loads(body)["id"])
            with lock:
                latencies[kind].append(elapsed)
                if not ok:
                    errors[kind] += 1
                    samples.setdefault(kind, f"{status} {body[:160]!r}".encode())

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.monotonic()
    start_gate.wait()
    for t in threads:
        t.join()
    return {"latencies": latencies, "errors": errors, "samples": samples}, time.monotonic() - began


# --- lock waits --------------------------------------------------------------------------------

class LockSampler(threading.Thread):
    """Every 10 ms, how many of the database's backends wait for a lock (pg_stat_activity)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.samples, self.stop = url, [], threading.Event()

    def run(self) -> None:
        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        with conn.cursor() as cur:
            while not self.stop.is_set():
                cur.execute("SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER "
                            "(WHERE state = 'active') FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid()")
                self.samples.append(cur.fetchone())
                time.sleep(0.01)
        conn.close()

    def summary(self) -> dict:
        waiting = [w for w, _ in self.samples]
        active = [a for _, a in self.samples]
        return {"samples": len(waiting), "mean_waiting": statistics.mean(waiting) if waiting else 0.0,
                "share_with_waits": sum(1 for w in waiting if w) / max(len(waiting), 1),
                "mean_active": statistics.mean(active) if active else 0.0}


# --- CPU accounting ----------------------------------------------------------------------------

def _proc_stat(pid: int) -> tuple[str, int, float, float] | None:
    """(comm, ppid, own cpu s, reaped children's cpu s) from /proc/pid/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    tick = os.sysconf("SC_CLK_TCK")
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def cpu_seconds(gunicorn_pid: int) -> dict[str, float]:
    """CPU seconds so far of gunicorn (master and workers), PostgreSQL (postmaster with its live and
    reaped children) and this process."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _proc_stat(int(entry))):
            stats[int(entry)] = st
    pg = sum(own + (reaped if stats.get(ppid, ("",))[0] != "postgres" else 0)
             for pid, (comm, ppid, own, reaped) in stats.items() if comm == "postgres")
    gun = sum(own + reaped for pid, (comm, ppid, own, reaped) in stats.items()
              if pid == gunicorn_pid or ppid == gunicorn_pid) if gunicorn_pid in stats else 0.0
    me = os.times()
    return {"gunicorn": gun, "postgres": pg, "client": me.user + me.system}


# --- report ------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def summarise(result: dict, elapsed: float, cpu: dict[str, float]) -> dict:
    total = sum(len(v) for v in result["latencies"].values())
    ops = {k: {"n": len(v), "p50": pct(v, .5), "p95": pct(v, .95), "p99": pct(v, .99),
               "errors": result["errors"][k]} for k, v in result["latencies"].items()}
    return {"rps": total / elapsed, "requests": total, "errors": sum(result["errors"].values()), "ops": ops,
            "cpu": cpu, "cpu_ms_per_request": {k: v * 1000 / max(total, 1) for k, v in cpu.items()},
            "samples": result["samples"]}


# --- with open sockets (issue 13: 5,000 sockets while the mix keeps >= 90 % of its throughput) --

def open_sockets_beside(args, port: int, url: str, master_pid: int):
    """bench/ws_fanout.py in --attach mode: args.sockets sockets over args.socket_teams new teams,
    one writer changing an issue of the first every 0.5 s for the run; returns once every measured
    socket is subscribed: (process, path of its JSON result)."""
    import subprocess
    import tempfile
    out = tempfile.mktemp(prefix="lw-ws-", suffix=".json")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "ws_fanout.py"), "--attach", str(port),
                             "--db-url", url, "--server-pid", str(master_pid), "--sockets", str(args.sockets),
                             "--teams", str(args.socket_teams), "--events", str(int(args.seconds / 0.5)),
                             "--interval", "0.5", "--json", out], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    for line in proc.stdout:
        if line.strip() == "READY":
            return proc, out
    proc.wait()
    raise SystemExit(f"ws_fanout.py ended before its sockets were ready (exit {proc.returncode})")


def socket_report(plain: list[dict], with_sockets: list[dict], sockets: list[dict], args) -> list[str]:
    med = lambda xs: statistics.median(xs)  # noqa: E731
    ratio = med([w["rps"] / p["rps"] for p, w in zip(plain, with_sockets)])
    lines = ["", f"## With {args.sockets:,} open sockets", "",
             f"Each run above was followed by the same mix with {args.sockets:,} WebSockets open on "
             f"`/api/v1/ws` (bench/ws_fanout.py --attach: {args.socket_teams} new teams, 10 sockets per user), "
             "while a writer changed an issue of the first team every 0.5 s; the delays are those of that "
             "team's sockets (event `at`, stamped before COMMIT, to arrival). The sockets' client is another "
             "process on the same 2 cores.", "",
             f"**Throughput with the sockets open: {med([w['rps'] for w in with_sockets]):.0f} req/s, "
             f"{100 * ratio:.0f} % of the same runs without (median of the pairs)**, errors "
             f"{sum(w['errors'] for w in with_sockets)}", "",
             "| run | req/s without | req/s with | sockets | delivered | stray | delay p50 ms | p99 ms | max ms | "
             "server RSS per socket |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for i, (p, w, k) in enumerate(zip(plain, with_sockets, sockets), 1):
        lines.append(f"| {i} | {p['rps']:.0f} | {w['rps']:.0f} | {k['sockets']} | {k['delivered']}/{k['expected']} | "
                     f"{k['stray']} | {k['p50']:.0f} | {k['p99']:.0f} | {k['max']:.0f} | {k['kib_per_socket']:.0f} KiB |")
    lines += ["", "Per operation with the sockets open (median of the runs):", "",
              "| operation | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|"]
    for kind, _ in args.mix_used:
        lines.append(f"| {NAMES[kind]} | {med([r['ops'][kind]['p50'] for r in with_sockets]):.1f} | "
                     f"{med([r['ops'][kind]['p95'] for r in with_sockets]):.1f} | "
                     f"{med([r['ops'][kind]['p99'] for r in with_sockets]):.1f} |")
    return lines


def report(runs: list[dict], seeds: list[int], args, command: list[str], seeding: str) -> str:
    med = lambda xs: statistics.median(xs)  # noqa: E731
    rps = [r["rps"] for r in runs]
    lines = [f"# API mix at {args.issues:,} issues", "",
             f"Command: `.venv/bin/python bench/api_mix.py --issues {args.issues} --runs {args.runs} "
             f"--seconds {args.seconds:g} --clients {args.clients}"
             + (f" --mix {args.mix}" if args.mix else "")
             + (f" --sockets {args.sockets} --socket-teams {args.socket_teams}" if args.sockets else "") + "`"
             + (f" with `GUNICORN_WORKER_CLASS={os.environ['GUNICORN_WORKER_CLASS']}`"
                if os.environ.get("GUNICORN_WORKER_CLASS") else "") + "  ",
             f"Server: `{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}` (the README's "
             f"gunicorn.conf.py: {os.environ.get('WEB_CONCURRENCY') or os.cpu_count()} workers) on PostgreSQL "
             f"database `{DB}`  ",
             f"Machine: {machine(args.server)}; load generator, gunicorn and PostgreSQL on the same cores  ",
             f"Seeding: {seeding}  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; load average at the end "
             f"{os.getloadavg()[0]:.1f}; run seeds {', '.join(map(str, seeds))}", "",
             f"**Median of {len(runs)} runs: {med(rps):.0f} requests/s** (runs: "
             f"{', '.join(f'{x:.0f}' for x in rps)}), errors {sum(r['errors'] for r in runs)}", "",
             "| operation | share | p50 ms | p95 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
    for kind, share in args.mix_used:
        lines.append(f"| {NAMES[kind]} | {share} % | {med([r['ops'][kind]['p50'] for r in runs]):.1f} | "
                     f"{med([r['ops'][kind]['p95'] for r in runs]):.1f} | "
                     f"{med([r['ops'][kind]['p99'] for r in runs]):.1f} | "
                     f"{sum(r['ops'][kind]['errors'] for r in runs)} |")
    lines += ["", "Lock waits (pg_stat_activity every 10 ms during the runs, median of the runs): "
              f"{med([r['locks']['mean_waiting'] for r in runs]):.2f} backends waiting for a lock on average, "
              f"some waiting in {100 * med([r['locks']['share_with_waits'] for r in runs]):.0f} % of the samples "
              f"(active backends {med([r['locks']['mean_active'] for r in runs]):.1f} on average)."]
    lines += ["", "CPU per request, median of the runs (ms): " + ", ".join(
        f"{k} {med([r['cpu_ms_per_request'][k] for r in runs]):.2f}" for k in ("gunicorn", "postgres", "client")), "",
        "Each run:", "", "| run | seed | req/s | requests | errors | gunicorn CPU s | PostgreSQL CPU s | client CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for i, (r, seed) in enumerate(zip(runs, seeds), 1):
        lines.append(f"| {i} | {seed} | {r['rps']:.0f} | {r['requests']:,} | {r['errors']} | {r['cpu']['gunicorn']:.1f} | "
                     f"{r['cpu']['postgres']:.1f} | {r['cpu']['client']:.1f} |")
    samples = {k: v for r in runs for k, v in r["samples"].items()}
    if samples:
        lines += ["", "First error of each kind: " + "; ".join(f"{k}: {v.decode(errors='replace')}"
                                                             for k, v in samples.items())]
    if args.sockets:
        lines += socket_report(runs, args.with_sockets, args.socket_results, args)
    return "\n".join(lines) + "\n"


# --- the workspace and one measured run (main's steps; bench/webhooks_bench.py calls them too) ---

def state_file() -> Path:
    """Where --keep leaves the workspace's ids for --reuse."""
    return ROOT / "bench" / f".api-mix-{DB}.json"


def open_workspace(args) -> tuple[str, dict]:
    """Before the server starts: the database's URL and its workspace (owner, members, teams),
    made anew, or with --reuse the one a --keep run left."""
    url = f"{args.server.rstrip('/')}/{DB}"
    if not args.reuse:
        return url, create_workspace(recreate_database(args.server))
    return url, json.loads(state_file().read_text())


def seed_workspace(args, port: int, url: str, tokens: list[str], state: dict) -> None:
    """With the server up: seed args.issues issues (unless --reuse) and keep the state for --reuse
    (`own`: ids by creator, `seeding`: how); then VACUUM ANALYZE."""
    if args.reuse:
        vacuum_analyze(url)  # what earlier runs updated: dead rows out, statistics fresh
        return
    users, team_id = state["users"], state["ENG"]
    began = time.monotonic()
    own = seed_through_api(port, tokens, users, team_id, min(args.issues, SEED_API_MAX))
    api_seconds = time.monotonic() - began
    if args.issues > SEED_API_MAX:
        for user, ids in copy_rest(url, team_id, users, SEED_API_MAX + 1, args.issues).items():
            own[user] += ids
    vacuum_analyze(url)
    state.update(own=own, seeding=f"{min(args.issues, SEED_API_MAX):,} issues through POST /api/v1/issues "
                 f"in {api_seconds:.0f} s" + (f", {args.issues - SEED_API_MAX:,} more by COPY"
                                              if args.issues > SEED_API_MAX else "") + ", then VACUUM ANALYZE")
    state_file().write_text(json.dumps(state))


def measured_run(server_pid: int, port: int, url: str, tokens: list[str], state: dict, args, seed: int,
                 mix=MIX) -> dict:
    """One run of the mix (args.clients clients, args.seconds) with its CPU and lock waits."""
    own = state["own"]
    all_ids = [i for ids in own.values() for i in ids]
    before, sampler = cpu_seconds(server_pid), LockSampler(url)
    sampler.start()
    result, elapsed = drive(port, tokens, state["users"], state["ENG"], own, all_ids, args.clients, args.seconds,
                            seed, mix)
    sampler.stop.set()
    sampler.join()
    after = cpu_seconds(server_pid)
    run = summarise(result, elapsed, {k: after[k] - before[k] for k in after})
    run["locks"] = sampler.summary()
    return run


def drop_workspace(server: str) -> None:
    conn = admin_conn(server)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}"')
    conn.close()
    state_file().unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left (no seeding)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--out", help="markdown report (default bench/results-api-mix-<N>.md)")
    parser.add_argument("--mix", help="another mix, e.g. update=100 (writes only), as kind=weight,...")
    parser.add_argument("--sockets", type=int, default=0,
                        help="after each run, run it again with this many WebSockets open (bench/ws_fanout.py)")
    parser.add_argument("--socket-teams", type=int, default=50, help="the sockets' teams (with --sockets)")
    args = parser.parse_args()
    args.with_sockets, args.socket_results = [], []
    mix = MIX if not args.mix else tuple((k, int(w)) for k, w in (part.split("=") for part in args.mix.split(",")))
    args.mix_used = mix
    args.seconds = min(args.seconds, 300)
    label = f"{args.issues // 1000}k" if args.issues % 1000 == 0 else str(args.issues)
    out = Path(args.out or ROOT / "bench" / f"results-api-mix-{label}.md")
    url, state = open_workspace(args)
    port = free_port()
    command = gunicorn_command(port)
    proc = start_server(url, port)
    try:
        tokens = [login(port, email) for email in MEMBERS]
        users, team_id = state["users"], state["ENG"]
        seed_workspace(args, port, url, tokens, state)
        own = state["own"]
        all_ids = [i for ids in own.values() for i in ids]
        drive(port, tokens, users, team_id, own, all_ids, args.clients, 5, seed=1, mix=mix)  # warm-up
        runs, seeds = [], []
        for _ in range(args.runs):
            seed = random.SystemRandom().randrange(10**6)
            runs.append(measured_run(proc.pid, port, url, tokens, state, args, seed, mix))
            seeds.append(seed)
            print(f"run {len(runs)}: {runs[-1]['rps']:.0f} req/s, errors {runs[-1]['errors']}", flush=True)
            if args.sockets:
                sockets, result_path = open_sockets_beside(args, port, url, proc.pid)
                before = cpu_seconds(proc.pid)
                result, elapsed = drive(port, tokens, users, team_id, own, all_ids, args.clients, args.seconds,
                                        seed, mix)
                after = cpu_seconds(proc.pid)
                args.with_sockets.append(summarise(result, elapsed, {k: after[k] - before[k] for k in after}))
                sockets.wait(timeout=300)
                args.socket_results.append(json.loads(Path(result_path).read_text())[0])
                print(f"  with {args.sockets} sockets: {args.with_sockets[-1]['rps']:.0f} req/s, delivery p99 "
                      f"{args.socket_results[-1]['p99']:.0f} ms", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if not args.keep and not args.reuse:
            drop_workspace(args.server)
    text = report(runs, seeds, args, command, state["seeding"])
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
