#!/bin/bash
# contention.sh: do writers get a fair share of the spool's write lock?
#
# What it measures: P processes each run `jobq submit` M times at once
# against one spool, while a 4-handler worker claims and finishes the
# jobs, so submits, claims and finishes all contend for the write lock.
# It prints each submitter's wall time and the ratio of the slowest to
# the fastest.  With writers queued on flock the ratio stays near 1; a
# starving scheme (SQLite's busy handler alone was measured leaving 6 of
# 16 processes with nothing) shows as a large ratio or a submitter that
# never finishes.  Exit status 1 if the ratio exceeds MAX_RATIO (3).
#
#   bench/contention.sh [P] [M]   (JOBQ=path/to/jobq; P=8, M=50)

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jobq contention
P=${1:-8}
M=${2:-50}
MAX_RATIO=${MAX_RATIO:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-contention.XXXXXX")
export JOBQ_DIR=$W/spool
unset JOBQ_HANDLERS

submitter() {
	local t0 i
	t0=$(now_us)
	for ((i = 0; i < M; i++)); do
		"$JOBQ" submit -- true >/dev/null || exit 1
	done
	echo $(($(now_us) - t0)) >"$W/t.$1"
}

"$JOBQ" submit -- true >/dev/null	# create the spool first
"$JOBQ" worker -j 4 --quiet 3>&- &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null; rm -rf "$W"' EXIT

pids=()
for ((p = 0; p < P; p++)); do
	submitter "$p" &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || { echo "a submitter failed" >&2; exit 1; }; done

total=$(( P * M + 1 ))
"$JOBQ" wait --timeout 120 $(seq 1 "$total") >/dev/null 2>&1
completed=$("$JOBQ" list --status completed | wc -l)
cat "$W"/t.* | sort -n | awk -v p="$P" -v m="$M" -v max="$MAX_RATIO" \
    -v done="$completed" -v total="$total" '
	{ t[NR] = $1 }
	END {
		printf "%d submitters x %d submits, with a -j 4 worker running them\n", p, m
		for (i = 1; i <= NR; i++)
			printf "  submitter: %7.0f ms (%.1f ms per submit)\n", t[i] / 1000, t[i] / 1000 / m
		r = t[NR] / t[1]
		printf "slowest/fastest: %.2f (fair if under %s); jobs completed: %d/%d\n", r, max, done, total
		exit (r > max || done != total) ? 1 : 0
	}'
