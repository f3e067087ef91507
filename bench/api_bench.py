"""JSON API benchmark: a mixed workload over 10,000 issues on PostgreSQL, 16 concurrent clients.

    .venv/bin/python bench/api_bench.py                     # writes bench/results-api.md
    .venv/bin/python bench/api_bench.py --seconds 60 --clients 16 --issues 10000 --keep

Recreates the database `lw_bench_api` on --server, applies the migrations, creates a bench user in
two teams (ENG 80 %, DES 20 %) through the services and COPYs the issues. Starts gunicorn on
loopback (the repo's gunicorn.conf.py if present, else `-w 2 -k gthread --threads 8`), logs in
through POST /api/v1/auth/login and runs the mix for a bounded time with Python client threads:
50 % filtered list, 15 % detail, 10 % search, 10 % create, 10 % status update, 5 % dashboard
stats (skipped with a note when the endpoint is not registered). Reports throughput and p50/p99
per endpoint. Everything it starts is stopped at the end; the database is dropped unless --keep.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import random
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from server import SECRET, free_port, gunicorn_command, start_server  # noqa: E402

DB = "lw_bench_api"
EMAIL, PASSWORD = "api-bench@example.com", "bench-password-1"
WORDS = ("login session export board search socket cursor invoice payment webhook retry timeout cache index "
         "migration upload avatar theme sidebar keyboard shortcut filter sort priority status assignee project "
         "comment markdown preview attachment dashboard stats csv pagination race deadlock memory latency").split()
STATUSES = ("backlog", "todo", "in_progress", "done", "canceled")
NOTES = """How to read it: every request pays a fixed part — pool pre-ping, the token's user, and (with a
team_id/project_id filter) the membership check that turns an outsider's filter into 404 — then its own
statements: a filtered page is one keyset query with assignee/project/team joined (no N+1; see
tests/api/test_issues.py), a detail adds three selectin loads, search one ranked tsvector query, a create
takes the team's counter row lock, an update writes the issue and one activity row. The client threads,
gunicorn and PostgreSQL share the same 2 cores here, so absolute numbers are a floor; compare runs made at
a similar load average."""
MIX = (("list", 50), ("detail", 15), ("search", 10), ("create", 10), ("update", 10), ("stats", 5))


def admin_conn(server: str):
    conn = psycopg2.connect(server.rstrip("/") + "/postgres")
    conn.autocommit = True
    return conn


def recreate_database(server: str) -> str:
    drop_database(server)
    conn = admin_conn(server)
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{DB}"')
    conn.close()
    return f"{server.rstrip('/')}/{DB}"


def drop_database(server: str) -> None:
    conn = admin_conn(server)
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (DB,))
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}"')
    conn.close()


def create_workspace(url: str) -> tuple[list, list[str]]:
    """Migrations, users, teams and projects through the app's services (rules hold)."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BCRYPT_ROUNDS="4")
    from flask_migrate import upgrade

    from linear_web import create_app
    from linear_web.infra.extensions import db
    from linear_web.services import auth, projects, teams
    app = create_app()
    with app.app_context():
        upgrade()
        bench = auth.signup(EMAIL, PASSWORD, "API Bench")
        others = [auth.signup(f"api-dev{i}@example.com", PASSWORD, f"Developer {i}") for i in range(7)]
        made = []
        for key, name, share in (("ENG", "Engineering", 0.8), ("DES", "Design", 0.2)):
            team = teams.create_team(bench, key, name)
            for user in others:
                teams.add_member(bench, team.id, user_id=str(user.id))
            pids = [str(projects.create_project(bench, team.id, f"{name} {i}").id) for i in range(5)]
            made.append((str(team.id), key, share, pids))
        users = [str(bench.id)] + [str(u.id) for u in others]
        db.session.remove()
        db.engine.dispose()
    return made, users


