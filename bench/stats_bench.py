"""Dashboard statistics on a large issue set (PostgreSQL): the stats call against its budget in BENCHMARKS.md.

    .venv/bin/python bench/stats_bench.py [--issues 100000] [--runs 40]
    (server from --server, default postgresql://postgres@127.0.0.1:5432/postgres)

Drops and recreates its own database `lw_bench_stats`, applies the migrations, creates a user in
four teams through the services, COPYs the issues (with a `created` activity each and a
status=done activity for every done issue), ANALYZEs, then times in-process and bounded:
services.stats.team_stats (all teams, one team), services.stats.dashboard (the whole page's
figures), and GET /api/v1/dashboard/stats and GET /dashboard through the app. Writes
bench/results-dashboard.md.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from server import recreate_database  # noqa: E402

DB = "lw_bench_stats"
TEAMS = (("ENG", "Engineering", 0.5), ("OPS", "Operations", 0.25), ("DES", "Design", 0.15), ("WEB", "Web", 0.10))
STATUSES = ("backlog", "todo", "in_progress", "done", "canceled")
WEIGHTS = (25, 20, 10, 35, 10)
TIME_BUDGET = 240.0  # seconds for the timing phase, whatever --runs says


def recreate(server: str) -> str:
    return recreate_database(server, DB)


def make_app(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hs256-0123456789")
    os.environ["BCRYPT_ROUNDS"] = "4"
    from linear_web import create_app
    return create_app()


def workspace(app):
    """Migrations, a viewer in four teams with eight colleagues, through the services."""
    from flask_migrate import upgrade

    from linear_web.infra.extensions import db
    from linear_web.services import auth, teams
    with app.app_context():
        upgrade()
        viewer = auth.signup("stats@example.com", "bench-password-1", "Stats Viewer")
        others = [auth.signup(f"dev{i}@example.com", "bench-password-1", f"Developer {i}") for i in range(8)]
        made = []
        for key, name, share in TEAMS:
            team = teams.create_team(viewer, key, name)
            for user in others:
                teams.add_member(viewer, team.id, user_id=str(user.id))
            made.append((str(team.id), key, share))
        users = [str(viewer.id)] + [str(u.id) for u in others]
        viewer_id = viewer.id
        db.session.remove()
    return made, users, viewer_id


def load(url: str, teams, users, total: int) -> None:
    """COPY issues and activities in chunks; created_at spread over two years, a tenth in the last 30 days."""
    rng, now = random.Random(7), datetime.now(timezone.utc)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        for team_id, key, share in teams:
            count = round(total * share)
            for start in range(1, count + 1, 20_000):
                issues, acts = io.StringIO(), io.StringIO()
                for number in range(start, min(start + 20_000, count + 1)):
                    iid, creator = uuid.uuid4(), rng.choice(users)
                    age = rng.randint(0, 30 * 86400) if rng.random() < 0.1 else rng.randint(0, 730 * 86400)
                    created = now - timedelta(seconds=age)
                    status = rng.choices(STATUSES, WEIGHTS)[0]
                    assignee = rng.choice(users) if rng.random() < 0.8 else "\\N"
                    # Completing an issue sets its updated_at, as update_issue does.
                    updated = min(now, created + timedelta(seconds=rng.randint(3600, 20 * 86400)))
                    issues.write(f"{iid}\t{team_id}\t{number}\tIssue {number}\t\t{status}\t{rng.randint(0, 3)}\t"
                                 f"\\N\t{assignee}\t{creator}\t{-created.timestamp()}\t{created.isoformat()}\t"
                                 f"{updated.isoformat()}\t1\n")
                    acts.write(f"{uuid.uuid4()}\t{iid}\t{creator}\tcreated\t\\N\t\\N\t\\N\t{created.isoformat()}\n")
                    if status == "done":
                        acts.write(f"{uuid.uuid4()}\t{iid}\t{creator}\tupdated\tstatus\ttodo\tdone\t"
                                   f"{updated.isoformat()}\n")
                for buf, table, cols in ((issues, "issues", "id, team_id, number, title, description, status, "
                                          "priority, project_id, assignee_id, creator_id, position, created_at, "
                                          "updated_at, version"),
                                         (acts, "activities", "id, issue_id, actor_id, action, field, old_value, "
                                          "new_value, created_at")):
                    buf.seek(0)
                    cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)
            cur.execute("UPDATE teams SET issue_counter = %s WHERE id = %s", (count, team_id))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM activities)")
        print("rows: issues=%s activities=%s" % cur.fetchone(), flush=True)
    conn.close()


def summary(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"n": len(samples), "min": samples[0], "median": statistics.median(samples),
            "p95": samples[min(len(samples) - 1, int(len(samples) * 0.95))], "max": samples[-1]}


def timed_rounds(calls: list[tuple[str, callable]], runs: int) -> list[tuple[str, dict]]:
    """Each call once per round, round after round, so they share the machine's noise equally."""
    deadline = time.monotonic() + TIME_BUDGET
    for _, fn in calls:
        for _ in range(5):
            fn()
    samples: dict = {name: [] for name, _ in calls}
    for _ in range(runs):
        if time.monotonic() > deadline:
            break
        for name, fn in calls:
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
    return [(name, summary(samples[name])) for name, _ in calls]


