#!/usr/bin/env bats
# jobq logs: one log per attempt, made only when the attempt writes to
# stderr, capped keeping the tail, followed with -f until the job ends.

load helper

@test "logs: every attempt under its heading, --attempt alone, --json" {
	make_handler flaky 'echo "try $JOBQ_ATTEMPT" >&2; exit 3'
	local id
	id=$("$JOBQ" submit --retries 1 --retry-delay 100ms flaky)
	drain_worker
	assert_job "$id" state=failed
	run -0 --separate-stderr "$JOBQ" logs "$id"
	assert_line -n 0 --regexp '^== attempt 1, started [0-9-]+ [0-9:]+, failed: exited with status 3 ==$'
	assert_line -n 1 'try 1'
	assert_line -n 2 --regexp '^== attempt 2, started .*, failed: exited with status 3 ==$'
	assert_line -n 3 'try 2'
	[ "${#lines[@]}" -eq 4 ] || fail "${#lines[@]} lines"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run -0 "$JOBQ" logs --attempt 2 "$id"
	assert_output 'try 2'
	run -0 "$JOBQ" logs "$id" --json
	[ "${#lines[@]}" -eq 2 ] || fail "${#lines[@]} lines"
	[ "$(json_field "${lines[1]}" attempt)" = 2 ]
	[ "$(json_field "${lines[1]}" log_bytes)" = 6 ]
	# The file, on a spool; in a database a log has no path.
	if [ -n "${JOBQ_TEST_DB:-}" ]; then
		assert_json "${lines[1]}" log=null
	else
		[ "$(json_field "${lines[1]}" log)" = "$JOBQ_DIR/logs/$id.2.log" ]
	fi
	[ "$(json_field "${lines[0]}" outcome)" = failed ]
	run -0 "$JOBQ" status "$id"
	assert_line --regexp "^  log +12 bytes \\(jobq logs $id\\)\$"
}

@test "logs: an attempt that writes nothing on stderr leaves no file" {
	make_handler quiet 'echo result'
	local id
	id=$("$JOBQ" submit quiet)
	drain_worker
	assert_job "$id" state=completed
	[ -z "$(ls -A "$JOBQ_DIR/logs")" ] || fail "logs: $(ls -A "$JOBQ_DIR/logs")"
	run -0 "$JOBQ" logs "$id"
	assert_output --regexp '^== attempt 1, started .*, completed ==$'
	run -0 "$JOBQ" status "$id"
	refute_line --regexp '^  log '
	run -0 "$JOBQ" logs --json "$id"
	assert_json "$output" log=null log_bytes=0
}

