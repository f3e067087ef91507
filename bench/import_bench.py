"""CSV import of 10,000 issues (issue 17), on PostgreSQL: time and memory.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--runs 3] [--no-server]
    (PostgreSQL from --server, default postgresql://postgres@127.0.0.1:5432)

Recreates its own database (`lw_bench_import`), applies the migrations and, through the services,
makes a team of 20 members with 20 labels and 10 projects. The file is a Linear-style export
(`ID, Title, Description, Status, Priority, Assignee, Labels, Project, Due Date, Estimate, Parent
issue`): descriptions of about 300 characters, one to three labels a row (a few new ones), one
row in ten a sub-issue of an earlier row, about 4.6 MiB for 10,000 rows. Then:

1. **In-process**, --runs times, each into a fresh team: POST /api/v1/issues/import through
   Flask's test client (multipart parsing included), timed end to end, with the check and write
   passes timed apart from the service's progress reports. It also checks what was written.
2. **Memory**: the peak of Python allocations (tracemalloc) while services.imports.run imports
   2,500, 5,000 and 10,000 rows: what grows with the file is the small per-row state (an id and
   flags per issue), not the rows' text.
3. **Through gunicorn** (unless --no-server), as the README runs it: the worker's resident memory
   before and after a 10,000-row upload over HTTP, and the request's time.

Writes bench/results-import.md.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from api_bench import machine  # noqa: E402
from server import SECRET, free_port, recreate_database, start_server  # noqa: E402

DB = "lw_bench_import"
PASSWORD = "bench-password-1"
WORDS = ("checkout payment retry webhook cache index migration latency timeout dashboard export search "
         "token session upload avatar invoice billing report email queue worker deploy rollback").split()
STATUSES = ("Backlog", "Todo", "In Progress", "In Review", "Done", "Canceled", "Duplicate")
PRIORITIES = ("Urgent", "High", "Medium", "Low", "No priority")


def make_csv(rows: int, members: list[str], labels: list[str], projects: list[str], seed: int = 7) -> bytes:
    """A Linear-style export of `rows` issues."""
    rng = random.Random(seed)
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["ID", "Title", "Description", "Status", "Priority", "Assignee", "Labels", "Project",
                  "Due Date", "Estimate", "Parent issue", "Created"])
    start = date(2026, 1, 1)
    for n in range(1, rows + 1):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
        description = " ".join(rng.choice(WORDS) for _ in range(45))
        names = rng.sample(labels + ["Imported", "Legacy", "Needs triage"], rng.randint(1, 3))
        parent = f"LIN-{rng.randint(1, n - 1)}" if n > 1 and rng.random() < 0.1 else ""
        out.writerow([f"LIN-{n}", title, description, rng.choice(STATUSES), rng.choice(PRIORITIES),
                      rng.choice(members + [""]), ", ".join(names), rng.choice(projects + [""]),
                      (start + timedelta(days=rng.randint(0, 365))).isoformat() if rng.random() < 0.4 else "",
                      rng.choice(("1", "2", "3", "5", "8", "")), parent, "2025-12-01T10:00:00.000Z"])
    return buf.getvalue().encode()


def build(url: str):
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BCRYPT_ROUNDS="4", UPLOAD_DIR=tempfile.mkdtemp())
    from flask_migrate import upgrade

    from linear_web import create_app
    from linear_web.services import auth, labels, projects, teams
    app = create_app()
    with app.app_context():
        upgrade()
        owner = auth.signup("owner@example.com", PASSWORD, "Import Owner")
        members = [auth.signup(f"m{i}@example.com", PASSWORD, f"Member {i}") for i in range(19)]
        workspace = {"owner_id": owner.id, "members": [u.email for u in members], "labels": [], "projects": []}
        for run in range(8):                             # one team per run (in-process, memory, gunicorn)
            team = teams.create_team(owner, f"IMP{run}", f"Import {run}")
            teams.update_team(owner, team.id, estimates="fibonacci")
            for user in members:
                teams.add_member(owner, team.id, user_id=str(user.id))
            workspace["labels"] = [labels.create_label(owner, team.id, f"Area {i}").name for i in range(20)]
            workspace["projects"] = [projects.create_project(owner, team.id, f"Project {i}").name for i in range(10)]
            workspace[f"team{run}"] = str(team.id)
    return app, workspace


def check_written(app, team_id: str, rows: int) -> str:
    from sqlalchemy import func, select

    from linear_web.infra.extensions import db
    from linear_web.models import Activity, Issue, IssueParent, issue_labels
    with app.app_context():
        issues = db.session.scalar(select(func.count()).select_from(Issue).where(Issue.team_id == team_id))
        ids = select(Issue.id).where(Issue.team_id == team_id)
        acts = db.session.scalar(select(func.count()).select_from(Activity).where(Activity.issue_id.in_(ids)))
        tags = db.session.scalar(select(func.count()).select_from(issue_labels).where(issue_labels.c.issue_id.in_(ids)))
        links = db.session.scalar(select(func.count()).select_from(IssueParent).where(IssueParent.issue_id.in_(ids)))
        assert issues == rows == acts, (issues, acts)
        db.session.remove()
    return f"{issues:,} issues, {acts:,} activity rows, {tags:,} labels on issues, {links:,} parent links"


def in_process(app, workspace: dict, data: bytes, run: int) -> dict:
    """POST /api/v1/issues/import in-process; the phases timed from the service's progress."""
    from linear_web.infra.extensions import db
    from linear_web.models import User
    from linear_web.services import imports, tokens
    with app.app_context():
        token = tokens.issue_access_token(db.session.get(User, workspace["owner_id"]))[0]
        db.session.remove()
    marks: dict = {}
    real_steps = imports.steps

    def timed_steps(*args, **kwargs):
        for item in real_steps(*args, **kwargs):
            if isinstance(item, imports.Progress):
                marks.setdefault(f"first_{item.phase}", time.perf_counter())
            yield item
        marks["end"] = time.perf_counter()

    imports.steps = timed_steps
    try:
        client = app.test_client()
        t0 = time.perf_counter()
        r = client.post(f"/api/v1/issues/import?team_id={workspace[f'team{run}']}",
                        data={"file": (io.BytesIO(data), "linear.csv")}, content_type="multipart/form-data",
                        headers={"Authorization": f"Bearer {token}"})
        total = time.perf_counter() - t0
    finally:
        imports.steps = real_steps
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return {"total": total, "created": r.json["created"],
            "check": marks.get("first_write", marks["end"]) - t0, "write": marks["end"] - marks.get("first_write", t0)}


