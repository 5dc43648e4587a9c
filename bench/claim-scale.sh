#!/bin/bash
# claim-scale.sh: does the claim stay fast in a big spool?
#
# The same N runnable no-op jobs (priority normal, queue default) are
# drained by one `jobq worker --drain -j 4` twice: from a spool that
# holds only them, and from one that also holds 1 000 000 finished jobs
# and 100 000 jobs that cannot run yet, all more urgent (priority 0) than
# the runnable ones so that a claim that walked over them would show it:
# a third with a run time an hour ahead, a third waiting for a job that
# has not run (--after), a third in a paused queue.  Prints both rates
# (claim, run and record per second) and big/empty, which the scheduling
# design promises is no less than 0.8.  The big spool is written with
# SQL through python3's sqlite3 module, after jobq has made the schema,
# since a million submits would take an hour.  Not in CI: it takes a few
# minutes and a few hundred MB under TMPDIR.
#
# Then, if build/tests/claim-bench is there, the same with the claim and
# finish transactions alone (no handler, no worker loop), which shows the
# claim's own cost instead of fork and exec's.
#
#   bench/claim-scale.sh [N] [FINISHED] [WAITING]
#       (JOBQ=path/to/jobq, default build/jobq; N=2000, 1000000, 100000)

set -eu
here=$(cd "$(dirname "$0")" && pwd)
JOBQ=${JOBQ:-$here/../build/jobq}
[ -x "$JOBQ" ] || { echo "claim-scale: no jobq binary at $JOBQ" >&2; exit 2; }
N=${1:-2000}
FINISHED=${2:-1000000}
WAITING=${3:-100000}

W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-claim.XXXXXX")
trap 'rm -rf "$W"' EXIT
unset JOBQ_HANDLERS JOBQ_DIR
mkdir -p "$W/h"
chmod 755 "$W/h"
printf '#!/bin/sh\nexit 0\n' >"$W/h/nop"
chmod 755 "$W/h/nop"

now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t))
}

# fill SPOOL FINISHED WAITING: the schema by jobq, the rows by SQL.
fill() {
	"$JOBQ" --dir "$1" pause paused >/dev/null
	python3 - "$1/jobq.db" "$N" "$2" "$3" <<'PY'
import sqlite3, sys, time
db, n, finished, waiting = sys.argv[1], *map(int, sys.argv[2:])
c = sqlite3.connect(db)
now = int(time.time() * 1000)
c.execute("INSERT OR IGNORE INTO queues (name) VALUES ('default')")
def jobs(rows):
    c.executemany("INSERT INTO jobs (id, type, queue, priority, state,"
                  " created_at, run_at, finished_at, timeout_ms, attempt,"
                  " delayed, blocked, exit_code, worker)"
                  " VALUES (?, 'nop', ?, ?, ?, ?, ?, ?, 300000, ?, ?, ?,"
                  " ?, ?)", rows)
    c.executemany("INSERT INTO payloads (job_id, data)"
                  " VALUES (?, CAST('{}' AS BLOB))", ((r[0],) for r in rows))
i = 0
batch = []
for _ in range(finished):
    i += 1
    day = now - 86400000
    batch.append((i, "default", 0, "completed", day, day, day, 1, 0, 0, 0,
                  "w"))
    if len(batch) == 50000:
        jobs(batch)
        batch = []
jobs(batch)
c.executemany("INSERT INTO attempts (job_id, attempt, worker, started_at,"
              " finished_at, outcome, exit_code) VALUES"
              " (?, 1, 'w', ?, ?, 'completed', 0)",
              ((k, now - 86400000, now - 86400000)
               for k in range(1, finished + 1)))
# The blocker: a job of the paused queue, which never runs here.
blocker = None
batch = []
for k in range(waiting):
    i += 1
    kind = k % 3
    if blocker is None:
        blocker = i
        kind = 2
    batch.append((i, "paused" if kind == 2 else "default", 0, "pending",
                  now, now + 3600000 if kind == 0 else now, None, 0,
                  1 if kind == 0 else 0, 1 if kind == 1 else 0, None, None))
jobs(batch)
c.executemany("INSERT INTO deps (job_id, dep_id) VALUES (?, ?)",
              ((r[0], blocker) for r in batch if r[9] == 1))
c.executemany("INSERT INTO jobs (id, type, queue, priority, state,"
              " created_at, run_at, timeout_ms) VALUES"
              " (?, 'nop', 'default', 20, 'pending', ?, ?, 0)",
              ((i + k, now, now) for k in range(1, n + 1)))
c.executemany("INSERT INTO payloads (job_id, data)"
              " VALUES (?, CAST('{}' AS BLOB))",
              ((i + k,) for k in range(1, n + 1)))
c.commit()
c.execute("ANALYZE")
c.close()
PY
}

# drain SPOOL: prints jobs per second
drain() {
	local t0 t1
	t0=$(now_us)
	"$JOBQ" --dir "$1" worker --drain --quiet -j 4 --handlers "$W/h" 3>&-
	t1=$(now_us)
	local left
	left=$("$JOBQ" --dir "$1" list --status pending --queue default \
		--priority normal | grep -c . || true)
	[ "$left" -eq 0 ] || { echo "claim-scale: $left jobs left" >&2; exit 1; }
	python3 -c "print('%.0f' % ($N * 1e6 / ($t1 - $t0)))"
}

echo "claim-scale: building the spools ($N runnable; $FINISHED finished," \
	"$WAITING not runnable yet)" >&2
fill "$W/empty" 0 0
fill "$W/big" "$FINISHED" "$WAITING"
cp -a "$W/empty" "$W/empty2"
cp -a "$W/big" "$W/big2"
echo "claim-scale: big spool $(du -sh "$W/big" | cut -f1)" >&2
empty=$(drain "$W/empty")
big=$(drain "$W/big")
echo "worker --drain -j 4, empty spool: $empty jobs/s"
echo "worker --drain -j 4, big spool:   $big jobs/s"
python3 -c "print('ratio big/empty: %.2f (want >= 0.80)' % ($big / $empty))"

# The claim and finish transactions alone, without handlers, if the
# tests are built: a far finer measure of the claim's cost.
CB=${CLAIM_BENCH:-$(dirname "$JOBQ")/tests/claim-bench}
if [ -x "$CB" ]; then
	read -r n1 e2 < <(JOBQ_SYNC=normal "$CB" "$W/empty2")
	read -r n2 b2 < <(JOBQ_SYNC=normal "$CB" "$W/big2")
	[ "$n1" -eq "$N" ] && [ "$n2" -eq "$N" ] ||
		{ echo "claim-scale: claimed $n1 and $n2 of $N" >&2; exit 1; }
	echo "claim+finish alone (JOBQ_SYNC=normal), empty: $e2 jobs/s"
	echo "claim+finish alone (JOBQ_SYNC=normal), big:   $b2 jobs/s"
	python3 -c "print('ratio big/empty: %.2f' % ($b2 / $e2))"
fi
