#!/bin/bash
# stats-1m.sh: is `jobq stats` fast in a big spool?
#
# Builds a spool of N jobs (default 1 000 000): ended jobs spread over
# the last 30 days across 4 queues and 4 priorities, in every ended
# state, plus a few thousand waiting ones, written with SQL through
# python3's sqlite3 module after jobq has made the schema (a million
# submits would take an hour); the triggers of the schema keep the
# counters as they would for submits.  Then times `jobq stats --json`
# RUNS times and prints the median and the slowest, against the promise
# of 100 ms, and the cost of counting by
# state with a scan of the jobs instead.  Not in CI: it takes a minute
# and ~200 MB under TMPDIR.
#
#   bench/stats-1m.sh [N] [RUNS]    (JOBQ=path/to/jobq, default build/jobq)

set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jobq stats-1m
N=${1:-1000000}
RUNS=${2:-11}
dir=$(mktemp -d "${TMPDIR:-/tmp}/jobq-stats.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export JOBQ_DIR=$dir/spool

"$JOBQ" submit -- true >/dev/null	# the schema
"$JOBQ" cancel 1 >/dev/null
python3 - "$JOBQ_DIR/jobq.db" "$N" <<'PY'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
now = int(time.time() * 1000)
day = 86400 * 1000
rnd = random.Random(1)
ended = ["completed"] * 90 + ["failed"] * 6 + ["timeout"] * 2 + \
    ["cancelled"] * 2
def rows():
    for i in range(n):
        q = "q%d" % (i % 4)
        p = (0, 10, 20, 30)[i % 4]
        if i >= n - 5000:
            yield (q, p, "pending", now, now, None, None)
            continue
        fin = now - rnd.randrange(30 * day)
        st = ended[i % 100]
        start = fin - rnd.randrange(60000)
        yield (q, p, st, start - 5000, start - rnd.randrange(5000),
               start, fin)
db.execute("BEGIN")
db.executemany("INSERT INTO jobs (type, queue, priority, state,"
               " created_at, run_at, started_at, finished_at, timeout_ms)"
               " VALUES ('t', ?, ?, ?, ?, ?, ?, ?, 0)", rows())
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY

times=()
for _ in $(seq "$RUNS"); do
	t0=${EPOCHREALTIME/[.,]/}
	"$JOBQ" stats --json >/dev/null
	t1=${EPOCHREALTIME/[.,]/}
	times+=($(((t1 - t0) / 1000)))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
scan=$(python3 - "$JOBQ_DIR/jobq.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
t = time.monotonic()
db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
print(int((time.monotonic() - t) * 1000))
PY
)
echo "stats-1m: $N jobs: stats --json median ${sorted[RUNS / 2]} ms," \
	"slowest ${sorted[RUNS - 1]} ms (promise: under 100 ms);" \
	"counting by state with a scan instead: $scan ms"
"$JOBQ" stats --json | python3 -c 'import json, sys
v = json.load(sys.stdin)
print("stats-1m: total", v["jobs"]["total"], "last hour",
      v["ended"]["last_hour"], "samples", v["samples"])'