def measure(app, viewer_id, runs: int) -> list[tuple[str, dict]]:
    """Service calls inside one app context, HTTP calls through the test client (Bearer / session)."""
    from linear_web.infra.extensions import db
    from linear_web.models import User
    from linear_web.services import stats, tokens
    ctx = app.app_context()
    ctx.push()
    viewer = db.session.get(User, viewer_id)
    eng = stats.team_stats(viewer).teams[0].team.id
    token, session_id = tokens.issue_access_token(viewer)[0], viewer.get_id()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = session_id, True
    headers = {"Authorization": f"Bearer {token}"}

    def get(path, **kw):
        assert client.get(path, **kw).status_code == 200
    calls = [("stats.team_stats(user) — all 4 teams (the API call)", lambda: stats.team_stats(viewer)),
             ("stats.team_stats(user, ENG) — one team, 50k issues", lambda: stats.team_stats(viewer, eng)),
             ("stats.dashboard(user) — every figure of /dashboard", lambda: stats.dashboard(viewer)),
             ("GET /api/v1/dashboard/stats (in-process, JSON)", lambda: get("/api/v1/dashboard/stats", headers=headers)),
             ("GET /dashboard (in-process, full HTML page)", lambda: get("/dashboard"))]
    try:
        return timed_rounds(calls, runs)
    finally:
        db.session.remove()
        ctx.pop()


def explain(url: str) -> str:
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM users WHERE email = 'stats@example.com'")
        uid = cur.fetchone()[0]
        cur.execute("SELECT array_agg(team_id) FROM memberships WHERE user_id = %s", (uid,))
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF) SELECT team_id, status, priority, count(*) FROM issues "
                    "WHERE team_id = ANY(%s) GROUP BY team_id, status, priority", (cur.fetchone()[0],))
        plan = "\n".join(r[0] for r in cur.fetchall())
    conn.close()
    return plan


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "?")
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} CPU ({cpu}), {int(mem) // 1024} MiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {pg} (server on loopback, default settings)")


def report(total: int, results, plan: str, load_s: float, load_avg: str) -> str:
    lines = ["# Dashboard statistics benchmark", "",
             "Command: `.venv/bin/python bench/stats_bench.py --issues %d`" % total, "",
             f"Machine: {machine()}. Load average while timing: {load_avg}; the machine was shared with other "
             "test suites, so treat medians and p95 as upper bounds and `min` as the quiet-machine figure.", "",
             f"Data: {total:,} issues in 4 teams (50/25/15/10 %), statuses 25/20/10/35/10 % "
             "(backlog/todo/in progress/done/canceled), a tenth created in the last 30 days, one `created` "
             f"activity per issue and a status=done activity per done issue; loaded with COPY in {load_s:.0f} s.", "",
             "Times in milliseconds, in-process (no network), after 5 warm-up calls each; the calls are "
             "interleaved round by round so they share the machine's noise:", "",
             "| call | runs | min | median | p95 | max |", "|---|---|---|---|---|---|"]
    for name, r in results:
        lines.append(f"| {name} | {r['n']} | {r['min']:.1f} | {r['median']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |")
    service, http = results[0][1], results[3][1]

    def verdict(ms):
        return f"{ms:.1f} ms ({'under' if ms < 30 else 'over'} 30 ms)"
    lines += ["", f"Target: the stats call under 30 ms on 100,000 issues. Service call: min "
              f"{verdict(service['min'])}, median {verdict(service['median'])}, p95 {verdict(service['p95'])}. "
              f"Through the API (token check, JSON): median {verdict(http['median'])}, p95 "
              f"{verdict(http['p95'])}. The p95 tracks the load average above.", "",
              "The stats call is one `GROUP BY team_id, status, priority` over the caller's teams (plus the",
              "team list); every total, per-status, per-priority and per-team figure is summed from those at",
              "most 4 × 5 × 4 rows in Python. The dashboard adds four more aggregates (created per day, completed",
              "per day from status activity, open per assignee) and one LIMIT 8 query.", "",
              "Where the time goes, and what would cut it further (both need a schema change, owned by the",
              "models' owner): the main aggregate is an index-only scan of every issue of the caller's teams",
              "(`ix_issues_team_counts`), about 12 ms for 100,000 entries on a quiet core and 2–4× that when",
              "the two cores are saturated; a per-(team, status, priority) counter table kept by triggers would",
              "make it constant. On the dashboard the completed-per-day query still reads the activities",
              "table; a partial index `activities (created_at) WHERE field = 'status' AND new_value = 'done'`",
              "would make it a few hundred index entries.", "",
              "Plan of the main aggregate:", "", "```", plan, "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    url = recreate(args.server)
    app = make_app(url)
    started = time.monotonic()
    teams, users, viewer_id = workspace(app)
    load(url, teams, users, args.issues)
    load_s = time.monotonic() - started
    before = os.getloadavg()
    results = measure(app, viewer_id, args.runs)
    after = os.getloadavg()
    load_avg = f"{before[0]:.1f} before, {after[0]:.1f} after (1-minute)"
    for name, r in results:
        print(f"{name}: median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms", flush=True)
    out = ROOT / "bench" / "results-dashboard.md"
    out.write_text(report(args.issues, results, explain(url), load_s, load_avg))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
