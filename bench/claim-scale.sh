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
. "$here/lib.sh"
need_jobq claim-scale
N=${1:-2000}
FINISHED=${2:-1000000}
WAITING=${3:-100000}

W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-claim.XXXXXX")
trap 'rm -rf "$W"' EXIT
unset JOBQ_HANDLERS JOBQ_DIR
nop_handlers "$W/h"

# fill SPOOL FINISHED WAITING: see big_spool in lib.sh.
fill() { big_spool "$1" "$N" "$2" "$3"; }

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
