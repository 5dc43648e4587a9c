#!/bin/bash
# memory.sh: the worker's peak memory with many loud handlers in a big
# spool.
#
# What it measures: a spool holding FINISHED ended jobs (written with SQL
# through python3's sqlite3 module after jobq made the schema, as
# claim-scale.sh does) and J runnable jobs whose handler writes MB
# megabytes to its standard output and as many to its standard error;
# one `jobq worker -j J --drain` runs them all at once.  The worker's
# peak resident set (VmHWM of /proc/PID/status, read after its last job
# ended and before it exits, and cross-checked with GNU time's maximum
# resident set) is printed with the budget: 10 MiB plus what it may hold
# of results (J x the 1 MiB result cap).  Exits 1 over budget.
#
#   bench/memory.sh [J] [MB] [FINISHED]
#       (JOBQ=path/to/jobq, default build/jobq; J=64, MB=10, 1000000)

set -eu
here=$(cd "$(dirname "$0")" && pwd)
JOBQ=${JOBQ:-$here/../build/jobq}
[ -x "$JOBQ" ] || { echo "memory: no jobq binary at $JOBQ" >&2; exit 2; }
J=${1:-64}
MB=${2:-10}
FINISHED=${3:-1000000}
RESULT_CAP_KB=1024

W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-mem.XXXXXX")
trap 'rm -rf "$W"' EXIT
unset JOBQ_HANDLERS JOBQ_DIR
mkdir -p "$W/h"
chmod 755 "$W/h"
# MB megabytes on each of stdout and stderr, in 64 KiB writes.
cat >"$W/h/loud" <<SH
#!/bin/sh
head -c $((MB * 1024 * 1024)) /dev/zero &
head -c $((MB * 1024 * 1024)) /dev/zero >&2
wait
SH
chmod 755 "$W/h/loud"

# BENCH_SPOOL: a big spool bench/run made already (the jobs are added
# to it); else one of FINISHED ended jobs, made here.
S=${BENCH_SPOOL:-$W/s}
if [ -z "${BENCH_SPOOL:-}" ]; then
	"$JOBQ" --dir "$S" resume unused >/dev/null	# the schema
	python3 - "$W/s/jobq.db" "$FINISHED" <<'PY'
import sqlite3, sys, time
db, finished = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
now = int(time.time() * 1000) - 86400000
batch = []
def flush():
    c.executemany("INSERT INTO jobs (id, type, queue, priority, state,"
                  " created_at, run_at, finished_at, timeout_ms, attempt,"
                  " delayed, blocked, exit_code, worker) VALUES"
                  " (?, 'loud', 'default', 20, 'completed', ?, ?, ?,"
                  " 300000, 1, 0, 0, 0, 'w')", batch)
    c.executemany("INSERT INTO payloads (job_id, data)"
                  " VALUES (?, CAST('{}' AS BLOB))", ((r[0],) for r in batch))
    batch.clear()
for i in range(1, finished + 1):
    batch.append((i, now, now, now))
    if len(batch) == 50000:
        flush()
flush()
c.commit()
c.execute("ANALYZE")
c.close()
PY
fi
for ((i = 0; i < J; i++)); do
	"$JOBQ" --dir "$S" submit loud >/dev/null
done

/usr/bin/time -f '%M' -o "$W/time" \
	"$JOBQ" --dir "$S" worker --drain --quiet -j "$J" --handlers "$W/h" \
	3>&- &
tpid=$!
# The worker is time's child; poll its high-water mark until it exits.
hwm=0
while kill -0 "$tpid" 2>/dev/null; do
	for p in $(pgrep -P "$tpid" 2>/dev/null); do
		v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' \
			"/proc/$p/status" 2>/dev/null || true)
		[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
	done
	sleep 0.05
done
wait "$tpid"
peak=$(cat "$W/time")
[ "$peak" -gt "$hwm" ] && hwm=$peak
done_n=$("$JOBQ" --dir "$S" list --status completed | wc -l)
budget=$((10 * 1024 + J * RESULT_CAP_KB))
printf 'worker peak RSS %d KiB with %d handlers x %d MB out+err, %d completed jobs in the spool; budget %d KiB (%.2f of it)\n' \
	"$hwm" "$J" "$MB" "$done_n" "$budget" \
	"$(awk -v a="$hwm" -v b="$budget" 'BEGIN { print a / b }')"
echo "worker_peak_rss_kib $hwm"
echo "budget_kib $budget"
[ "$hwm" -le "$budget" ]
