"""A cycle of 2,000 issues with three weeks of history: its burndown, its page and the Cycles page.

    .venv/bin/python bench/cycles_bench.py [--issues 2000] [--runs 30] [--sqlite]
    (PostgreSQL from --server, default postgresql://postgres@127.0.0.1:5432/postgres;
     --sqlite uses a file database in a temporary folder instead)

Recreates its own database (`lw_bench_cycles`), applies the migrations, and builds the history
through the services, as users would make it, with "today" moved one day at a time: a team with
a 21-day cycle, the issues put in it before it starts, then each day about 5 % of them done,
some reopened, some added and some taken out. Twelve more cycles (before and after) make the
Cycles page list 13. Then, in-process, the median of --runs: services.cycles.burndown,
GET /api/v1/cycles/{id} (the cycle with its burndown), GET /team/<KEY>/cycles/<n> (the cycle
page: its issues by status and the chart) and GET /team/<KEY>/cycles, with the statements each
runs. Writes bench/results-cycles.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from server import recreate_database  # noqa: E402

DB = "lw_bench_cycles"
START = date(2027, 3, 1)
DAYS = 21


def recreate(server: str) -> str:
    return recreate_database(server, DB)


def make_app(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hs256-0123456789")
    os.environ["BCRYPT_ROUNDS"] = "4"
    os.environ.setdefault("UPLOAD_DIR", tempfile.mkdtemp())
    from linear_web import create_app
    return create_app()


class Clock:
    day = START - timedelta(days=3)


def build(app, issues: int, rng: random.Random):
    """The workspace and the cycle's history; returns (user id, team key, cycle id, cycle number)."""
    from flask_migrate import upgrade

    from linear_web.infra.extensions import db
    from linear_web.services import auth, cycles, issue_queries, issues as issue_service, teams
    issue_queries.today = lambda: Clock.day
    with app.app_context():
        upgrade()
        user = auth.signup("cycles@example.com", "bench-password-1", "Cycle Planner")
        team = teams.create_team(user, "CYC", "Cycles")
        for week in range(-6, 0):
            start = START + timedelta(days=7 * week)
            Clock.day = start
            cycles.create_cycle(user, team.id, {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=6)).isoformat()})
            cycles.list_cycles(user, team.id)
        Clock.day = START - timedelta(days=3)
        cycles.list_cycles(user, team.id)                    # the earlier ones complete
        cycle = cycles.create_cycle(user, team.id, {"starts_on": START.isoformat(), "name": "Big sprint",
                                                    "ends_on": (START + timedelta(days=DAYS - 1)).isoformat()}).cycle
        for week in range(3, 9):
            start = START + timedelta(days=7 * week)
            cycles.create_cycle(user, team.id, {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=6)).isoformat()})
        cid, key, number, uid, tid = cycle.id, team.key, cycle.number, user.id, team.id
        from linear_web.models import User
        db.session.remove()
        user = db.session.get(User, uid)
        made = []
        t0 = time.perf_counter()
        for i in range(issues):
            made.append(issue_service.create_issue(user, tid, {"title": f"Cycle work {i}", "cycle_id": str(cid),
                                                               "status": "todo"}).id)
        print(f"  {issues} issues put in the cycle in {time.perf_counter() - t0:.0f} s", flush=True)
        open_ids, done_ids, out_ids = list(made), [], []
        for day in range(DAYS - 2):                          # the history up to two days before the end
            Clock.day = START + timedelta(days=day)
            for iid in rng.sample(open_ids, min(len(open_ids), issues // 20)):
                issue_service.update_issue(user, iid, {"status": "done"})
                open_ids.remove(iid)
                done_ids.append(iid)
            for iid in rng.sample(done_ids, min(len(done_ids), issues // 400)):
                issue_service.update_issue(user, iid, {"status": "in_progress"})
                done_ids.remove(iid)
                open_ids.append(iid)
            for iid in rng.sample(open_ids, min(len(open_ids), issues // 200)):
                issue_service.update_issue(user, iid, {"cycle_id": None})
                open_ids.remove(iid)
                out_ids.append(iid)
            for _ in range(issues // 200):
                new = issue_service.create_issue(user, tid, {"title": "Added mid-cycle", "status": "todo"})
                issue_service.update_issue(user, new.id, {"cycle_id": str(cid)})
                open_ids.append(new.id)
        Clock.day = START + timedelta(days=DAYS - 2)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()
        return uid, key, cid, number, len(open_ids) + len(done_ids), len(done_ids)


def timed(fn, runs: int) -> tuple[float, float]:
    """(median ms, p95 ms) of fn() over runs calls, after two warm-ups."""
    fn(), fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def statements(app, fn) -> int:
    from sqlalchemy import event

    from linear_web.infra.extensions import db
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *a, **k: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results-cycles.md"))
    args = ap.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/cycles.db" if args.sqlite else recreate(args.server)
    app = make_app(url)
    print(f"building on {'SQLite' if args.sqlite else 'PostgreSQL'} ...", flush=True)
    uid, key, cid, number, scope, completed = build(app, args.issues, random.Random(7))

    from linear_web.infra.extensions import db
    from linear_web.models import Cycle, User
    from linear_web.services import cycles, tokens
    with app.app_context():
        user = db.session.get(User, uid)
        token = tokens.issue_access_token(user)[0]
        db.session.remove()
    client = app.test_client()
    with app.app_context():
        from flask import session
        from flask_login import login_user
        with app.test_request_context():
            login_user(db.session.get(User, uid))          # the session keys a login writes
            keys = {k: session[k] for k in ("_user_id", "_fresh", "_id")}
        db.session.remove()
    with client.session_transaction() as s:
        s.update(keys)

    def burndown():
        with app.app_context():
            points = cycles.burndown(db.session.get(Cycle, cid))
            db.session.remove()
            return points

    def api():
        r = client.get(f"/api/v1/cycles/{cid}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.status_code
        return r

    def page():
        r = client.get(f"/team/{key}/cycles/{number}")
        assert r.status_code == 200, r.status_code
        return r

    def listing():
        r = client.get(f"/team/{key}/cycles")
        assert r.status_code == 200, r.status_code
        return r

    points = burndown()
    body = api().get_json()
    assert (body["scope"], body["completed"]) == (scope, completed), (body["scope"], scope)
    rows = [("services.cycles.burndown (one GROUP BY)", burndown, None),
            (f"GET /api/v1/cycles/{{id}} ({len(points)} points)", api, api),
            ("GET /team/<KEY>/cycles/<n> (the cycle page)", page, page),
            ("GET /team/<KEY>/cycles (13 cycles)", listing, listing)]
    results = []
    for name, fn, counted in rows:
        med, p95 = timed(fn, args.runs)
        count = statements(app, counted) if counted else 1
        results.append((name, med, p95, count))
        print(f"  {name}: median {med:.1f} ms, p95 {p95:.1f} ms, {count} statements", flush=True)

    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    db_name = "SQLite (file)" if args.sqlite else "PostgreSQL 15 (loopback)"
    lines = [f"### Cycles: {args.issues:,} issues, {DAYS} days of history ({db_name})", "",
             f"`{' '.join(['.venv/bin/python', 'bench/cycles_bench.py'] + sys.argv[1:])}`, "
             f"{time.strftime('%Y-%m-%d')}, {platform.node() or 'this machine'} ({cpu}, {os.cpu_count()} cores), "
             f"in-process, median of {args.runs} runs after two warm-ups. The cycle ends with {scope:,} issues in "
             f"scope, {completed:,} done.", "",
             "| call | median | p95 | statements |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {med:.1f} ms | {p95:.1f} ms | {count} |" for name, med, p95, count in results]
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    previous = out.read_text() if out.exists() else "# Cycles benchmark results\n"
    out.write_text(previous.rstrip("\n") + "\n\n" + text)
    print(text)


if __name__ == "__main__":
    main()
