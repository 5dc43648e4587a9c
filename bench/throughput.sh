#!/bin/bash
# throughput.sh: jobs per second through jobq workers, against the floor.
#
# What it measures: N trivial jobs (a /bin/sh handler that exits 0) are
# submitted to a fresh spool (the submit rate is printed too, but is not
# part of the figures below), then the clock runs while
#   - 1 worker (`jobq worker --drain`), or
#   - 4 workers (four `jobq worker --drain` at once), or
#   - 1 worker with -j 4
# claim, run and record all of them; the figure is N / wall time.  The
# floor is the same handler run N times by plain fork+exec from a bash
# loop, one after another: what running the handlers costs without any
# queue; and the same with four loops at once, the fairer floor for the
# parallel rows.  The ratio jobq/floor is the share of that speed jobq
# keeps: each job also costs a claim and a finish write transaction, the
# handler's pipes and the worker's bookkeeping.  Machine load moves all
# of these figures: compare rows of one run, not runs.
#
#   bench/throughput.sh [N]      (JOBQ=path/to/jobq, default build/jobq; N=500)

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jobq throughput
N=${1:-500}

W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-tput.XXXXXX")
unset JOBQ_HANDLERS JOBQ_DIR
mkdir -p "$W/h"
chmod 755 "$W/h"
printf '#!/bin/sh\nexit 0\n' >"$W/h/nop"
chmod 755 "$W/h/nop"
trap 'rm -rf "$W"' EXIT

# rate N MICROSECONDS: jobs per second
rate() {
	awk -v n="$1" -v us="$2" 'BEGIN { printf "%.1f", n / (us / 1e6) }'
}

# fill SPOOL: submit N jobs; prints the microseconds it took
fill() {
	local t0 i
	t0=$(now_us)
	for ((i = 0; i < N; i++)); do
		"$JOBQ" --dir "$1" submit nop >/dev/null || { echo "submit failed" >&2; exit 1; }
	done
	echo $(($(now_us) - t0))
}

# check SPOOL: all N jobs completed
check() {
	local c
	c=$("$JOBQ" --dir "$1" list --status completed | grep -c .)
	[ "$c" -eq "$N" ] || { echo "throughput: only $c of $N jobs completed in $1" >&2; exit 1; }
}

# The floor.
t0=$(now_us)
for ((i = 0; i < N; i++)); do
	"$W/h/nop"
done
floor_us=$(($(now_us) - t0))
floor=$(rate "$N" "$floor_us")

# The floor with four loops at once (N in all), for the parallel rows.
t0=$(now_us)
for k in 1 2 3 4; do
	(for ((i = k - 1; i < N; i += 4)); do "$W/h/nop"; done) &
done
wait
floor4=$(rate "$N" $(($(now_us) - t0)))

# 1 worker.
sub_us=$(fill "$W/s1")
t0=$(now_us)
"$JOBQ" --dir "$W/s1" worker --drain --quiet --handlers "$W/h" </dev/null
one_us=$(($(now_us) - t0))
check "$W/s1"

# 4 workers.
fill "$W/s4" >/dev/null
t0=$(now_us)
pids=()
for i in 1 2 3 4; do
	"$JOBQ" --dir "$W/s4" worker --drain --quiet --handlers "$W/h" </dev/null &
	pids+=($!)
done
wait "${pids[@]}"
four_us=$(($(now_us) - t0))
check "$W/s4"

# 1 worker, -j 4.
fill "$W/sj" >/dev/null
t0=$(now_us)
"$JOBQ" --dir "$W/sj" worker -j 4 --drain --quiet --handlers "$W/h" </dev/null
j4_us=$(($(now_us) - t0))
check "$W/sj"

echo "throughput, $N trivial jobs ($(nproc) CPUs):"
echo "  floor, fork+exec from a bash loop:      $floor jobs/s"
echo "  floor, four such loops at once:         $floor4 jobs/s"
for row in "1 worker:$one_us" "4 workers:$four_us" "1 worker -j 4:$j4_us"; do
	r=$(rate "$N" "${row#*:}")
	awk -v name="${row%%:*}" -v r="$r" -v f="$floor" -v f4="$floor4" 'BEGIN {
		printf "  jobq, %-14s %8.1f jobs/s  (%.3fx the floor, %.3fx the 4-loop floor, %.1f ms per job)\n", name ":", r, r / f, r / f4, 1000 / r }'
done
echo "  (submit: $(rate "$N" "$sub_us") jobs/s, one jobq submit process each)"
