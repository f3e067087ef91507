"""Issue 17's webhook speed targets, on PostgreSQL.

    .venv/bin/python bench/webhooks_bench.py [--issues 10000] [--runs 3] [--seconds 25] [--rounds 2]
    .venv/bin/python bench/webhooks_bench.py --keep            # then --reuse: no seeding the next time

Uses bench/api_mix.py's workspace and workload in its own database (`lw_bench_webhooks`, or
$BENCH_DB): the owner (ENG's admin) and 4 members, --issues issues in ENG seeded through the API.
gunicorn runs as the README runs it (the repo's gunicorn.conf.py: 2 workers here, each with its
outbox sender and OUTBOX_WORKERS threads) with WEBHOOK_ALLOW_PRIVATE=1 so webhooks may target a
receiver on loopback: a separate process (this file with --receive) that answers 200 at once on
/fast/... and /mix/..., after --slow-seconds on /slow/..., and notes when each request arrived.

1. **Throughput with 5 webhooks**: the owner registers 5 webhooks on ENG (every event type), each
   pre-filled with 1,000 delivered deliveries (as a webhook in use has: pruning keeps 1,000).
   Then --runs pairs of api_mix runs (16 clients, --seconds each), interleaved: the webhooks
   paused (`active: false`: no deliveries are written, as with none), then active. VACUUM ANALYZE
   before each run. After an active run it waits until the deliveries are all sent. Reports
   req/s and the ratio (target: within 5 %), deliveries sent during the run and pending at its
   end, and the delivery lag (the event's `at`, stamped before COMMIT, to the receiver).
2. **A slow receiver's backlog**: per round, (a) baseline: webhook F alone, --changes issue
   changes (PATCH title, a new connection each, so both workers serve them) --interval apart;
   (b) webhook S on a receiver taking --slow-seconds per answer gets --backlog changes, then F is
   registered and the same changes follow, which both want. F's lag is the receiver's arrival
   time minus the return of the PATCH (target: within 1 s of the baseline). Between rounds the
   webhooks are deleted and their left-over outbox rows drained. Last, the same with as many slow
   webhooks as the server has outbox workers (2 x OUTBOX_WORKERS), --saturate-backlog changes each.
3. **Where the time goes**, in this process once the server has stopped: --cost-writes PATCHes
   with the 5 webhooks paused and active alternately (median time, SQL statements), sending the
   deliveries they made with outbox.run_once (time, CPU and statements per delivery), and the
   sender's claim query behind 0, 1,000 and 5,000 pending messages.

Writes bench/results-webhooks.md.
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
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DB", "lw_bench_webhooks")
import api_mix  # noqa: E402
from api_bench import machine  # noqa: E402
from server import SECRET, free_port, gunicorn_command, start_server  # noqa: E402

OUTBOX_WORKERS = int(os.environ.get("OUTBOX_WORKERS", "4"))
SERVER_WORKERS = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 2))


# --- the receiver (a process of its own: `--receive PORT`) --------------------------------------

def receive(port: int, slow_seconds: float) -> None:
    """Answer webhook POSTs: 200 at once, or after slow_seconds on /slow/...; GET /arrivals gives
    [path, arrival unix time, the event's `at`, the issue's id] of each since GET /reset."""
    arrivals: list = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def _answer(self, body: bytes = b"") -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.time()
            try:
                event = json.loads(raw)
            except ValueError:
                event = {}
            with lock:
                arrivals.append((self.path, now, event.get("at"), (event.get("issue") or {}).get("id")))
            if self.path.startswith("/slow/"):
                time.sleep(slow_seconds)
            self._answer()

        def do_GET(self):
            with lock:
                if self.path == "/reset":
                    arrivals.clear()
                    body = b"{}"
                else:
                    body = json.dumps(arrivals).encode()
            self._answer(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print("READY", flush=True)
    server.serve_forever()


class Receiver:
    def __init__(self, slow_seconds: float):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, __file__, "--receive", str(self.port), "--slow-seconds",
                                      str(slow_seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if self.proc.stdout.readline().strip() != "READY":
            raise SystemExit("the receiver did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, what: str):
        status, body = api_mix.Client(self.port).call("GET", f"/{what}")
        return json.loads(body)

    def cpu(self) -> float:
        stat = api_mix._proc_stat(self.proc.pid)
        return stat[2] if stat else 0.0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# --- webhooks through the API, the database -----------------------------------------------------

class Hooks:
    def __init__(self, port: int, owner_token: str, team_id: str):
        self.client, self.team_id = api_mix.Client(port, owner_token), team_id

    def create(self, url: str) -> str:
        status, body = self.client.call("POST", "/api/v1/webhooks", {"team_id": self.team_id, "url": url})
        if status != 201:
            raise SystemExit(f"POST /api/v1/webhooks answered {status}: {body[:300]!r}")
        return json.loads(body)["id"]

    def active(self, hook_id: str, on: bool) -> None:
        status, body = self.client.call("PATCH", f"/api/v1/webhooks/{hook_id}", {"active": on})
        assert status == 200, (status, body[:300])

    def delete(self, hook_id: str) -> None:
        status, body = self.client.call("DELETE", f"/api/v1/webhooks/{hook_id}")
        assert status == 204, (status, body[:300])


def sql(url: str, statement: str, params=()) -> list[tuple]:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


def clear_webhooks(url: str) -> None:
    """What an earlier run left (--reuse)."""
    sql(url, "DELETE FROM webhook_deliveries; DELETE FROM webhooks; DELETE FROM outbox WHERE topic = 'webhook'")


def prefill(url: str, hook_id: str, count: int = 1000) -> None:
    """`count` delivered deliveries over the last day: the webhook at the 1,000 that pruning keeps."""
    body = json.dumps({"type": "ISSUE_UPDATED", "issue": {"title": "x" * 200, "description": "y" * 400}})
    sql(url, "INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, state, attempt, status_code, "
             "duration_ms, created_at, delivered_at) SELECT gen_random_uuid(), %s, 'ISSUE_UPDATED', %s, 'delivered', "
             "1, 200, 3, now() - make_interval(secs => g * 80), now() - make_interval(secs => g * 80) "
             "FROM generate_series(1, %s) g", (hook_id, body, count))


def pending(url: str, hook_ids: list[str] | None = None) -> int:
    if hook_ids is None:
        return sql(url, "SELECT count(*) FROM outbox WHERE topic = 'webhook' AND sent_at IS NULL "
                        "AND failed_at IS NULL")[0][0]
    return sql(url, "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending' AND webhook_id::text = ANY(%s)",
               (hook_ids,))[0][0]


def wait_until(check, limit: float, step: float = 0.25) -> float | None:
    """Seconds until check() held, None after `limit`."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if check():
            return time.monotonic() - began
        time.sleep(step)
    return None


