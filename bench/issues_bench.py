"""Issue benchmarks against a real server: list fragment, detail, search, board, CSV export.

    .venv/bin/python bench/seed_bulk.py --issues 100000     # once: fills the lw_bench database
    .venv/bin/python bench/issues_bench.py --drop           # writes bench/results-issues.md

Starts gunicorn on loopback (the repo's gunicorn.conf.py if present, else `-w 2 -k gthread
--threads 8`) against lw_bench, logs in as the bench user, then drives it with wrk (Debian
package; falls back to Python threads without it) for a bounded time per endpoint. The CSV export
is timed by one streaming client while the workers' resident memory is sampled.
"""
from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from seed_bulk import BENCH_DB, BENCH_EMAIL, BENCH_PASSWORD  # noqa: E402
from server import free_port, start_server  # noqa: E402

HX_LIST = {"HX-Request": "true", "HX-Target": "issue-list"}
HX_SEARCH = {"HX-Request": "true", "HX-Target": "search-results"}
LIST_PATHS = ["/team/ENG/issues?status=todo&priority=2", "/team/ENG/issues?assignee=me",
              "/team/ENG/issues?priority=1&sort=priority", "/team/ENG/issues?status=in_progress&sort=-updated_at",
              "/team/ENG/issues?q=payment", "/team/DES/issues?status=backlog&status=todo"]
# Typical terms match a small share of the issues; "cursor" is the data's most common word.
SEARCH_WORDS = ["payment", "webhook retry", "safari", "login session", "deadlock", "invoice",
                "memory latency", "sidebar theme", "markdown"]
COMMON_WORD = "cursor"
WARM_UP = 2  # seconds of load before each timed run, not counted


