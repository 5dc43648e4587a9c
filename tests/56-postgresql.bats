# The PostgreSQL store's own promises: many workers on one database, a
# worker cut off from the server fencing itself, a server restarted under
# load, wake-ups by NOTIFY, errors when the server cannot be reached.
# The file runs a private server of its own (tests/pgserver.sh), which it
# restarts; every other suite also runs against PostgreSQL in the "pg"
# suite (tests/pg-suite.sh).

load helper
load crash-helper

setup_file() {
	# Where the server's user can reach it: not under bats' private
	# directories.
	PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/jobq-pgtest.XXXXXX") || return 1
	chmod 0755 "$PGDIR"
	export PGDIR
	PGCONN=$("$BATS_TEST_DIRNAME/pgserver.sh" start "$PGDIR") ||
		return 1
	export PGCONN
}

teardown_file() {
	"$BATS_TEST_DIRNAME/pgserver.sh" stop "$PGDIR"
	rm -rf "$PGDIR"
}

setup() {
	# helper.bash's setup, then this file's own server and a schema of
	# the test's own.
	JOBQ_TEST_DB=$PGCONN
	export JOBQ_TEST_DB
	_helper_setup
}

psql_q() {
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$PGCONN" -c "$1"
}

# lines_at_least FILE N
lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# A worker as if on another host: a spool of its own, the same database.
start_host_worker() { # HOST ARG...
	local host=$1
	shift
	JOBQ_DIR="$BATS_TEST_TMPDIR/host-$host" start_worker "$@"
}

@test "8 workers with -j 2 on 4 hosts run 2000 jobs, every id exactly once" {
	make_handler rec 'echo "$JOBQ_JOB_ID $JOBQ_ATTEMPT" >>"$BATS_TEST_TMPDIR/ran"'
	seq 2000 | sed 's/.*/{"type": "rec"}/' | "$JOBQ" submit --batch >/dev/null
	local pids=() i
	for i in 1 2 3 4 5 6 7 8; do
		JOBQ_DIR="$BATS_TEST_TMPDIR/host-$((i % 4))" "$JOBQ" worker \
			--handlers "$HANDLERS" -j 2 --drain --quiet \
			</dev/null 2>>"$WORKER_LOG" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a worker exited $?"
	done
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/ran")" 2000
	assert_equal "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/ran" | sort -n | uniq | wc -l)" 2000
	assert_equal "$(cut -d' ' -f2 "$BATS_TEST_TMPDIR/ran" | sort -u)" 1
	run -0 "$JOBQ" list --status completed --json
	assert_equal "$(printf '%s\n' "$output" | grep -c .)" 2000
	# Every worker took part.
	assert_equal "$(psql_q "SELECT count(DISTINCT worker) FROM $JOBQ_DB_SCHEMA.attempts")" 8
}

@test "a worker cut off from the server stops its handler within its lease, and the job runs again elsewhere, never at once" {
	# The first worker connects as a role of its own, which the test
	# then locks out and disconnects: it can neither renew its lease
	# nor reconnect, as behind a network cut.
	guard_handler slow '
if [ "$a" -eq 1 ]; then
	trap "echo stopped \$(date +%s%3N) >>$T/stops; exit 1" TERM
	sleep 60 & wait
fi'
	local id
	id=$("$JOBQ" submit slow)
	# The privileges jobq(1) lists for a role that did not make the
	# schema.
	psql_q "DROP ROLE IF EXISTS cut; CREATE ROLE cut LOGIN;
		GRANT USAGE ON SCHEMA $JOBQ_DB_SCHEMA TO cut;
		GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA $JOBQ_DB_SCHEMA TO cut"
	JOBQ_DB="$PGCONN user=cut" start_host_worker a --grace 1
	local w=$WORKER_PID
	wait_run "$id" 1 15
	local t0
	t0=$(now_ms)
	psql_q "ALTER ROLE cut NOLOGIN;
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'cut'" >/dev/null
	# Another host's worker takes the job once the lease has ended.
	start_host_worker b --grace 1
	wait_state "$id" completed 40
	local t1
	t1=$(now_ms)
	wait_for 5 test -s "$BATS_TEST_TMPDIR/stops"
	local stopped
	stopped=$(cut -d' ' -f2 "$BATS_TEST_TMPDIR/stops")
	note "handler stopped $((stopped - t0)) ms after the cut; job done elsewhere after $((t1 - t0)) ms"
	# Stopped before the 20 s lease ended (TERM at 20 - 1 - 5 = 14 s).
	[ $((stopped - t0)) -lt 20000 ] || fail "handler stopped after $((stopped - t0)) ms"
	[ $((t1 - t0)) -ge 14000 ] || fail "the job was taken over after $((t1 - t0)) ms, within the lease"
	grep -q "event=fence" "$WORKER_LOG" || fail "no fence in the worker log"
	assert_no_overlap
	assert_job "$id" state=completed attempt=2 attempts.0.outcome="worker died"
	kill -TERM "$w"
	psql_q "ALTER ROLE cut LOGIN"
}

