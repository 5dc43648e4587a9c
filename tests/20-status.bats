# jobq status, list, result, cancel, wait; ids; spool checks; help.

load helper

LIST_KEYS="attempt attempts command created_at depends_on error exit_code failures finished_at id key \
meta payload priority progress queue result_bytes result_truncated retries run_at \
signal started_at state tags timeout_s type worker"
# status also reads an exec job's environment; list leaves it in the store.
STATUS_KEYS=$(tr ' ' '\n' <<<"$LIST_KEYS env" | sort | tr '\n' ' ' | sed 's/ $//')

RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'

# --- ids ----------------------------------------------------------------

@test "malformed ids are usage errors (exit 2) for status, result, cancel, wait" {
	local id
	id=$("$JOBQ" submit t)
	local cmd bad
	for cmd in status result cancel wait; do
		for bad in 0 abc 1x '' 1180591620717411303424 \
			9223372036854775808 "$id"x; do
			run --separate-stderr -2 "$JOBQ" "$cmd" "$bad"
			assert_output ""
			assert_regex "$stderr" "^jobq: $cmd: "
		done
		run --separate-stderr -2 "$JOBQ" "$cmd" -1
		assert_output ""
		assert_regex "$stderr" '^jobq: '
		# A malformed id among good ones is still a usage error.
		run --separate-stderr -2 "$JOBQ" "$cmd" "$id" abc
		assert_regex "$stderr" "^jobq: $cmd: "
	done
	assert_job "$id" state=pending
}

@test "a well-formed id that does not exist is exit 3, no such job" {
	local id
	id=$("$JOBQ" submit t)
	local cmd
	for cmd in status result cancel wait; do
		for missing in 999 9223372036854775807; do
			run --separate-stderr -3 "$JOBQ" "$cmd" "$missing"
			assert_output ""
			assert_regex "$stderr" "^jobq: $cmd: .*$missing"
			assert_regex "$stderr" 'no such job'
		done
	done
	assert_job "$id" state=pending
}

@test "status of several ids with one missing: exit 3, the others still printed" {
	local a b
	a=$("$JOBQ" submit t)
	b=$("$JOBQ" submit u)
	run --separate-stderr -3 "$JOBQ" status --json "$a" 999 "$b"
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$a $b "
	assert_regex "$stderr" 'no such job'
	run --separate-stderr -3 "$JOBQ" status "$a" 999
	assert_line --index 0 "job $a: pending"
	assert_regex "$stderr" '999'
}

# --- status -------------------------------------------------------------

@test "status --json of a pending job: exactly the documented keys, nulls for absent values" {
	local id
	id=$("$JOBQ" submit --queue q --priority 7 t '{"k":"v"}')
	run --separate-stderr -0 "$JOBQ" status --json "$id"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(json_keys "$output")" "$STATUS_KEYS"
	assert_json "$output" id="$id" type=t queue=q priority=7 state=pending \
		payload='{"k":"v"}' created_at~="$RFC3339" attempt=0 failures=0 \
		attempts='[]' started_at=null finished_at=null exit_code=null \
		signal=null error=null worker=null progress=null
}

@test "status --json of a completed job records the run" {
	make_handler ok 'printf "hello\n"'
	local id
	id=$("$JOBQ" submit ok)
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_keys "$output")" "$STATUS_KEYS"
	assert_json "$output" state=completed attempt=1 failures=0 exit_code=0 \
		signal=null error=null result_bytes=6 result_truncated=false \
		started_at~="$RFC3339" finished_at~="$RFC3339" \
		attempts.0.attempt=1 attempts.0.exit_code=0 attempts.0.signal=null \
		attempts.0.error=null attempts.0.worker~=. \
		attempts.0.started_at~="$RFC3339" attempts.0.finished_at~="$RFC3339" \
		'attempts~=^\[\{[^{}]*\}\]$'  # exactly one attempt
	assert_equal "$(json_keys "$(json_field "$output" attempts.0)")" \
		"attempt error exit_code finished_at outcome signal started_at worker"
}

@test "status for people: first line 'job N: STATE'" {
	local id
	id=$("$JOBQ" submit t)
	run --separate-stderr -0 "$JOBQ" status "$id"
	assert_line --index 0 "job $id: pending"
	assert_equal "$stderr" ""
	"$JOBQ" cancel "$id"
	run -0 "$JOBQ" status "$id"
	assert_line --index 0 "job $id: cancelled"
}

# --- list ---------------------------------------------------------------