def parse_at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ms_stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"n": len(values), "p50": api_mix.pct(values, .5), "p95": api_mix.pct(values, .95),
            "max": max(values) * 1000}


# --- 1. the API mix with and without 5 webhooks --------------------------------------------------

def throughput(args, proc, port, url, tokens, state, hooks: Hooks, receiver: Receiver) -> list[dict]:
    hook_ids = [hooks.create(receiver.url(f"/mix/{i}")) for i in range(5)]
    for hook_id in hook_ids:
        prefill(url, hook_id)
        hooks.active(hook_id, False)
    own = state["own"]
    all_ids = [i for ids in own.values() for i in ids]
    api_mix.drive(port, tokens, state["users"], state["ENG"], own, all_ids, args.clients, 5, seed=1)  # warm-up
    runs = []
    for pair in range(args.runs):
        for kind in ("none", "five"):
            api_mix.vacuum_analyze(url)
            if kind == "five":
                for hook_id in hook_ids:
                    hooks.active(hook_id, True)
            receiver.get("reset")
            seed = random.SystemRandom().randrange(10**6)
            cpu_before = receiver.cpu()
            began = time.time()
            run = api_mix.measured_run(proc.pid, port, url, tokens, state, args, seed)
            ended = time.time()
            run.update(kind=kind, seed=seed, pair=pair + 1)
            if kind == "five":
                run["pending_at_end"] = pending(url, hook_ids)
                run["drain_s"] = wait_until(lambda: pending(url, hook_ids) == 0, args.drain_limit)
                run["receiver_cpu"] = receiver.cpu() - cpu_before
                arrivals = [a for a in receiver.get("arrivals") if a[0].startswith("/mix/")]
                run["sent_in_run"] = sum(1 for a in arrivals if a[1] <= ended)
                run["sent_total"] = len(arrivals)
                run["lag"] = ms_stats([a[1] - parse_at(a[2]) for a in arrivals if a[2]])
                run["per_hook"] = sorted(Counter(a[0] for a in arrivals).values())
                run["failed"] = sql(url, "SELECT count(*) FROM webhook_deliveries WHERE webhook_id::text = ANY(%s) "
                                         "AND (state = 'failed' OR attempt > 1)", (hook_ids,))[0][0]
                for hook_id in hook_ids:
                    hooks.active(hook_id, False)
                print(f"  five webhooks: sent {run['sent_in_run']} in the run, {run['pending_at_end']} pending at "
                      f"its end, drained in {run['drain_s']} s, lag p50 {run['lag']['p50']:.0f} ms "
                      f"p95 {run['lag']['p95']:.0f} ms", flush=True)
            run["window"] = (began, ended)
            runs.append(run)
            print(f"run {len(runs)} ({kind}): {run['rps']:.0f} req/s, errors {run['errors']}", flush=True)
    for hook_id in hook_ids:
        hooks.delete(hook_id)
    return runs


