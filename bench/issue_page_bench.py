"""The issue page (HTML) under 16 clients, on the API mix's database (issue 13's target: p95 <= 50 ms).

    .venv/bin/python bench/api_mix.py --issues 10000 --keep       # once: the database and its issues
    .venv/bin/python bench/issue_page_bench.py                    # writes bench/results-issue-page.md

Starts gunicorn as the README runs it (the repo's gunicorn.conf.py, 2 workers) against the kept
database `lw_bench_mix` (or $BENCH_DB), logs a member in through the login form, then drives
GET /issue/ENG-<n> over 200 random issues with wrk (16 connections, --seconds each run, after a
warm-up) and reports requests/s and the latency percentiles wrk prints (50/75/90/99 %), per run
and as the median of --runs runs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from api_bench import machine  # noqa: E402
from api_mix import DB, MEMBERS, PASSWORD  # noqa: E402
from issues_bench import _lua, _ms, login  # noqa: E402,F401
from server import free_port, start_server  # noqa: E402

import issues_bench  # noqa: E402


def wrk(base: str, paths: list[str], headers: dict, connections: int, seconds: int) -> dict:
    import re
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(paths, headers))
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "5s",
                          "-s", script.name, base], capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(script.name)
    pct = {m.group(1): _ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    p95 = re.search(r"^p95-us (\d+)", out, re.M)
    if p95:
        pct["95"] = int(p95.group(1)) / 1000
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {**{f"p{k}": v for k, v in pct.items()}, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "errors": int(bad.group(1)) if bad else 0}


def wrk_rows(name, runs: list[dict]) -> list[str]:
    """Markdown table rows of wrk runs (`wrk`'s results) under `name`, then their medians:
    | name | run | req/s | p50 | p90 | p95 | p99 | errors |."""
    med = statistics.median
    rows = [f"| {name} | {i} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p90']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']} |" for i, r in enumerate(runs, 1)]
    rows.append(f"| {name} | **median** | {med(r['rps'] for r in runs):.0f} | {med(r['p50'] for r in runs):.1f} | "
                f"{med(r['p90'] for r in runs):.1f} | {med(r['p95'] for r in runs):.1f} | "
                f"{med(r['p99'] for r in runs):.1f} | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-issue-page.md"))
    args = parser.parse_args()
    state = json.loads((ROOT / "bench" / f".api-mix-{DB}.json").read_text())
    total = sum(len(ids) for ids in state["own"].values())
    rng = random.Random(13)
    paths = [f"/issue/ENG-{rng.randint(1, total)}" for _ in range(200)]
    port = free_port()
    proc = start_server(f"{args.server.rstrip('/')}/{DB}", port)
    base = f"http://127.0.0.1:{port}"
    try:
        issues_bench.BENCH_EMAIL, issues_bench.BENCH_PASSWORD = MEMBERS[0], PASSWORD
        session = login(base)
        headers = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies),
                   "User-Agent": session.headers["User-Agent"]}
        for path in paths[:5]:
            status = session.get(base + path).status_code
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
        wrk(base, paths, headers, args.connections, 5)  # warm-up
        runs = []
        for _ in range(args.runs):
            runs.append(wrk(base, paths, headers, args.connections, args.seconds))
            print(runs[-1], flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    lines = ["# The issue page (HTML) under load", "",
             f"Command: `.venv/bin/python bench/issue_page_bench.py --runs {args.runs} --seconds {args.seconds} "
             f"--connections {args.connections}`"
             + (f" with `GUNICORN_WORKER_CLASS={os.environ['GUNICORN_WORKER_CLASS']}`"
                if os.environ.get("GUNICORN_WORKER_CLASS") else "") + "  ",
             f"Server: the repo's gunicorn.conf.py (2 workers) on the API mix's database `{DB}` ({total:,} issues "
             "of team ENG, with their comments-free timelines of creation and status changes)  ",
             f"Machine: {machine(args.server)}; wrk, gunicorn and PostgreSQL on the same cores  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"**Median of {args.runs} runs: {med('rps'):.0f} req/s, p50 {med('p50'):.1f} ms, p90 {med('p90'):.1f} ms, "
             f"p99 {med('p99'):.1f} ms** (wrk prints 50/75/90/99 %: p95 lies between p90 and p99)", "",
             "| run | req/s | p50 ms | p75 ms | p90 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|---:|"]
    for i, r in enumerate(runs, 1):
        lines.append(f"| {i} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p75']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | "
                     f"{r['errors']} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