@test "the server restarted under load loses no accepted job" {
	make_handler rec 'echo "$JOBQ_JOB_ID" >>"$BATS_TEST_TMPDIR/ran"'
	start_host_worker a -j 2
	start_host_worker b -j 2
	local i rc
	: >"$BATS_TEST_TMPDIR/ids"
	(
		for i in $(seq 300); do
			if id=$("$JOBQ" submit rec 2>>"$BATS_TEST_TMPDIR/submit.err"); then
				echo "$id" >>"$BATS_TEST_TMPDIR/ids"
			else
				echo "exit $?" >>"$BATS_TEST_TMPDIR/fails"
			fi
		done
	) &
	local sub=$!
	wait_for 20 lines_at_least "$BATS_TEST_TMPDIR/ids" 50
	"$BATS_TEST_DIRNAME/pgserver.sh" restart "$PGDIR"
	wait "$sub"
	# A submit that failed said why and exited 69; one that printed an
	# id made its job.
	if [ -e "$BATS_TEST_TMPDIR/fails" ]; then
		assert_equal "$(sort -u "$BATS_TEST_TMPDIR/fails")" "exit 69"
		grep -q "PostgreSQL" "$BATS_TEST_TMPDIR/submit.err"
	fi
	local n
	n=$(wc -l <"$BATS_TEST_TMPDIR/ids")
	note "$n of 300 submits went in across the restart"
	# After it, every command works again.
	id=$("$JOBQ" submit rec) || fail "a submit after the restart failed"
	echo "$id" >>"$BATS_TEST_TMPDIR/ids"
	for i in $(cat "$BATS_TEST_TMPDIR/ids"); do
		wait_state "$i" completed 30
	done
	assert_equal "$(sort -n "$BATS_TEST_TMPDIR/ran" | uniq | wc -l)" "$(sort -un "$BATS_TEST_TMPDIR/ids" | wc -l)"
}

@test "NOTIFY wakes an idle worker on another host within 250 ms of a submit" {
	make_handler stamp 'echo "$JOBQ_JOB_ID $(date +%s%3N)" >>"$BATS_TEST_TMPDIR/started"'
	start_host_worker a
	wait_worker_ready "$WORKER_PID"
	local i t0 id lat all=()
	for i in 1 2 3 4 5; do
		sleep 0.3	# idle again
		id=$("$JOBQ" submit stamp)
		t0=$(now_ms)
		wait_for 5 file_has "$BATS_TEST_TMPDIR/started" "^$id "
		lat=$(($(sed -n "s/^$id //p" "$BATS_TEST_TMPDIR/started") - t0))
		all+=("$lat")
	done
	local median
	median=$(printf '%s\n' "${all[@]}" | sort -n | sed -n 3p)
	note "wake-up latencies ${all[*]} ms, median $median"
	# 50 ms promised, 5x slack.
	[ "$median" -lt 250 ] || fail "median wake-up $median ms"
}

