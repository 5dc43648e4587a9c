#!/bin/bash
# pg.sh: the PostgreSQL store beside the SQLite one, in one run: claim
# throughput of 1 and of 8 workers (N no-op jobs queued with one batch,
# then workers with --drain), the latency of one `jobq submit` and the
# wake-up of an idle worker (submit returned -> handler started).  The
# server is a private one (tests/pgserver.sh) on a Unix socket of this
# machine, with its default durability (synchronous_commit on): the
# figures are those of the same work, durable on both sides.
#
#   bench/pg.sh [N]      (JOBQ=path/to/jobq built with -Dpostgresql; N=2000)
#
# Prints a table and exits 0, or 2 when something could not run.

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jobq pg.sh
N=${1:-2000}
SUBMITS=${SUBMITS:-100}
WAKES=${WAKES:-15}
W=$(mktemp -d "${TMPDIR:-/tmp}/jobq-pg.XXXXXX")
chmod 755 "$W"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	"$here/../tests/pgserver.sh" stop "$W/pg"
	rm -rf "$W"
}
trap cleanup EXIT
unset JOBQ_DIR JOBQ_DB JOBQ_DB_SCHEMA JOBQ_HANDLERS JOBQ_SYNC
conn=$("$here/../tests/pgserver.sh" start "$W/pg") ||
	{ echo "pg.sh: cannot start a PostgreSQL server" >&2; exit 2; }
nop_handlers "$W/h"
cat >"$W/h/stamp" <<'EOF'
#!/bin/sh
date +%s%6N >"$STAMP_DIR/t.$JOBQ_JOB_ID"
EOF
chmod 755 "$W/h/stamp"

# store_args STORE RUN: the options (in args) that put run RUN of a
# scenario in a fresh queue of STORE (sqlite: a spool; pg: a schema).
store_args() {
	if [ "$1" = pg ]; then
		args=(--dir "$W/pgspool" --db "$conn")
	else
		args=(--dir "$W/spool.$2")
	fi
}

# drain STORE WORKERS: seconds for WORKERS workers to run N queued jobs.
drain() {
	local args t0 i ws=()
	store_args "$1" "drain$2"
	export JOBQ_DB_SCHEMA=drain$2
	seq "$N" | sed 's/.*/{"type": "nop"}/' |
		"$JOBQ" "${args[@]}" submit --batch >/dev/null || return 1
	t0=$(now_us)
	for ((i = 0; i < $2; i++)); do
		"$JOBQ" "${args[@]}" worker --quiet --drain --handlers "$W/h" </dev/null \
			2>>"$W/worker.log" 3>&- &
		ws+=($!)
	done
	for i in "${ws[@]}"; do wait "$i" || return 1; done
	calc "($(now_us) - $t0) / 1000000"
	unset JOBQ_DB_SCHEMA
}

# submit_ms STORE: the mean ms of one `jobq submit -- true`.
submit_ms() {
	local args t0 i
	store_args "$1" submit
	export JOBQ_DB_SCHEMA=submit
	"$JOBQ" "${args[@]}" submit -- true >/dev/null || return 1
	t0=$(now_us)
	for ((i = 0; i < SUBMITS; i++)); do
		"$JOBQ" "${args[@]}" submit -- true >/dev/null || return 1
	done
	calc "($(now_us) - $t0) / 1000 / $SUBMITS"
	unset JOBQ_DB_SCHEMA
}

# wake_ms STORE: the median ms from a submit returning to the handler
# starting on an idle worker.
wake_ms() {
	local args w i id t1
	store_args "$1" wake
	export JOBQ_DB_SCHEMA=wake STAMP_DIR=$W/stamp.$1
	mkdir -p "$STAMP_DIR"
	"$JOBQ" "${args[@]}" submit stamp >/dev/null || return 1
	"$JOBQ" "${args[@]}" worker --quiet --handlers "$W/h" </dev/null \
		2>>"$W/worker.log" 3>&- &
	w=$!
	pids+=("$w")
	for ((i = 0; i < WAKES; i++)); do
		sleep 0.2
		id=$("$JOBQ" "${args[@]}" submit stamp) || return 1
		t1=$(now_us)
		while [ ! -s "$STAMP_DIR/t.$id" ]; do sleep 0.005; done
		echo $(($(cat "$STAMP_DIR/t.$id") - t1))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'
	kill "$w"
	unset JOBQ_DB_SCHEMA
}

row() { printf '%-34s %10s %10s %8s\n' "$@"; }
row "scenario" "sqlite" "postgresql" "pg/sqlite"
for s in sqlite pg; do
	eval "d1_$s=\$(drain $s 1)" || { echo "pg.sh: drain 1 on $s failed" >&2; exit 2; }
	eval "d8_$s=\$(drain $s 8)" || { echo "pg.sh: drain 8 on $s failed" >&2; exit 2; }
	eval "sub_$s=\$(submit_ms $s)" || { echo "pg.sh: submit on $s failed" >&2; exit 2; }
	eval "wake_$s=\$(wake_ms $s)" || { echo "pg.sh: wake on $s failed" >&2; exit 2; }
done
row "claim+run, 1 worker (jobs/s)" "$(calc "$N / $d1_sqlite")" \
	"$(calc "$N / $d1_pg")" "$(calc "$d1_sqlite / $d1_pg")"
row "claim+run, 8 workers (jobs/s)" "$(calc "$N / $d8_sqlite")" \
	"$(calc "$N / $d8_pg")" "$(calc "$d8_sqlite / $d8_pg")"
row "submit latency (ms)" "$sub_sqlite" "$sub_pg" "$(calc "$sub_pg / $sub_sqlite")"
row "wake-up, idle worker (ms, median)" "$wake_sqlite" "$wake_pg" \
	"$(calc "$wake_pg / $wake_sqlite")"
