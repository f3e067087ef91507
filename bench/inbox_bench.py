"""The inbox's speed targets (issue 15), on PostgreSQL.

    .venv/bin/python bench/inbox_bench.py [--runs 3] [--seconds 20] [--comments 40]

Recreates its own database (`lw_bench_inbox`), applies the migrations and, through the services,
makes a team of 61 members and 200 issues. Then:

1. **What a comment costs**: POST /api/v1/issues/{id}/comments in-process, alternating between a
   comment that mentions 20 members on an issue with 50 subscribers (51 notifications, one NOTIFY
   statement for them all) and a plain comment on an issue nobody else follows. It reports the
   median of each and the difference. The target is under 15 ms added.
2. **The inbox under load**: 10,000 notifications for one reader (a third unread, over 200
   issues), written in bulk and then VACUUM ANALYZE. gunicorn runs as the README runs it, and
   wrk drives 16 connections at GET /inbox (the page, logged in through the form) and at
   GET /api/v1/notifications/unread-count (a JWT). It reports the median of --runs runs. The
   target is p95 <= 50 ms (wrk's script prints it beside its 50/75/90/99 %).

Writes bench/results-inbox.md.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from api_bench import machine  # noqa: E402
from issue_page_bench import wrk, wrk_rows  # noqa: E402
from server import SECRET, free_port, recreate_database, start_server  # noqa: E402

DB = "lw_bench_inbox"
READER, PASSWORD = "reader@example.com", "bench-password-1"


def recreate(server: str) -> str:
    return recreate_database(server.rstrip("/") + "/postgres", DB)


def build(url: str, notifications: int):
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BCRYPT_ROUNDS="4", UPLOAD_DIR=tempfile.mkdtemp())
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from linear_web import create_app
    from linear_web.infra.extensions import db
    from linear_web.models import Notification
    from linear_web.services import auth, issues, notifications as inbox, teams
    app = create_app()
    with app.app_context():
        upgrade()
        reader = auth.signup(READER, PASSWORD, "Inbox Reader")
        actor = auth.signup("actor@example.com", PASSWORD, "Busy Actor")
        team = teams.create_team(actor, "ENG", "Engineering")
        members = [auth.signup(f"m{i}@example.com", PASSWORD, f"Member {i}") for i in range(59)]
        for user in [reader] + members:
            teams.add_member(actor, team.id, user_id=str(user.id))
        ids = [issues.create_issue(actor, team.id, {"title": f"Work item {i}"}).id for i in range(200)]
        busy, quiet = ids[0], ids[1]
        for user in [reader] + members[:49]:
            inbox.subscribe(user, busy)                     # 50 subscribers (and the actor, its creator)
        start = datetime.now(timezone.utc) - timedelta(days=60)
        rng = random.Random(5)
        rows = [{"id": uuid.uuid4(), "user_id": reader.id, "type": rng.choice(("assigned", "commented", "status_changed")),
                 "issue_id": rng.choice(ids), "actor_id": actor.id, "comment_id": None,
                 "created_at": start + timedelta(minutes=8 * i), "read_at": None if i % 3 == 0 else start}
                for i in range(notifications)]
        for i in range(0, len(rows), 2000):
            db.session.execute(insert(Notification), rows[i:i + 2000])
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        mention = " ".join("@" + m.handle for m in members[:20])
        from linear_web.services import tokens
        token = tokens.issue_access_token(actor)[0]
        db.session.remove()
    return app, token, busy, quiet, mention


def comment_cost(app, token: str, busy, quiet, mention: str, count: int) -> tuple[float, float]:
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    def post(issue_id, body) -> float:
        t0 = time.perf_counter()
        r = client.post(f"/api/v1/issues/{issue_id}/comments", json={"body": body}, headers=auth)
        elapsed = (time.perf_counter() - t0) * 1000
        assert r.status_code == 201, r.status_code
        return elapsed

    for _ in range(3):                                       # warm-up
        post(busy, mention), post(quiet, "plain")
    told, plain = [], []
    for i in range(count):
        told.append(post(busy, f"{mention} ({i})"))
        plain.append(post(quiet, f"plain ({i})"))
    return statistics.median(told), statistics.median(plain)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432"))
    ap.add_argument("--notifications", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--comments", type=int, default=40)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results-inbox.md"))
    args = ap.parse_args()
    url = recreate(args.server)
    print("building ...", flush=True)
    app, token, busy, quiet, mention = build(url, args.notifications)
    costs = [comment_cost(app, token, busy, quiet, mention, args.comments) for _ in range(args.runs)]
    for told, plain in costs:
        print(f"  comment: 51 told {told:.1f} ms, plain {plain:.1f} ms, added {told - plain:.1f} ms", flush=True)

    port = free_port()
    proc = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    loads: dict = {"GET /inbox (page)": [], "GET /api/v1/notifications/unread-count": []}
    try:
        import re
        s = requests.Session()
        page = s.get(f"{base}/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert s.post(f"{base}/login", data={"csrf_token": csrf, "email": READER, "password": PASSWORD},
                      allow_redirects=False).status_code in (302, 303)
        assert s.get(f"{base}/inbox").status_code == 200   # shows (and so drops) the login's flash
        cookie = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in s.cookies), "User-Agent": s.headers["User-Agent"]}
        reader_token = requests.post(f"{base}/api/v1/auth/login", json={"email": READER, "password": PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {reader_token['access_token']}"}
        targets = {"GET /inbox (page)": (["/inbox"], cookie),
                   "GET /api/v1/notifications/unread-count": (["/api/v1/notifications/unread-count"], bearer)}
        for name, (paths, headers) in targets.items():
            wrk(base, paths, headers, 16, 5)                  # warm-up
            for _ in range(args.runs):
                loads[name].append(wrk(base, paths, headers, 16, args.seconds))
                print(f"  {name}: {loads[name][-1]}", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    med = statistics.median
    lines = ["# The inbox (issue 15)", "",
             f"Command: `.venv/bin/python bench/inbox_bench.py --runs {args.runs} --seconds {args.seconds} "
             f"--comments {args.comments}`  ",
             f"Machine: {machine(args.server)}; wrk, gunicorn (the repo's gunicorn.conf.py, 2 workers) and "
             "PostgreSQL on the same cores  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             "## What a comment costs (in-process, median of each run's "
             f"{args.comments} comments)", "",
             "| run | mentions 20, 50 subscribers (51 told) | plain, nobody else told | added |",
             "|---|---:|---:|---:|"]
    lines += [f"| {i} | {t:.1f} ms | {p:.1f} ms | {t - p:.1f} ms |" for i, (t, p) in enumerate(costs, 1)]
    lines += ["", f"**Median added: {med([t - p for t, p in costs]):.1f} ms** (target < 15 ms)", "",
              f"## {args.notifications:,} notifications, 16 connections, {args.seconds} s per run", "",
              "| call | run | req/s | p50 ms | p90 ms | p95 ms | p99 ms | errors |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, runs in loads.items():
        lines += wrk_rows(name, runs)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
