#!/bin/bash
# batch.sh: lines per second through `jobq submit --batch`.
#
# What it measures: N lines (a mix: handler jobs with a small payload,
# some with a queue, a priority and tags, every tenth a command with an
# "after" on the line before) are written to a file first, then the
# clock runs while one `jobq submit --batch FILE` reads, checks and
# stores all of them in one transaction in a fresh spool.  The figure is
# N / wall time, the ids written to /dev/null.  The target is 50000
# lines/s for N = 100000.  The last line is machine-readable:
#   batch_lines_per_s N
#
#   bench/batch.sh [N]      (JOBQ=path/to/jobq, default build/jobq; N=100000)

set -u
here=$(cd "$(dirname "$0")" && pwd)
JOBQ=${JOBQ:-$here/../build/jobq}
[ -x "$JOBQ" ] || { echo "batch: no jobq binary at $JOBQ" >&2; exit 2; }
N=${1:-100000}
case $N in ''|*[!0-9]*|0) echo "usage: bench/batch.sh [N]" >&2; exit 2 ;; esac

W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-batch.XXXXXX")
trap 'rm -rf "$W"' EXIT
unset JOBQ_HANDLERS
export JOBQ_DIR=$W/spool

awk -v n="$N" 'BEGIN {
	for (i = 1; i <= n; i++) {
		if (i % 10 == 0)
			printf "{\"argv\":[\"echo\",\"%d\"],\"after\":[\"$%d\"]}\n", i, i - 1
		else if (i % 3 == 0)
			printf "{\"type\":\"mail\",\"payload\":{\"to\":\"u%d@example.com\",\"n\":%d},\"queue\":\"mail\",\"priority\":\"high\",\"tags\":[\"bench\"]}\n", i, i
		else
			printf "{\"type\":\"resize\",\"payload\":{\"file\":\"img%d.png\",\"w\":640}}\n", i
	}
}' >"$W/lines"

# One job first, so that the spool and its schema are made off the clock.
"$JOBQ" submit warmup >/dev/null || { echo "batch: submit failed" >&2; exit 1; }

start=$(date +%s%N)
"$JOBQ" submit --batch "$W/lines" >/dev/null ||
	{ echo "batch: submit --batch failed" >&2; exit 1; }
end=$(date +%s%N)

got=$("$JOBQ" list --json | grep -c .)
[ "$got" -eq $((N + 1)) ] ||
	{ echo "batch: expected $((N + 1)) jobs, found $got" >&2; exit 1; }
ms=$(((end - start) / 1000000))
[ "$ms" -gt 0 ] || ms=1
rate=$((N * 1000 / ms))
echo "batch: $N lines in ${ms} ms (target: 50000 lines/s)"
echo "batch_lines_per_s $rate"