# Four jobs: a completed (q1/ok), b failed (q2/bad), c pending (q1/ok),
# d cancelled (q2/other).
make_four_jobs() {
	make_handler ok 'cat'
	make_handler bad 'exit 1'
	a=$("$JOBQ" submit --queue q1 ok)
	b=$("$JOBQ" submit --queue q2 bad)
	drain_worker
	c=$("$JOBQ" submit --queue q1 ok)
	d=$("$JOBQ" submit --queue q2 other)
	"$JOBQ" cancel "$d"
	state_is "$a" completed && state_is "$b" failed
}

# list_ids [ARG]...: the ids (first column) `list ARG...` prints,
# space-separated, or a FAILED marker that no expected value matches.
list_ids() {
	local out
	out=$("$JOBQ" list "$@") || { echo "FAILED: list $* (exit $?)"; return; }
	printf '%s' "$out" | cut -f1 | tr '\n' ' '
}

@test "list with no matching job prints nothing" {
	"$JOBQ" submit t >/dev/null
	"$JOBQ" cancel "$("$JOBQ" list --json | json_field - id)"
	run --separate-stderr -0 "$JOBQ" list --status pending
	assert_output ""
	assert_equal "$stderr" ""
}

@test "list --json: one status object per line, oldest first" {
	make_four_jobs
	run --separate-stderr -0 "$JOBQ" list --json
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
	assert_equal "$(json_keys "$output" | sort -u)" "$LIST_KEYS"
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$a $b $c $d "
	assert_equal "$(json_each "$output" state | tr '\n' ' ')" \
		"completed failed pending cancelled "
	# --json before the command works the same.
	run -0 "$JOBQ" --json list
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$a $b $c $d "
}

@test "list filters: --status, --queue, --type, combined" {
	make_four_jobs
	assert_equal "$(list_ids --status pending)" "$c "
	assert_equal "$(list_ids --status completed)" "$a "
	assert_equal "$(list_ids --status failed,cancelled)" "$b $d "
	assert_equal "$(list_ids --status running)" ""
	assert_equal "$(list_ids --queue q1)" "$a $c "
	assert_equal "$(list_ids --queue nosuch)" ""
	assert_equal "$(list_ids --type ok)" "$a $c "
	assert_equal "$(list_ids --type bad)" "$b "
	assert_equal "$(list_ids --queue q1 --status pending)" "$c "
	assert_equal "$(list_ids --queue q2 --type other)" "$d "
	run -0 "$JOBQ" list --json --status failed,completed --queue q1
	assert_equal "$(json_each "$output" id)" "$a"
}

@test "list --limit N: the newest N, still oldest first" {
	make_four_jobs
	assert_equal "$(list_ids --limit 2)" "$c $d "
	assert_equal "$(list_ids --limit 1)" "$d "
	assert_equal "$(list_ids --limit 10)" "$a $b $c $d "
	assert_equal "$(list_ids --queue q2 --limit 1)" "$d "
	assert_equal "$(list_ids --queue q1 --limit 2)" "$a $c "
}

@test "list: bad status name, bad limit, bad queue are usage errors" {
	"$JOBQ" submit t >/dev/null
	local args
	for args in '--status bogus' '--status pending,bogus' '--limit x' \
		'--limit -1' '--queue ../x' '--type a/b'; do
		# shellcheck disable=SC2086
		run --separate-stderr -2 "$JOBQ" list $args
		assert_output ""
		assert_regex "$stderr" '^jobq: list: '
	done
}

@test "list off a terminal: tab-separated ID STATE TYPE QUEUE PRIORITY ATTEMPT CREATED COMMAND, no header" {
	make_four_jobs
	run --separate-stderr -0 "$JOBQ" list
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
	local fields
	fields=$(printf '%s\n' "$output" | awk -F'\t' '{ print NF, $1, $2, $3, $4, $6 }')
	assert_equal "$fields" "8 $a completed ok q1 1
8 $b failed bad q2 1
8 $c pending ok q1 0
8 $d cancelled other q2 0"
}

# --- result -------------------------------------------------------------

