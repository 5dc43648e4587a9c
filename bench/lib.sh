# lib.sh: what the bench scripts share; sourced, not run.
#
#   here=$(cd "$(dirname "$0")" && pwd); . "$here/lib.sh"
#
# Sets JOBQ (default build/jobq) unless set; defines the helpers below.

JOBQ=${JOBQ:-$here/../build/jobq}

# now_us: microseconds since the epoch, from bash's own clock (no fork).
now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t))
}

# need_jobq NAME: exit 2 with a line on stderr when $JOBQ is not there.
need_jobq() {
	[ -x "$JOBQ" ] || { echo "$1: no jobq binary at $JOBQ" >&2; exit 2; }
}

# calc EXPR: awk arithmetic, printed with %.4g ("x" stands for nothing).
calc() { awk "BEGIN { printf \"%.4g\", $1 }"; }

# nop_handlers DIR: DIR/nop, a handler that exits 0.
nop_handlers() {
	mkdir -p "$1"
	chmod 755 "$1"
	printf '#!/bin/sh\nexit 0\n' >"$1/nop"
	chmod 755 "$1/nop"
}

# wait_count SPOOL STATE N SECONDS: poll until N jobs are in STATE;
# status 1 when the deadline passes first.
wait_count() {
	local end=$(($(now_us) + $4 * 1000000)) c
	while :; do
		c=$("$JOBQ" --dir "$1" list --status "$2" 2>/dev/null | grep -c .)
		[ "$c" -ge "$3" ] && return 0
		[ "$(now_us)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# wait_lock SPOOL: poll (5 s) until a worker holds SPOOL (its lock file).
wait_lock() {
	local i
	for ((i = 0; i < 100; i++)); do
		compgen -G "$1/workers/*.lock" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# big_spool SPOOL N FINISHED WAITING: a spool made by jobq, then filled
# with SQL (a million submits would take an hour): FINISHED completed
# jobs of a day ago, WAITING jobs that cannot run yet, all more urgent
# (priority 0) than the N runnable no-op jobs of priority normal: a
# third run an hour ahead, a third after a job that never runs, a third
# in the paused queue `paused`.
big_spool() {
	"$JOBQ" --dir "$1" pause paused >/dev/null || return 1
	python3 - "$1/jobq.db" "$2" "$3" "$4" <<'PY'
import sqlite3, sys, time
db, n, finished, waiting = sys.argv[1], *map(int, sys.argv[2:])
c = sqlite3.connect(db)
now = int(time.time() * 1000)
c.execute("INSERT OR IGNORE INTO queues (name) VALUES ('default')")
def jobs(rows):
    # A finished job started when it finished: stats's samples skip
    # jobs that never started, and would walk all of them.
    c.executemany("INSERT INTO jobs (id, type, queue, priority, state,"
                  " created_at, run_at, started_at, finished_at,"
                  " timeout_ms, attempt, delayed, blocked, exit_code, worker)"
                  " VALUES (?1, 'nop', ?2, ?3, ?4, ?5, ?6, ?7, ?7, 300000,"
                  " ?8, ?9, ?10, ?11, ?12)", rows)
    c.executemany("INSERT INTO payloads (job_id, data)"
                  " VALUES (?, CAST('{}' AS BLOB))", ((r[0],) for r in rows))
i = 0
batch = []
day = now - 86400000
for _ in range(finished):
    i += 1
    batch.append((i, "default", 0, "completed", day, day, day, 1, 0, 0, 0,
                  "w"))
    if len(batch) == 50000:
        jobs(batch)
        batch = []
jobs(batch)
c.executemany("INSERT INTO attempts (job_id, attempt, worker, started_at,"
              " finished_at, outcome, exit_code) VALUES"
              " (?, 1, 'w', ?, ?, 'completed', 0)",
              ((k, day, day) for k in range(1, finished + 1)))
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
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.close()
PY
}
