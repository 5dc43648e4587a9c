#!/bin/bash
# wake-latency.sh: how long an idle worker takes to start a newly
# submitted job.
#
# What it measures: one `jobq worker` sits idle on a fresh spool; then,
# SAMPLES times with a pause between (so the worker is asleep in poll each
# time), the clock is read, `jobq submit` runs, and the handler -- a bash
# script whose first act is to write $EPOCHREALTIME -- records when it
# started.  latency = handler start - time before submit, so it includes
# the submit itself (process start, the write transaction and its fsync),
# the inotify wake-up, the claim transaction, fork+exec of the handler and
# bash's own start-up.  The last part is measured alone as the "floor"
# (fork+exec of the same handler from this script).  The target is 50 ms
# (jobq(1): "picks up a new job within about 50 ms").
#
#   bench/wake-latency.sh [SAMPLES]      (JOBQ=path/to/jobq, default build/jobq)
#
# Prints the samples' median, p95 and max, and the ratio to the target.

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jobq wake-latency
SAMPLES=${1:-50}
PAUSE=${PAUSE:-0.2}
TARGET_MS=50

W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-wake.XXXXXX")
export JOBQ_DIR=$W/spool
unset JOBQ_HANDLERS
mkdir -p "$W/h" "$W/t"
chmod 755 "$W/h"
cat >"$W/h/stamp" <<EOF
#!/bin/bash
echo "\$EPOCHREALTIME" >"$W/t/\$JOBQ_JOB_ID"
EOF
chmod 755 "$W/h/stamp"

wpid=
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# us: microseconds from an $EPOCHREALTIME value.
us() {
	local t=${1/[.,]/}
	echo $((10#$t))
}

# The floor: fork+exec of the handler itself until its first line runs.
: >"$W/floor"
for ((i = 0; i < 20; i++)); do
	t0=$EPOCHREALTIME
	JOBQ_JOB_ID=floor "$W/h/stamp"
	echo $(($(us "$(<"$W/t/floor")") - $(us "$t0"))) >>"$W/floor"
done

"$JOBQ" worker --quiet --handlers "$W/h" </dev/null >/dev/null 2>"$W/worker.log" &
wpid=$!
# Wait for the worker to be up (its lock file), then idle.
for ((i = 0; i < 100; i++)); do
	compgen -G "$JOBQ_DIR/workers/*.lock" >/dev/null && break
	sleep 0.05
done
sleep 0.5

: >"$W/samples"
for ((i = 0; i < SAMPLES; i++)); do
	sleep "$PAUSE"
	t0=$EPOCHREALTIME
	id=$("$JOBQ" submit stamp)
	t1=$EPOCHREALTIME
	for ((k = 0; k < 1000; k++)); do
		[ -s "$W/t/$id" ] && break
		sleep 0.005
	done
	[ -s "$W/t/$id" ] || { echo "wake-latency: job $id never started" >&2; exit 1; }
	ts=$(<"$W/t/$id")
	echo "$(($(us "$ts") - $(us "$t0"))) $(($(us "$t1") - $(us "$t0")))" >>"$W/samples"
done

stats() {
	# stats FILE COLUMN: "median p95 max" in ms
	sort -n -k"$2,$2" "$1" | awk -v c="$2" '
		{ v[NR] = $c }
		END {
			p95 = int(NR * 0.95 + 0.999); if (p95 < 1) p95 = 1
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f\n", m / 1000, v[p95] / 1000, v[NR] / 1000
		}'
}
read -r med p95 max < <(stats "$W/samples" 1)
read -r smed _ _ < <(stats "$W/samples" 2)
read -r fmed _ _ < <(stats "$W/floor" 1)
echo "wake latency, submit -> handler start, $SAMPLES samples: median ${med} ms, p95 ${p95} ms, max ${max} ms"
awk -v m="$med" -v p="$p95" -v t="$TARGET_MS" -v s="$smed" -v f="$fmed" 'BEGIN {
	printf "  target %d ms: median %.2fx, p95 %.2fx of the target\n", t, m / t, p / t
	printf "  of which: jobq submit itself (median) %.1f ms; fork+exec of the handler floor %.1f ms\n", s, f
}'