@test "result of a completed job: the stored stdout, exit 0, nothing on stderr" {
	make_handler ok 'printf "line 1\nline 2\n\n"; echo "to the log" >&2'
	local id
	id=$("$JOBQ" submit ok)
	drain_worker
	run --separate-stderr -0 "$JOBQ" result "$id"
	assert_output $'line 1\nline 2'
	assert_equal "$stderr" ""
	"$JOBQ" result "$id" >"$BATS_TEST_TMPDIR/out"
	printf 'line 1\nline 2\n\n' | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "result of a failed job: stdout still printed, exit 1, reason on stderr" {
	make_handler bad 'printf partial; exit 3'
	local id
	id=$("$JOBQ" submit bad)
	drain_worker
	run --separate-stderr -1 "$JOBQ" result "$id"
	assert_output partial
	assert_equal "$stderr" "jobq: result: job $id failed: exited with status 3"
}

@test "result of a job that has not ended: exit 75, nothing on stdout" {
	local id
	id=$("$JOBQ" submit t)
	run --separate-stderr -75 "$JOBQ" result "$id"
	assert_output ""
	assert_equal "$stderr" "jobq: result: job $id is pending"
	assert_job "$id" state=pending
}

@test "result of a running job: exit 75, job N is running" {
	make_handler slow 'exec sleep 30'
	local id
	id=$("$JOBQ" submit slow)
	start_worker --grace 1
	wait_state "$id" running
	run --separate-stderr -75 "$JOBQ" result "$id"
	assert_output ""
	assert_equal "$stderr" "jobq: result: job $id is running"
}

@test "result of a cancelled job: exit 1" {
	local id
	id=$("$JOBQ" submit t)
	"$JOBQ" cancel "$id"
	run --separate-stderr -1 "$JOBQ" result "$id"
	assert_output ""
	assert_regex "$stderr" "^jobq: result: job $id .*cancelled"
}

# --- cancel -------------------------------------------------------------

@test "cancel a pending job: cancelled, exit 0, never run" {
	make_handler t 'touch "$JOBQ_DIR/ran.$JOBQ_JOB_ID"'
	local id keep
	id=$("$JOBQ" submit t)
	keep=$("$JOBQ" submit t)
	run --separate-stderr -0 "$JOBQ" cancel "$id"
	assert_equal "$stderr" ""
	assert_job "$id" state=cancelled
	assert_job "$keep" state=pending
	drain_worker
	assert_job "$id" state=cancelled attempt=0 started_at=null
	assert_job "$keep" state=completed
	[ ! -e "$JOBQ_DIR/ran.$id" ] || fail "the cancelled job ran"
}

@test "cancel of a job that already ended: exit 1, state unchanged" {
	make_handler ok 'echo done'
	local id c
	id=$("$JOBQ" submit ok)
	drain_worker
	run --separate-stderr -1 "$JOBQ" cancel "$id"
	assert_output ""
	assert_equal "$stderr" "jobq: cancel: job $id already completed"
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output 'done'
	c=$("$JOBQ" submit ok)
	"$JOBQ" cancel "$c"
	run --separate-stderr -1 "$JOBQ" cancel "$c"
	assert_equal "$stderr" "jobq: cancel: job $c already cancelled"
	assert_job "$c" state=cancelled
}

@test "cancel of several ids: every job handled, the worst status wins" {
	make_handler ok 'echo done'
	local fin p1 p2
	fin=$("$JOBQ" submit ok)
	drain_worker
	p1=$("$JOBQ" submit ok)
	p2=$("$JOBQ" submit ok)
	run --separate-stderr -3 "$JOBQ" cancel "$p1" 999
	assert_regex "$stderr" 'no such job'
	assert_job "$p1" state=cancelled
	run --separate-stderr -1 "$JOBQ" cancel "$fin" "$p2"
	assert_regex "$stderr" "job $fin already completed"
	run -0 "$JOBQ" list --json
	assert_equal "$(json_each "$output" state | tr '\n' ' ')" \
		"completed cancelled cancelled "
}

# --- wait ---------------------------------------------------------------

@test "wait: 0 when all completed, 1 when one failed, 4 on --timeout" {
	make_handler ok 'echo done'
	make_handler bad 'exit 2'
	local ok bad pend
	ok=$("$JOBQ" submit ok)
	bad=$("$JOBQ" submit bad)
	drain_worker
	pend=$("$JOBQ" submit ok)
	run -0 "$JOBQ" wait "$ok"
	run -1 "$JOBQ" wait "$ok" "$bad"
	local t0
	t0=$(now_ms)
	run -4 "$JOBQ" wait --timeout 300ms "$pend"
	[ $(($(now_ms) - t0)) -lt 3000 ] || fail "wait --timeout 300ms took too long"
	run -0 "$JOBQ" wait --json "$ok"
	assert_json "$output" id="$ok" state=completed
	assert_job "$pend" state=pending
}

@test "wait returns once a live worker finishes the job" {
	make_handler ok 'echo done'
	start_worker
	local id
	id=$("$JOBQ" submit ok)
	run -0 timeout 10 "$JOBQ" wait "$id"
	assert_job "$id" state=completed
}

# --- spool checks -------------------------------------------------------

@test "read-only commands on a spool that does not exist create nothing" {
	export JOBQ_DIR="$BATS_TEST_TMPDIR/none"
	run --separate-stderr -0 "$JOBQ" list
	assert_output ""
	run -0 "$JOBQ" list --json --status pending
	assert_output ""
	local cmd
	for cmd in status result cancel wait; do
		run --separate-stderr -3 "$JOBQ" "$cmd" 1
		assert_output ""
		assert_regex "$stderr" "^jobq: $cmd: .*no such job"
	done
	run --separate-stderr -3 "$JOBQ" status --json 1
	assert_output ""
	assert_regex "$stderr" 'no such job'

	[ ! -e "$JOBQ_DIR" ] || fail "$JOBQ_DIR was created: $(ls -la "$JOBQ_DIR")"
}

@test "a world-writable spool directory is refused with exit 69" {
	local id
	id=$("$JOBQ" submit t)
	chmod 0777 "$JOBQ_DIR"
	local args
	for args in "status $id" "list" "submit t" "cancel $id" "result $id"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 "$JOBQ" $args
		assert_output ""
		assert_regex "$stderr" "^jobq: ${args%% *}: .*$JOBQ_DIR"
		assert_regex "$stderr" 'writable'
	done
	run -69 timeout 10 "$JOBQ" worker --handlers "$HANDLERS" --drain 3>&-
	chmod 0700 "$JOBQ_DIR"
	assert_job_count 1
	assert_job "$id" state=pending
}

@test "[spool] a world-writable jobq.db is refused with exit 69" {
	local id
	id=$("$JOBQ" submit t)
	chmod 0666 "$JOBQ_DIR/jobq.db"
	run --separate-stderr -69 "$JOBQ" status "$id"
	assert_output ""
	assert_regex "$stderr" '^jobq: status: .*jobq\.db'
	run -69 "$JOBQ" submit t
	chmod 0600 "$JOBQ_DIR/jobq.db"
	assert_job_count 1
}

@test "[spool] a jobq.db that is not a database: exit 69, file untouched" {
	mkdir -m 0700 "$JOBQ_DIR"
	local i
	for i in $(seq 200); do echo "this is not a database, line $i"; done \
		>"$JOBQ_DIR/jobq.db"
	chmod 0600 "$JOBQ_DIR/jobq.db"
	cp -p "$JOBQ_DIR/jobq.db" "$BATS_TEST_TMPDIR/orig"
	local args
	for args in "list" "status 1" "submit t" "result 1" "cancel 1" "wait 1"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 "$JOBQ" $args
		assert_output ""
		assert_regex "$stderr" "^jobq: ${args%% *}: .*$JOBQ_DIR/jobq\.db.*not a database"
	done
	run -69 timeout 10 "$JOBQ" worker --handlers "$HANDLERS" --drain 3>&-
	cmp "$BATS_TEST_TMPDIR/orig" "$JOBQ_DIR/jobq.db"
	[ ! -s "$JOBQ_DIR/jobq.db-wal" ] || fail "a WAL was written"
	[ ! -e "$JOBQ_DIR/jobq.db-journal" ] || fail "a journal was written"
}

# --- help, version, usage -----------------------------------------------

@test "CMD --help prints the command's usage on stdout, exit 0, touches no spool" {
	local cmd
	for cmd in submit status result wait cancel list worker; do
		run --separate-stderr -0 "$JOBQ" "$cmd" --help
		assert_regex "$output" "$cmd"
		assert_equal "$stderr" ""
	done
	[ ! -e "$JOBQ_DIR" ] || fail "--help created the spool"
}

@test "jobq --help lists the commands on stdout" {
	run --separate-stderr -0 "$JOBQ" --help
	assert_equal "$stderr" ""
	local cmd
	for cmd in submit status result wait cancel list worker; do
		assert_regex "$output" "$cmd"
	done
}

@test "jobq --version prints jobq 0.1.0" {
	run --separate-stderr -0 "$JOBQ" --version
	assert_output "jobq 0.1.0"
	assert_equal "$stderr" ""
}

@test "no command, unknown command, unknown global option: usage on stderr, exit 2" {
	local args
	for args in '' 'frobnicate' '--bogus list' 'status --bogus 1'; do
		# shellcheck disable=SC2086
		run --separate-stderr -2 "$JOBQ" $args
		assert_output ""
		assert [ -n "$stderr" ]
	done
	run --separate-stderr -2 "$JOBQ"
	assert_regex "$stderr" '[Uu]sage'
	[ ! -e "$JOBQ_DIR" ] || fail "a usage error created the spool"
}