def login(base: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = s.post(f"{base}/login", data={"csrf_token": token, "email": BENCH_EMAIL, "password": BENCH_PASSWORD},
                  allow_redirects=False)
    if resp.status_code not in (302, 303):
        raise SystemExit(f"login failed: {resp.status_code}")
    return s


def workers_of(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# -- load generation --------------------------------------------------------------------------

def _lua(paths: list[str], headers: dict) -> str:
    lines = ["local paths = {" + ",".join('"%s"' % p for p in paths) + "}", "local i = 0"]
    lines += ['wrk.headers["%s"] = "%s"' % kv for kv in headers.items()]
    lines += ["request = function()", "  i = i % #paths + 1", '  return wrk.format("GET", paths[i])', "end"]
    # wrk's --latency table has no 95th percentile: print it (microseconds) when the run ends.
    lines += ["done = function(summary, latency, requests)",
              '  io.write(string.format("p95-us %d\\n", latency:percentile(95)))', "end"]
    return "\n".join(lines)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(base: str, paths: list[str], headers: dict, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(paths, headers))
    out = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "--timeout", "5s", "-s", script.name, base], capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    os.unlink(script.name)
    pct = {m.group(1): _ms(m.group(2)) for m in re.finditer(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50": pct["50"], "p99": pct["99"], "rps": rps, "errors": int(bad.group(1)) if bad else 0}


def run_threads(base: str, paths: list[str], headers: dict, connections: int, seconds: int) -> dict:
    """Fallback without wrk: closed-loop Python clients (their own CPU use inflates latency)."""
    times, errors, stop = [], [0], time.monotonic() + seconds

    def client(offset):
        s = requests.Session()
        s.headers.update(headers)
        i = offset
        while time.monotonic() < stop:
            t = time.perf_counter()
            r = s.get(base + paths[i % len(paths)])
            times.append((time.perf_counter() - t) * 1000)
            errors[0] += r.status_code >= 400
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    q = statistics.quantiles(times, n=100)
    return {"p50": q[49], "p99": q[98], "rps": len(times) / seconds, "errors": errors[0]}


def load(base, session, paths, headers, connections, seconds) -> dict:
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    # The browser that logged in keeps its User-Agent: flask-login's session protection compares it.
    headers = {**headers, "Cookie": cookie, "User-Agent": session.headers["User-Agent"]}
    for path in paths:  # every path answers 200 before we time it
        status = requests.get(base + path, headers=headers).status_code
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    runner = run_wrk if shutil.which("wrk") else run_threads
    runner(base, paths, headers, connections, WARM_UP)  # every worker process has seen every path
    result = runner(base, paths, headers, connections, seconds)
    print(f"  {paths[0]} x{connections}: {result}", flush=True)
    return result


# -- export -----------------------------------------------------------------------------------

def export(base: str, master: int, url: str, headers: dict) -> dict:
    """Stream a CSV export; its time, rows and the workers' peak resident memory above idle."""
    pids = workers_of(master)
    idle = {p: rss_kb(p) for p in pids}
    peak = dict(idle)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for p in pids:
                peak[p] = max(peak[p], rss_kb(p))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    rows = 0
    with requests.get(base + url, headers=headers, stream=True, timeout=120) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_content(64 * 1024):
            rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    growth = max(peak[p] - idle[p] for p in pids) if pids else 0
    return {"seconds": elapsed, "rows": rows - 1, "idle_mb": max(idle.values()) / 1024 if idle else 0,
            "growth_mb": growth / 1024}


def drop_database(server: str) -> None:
    import psycopg2
    conn = psycopg2.connect(f"{server.rstrip('/')}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
    conn.close()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 / 1024
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.1f} GiB RAM, Python {platform.python_version()}, {pg}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Issue benchmarks (see the module docstring).")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load run (max 30)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-issues.md"))
    parser.add_argument("--drop", action="store_true", help="drop the lw_bench database afterwards")
    args = parser.parse_args()
    seconds = max(3, min(args.seconds, 30))
    db_url = f"{args.server.rstrip('/')}/{BENCH_DB}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(db_url, port)
    try:
        results = measure(base, proc.pid, seconds)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if args.drop:
            drop_database(args.server)
    write_report(args.out, results, seconds)
    print(Path(args.out).read_text())


def measure(base: str, master: int, seconds: int) -> dict:
    out_load = [os.getloadavg()[0]]
    session = login(base)
    token = requests.post(f"{base}/api/v1/auth/login", json={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    detail_paths = [f"/issue/ENG-{n}" for n in range(1, 80001, 4001)]
    search_paths = ["/search?q=" + w.replace(" ", "+") for w in SEARCH_WORDS]
    out = {
        "list fragment, 16 clients": load(base, session, LIST_PATHS, HX_LIST, 16, seconds),
        "list fragment, 1 client": load(base, session, LIST_PATHS, HX_LIST, 1, seconds),
        "detail page, 16 clients": load(base, session, detail_paths, {}, 16, seconds),
        "search dropdown, 1 client": load(base, session, search_paths, HX_SEARCH, 1, seconds),
        "search page, 1 client": load(base, session, search_paths, {}, 1, seconds),
        "search dropdown, 16 clients": load(base, session, search_paths, HX_SEARCH, 16, seconds),
        "search dropdown, most common word, 1 client": load(base, session, [f"/search?q={COMMON_WORD}"],
                                                            HX_SEARCH, 1, seconds),
        "board page, 1 client": load(base, session, ["/team/ENG/board", "/team/DES/board"], {}, 1, seconds),
    }
    board = session.get(f"{base}/team/ENG/board").content
    out["board_bytes"] = (len(board), len(gzip.compress(board)), board.count(b'class="board-card"'))
    out["export_api"] = export(base, master, "/api/v1/issues/export", bearer)
    cookie = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies)}
    out["export_web"] = export(base, master, "/team/ENG/issues/export.csv", cookie)
    out["load"] = out_load + [os.getloadavg()[0]]
    return out


def write_report(path: str, r: dict, seconds: int) -> None:
    tool = "wrk 2 threads" if shutil.which("wrk") else "Python threads"
    lines = ["# Issue benchmarks", "",
             f"Machine: {machine()}.", "",
             "Data: `bench/seed_bulk.py --issues 100000` (ENG 80,000 issues, DES 20,000; one activity each, "
             "a comment every 50th issue). Server: gunicorn "
             + ("with gunicorn.conf.py" if (ROOT / "gunicorn.conf.py").exists() else "`-w 2 -k gthread --threads 8`")
             + f" on loopback, the load generator ({tool}) on the same 2 cores.", "",
             "Command: `.venv/bin/python bench/seed_bulk.py --issues 100000 && "
             f".venv/bin/python bench/issues_bench.py --seconds {seconds} --drop`", "",
             f"Machine load (1-minute average, other jobs included) at start/end: {r['load'][0]:.1f} / "
             f"{r['load'][1]:.1f}.", "",
             "| endpoint | p50 ms | p99 ms | req/s | errors |", "|---|---:|---:|---:|---:|"]
    for name, v in r.items():
        if isinstance(v, dict) and "p50" in v:
            lines.append(f"| {name} | {v['p50']:.1f} | {v['p99']:.1f} | {v['rps']:.0f} | {v['errors']} |")
    raw, packed, cards = r["board_bytes"]
    lines += ["", f"Board page (ENG, {cards} cards shown: at most 200 per column): {raw / 1024:.0f} KB, "
                  f"{packed / 1024:.1f} KB gzip-compressed.", ""]
    for key, label in (("export_api", "API export, all 100,000 issues"), ("export_web", "Web export, ENG (80,000)")):
        e = r[key]
        lines.append(f"{label}: {e['rows']:,} rows in {e['seconds']:.2f} s; worker RSS at idle "
                     f"{e['idle_mb']:.0f} MB, growth during the export {e['growth_mb']:.1f} MB.")
    # Hand-written analysis below "## Findings" survives a re-run; the figures above are replaced.
    previous = Path(path).read_text() if Path(path).exists() else ""
    findings = previous[previous.index("## Findings"):] if "## Findings" in previous else ""
    Path(path).write_text("\n".join(lines) + "\n" + ("\n" + findings if findings else ""))


if __name__ == "__main__":
    main()
