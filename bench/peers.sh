#!/bin/bash
# peers.sh: jobq against task-spooler (tsp) and nq, in the same run.
#
# What it measures: the wall time to queue N trivial commands (`true`)
# and have every one of them run to the end, one at a time, through:
#   - jobq: one `jobq worker` running, N `jobq submit -- true`, then
#     `jobq wait` on the last (exec jobs, durable: each submit and each
#     outcome is an fsync'd SQLite transaction);
#   - tsp: N `tsp true` with one slot, then `tsp -w` on the last job;
#   - nq: N `nq true` (each waits for the previous), then `nq -w`;
#   - the floor: `true` run N times from a bash loop.
# It prints each time and its ratio to jobq's; a ratio above 1 means the
# peer was slower than jobq.  Peers that are not installed are skipped
# (`apt-get install task-spooler nq`).
#
#   bench/peers.sh [N]      (JOBQ=path/to/jobq, default build/jobq; N=200)

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jobq peers
N=${1:-200}
W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-peers.XXXXXX")
trap 'tsp_stop; rm -rf "$W"' EXIT

ms() { awk -v us="$1" 'BEGIN { printf "%.0f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

run_floor() {
	local i
	for ((i = 0; i < N; i++)); do /bin/true; done
}

run_jobq() {
	local i id worker
	export JOBQ_DIR=$W/jobq
	# A worker already running, as tsp's server is.
	"$JOBQ" worker --quiet 3>&- &
	worker=$!
	for ((i = 0; i < N; i++)); do
		id=$("$JOBQ" submit -- true) || exit 1
	done
	"$JOBQ" wait "$id" || exit 1
	kill "$worker"
	wait "$worker"
	[ "$("$JOBQ" list --status completed | wc -l)" -eq "$N" ] ||
		{ echo "peers: jobq did not complete $N jobs" >&2; exit 1; }
}

tsp_stop() {
	[ -n "${TS_SOCKET:-}" ] && command -v tsp >/dev/null &&
		tsp -K >/dev/null 2>&1
	return 0
}

run_tsp() {
	local i id
	export TS_SOCKET=$W/tsp.socket TS_SAVELIST=$W/tsp.list TMPDIR=$W
	tsp -S 1 >/dev/null
	for ((i = 0; i < N; i++)); do id=$(tsp true); done
	tsp -w "$id" >/dev/null 2>&1
}

run_nq() {
	local i
	export NQDIR=$W/nq
	mkdir -p "$NQDIR"
	for ((i = 0; i < N; i++)); do nq true >/dev/null; done
	nq -w >/dev/null 2>&1
}

time_it() {
	local t0=$(now_us)
	"$@"
	echo $(($(now_us) - t0))
}

floor=$(time_it run_floor)
jobq=$(time_it run_jobq)
printf '%-6s %8s ms  (%d jobs)\n' floor "$(ms "$floor")" "$N"
printf '%-6s %8s ms  %s× the floor\n' jobq "$(ms "$jobq")" "$(ratio "$jobq" "$floor")"
for peer in tsp nq; do
	if ! command -v "$peer" >/dev/null; then
		printf '%-6s  not installed, skipped\n' "$peer"
		continue
	fi
	t=$(time_it "run_$peer")
	printf '%-6s %8s ms  %s× jobq\n' "$peer" "$(ms "$t")" "$(ratio "$t" "$jobq")"
done