# --- 2. a slow receiver's backlog ----------------------------------------------------------------

def change(port: int, token: str, issue_id: str, label: str, client=None) -> float:
    """PATCH the issue's title; the unix time the call returned."""
    own = client is None
    client = client or api_mix.Client(port, token)
    status, body = client.call("PATCH", f"/api/v1/issues/{issue_id}", {"title": f"Webhook bench {label} {uuid.uuid4().hex[:8]}"})
    done = time.time()
    if own:
        client.conn.close()
    if status != 200:
        raise SystemExit(f"PATCH /api/v1/issues answered {status}: {body[:300]!r}")
    return done


def backlog(port: int, tokens: list[str], issue_ids: list[str], threads: int = 8) -> float:
    """One change of each issue, `threads` clients at a time; seconds taken."""
    left, lock = list(issue_ids), threading.Lock()

    def worker(n: int) -> None:
        client = api_mix.Client(port, tokens[n % len(tokens)])
        while True:
            with lock:
                if not left:
                    return
                issue_id = left.pop()
            change(port, "", issue_id, "backlog", client)

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.monotonic() - began


def timed_changes(args, port: int, token: str, receiver: Receiver, issue_ids: list[str], path: str,
                  url: str, hook_id: str, wait_limit: float) -> dict:
    """args.changes changes args.interval apart; F's lag from each PATCH's return to its arrival."""
    receiver.get("reset")
    returned, began = {}, time.monotonic()
    for n, issue_id in enumerate(issue_ids):
        time.sleep(max(0.0, began + n * args.interval - time.monotonic()))
        returned[issue_id] = change(port, token, issue_id, "timed")
    ended = time.time()

    def fast_arrivals():
        return {a[3]: a for a in receiver.get("arrivals") if a[0] == path and a[3] in returned}

    waited = wait_until(lambda: len(fast_arrivals()) == len(returned), wait_limit)
    got = fast_arrivals()
    lags = [got[i][1] - returned[i] for i in returned if i in got]
    db_lags = [r[0] for r in sql(url, "SELECT extract(epoch FROM delivered_at - created_at) FROM webhook_deliveries "
                                      "WHERE webhook_id = %s AND delivered_at IS NOT NULL", (hook_id,))]
    slow = [a for a in receiver.get("arrivals") if a[0].startswith("/slow/")]
    return {"lag": ms_stats(lags), "db_lag": ms_stats([float(x) for x in db_lags]), "arrived": len(got),
            "expected": len(returned), "waited": waited, "negative": sum(1 for x in lags if x < 0),
            "slow_sent": len(slow), "slow_window": ended - returned[issue_ids[0]] if issue_ids else 0.0}