def memory_peak(app, workspace: dict, data: bytes, run: int) -> float:
    """Peak MiB of Python allocations during services.imports.run (tracemalloc, so slower)."""
    from linear_web.infra.extensions import db
    from linear_web.models import User
    from linear_web.services import imports
    with app.app_context():
        owner = db.session.get(User, workspace["owner_id"])
        stream = tempfile.SpooledTemporaryFile(max_size=512 * 1024)   # as werkzeug spools an upload
        stream.write(data)
        stream.seek(0)
        tracemalloc.start()
        try:
            result = imports.run(owner, workspace[f"team{run}"], stream)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            db.session.remove()
        assert result.created > 0
    return peak / 2**20


def rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(master: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def through_gunicorn(url: str, workspace: dict, data: bytes, run: int) -> dict:
    port = free_port()
    env_before = os.environ.get("WEB_CONCURRENCY")
    os.environ["WEB_CONCURRENCY"] = "1"               # one worker: its memory is the import's
    proc = start_server(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = requests.post(f"{base}/api/v1/auth/login",
                              json={"email": "owner@example.com", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        requests.get(f"{base}/api/v1/teams", headers=headers)                       # warm the worker
        (worker,) = worker_pids(proc.pid)
        before = rss_of(worker)
        t0 = time.perf_counter()
        r = requests.post(f"{base}/api/v1/issues/import?team_id={workspace[f'team{run}']}", headers=headers,
                          files={"file": ("linear.csv", data, "text/csv")}, timeout=120)
        elapsed = time.perf_counter() - t0
        after = rss_of(worker)
        assert r.status_code == 200, r.text[:300]
        return {"seconds": elapsed, "before": before, "after": after, "created": r.json()["created"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if env_before is None:
            os.environ.pop("WEB_CONCURRENCY", None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432"))
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-server", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results-import.md"))
    args = ap.parse_args()
    url = recreate_database(args.server.rstrip("/") + "/postgres", DB)
    print("building ...", flush=True)
    app, workspace = build(url)
    data = make_csv(args.rows, workspace["members"], workspace["labels"], workspace["projects"])
    print(f"file: {len(data) / 2**20:.1f} MiB, {args.rows:,} rows", flush=True)

    timings, written = [], ""
    for run in range(args.runs):
        timings.append(in_process(app, workspace, data, run))
        written = check_written(app, workspace[f"team{run}"], args.rows)
        print(f"  run {run + 1}: {timings[-1]}", flush=True)

    sizes = sorted({max(1, args.rows // 4), max(1, args.rows // 2), args.rows})
    peaks = []
    for i, rows in enumerate(sizes):
        part = make_csv(rows, workspace["members"], workspace["labels"], workspace["projects"])
        peaks.append((rows, len(part) / 2**20, memory_peak(app, workspace, part, args.runs + i)))
        print(f"  memory: {peaks[-1]}", flush=True)

    served = None if args.no_server else through_gunicorn(url, workspace, data, args.runs + len(sizes))
    if served:
        print(f"  gunicorn: {served}", flush=True)

    med = statistics.median
    lines = ["# CSV import (issue 17)", "",
             f"Command: `.venv/bin/python bench/import_bench.py --rows {args.rows} --runs {args.runs}"
             f"{' --no-server' if args.no_server else ''}`  ",
             f"Machine: {machine(args.server)}; the benchmark and PostgreSQL on the same cores  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"The file: a Linear-style export of {args.rows:,} issues, {len(data) / 2**20:.1f} MiB (descriptions "
             "of about 300 characters, 1–3 labels a row of which 3 names are new, 10 % sub-issues of earlier rows). "
             f"Each run imports it into a fresh team of 20 members; it writes {written}.", "",
             "## POST /api/v1/issues/import, in-process (Flask test client, multipart parsing included)", "",
             "| run | total | check pass | write pass (inserts + commit) |", "|---|---:|---:|---:|"]
    lines += [f"| {i} | {t['total']:.2f} s | {t['check']:.2f} s | {t['write']:.2f} s |"
              for i, t in enumerate(timings, 1)]
    lines += [f"| **median** | **{med(t['total'] for t in timings):.2f} s** | {med(t['check'] for t in timings):.2f} s | "
              f"{med(t['write'] for t in timings):.2f} s |", "", "Target: under 10 s.", "",
              "## Memory: peak Python allocations during the import (tracemalloc)", "",
              "| rows | file | peak |", "|---:|---:|---:|"]
    lines += [f"| {rows:,} | {size:.1f} MiB | {peak:.1f} MiB |" for rows, size, peak in peaks]
    lines += ["", "The file is read as a stream, twice (check, then write), and written in batches of 1,000 "
              "rows: the peak holds one batch, the team's names and, per issue, its id and a few flags."]
    if served:
        lines += ["", "## Through gunicorn (1 worker, the repo's gunicorn.conf.py), over HTTP", "",
                  "| request | worker RSS before | after |", "|---:|---:|---:|",
                  f"| {served['seconds']:.2f} s ({served['created']:,} issues) | {served['before']:.0f} MiB | "
                  f"{served['after']:.0f} MiB |"]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