@test "an unreachable server: exit 69, libpq's reason on one line, nothing made" {
	run --separate-stderr -69 "$JOBQ" --db "host=$BATS_TEST_TMPDIR/nowhere dbname=x" submit -- true
	assert_output ""
	assert_regex "$stderr" "^jobq: submit: cannot connect to PostgreSQL: .*nowhere"
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	run --separate-stderr -69 "$JOBQ" --db "postgresql://%zz" list
	assert_regex "$stderr" "^jobq: list: cannot connect to PostgreSQL"
	run --separate-stderr -2 "$JOBQ" --db "" list
	assert_regex "$stderr" "empty database URL"
	JOBQ_DB_SCHEMA='Bad-Name' run --separate-stderr -69 "$JOBQ" list
	assert_regex "$stderr" "JOBQ_DB_SCHEMA: 'Bad-Name' is not a schema name"
	# The status of a job in a schema never made: no such job, and the
	# schema is still not made.
	run --separate-stderr -3 "$JOBQ" status 1
	assert_equal "$(psql_q "SELECT count(*) FROM pg_namespace WHERE nspname = '$JOBQ_DB_SCHEMA'")" 0
}

@test "first commands racing make the schema once; two schemas are two queues" {
	local i pids=()
	for i in $(seq 10); do
		"$JOBQ" submit -- true >"$BATS_TEST_TMPDIR/id.$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a racing submit failed"
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/id.* | sort -n | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 10 "
	assert_equal "$(psql_q "SELECT version FROM $JOBQ_DB_SCHEMA.meta")" 1
	JOBQ_DB_SCHEMA=${JOBQ_DB_SCHEMA}_other run -0 "$JOBQ" submit -- true
	assert_output 1
	JOBQ_DB_SCHEMA=${JOBQ_DB_SCHEMA}_other run -0 "$JOBQ" list --json
	assert_equal "$(printf '%s\n' "$output" | grep -c .)" 1
}

@test "moving jobs from a spool with list --json and submit --batch, as jobq(1) shows" {
	command -v jq >/dev/null || fail "jq is needed"
	local spool="$BATS_TEST_TMPDIR/old"
	JOBQ_DB= "$JOBQ" --dir "$spool" submit -q mail --tag a -p high mail '{"to": "x"}' >/dev/null
	JOBQ_DB= "$JOBQ" --dir "$spool" submit --retries 2 -t 30s -- echo moved >/dev/null
	JOBQ_DB= "$JOBQ" --dir "$spool" list --status pending,retrying --json | jq -c '
	    (if .type == "exec" then .payload else {type, payload} end)
	    + {queue, priority, tags, meta, retries,
	       timeout: (.timeout_s // 0), at: .run_at}' |
	    "$JOBQ" submit --batch >/dev/null
	assert_job 1 type=mail queue=mail priority=10 tags.0=a payload.to=x
	assert_job 2 type=exec command="echo moved" retries=2 timeout_s=30
	run -0 drain_worker
	assert_equal "$("$JOBQ" result 2)" moved
}

@test "logs, and logs -f while the handler writes, from another host" {
	make_handler talk 'echo one >&2
while [ ! -e "$BATS_TEST_TMPDIR/go" ]; do sleep 0.05; done
echo two >&2
exit 0'
	local id
	id=$("$JOBQ" submit talk)
	start_host_worker a
	wait_state "$id" running
	JOBQ_DIR="$BATS_TEST_TMPDIR/host-b" "$JOBQ" logs -f "$id" \
		>"$BATS_TEST_TMPDIR/followed" 2>&1 &
	local f=$!
	# Saved at most once a second while the handler writes.
	wait_for 10 file_has "$BATS_TEST_TMPDIR/followed" '^one$'
	touch "$BATS_TEST_TMPDIR/go"
	wait "$f" || fail "logs -f exited $?"
	assert_equal "$(grep -v '^==' "$BATS_TEST_TMPDIR/followed")" $'one\ntwo'
	JOBQ_DIR="$BATS_TEST_TMPDIR/host-b" run -0 "$JOBQ" logs --attempt 1 "$id"
	assert_output $'one\ntwo'
	JOBQ_DIR="$BATS_TEST_TMPDIR/host-b" run -0 "$JOBQ" logs --json "$id"
	assert_json "$output" log=null log_bytes=8
	# The worker's host keeps no copy once the store has it.
	[ ! -e "$BATS_TEST_TMPDIR/host-a/logs/$id.1.log" ] ||
		fail "the worker's log file is still there"
	JOBQ_DIR="$BATS_TEST_TMPDIR/host-b" run -0 "$JOBQ" prune --older-than 0
	assert_equal "$(psql_q "SELECT count(*) FROM $JOBQ_DB_SCHEMA.logs")" 0
}