def isolation(args, port, url, tokens, state, hooks: Hooks, receiver: Receiver) -> tuple[list[dict], dict]:
    all_ids = [i for ids in state["own"].values() for i in ids]
    rng = random.Random(17)
    rng.shuffle(all_ids)
    take = iter(all_ids)
    rounds = []
    for n in range(1, args.rounds + 1):
        row = {"round": n}
        fast = hooks.create(receiver.url(f"/fast/base{n}"))
        row["baseline"] = timed_changes(args, port, tokens[0], receiver, [next(take) for _ in range(args.changes)],
                                        f"/fast/base{n}", url, fast, 20)
        hooks.delete(fast)
        print(f"round {n} baseline: F lag {row['baseline']['lag']}", flush=True)
        slow = hooks.create(receiver.url(f"/slow/S{n}"))
        row["backlog_s"] = backlog(port, tokens, [next(take) for _ in range(args.backlog)])
        row["slow_pending"] = pending(url, [slow])
        fast = hooks.create(receiver.url(f"/fast/F{n}"))
        time.sleep(1)
        row["slow"] = timed_changes(args, port, tokens[0], receiver, [next(take) for _ in range(args.changes)],
                                    f"/fast/F{n}", url, fast, 20)
        row["slow_pending_end"] = pending(url, [slow])
        print(f"round {n} with S's backlog of {row['slow_pending']}: F lag {row['slow']['lag']}, S sent "
              f"{row['slow']['slow_sent']} meanwhile", flush=True)
        hooks.delete(fast)
        hooks.delete(slow)
        row["cleanup_s"] = wait_until(lambda: pending(url) == 0, args.drain_limit)
        rounds.append(row)
    # As many slow webhooks as outbox workers in all processes.
    count = OUTBOX_WORKERS * SERVER_WORKERS
    slow_ids = [hooks.create(receiver.url(f"/slow/K{i}")) for i in range(count)]
    saturated = {"slow_webhooks": count}
    saturated["backlog_s"] = backlog(port, tokens, [next(take) for _ in range(args.saturate_backlog)])
    saturated["slow_pending"] = pending(url, slow_ids)
    fast = hooks.create(receiver.url("/fast/Fsat"))
    time.sleep(1)
    saturated["during"] = timed_changes(args, port, tokens[0], receiver, [next(take) for _ in range(args.changes)],
                                        "/fast/Fsat", url, fast, 30)
    print(f"{count} slow webhooks: F got {saturated['during']['arrived']}/{args.changes} within 30 s", flush=True)
    deleted_at = time.time()
    for hook_id in slow_ids:
        hooks.delete(hook_id)
    saturated["after_delete_s"] = wait_until(lambda: pending(url, [fast]) == 0, 60)
    saturated["after_delete_from"] = deleted_at
    hooks.delete(fast)
    saturated["cleanup_s"] = wait_until(lambda: pending(url) == 0, args.drain_limit)
    return rounds, saturated


# --- 3. where the time goes (in this process, the server stopped) --------------------------------