@test "logs: the cap keeps the tail and marks the cut" {
	# 3 MiB of numbered lines, then a last one: the log keeps 1 MiB.
	make_handler loud 'seq 1 400000 | sed "s/^/line /" >&2; echo LAST >&2'
	local id log size first
	id=$("$JOBQ" submit loud)
	drain_worker
	assert_job "$id" state=completed
	# The log as jobq logs prints it: the spool's file or the
	# database's copy.
	log="$BATS_TEST_TMPDIR/log"
	"$JOBQ" logs --attempt 1 "$id" >"$log"
	size=$(stat -c %s "$log")
	first=$(head -n 1 "$log")
	[[ $first =~ ^\[jobq:\ ([0-9]+)\ earlier\ bytes\ of\ stderr\ dropped ]] ||
		fail "first line: $first"
	local total
	total=$( (seq 1 400000 | sed 's/^/line /'; echo LAST) | wc -c)
	# What was dropped and what was kept add up to what was written.
	[ "$((BASH_REMATCH[1] + 1048576))" -eq "$total" ] ||
		fail "dropped ${BASH_REMATCH[1]} of $total"
	[ "$size" -eq "$((${#first} + 1 + 1048576))" ] || fail "size $size"
	[ "$(tail -n 1 "$log")" = LAST ]
	[ "$(tail -n 2 "$log" | head -n 1)" = "line 400000" ]
	run -0 "$JOBQ" logs --attempt 1 "$id"
	[ "${lines[-1]}" = LAST ]
}

@test "logs -f: shows lines written after it started and ends with the job" {
	make_handler slow 'echo first >&2
while [ ! -e "$GO" ]; do sleep 0.05; done
echo second >&2
exit 0'
	export GO="$BATS_TEST_TMPDIR/go"
	local id pid out="$BATS_TEST_TMPDIR/follow"
	id=$("$JOBQ" submit slow)
	start_worker
	wait_state "$id" running
	"$JOBQ" logs -f "$id" >"$out" 2>"$out.err" 3>&- &
	pid=$!
	wait_for 10 file_has "$out" '^first$'
	pid_alive "$pid" || fail "logs -f ended before the job"
	touch "$GO"
	wait_exit "$pid" 10
	[ "$WORKER_STATUS" -eq 0 ] || fail "status $WORKER_STATUS"
	run cat "$out"
	assert_line -n 0 --regexp '^== attempt 1, started .*, running ==$'
	assert_line -n 1 first
	assert_line -n 2 second
	[ "${#lines[@]}" -eq 3 ] || fail "${#lines[@]} lines"
}

@test "logs -f: follows the attempts after it; a failure is exit 1" {
	make_handler again 'echo "start $JOBQ_ATTEMPT" >&2
while [ ! -e "$GO.$JOBQ_ATTEMPT" ]; do sleep 0.05; done
echo "end $JOBQ_ATTEMPT" >&2
exit 5'
	export GO="$BATS_TEST_TMPDIR/go"
	local id pid out="$BATS_TEST_TMPDIR/follow"
	id=$("$JOBQ" submit --retries 1 --retry-delay 100ms again)
	start_worker
	wait_state "$id" running
	"$JOBQ" logs --follow "$id" >"$out" 2>"$out.err" 3>&- &
	pid=$!
	wait_for 10 file_has "$out" '^start 1$'
	touch "$GO.1"
	wait_for 10 file_has "$out" '^start 2$'
	pid_alive "$pid" || fail "logs -f ended before the last attempt"
	touch "$GO.2"
	wait_exit "$pid" 10
	[ "$WORKER_STATUS" -eq 1 ] || fail "status $WORKER_STATUS"
	run cat "$out"
	assert_line -n 0 --regexp '^== attempt 1, started .*, running ==$'
	assert_line -n 1 'start 1'
	assert_line -n 2 'end 1'
	assert_line -n 3 --regexp '^== attempt 2, started .*, running ==$'
	assert_line -n 4 'start 2'
	assert_line -n 5 'end 2'
	grep -q "^jobq: logs: job $id failed: exited with status 5\$" "$out.err" ||
		fail "stderr: $(cat "$out.err")"
}

@test "logs -f of a job that has ended prints its logs and its status" {
	make_handler bad 'echo oops >&2; exit 2'
	local id
	id=$("$JOBQ" submit bad)
	drain_worker
	run -1 --separate-stderr "$JOBQ" logs -f "$id"
	assert_line -n 1 oops
	[ "$stderr" = "jobq: logs: job $id failed: exited with status 2" ] ||
		fail "stderr: $stderr"
}

@test "logs: a log that cannot be made is reported by the worker, the job runs on" {
	make_handler talk 'echo lost >&2; echo ok'
	local id
	id=$("$JOBQ" submit talk)
	# Whoever runs the test (root too) cannot open a directory to write.
	mkdir "$JOBQ_DIR/logs/$id.1.log"
	drain_worker
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output ok
	grep -q 'event=log-error error="cannot create the log of job '"$id" \
		"$WORKER_LOG" || fail "worker log: $(cat "$WORKER_LOG")"
	[ -d "$JOBQ_DIR/logs/$id.1.log" ]
}

@test "[spool] logs: an old logs/ID.log is the last attempt's" {
	make_handler quiet 'exit 0'
	local id
	id=$("$JOBQ" submit quiet)
	drain_worker
	printf 'from before\n' >"$JOBQ_DIR/logs/$id.log"
	run -0 "$JOBQ" logs "$id"
	assert_line -n 1 'from before'
	run -0 "$JOBQ" status "$id"
	assert_line --regexp '^  log +12 bytes'
}

@test "logs: bad input says what and why" {
	make_handler quiet 'exit 0'
	local id
	id=$("$JOBQ" submit quiet)
	drain_worker
	run -2 --separate-stderr "$JOBQ" logs --attempt 0 "$id"
	[[ $stderr == "jobq: logs: bad attempt '0': a number from 1"* ]] ||
		fail "stderr: $stderr"
	run -3 --separate-stderr "$JOBQ" logs --attempt 2 "$id"
	[ "$stderr" = "jobq: logs: job $id has no attempt 2" ] || fail "$stderr"
	run -3 --separate-stderr "$JOBQ" logs 999
	[ -z "$output" ]
	run -2 --separate-stderr "$JOBQ" logs -f --json "$id"
	[[ $stderr == "jobq: logs: --follow prints the log itself"* ]] ||
		fail "stderr: $stderr"
	run -2 "$JOBQ" logs "$id" "$id"
	run -2 "$JOBQ" logs
}