def copy_issues(url: str, teams: list, users: list[str], total: int) -> None:
    """COPY the issues (PostgreSQL fills the search vector) and one `created` activity each."""
    rng, now = random.Random(7), datetime.now(timezone.utc)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        for team_id, _key, share, pids in teams:
            count = round(total * share)
            issues, acts = io.StringIO(), io.StringIO()
            for number in range(1, count + 1):
                iid, w = uuid.uuid4(), rng.sample(WORDS, 4)
                created = now - timedelta(seconds=rng.randint(60, 365 * 86400))
                desc = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
                project = rng.choice(pids) if rng.random() < 0.7 else "\\N"
                assignee = rng.choice(users) if rng.random() < 0.8 else "\\N"
                issues.write(f"{iid}\t{team_id}\t{number}\t{w[0].capitalize()} {w[1]} breaks {w[2]} {w[3]}\t{desc}\t"
                             f"{rng.choice(STATUSES)}\t{rng.randint(0, 3)}\t{project}\t{assignee}\t{users[0]}\t"
                             f"{-created.timestamp()}\t{created.isoformat()}\t{created.isoformat()}\t1\n")
                acts.write(f"{uuid.uuid4()}\t{iid}\t{users[0]}\tcreated\t{created.isoformat()}\n")
            issues.seek(0)
            acts.seek(0)
            cur.copy_expert("COPY issues (id, team_id, number, title, description, status, priority, project_id, "
                            "assignee_id, creator_id, position, created_at, updated_at, version) FROM STDIN", issues)
            cur.copy_expert("COPY activities (id, issue_id, actor_id, action, created_at) FROM STDIN", acts)
            cur.execute("UPDATE teams SET issue_counter = %s WHERE id = %s", (count, team_id))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()


class Workload:
    """Builds one request of each kind; ids come from the seeded teams."""

    def __init__(self, base: str, token: str, teams: list, users: list[str], with_stats: bool):
        self.base, self.teams, self.users = base, teams, users
        self.headers = {"Authorization": f"Bearer {token}"}
        self.mix = [(k, w) for k, w in MIX if with_stats or k != "stats"]

    def pick(self, rng: random.Random) -> str:
        return rng.choices([k for k, _ in self.mix], weights=[w for _, w in self.mix])[0]

    def request(self, kind: str, rng: random.Random) -> tuple[str, str, dict | None]:
        team_id, key, share, pids = self.teams[0] if rng.random() < 0.8 else self.teams[1]
        count = round(10_000 * share)
        if kind == "list":
            params = rng.choice([f"status={rng.choice(STATUSES)}", f"priority={rng.randint(0, 3)}&sort=priority",
                                 "assignee_id=me", f"project_id={rng.choice(pids)}", "sort=-updated_at",
                                 f"status=todo&status=in_progress&priority={rng.randint(1, 3)}"])
            return "GET", f"/api/v1/issues?team_id={team_id}&limit=50&{params}", None
        if kind == "detail":
            return "GET", f"/api/v1/issues/{key}-{rng.randint(1, count)}", None
        if kind == "search":
            return "GET", f"/api/v1/issues/search?q={'+'.join(rng.sample(WORDS, rng.randint(1, 2)))}", None
        if kind == "create":
            return "POST", "/api/v1/issues", {"team_id": team_id, "title": f"Bench {rng.choice(WORDS)} {rng.random()}",
                                              "priority": rng.randint(0, 3)}
        if kind == "update":
            return "PATCH", f"/api/v1/issues/{key}-{rng.randint(1, count)}", {"status": rng.choice(STATUSES)}
        return "GET", f"/api/v1/dashboard/stats?team_id={team_id}", None


