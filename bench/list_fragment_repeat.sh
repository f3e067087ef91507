#!/usr/bin/env bash
# Repeated wrk runs of the list fragment (16 clients), each against a fresh gunicorn, for the
# spread of p99 between runs (one run of issues_bench.py gives one sample of a noisy tail).
#
#   .venv/bin/python bench/seed_bulk.py --issues 100000   # once (database lw_bench)
#   bash bench/list_fragment_repeat.sh [runs=6] [seconds=10]
#
# Environment passes through to gunicorn (WEB_CONCURRENCY, GUNICORN_THREADS, REQUEST_CONCURRENCY).
# Needs wrk (Debian package) and curl. Rests 20 s between runs so the load average settles.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-6}
SECS=${2:-10}
PORT=${BENCH_PORT:-8123}
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
GPID=
trap '[ -n "$GPID" ] && kill $GPID 2>/dev/null; rm -rf "$WORK"' EXIT
if curl -s -o /dev/null $BASE/health; then echo "error: port $PORT is in use" >&2; exit 1; fi
export DATABASE_URL=${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/${BENCH_DB:-lw_bench}}
export SECRET_KEY=bench-secret-key-that-is-long-enough-for-hs256-0123456789 RATELIMIT_STORAGE_URI=memory://
UA=lw-bench  # the browser's User-Agent stays the same: flask-login's session protection compares it

one_run() {
    .venv/bin/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$PORT wsgi:app >"$WORK/gunicorn.log" 2>&1 &
    GPID=$!
    for _ in $(seq 60); do curl -sf $BASE/health >/dev/null && break; sleep 0.5; done
    rm -f "$WORK/jar"
    local token
    token=$(curl -s -A $UA -c "$WORK/jar" -b "$WORK/jar" $BASE/login \
        | grep -o 'name="csrf_token"[^>]*value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
    curl -s -A $UA -c "$WORK/jar" -b "$WORK/jar" -o /dev/null --data-urlencode "csrf_token=$token" \
        --data-urlencode "email=bench@example.com" --data-urlencode "password=bench-password-1" $BASE/login
    local cookie
    cookie=$(awk '$6=="session"{print "session="$7}' "$WORK/jar")
    cat > "$WORK/paths.lua" <<LUA
paths = {"/team/ENG/issues?status=todo&priority=2", "/team/ENG/issues?assignee=me",
         "/team/ENG/issues?priority=1&sort=priority", "/team/ENG/issues?status=in_progress&sort=-updated_at",
         "/team/ENG/issues?q=payment", "/team/DES/issues?status=backlog&status=todo"}
i = 0
wrk.headers["Cookie"] = "$cookie"
wrk.headers["HX-Request"] = "true"
wrk.headers["HX-Target"] = "issue-list"
wrk.headers["User-Agent"] = "$UA"
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
    wrk -t2 -c16 -d3s -s "$WORK/paths.lua" $BASE/ >/dev/null   # warm-up: both workers see every path
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    wrk -t2 -c16 -d${SECS}s --latency -s "$WORK/paths.lua" $BASE/ \
        | awk -v la="$load" '/ 50%/{p50=$2} / 99%/{p99=$2} /Requests\/sec/{r=$2} /Non-2xx/{bad=$NF}
              END{printf "load %s  p50 %s  p99 %s  req/s %s  non-2xx %s\n", la, p50, p99, r, bad+0}'
    kill $GPID; wait $GPID 2>/dev/null || true
    GPID=
}

echo "list fragment, 16 clients, ${SECS}s per run, $(nproc) CPUs, $(date -u +%FT%TZ)"
for n in $(seq "$RUNS"); do
    [ "$n" -gt 1 ] && sleep 20
    one_run
done