def costs(args, url: str, state: dict, receiver: Receiver) -> dict:
    """What one write costs with 5 webhooks (paused vs active; no sender thread runs here), what
    sending one delivery costs (outbox.run_once), and the claim query behind a backlog."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, WEBHOOK_ALLOW_PRIVATE="1", BCRYPT_ROUNDS="4")
    from sqlalchemy import event, select

    from linear_web import create_app
    from linear_web.config import Config
    from linear_web.infra.extensions import db
    from linear_web.models import User
    from linear_web.services import outbox, tokens, webhooks
    config = Config()
    config.TESTING = True                      # no sender thread in this process: run_once sends below
    app = create_app(config)
    waits: list[float] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda conn, *a: conn.info.__setitem__("t0", time.perf_counter()))
        event.listen(db.engine, "after_cursor_execute", lambda conn, *a: waits.append(time.perf_counter() - conn.info["t0"]))
        owner = db.session.scalar(select(User).where(User.email == api_mix.OWNER))
        member = db.session.scalar(select(User).where(User.email == api_mix.MEMBERS[0]))
        hook_ids = [str(webhooks.create_webhook(owner, state["ENG"], {"url": receiver.url(f"/cost/{i}")})[0].id)
                    for i in range(5)]
        token = tokens.issue_access_token(member)[0]
        db.session.remove()
    for hook_id in hook_ids:
        prefill(url, hook_id)
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    issue_ids = state["own"][state["users"][0]]
    writes: dict[bool, list] = {False: [], True: []}
    for n in range(args.cost_writes + 5):                # 5 of each as warm-up
        for active in (False, True):
            sql(url, "UPDATE webhooks SET active = %s WHERE id::text = ANY(%s)", (active, hook_ids))
            waits.clear()
            began = time.perf_counter()
            r = client.patch(f"/api/v1/issues/{issue_ids[n]}", json={"title": f"Webhook cost {n} {active}"},
                             headers=auth)
            assert r.status_code == 200, r.status_code
            if n >= 5:
                writes[active].append((time.perf_counter() - began, len(waits), sum(waits)))
    out = {f"write_{'active' if k else 'paused'}": {"ms": 1000 * statistics.median(x[0] for x in v),
                                                     "statements": statistics.median(x[1] for x in v),
                                                     "db_ms": 1000 * statistics.median(x[2] for x in v)}
           for k, v in writes.items()}
    waits.clear()
    wall, cpu, sent = time.perf_counter(), time.process_time(), 0
    with app.app_context():
        while sent < 10 * args.cost_writes and (k := outbox.run_once()):
            sent += k
        db.session.remove()
    out["send"] = {"sent": sent, "ms": 1000 * (time.perf_counter() - wall) / max(sent, 1),
                   "cpu_ms": 1000 * (time.process_time() - cpu) / max(sent, 1), "statements": len(waits) / max(sent, 1),
                   "db_ms": 1000 * sum(waits) / max(sent, 1)}
    out["claim"] = {}
    for size in (0, 1000, 5000):                       # 5 lanes whose heads are being sent (leased)
        sql(url, "DELETE FROM outbox WHERE key LIKE 'bench-backlog-%%'")
        sql(url, "INSERT INTO outbox (id, topic, key, payload, available_at, attempts, created_at, lane, locked_until) "
                 "SELECT gen_random_uuid(), 'webhook', 'bench-backlog-' || g, '{}', now() - make_interval(secs => 600 - g * 0.1), "
                 "0, now() - make_interval(secs => 600 - g * 0.1), 'bench-lane-' || (g %% 5), "
                 "CASE WHEN g <= 5 THEN now() + interval '1 hour' END FROM generate_series(1, %s) g; ANALYZE outbox",
            (size,))
        times = []
        with app.app_context():
            for _ in range(15):
                began = time.perf_counter()
                claimed = outbox._claim(4)
                times.append(time.perf_counter() - began)
                assert not claimed
            db.session.remove()
        out["claim"][size] = 1000 * statistics.median(times)
    sql(url, "DELETE FROM outbox WHERE key LIKE 'bench-backlog-%%'")
    with app.app_context():
        db.engine.dispose()
    return out


# --- report -------------------------------------------------------------------------------------

def report(args, runs: list[dict], rounds: list[dict], saturated: dict, cost: dict, command: list[str],
           state: dict, took: float) -> str:
    med = statistics.median
    none = [r for r in runs if r["kind"] == "none"]
    five = [r for r in runs if r["kind"] == "five"]
    ratio = med([f["rps"] / n["rps"] for n, f in zip(none, five)])
    ratio_of_medians = med([r["rps"] for r in five]) / med([r["rps"] for r in none])
    lines = ["# Webhooks (issue 17)", "",
             f"Command: `.venv/bin/python bench/webhooks_bench.py --issues {args.issues} --runs {args.runs} "
             f"--seconds {args.seconds:g} --rounds {args.rounds} --changes {args.changes} --interval {args.interval:g} "
             f"--backlog {args.backlog} --slow-seconds {args.slow_seconds:g} --saturate-backlog "
             f"{args.saturate_backlog}`  ",
             f"Server: `{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}` (the README's "
             f"gunicorn.conf.py: {SERVER_WORKERS} workers, OUTBOX_WORKERS {OUTBOX_WORKERS}) with WEBHOOK_ALLOW_PRIVATE=1 "
             f"on PostgreSQL database `{api_mix.DB}`  ",
             f"Machine: {machine(args.server)}; the load generator, the receiver (another process), gunicorn and "
             "PostgreSQL share the same cores  ",
             f"Seeding: {state['seeding']}  ",
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; load average at the end "
             f"{os.getloadavg()[0]:.1f}; whole bench {took / 60:.1f} min", "",
             "## 1. The API mix with 5 webhooks", "",
             f"bench/api_mix.py's mix ({args.clients} clients, {args.seconds:g} s a run, a new seed each), in pairs: "
             "ENG's 5 webhooks paused (no deliveries written: the same as none) and then active, all to one "
             "receiver process that answers 200 at once. Each webhook starts with 1,000 delivered deliveries "
             "(pruning's steady state). VACUUM ANALYZE before each run; after an active run the bench waits "
             "for every delivery to be sent before the next. Lag: the event's `at` (stamped before COMMIT) "
             "to its arrival at the receiver, over every delivery of the run (those sent after its end too).", "",
             f"**Median: {med([r['rps'] for r in none]):.0f} req/s without, {med([r['rps'] for r in five]):.0f} "
             f"req/s with 5 webhooks: {100 * ratio:.1f} % (median of the pairs' ratios; ratio of the medians "
             f"{100 * ratio_of_medians:.1f} %)**; target ≥ 95 %: **{'met' if ratio >= 0.95 else 'not met'}**", "",
             "| pair | req/s none | req/s five | ratio | errors | deliveries sent in the run | pending at its end | "
             "drained after | lag p50 ms | p95 ms | max ms | receiver CPU s | gunicorn CPU ms/req none / five |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, f in zip(none, five):
        drain = f"{f['drain_s']:.1f} s" if f["drain_s"] is not None else f"> {args.drain_limit:g} s"
        lines.append(f"| {f['pair']} | {n['rps']:.0f} | {f['rps']:.0f} | {100 * f['rps'] / n['rps']:.1f} % | "
                     f"{n['errors']} / {f['errors']} | {f['sent_in_run']:,} of {f['sent_total']:,} | "
                     f"{f['pending_at_end']:,} | {drain} | {f['lag']['p50']:.0f} | {f['lag']['p95']:.0f} | "
                     f"{f['lag']['max']:.0f} | {f['receiver_cpu']:.1f} | "
                     f"{n['cpu_ms_per_request']['gunicorn']:.2f} / {f['cpu_ms_per_request']['gunicorn']:.2f} |")
    lines += ["", f"Deliveries failed or retried: {sum(f['failed'] for f in five)}. Per webhook, sent in each active "
              "run (all 5 should match): " + "; ".join(", ".join(map(str, f["per_hook"])) for f in five) + ".", "",
              "Per operation, median of the runs:", "",
              "| operation | p50 ms none | p50 ms five | p95 ms none | p95 ms five |", "|---|---:|---:|---:|---:|"]
    for kind, _ in api_mix.MIX:
        lines.append(f"| {api_mix.NAMES[kind]} | {med([r['ops'][kind]['p50'] for r in none]):.1f} | "
                     f"{med([r['ops'][kind]['p50'] for r in five]):.1f} | {med([r['ops'][kind]['p95'] for r in none]):.1f} | "
                     f"{med([r['ops'][kind]['p95'] for r in five]):.1f} |")
    lines += ["", "CPU per request, median (ms), none / five: " + ", ".join(
        f"{k} {med([r['cpu_ms_per_request'][k] for r in none]):.2f} / {med([r['cpu_ms_per_request'][k] for r in five]):.2f}"
        for k in ("gunicorn", "postgres", "client")) + ". Run seeds: " + ", ".join(str(r["seed"]) for r in runs), ""]

    def lag_cells(d: dict) -> str:
        lag = d["lag"]
        return (f"{d['arrived']}/{d['expected']} | {lag['p50']:.0f} | {lag['p95']:.0f} | {lag['max']:.0f} | "
                f"{d['db_lag']['p50']:.0f} / {d['db_lag']['p95']:.0f}")

    base_p95 = med([r["baseline"]["lag"]["p95"] for r in rounds])
    slow_p95 = med([r["slow"]["lag"]["p95"] for r in rounds])
    slow_max = max(r["slow"]["lag"]["max"] for r in rounds)
    base_max = max(r["baseline"]["lag"]["max"] for r in rounds)
    met = slow_max - base_max <= 1000 and all(r["slow"]["arrived"] == r["slow"]["expected"] for r in rounds)
    lines += [f"## 2. A slow receiver's {args.backlog:,} events", "",
              f"Per round: webhook F alone gets {args.changes} changes (PATCH title, each on a new connection so "
              f"both workers serve them) {args.interval:g} s apart (baseline); then webhook S, whose receiver takes "
              f"{args.slow_seconds:g} s per answer, gets {args.backlog:,} changes (8 clients), F is registered and "
              f"the same number of changes follow, which S and F both want. F's lag: from the PATCH's return to "
              "the receiver (can be slightly negative: the sender may beat the response to the client); "
              "in the database, delivered_at - created_at.", "",
              "| round | case | F arrived | lag p50 ms | p95 ms | max ms | db p50 / p95 ms | S pending | S sent meanwhile |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rounds:
        lines.append(f"| {r['round']} | F alone | {lag_cells(r['baseline'])} | – | – |")
        lines.append(f"| {r['round']} | F beside S's backlog | {lag_cells(r['slow'])} | {r['slow_pending']:,} → "
                     f"{r['slow_pending_end']:,} | {r['slow']['slow_sent']} in {r['slow']['slow_window']:.0f} s |")
    lines += ["", f"**F's lag p95: {base_p95:.0f} ms alone, {slow_p95:.0f} ms beside the slow backlog (median of the "
              f"rounds); worst {base_max:.0f} ms alone, {slow_max:.0f} ms beside it**; target (not delayed by more "
              f"than 1 s): **{'met' if met else 'not met'}**. {args.backlog:,} changes took "
              + ", ".join(f"{r['backlog_s']:.0f} s" for r in rounds) + " to make; left-over outbox rows of the "
              "deleted webhooks drained in " + ", ".join(f"{r['cleanup_s']:.0f} s" if r["cleanup_s"] is not None
                                                         else "(not within the limit)" for r in rounds) + ".", ""]
    d = saturated["during"]
    lines += [f"### Beyond the target: {saturated['slow_webhooks']} slow webhooks (2 workers x OUTBOX_WORKERS "
              f"{OUTBOX_WORKERS})", "",
              f"{saturated['slow_webhooks']} webhooks on slow receivers, {args.saturate_backlog} changes that each "
              f"wants ({saturated['slow_pending']:,} pending deliveries), then F and {args.changes} changes as above: "
              f"**F got {d['arrived']} of {d['expected']} within 30 s of the last change**"
              + (f" (lag of those: p50 {d['lag']['p50']:.0f} ms, max {d['lag']['max']:.0f} ms)" if d["arrived"] else "")
              + ": each freed worker takes the next slow delivery, older than F's. After the slow webhooks were "
              "deleted, F's pending deliveries went out within "
              + (f"{saturated['after_delete_s']:.1f} s." if saturated["after_delete_s"] is not None else "(not within 60 s).")]
    paused, active, send = cost["write_paused"], cost["write_active"], cost["send"]
    lines += ["", "## 3. Where the time goes (in-process, one at a time, the server stopped)", "",
              f"PATCH /api/v1/issues/{{id}} (title), {args.cost_writes} of each alternately, ENG's 5 webhooks "
              "paused or active (no sender thread in this process):", "",
              "| webhooks | median ms | SQL statements | time in them ms |", "|---|---:|---:|---:|",
              f"| paused (as none) | {paused['ms']:.1f} | {paused['statements']:.0f} | {paused['db_ms']:.1f} |",
              f"| 5 active | {active['ms']:.1f} | {active['statements']:.0f} | {active['db_ms']:.1f} |", "",
              f"Sending the {send['sent']} deliveries those writes made (outbox.run_once, receiver on loopback): "
              f"{send['ms']:.1f} ms each, {send['cpu_ms']:.1f} ms of this process's CPU, {send['statements']:.1f} SQL "
              f"statements taking {send['db_ms']:.1f} ms.", "",
              "The sender's claim query (outbox._claim(4)) with 5 lanes whose heads are being sent, by pending "
              "messages behind them: " + ", ".join(f"{n:,}: {ms:.1f} ms" for n, ms in cost["claim"].items())
              + ". A sender runs it after every commit of its process that queued a message, and after every "
              "message it sent."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432"))
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=25)
    ap.add_argument("--runs", type=int, default=3, help="pairs of runs: paused, then active webhooks")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of the slow-receiver measurement")
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--backlog", type=int, default=1000)
    ap.add_argument("--slow-seconds", type=float, default=2.0)
    ap.add_argument("--saturate-backlog", type=int, default=60)
    ap.add_argument("--drain-limit", type=float, default=240)
    ap.add_argument("--cost-writes", type=int, default=40)
    ap.add_argument("--reuse", action="store_true", help="use the database a --keep run left (no seeding)")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    ap.add_argument("--skip-mix", action="store_true", help="only the slow-receiver part (trying it out)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results-webhooks.md"))
    ap.add_argument("--receive", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.receive:
        return receive(args.receive, args.slow_seconds)
    started = time.monotonic()
    url, state = api_mix.open_workspace(args)
    os.environ["WEBHOOK_ALLOW_PRIVATE"] = "1"
    receiver = Receiver(args.slow_seconds)
    port = free_port()
    command = gunicorn_command(port)
    proc = start_server(url, port)
    try:
        tokens = [api_mix.login(port, email) for email in api_mix.MEMBERS]
        api_mix.seed_workspace(args, port, url, tokens, state)
        clear_webhooks(url)
        hooks = Hooks(port, api_mix.login(port, api_mix.OWNER), state["ENG"])   # ENG's creator: its admin
        runs = [] if args.skip_mix else throughput(args, proc, port, url, tokens, state, hooks, receiver)
        rounds, saturated = isolation(args, port, url, tokens, state, hooks, receiver)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        cost = costs(args, url, state, receiver)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        receiver.stop()
        if not args.keep and not args.reuse:
            api_mix.drop_workspace(args.server)
    if args.skip_mix:
        print(json.dumps({"rounds": rounds, "saturated": saturated, "cost": cost}, indent=1, default=str))
        return
    text = report(args, runs, rounds, saturated, cost, command, state, time.monotonic() - started)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