def drive(work: Workload, clients: int, seconds: float) -> tuple[dict, float]:
    """`clients` threads send requests back to back until the time is up; latencies per kind."""
    results: dict[str, list] = {k: [] for k, _ in work.mix}
    errors: dict[str, int] = {k: 0 for k, _ in work.mix}
    lock, stop_at = threading.Lock(), time.monotonic() + seconds

    def client(n: int) -> None:
        rng, session = random.Random(n), requests.Session()
        session.headers.update(work.headers)
        while time.monotonic() < stop_at:
            kind = work.pick(rng)
            method, path, body = work.request(kind, rng)
            started = time.perf_counter()
            try:
                resp = session.request(method, work.base + path, json=body, timeout=30)
                ok = resp.status_code < 400 or (kind == "update" and resp.status_code == 409)
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                results[kind].append(elapsed)
                errors[kind] += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {k: (v, errors[k]) for k, v in results.items()}, time.monotonic() - began


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def machine(server: str) -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    conn = admin_conn(server)
    with conn.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    conn.close()
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.1f} GiB RAM, Python {platform.python_version()}, PostgreSQL {pg}"


def report(results: dict, single: dict, elapsed: float, args, command: list[str], note: str, server: str) -> str:
    total = sum(len(v) for v, _ in results.values())
    lines = ["# API benchmark", "", f"Command: `.venv/bin/python bench/api_bench.py --seconds {args.seconds} "
             f"--clients {args.clients} --issues {args.issues}`  ", f"Server: `{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}` "
             f"on PostgreSQL database `{DB}` ({args.issues:,} issues)  ", f"Machine: {machine(server)}  ",
             f"Load: {args.clients} client threads in one Python process on the same machine, requests back to back "
             f"for {elapsed:.0f} s (no think time); the last column comes from a single client run "
             f"just before, for {min(10.0, args.seconds):.0f} s.  ",
             f"Load average before / after: {args.load_before} / {os.getloadavg()[0]:.1f} (the 2 cores are shared with "
             "other work: compare runs only at similar load).  ", f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"**Throughput: {total / elapsed:.0f} requests/s** ({total:,} requests)", "",
             "| endpoint | share | requests | req/s | p50 ms | p99 ms | errors | p50 ms, 1 client |",
             "|---|---|---|---|---|---|---|---|"]
    names = {"list": "GET /issues (filtered)", "detail": "GET /issues/{id}", "search": "GET /issues/search",
             "create": "POST /issues", "update": "PATCH /issues/{id} status", "stats": "GET /dashboard/stats"}
    for kind, (values, errs) in results.items():
        lines.append(f"| {names[kind]} | {dict(MIX)[kind]} % | {len(values):,} | {len(values) / elapsed:.1f} | "
                     f"{percentile(values, 0.50):.1f} | {percentile(values, 0.99):.1f} | {errs} | "
                     f"{percentile(single[kind][0], 0.50):.1f} |")
    if note:
        lines += ["", note]
    lines += ["", "Errors count responses ≥ 400 other than 409 on a concurrent status update (an expected "
              "optimistic-lock outcome when two clients touch the same issue).", "", NOTES]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the lw_bench_api database afterwards")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-api.md"))
    args = parser.parse_args()
    args.seconds = min(args.seconds, 300)  # bounded, whatever is asked
    args.load_before = f"{os.getloadavg()[0]:.1f}"
    url = recreate_database(args.server)
    teams, users = create_workspace(url)
    copy_issues(url, teams, users, args.issues)
    port = free_port()
    command = gunicorn_command(port)
    proc = start_server(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = requests.post(f"{base}/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD},
                              timeout=10).json()["access_token"]
        probe = requests.get(f"{base}/api/v1/dashboard/stats", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        with_stats = probe.status_code == 200
        note = "" if with_stats else (f"GET /api/v1/dashboard/stats answered {probe.status_code}: not measured; its "
                                      "5 % went to the other endpoints in proportion.")
        work = Workload(base, token, teams, users, with_stats)
        drive(work, args.clients, 3)  # warm-up: connections, caches
        single, _ = drive(work, 1, min(10.0, args.seconds))  # one client: latency without queueing
        results, elapsed = drive(work, args.clients, args.seconds)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if not args.keep:
            drop_database(args.server)
    text = report(results, single, elapsed, args, command, note, args.server)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
