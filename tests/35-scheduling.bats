#!/usr/bin/env bats
# Scheduling: the order a worker takes jobs in, retries with backoff and
# dead letters (jobq retry).

load helper

# The start times of job $1's attempts, in ms since the epoch, one a line.
attempt_starts() {
	"$JOBQ" status --json "$1" | "$PYTHON" -c '
import json, sys, datetime
for a in json.load(sys.stdin)["attempts"]:
    t = datetime.datetime.strptime(a["started_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    t = t.replace(tzinfo=datetime.timezone.utc)
    print(round(t.timestamp() * 1000))'
}

# has_failed_once ID: the job's first attempt has failed.
has_failed_once() {
	[ "$(job_field "$1" failures)" = 1 ]
}

@test "order: 50 jobs of mixed priorities run by priority, then due time, then id" {
	make_handler rec 'echo "$JOBQ_JOB_ID" >>"$JOBQ_DIR/ran"'
	local i p ids=() want
	for i in $(seq 1 50); do
		p=$(((i * 37) % 5 * 10))
		ids+=("$p $("$JOBQ" submit rec --priority "$p")")
	done
	want=$(printf '%s\n' "${ids[@]}" | sort -n -k1,1 -k2,2 | cut -d' ' -f2)
	run -0 drain_worker
	assert_equal "$(cat "$JOBQ_DIR/ran")" "$want"
}

@test "retries: a failing job runs 1 + N times, then fails with its last outcome" {
	make_handler fail 'echo "try $JOBQ_ATTEMPT" >&2; exit 3'
	id=$("$JOBQ" submit fail --retries 2 --retry-delay 200ms)
	assert_job "$id" retries=2 failures=0 state=pending
	run -0 drain_worker
	assert_job "$id" state=failed attempt=3 failures=3 retries=2 \
		exit_code=3 "error=exited with status 3"
	assert_equal "$(json_len "$("$JOBQ" status --json "$id")" attempts)" 3
	assert_job "$id" attempts.0.outcome=failed attempts.1.outcome=failed \
		attempts.2.outcome=failed
}

@test "retries: the delays double from the base, inside their +-10% band" {
	make_handler fail 'exit 1'
	id=$("$JOBQ" submit fail --retries 3 --retry-delay 400ms)
	run -0 drain_worker
	assert_job "$id" state=failed attempt=4 failures=4
	mapfile -t t < <(attempt_starts "$id")
	# The gap between starts is the delay plus the worker's own latency
	# (a handler's run and start, a few tens of ms, but far more under
	# the sanitizers on a loaded machine); never below the band.
	local want=(400 800 1600) i gap
	for i in 0 1 2; do
		gap=$((t[i + 1] - t[i]))
		((gap >= want[i] * 9 / 10)) ||
			fail "gap $i is ${gap} ms, below $((want[i] * 9 / 10))"
		((gap <= want[i] * 11 / 10 + 1000)) ||
			fail "gap $i is ${gap} ms, above $((want[i] * 11 / 10)) + 1000"
	done
}

@test "retries: a job that succeeds on a retry completes; status shows the attempts" {
	make_handler flaky '[ "$JOBQ_ATTEMPT" -ge 2 ] && exit 0; exit 5'
	id=$("$JOBQ" submit flaky --retries 3 --retry-delay 0)
	run -0 drain_worker
	assert_job "$id" state=completed attempt=2 failures=1 \
		attempts.0.outcome=failed attempts.1.outcome=completed
	run -0 "$JOBQ" status "$id"
	assert_line --regexp '^  retries +3$'
	assert_line --regexp '^  failures +1$'
	assert_line --regexp '^    1  .*  failed: exited with status 5$'
	assert_line --regexp '^    2  .*  completed$'
}

@test "retries: a retrying job shows its next start, and keeps its last outcome" {
	make_handler fail 'exit 4'
	id=$("$JOBQ" submit fail --retries 1 --retry-delay 1h)
	start_ready_worker
	wait_state "$id" retrying
	assert_job "$id" exit_code=4 "error=exited with status 4" worker=null \
		failures=1
	run -0 "$JOBQ" status "$id"
	assert_line --regexp '^  runs at '
	# The next start is an hour away (+-10%).
	local run_at now
	run_at=$(job_field "$id" run_at)
	now=$(date +%s)
	run_at=$(date -d "$run_at" +%s)
	((run_at - now >= 3200 && run_at - now <= 3961)) ||
		fail "runs in $((run_at - now)) s"
}

@test "retries: cancelling a retrying job cancels it, for good" {
	make_handler fail 'exit 1'
	id=$("$JOBQ" submit fail --retries 5 --retry-delay 1h)
	start_ready_worker
	wait_state "$id" retrying
	run -0 "$JOBQ" cancel "$id"
	assert_job "$id" state=cancelled attempt=1
}

@test "retries: --drain waits out a retry delay and sees the retry happen" {
	make_handler flaky '[ "$JOBQ_ATTEMPT" -ge 2 ] && exit 0; exit 1'
	id=$("$JOBQ" submit flaky --retries 1 --retry-delay 1s)
	run -0 drain_worker
	assert_job "$id" state=completed attempt=2
}

@test "retries: a handler that cannot start is not retried" {
	id=$("$JOBQ" submit nohandler --retries 3 --retry-delay 0)
	run -0 drain_worker
	assert_job "$id" state=failed attempt=1
}

@test "retries: bad --retries and --retry-delay are usage errors" {
	run --separate-stderr -2 "$JOBQ" submit t --retries -1
	assert_regex "$stderr" "^jobq: submit: bad retries '-1': use a number from 0 to 1000"
	run --separate-stderr -2 "$JOBQ" submit t --retries 1001
	run --separate-stderr -2 "$JOBQ" submit t --retries x
	run --separate-stderr -2 "$JOBQ" submit t --retry-delay 2h
	assert_regex "$stderr" "^jobq: submit: bad retry delay '2h'"
	run --separate-stderr -2 "$JOBQ" submit t --retry-delay soon
	[ ! -e "$JOBQ_DIR/jobq.db" ] || assert_job_count 0
}

@test "retry: a failed job runs again with a fresh budget; attempt counts on" {
	make_handler once '[ -e "$JOBQ_DIR/ok" ] && exit 0; exit 2'
	id=$("$JOBQ" submit once --retries 1 --retry-delay 0)
	run -0 drain_worker
	assert_job "$id" state=failed attempt=2 failures=2
	touch "$JOBQ_DIR/ok"
	run --separate-stderr -0 "$JOBQ" retry "$id"
	assert_equal "$output" ""
	assert_job "$id" state=pending failures=0 retries=1 attempt=2 \
		error=null exit_code=null
	run -0 drain_worker
	assert_job "$id" state=completed attempt=3 failures=0 \
		attempts.1.outcome=failed attempts.2.outcome=completed
}

@test "retry: timed-out and cancelled jobs may be retried" {
	make_handler slow 'sleep 5'
	a=$("$JOBQ" submit slow --timeout 200ms)
	b=$("$JOBQ" submit slow)
	"$JOBQ" cancel "$b"
	run -0 drain_worker
	assert_job "$a" state=timeout
	run -0 "$JOBQ" retry "$a" "$b"
	assert_job "$a" state=pending
	assert_job "$b" state=pending
}

@test "retry: pending, running and completed jobs are refused with exit 1; unknown ids exit 3" {
	make_handler ok 'exit 0'
	make_handler slow 'sleep 30'
	done_id=$("$JOBQ" submit ok)
	run -0 drain_worker
	run_id=$("$JOBQ" submit slow)
	start_ready_worker --grace 200ms
	wait_state "$run_id" running
	pend=$("$JOBQ" submit ok --queue elsewhere)
	run --separate-stderr -1 "$JOBQ" retry "$done_id"
	assert_equal "$stderr" "jobq: retry: job $done_id is completed: only a failed, timed-out or cancelled job can be retried"
	run --separate-stderr -1 "$JOBQ" retry "$run_id"
	assert_regex "$stderr" "job $run_id is running"
	run --separate-stderr -1 "$JOBQ" retry "$pend"
	assert_regex "$stderr" "job $pend is pending"
	run --separate-stderr -3 "$JOBQ" retry 999
	run --separate-stderr -2 "$JOBQ" retry 0
	run --separate-stderr -2 "$JOBQ" retry
	assert_job "$done_id" state=completed
	assert_job "$pend" state=pending
}

@test "delay: an idle worker starts a delayed job within 1 s of its time" {
	make_handler rec 'date +%s%3N >"$JOBQ_DIR/ran.$JOBQ_JOB_ID"'
	start_ready_worker
	local t0 id due
	t0=$(now_ms)
	id=$("$JOBQ" submit rec --delay 2s)
	assert_job "$id" state=pending
	run -0 "$JOBQ" status "$id"
	assert_line --regexp '^  runs at '
	due=$(("$(date -d "$(job_field "$id" run_at)" +%s%3N)"))
	((due >= t0 + 2000 && due <= t0 + 2000 + 1000)) || fail "due at $due, submitted at $t0"
	wait_state "$id" completed 10
	local ran
	ran=$(cat "$JOBQ_DIR/ran.$id")
	((ran >= due)) || fail "ran at $ran, before $due"
	# Within 1 s of its time, with 5x slack (bench/run measures it).
	((ran <= due + 5000)) || fail "ran $((ran - due)) ms late"
	assert_job "$id" attempt=1
}

@test "delay: --at a time 2 s ahead runs then; --drain does not wait for it" {
	make_handler ok 'exit 0'
	local at id
	# 3 to 4 s ahead: time enough for two submits and a drain even
	# under the sanitizers on a loaded machine.
	at=$(date -u -d "@$(($(date +%s) + 4))" +%Y-%m-%dT%H:%M:%SZ)
	id=$("$JOBQ" submit ok --at "$at")
	now=$("$JOBQ" submit ok)
	run -0 drain_worker
	assert_job "$now" state=completed
	assert_job "$id" state=pending attempt=0
	start_ready_worker
	wait_state "$id" completed 8
}

@test "delay: --at forms" {
	local id
	id=$("$JOBQ" submit t --at 2030-01-02T03:04:05Z)
	assert_job "$id" run_at=2030-01-02T03:04:05.000Z
	id=$("$JOBQ" submit t --at 2030-01-02T03:04:05.25+01:30)
	assert_job "$id" run_at=2030-01-02T01:34:05.250Z
	id=$(TZ=UTC "$JOBQ" submit t --at '2030-01-02 03:04')
	assert_job "$id" run_at=2030-01-02T03:04:00.000Z
	id=$(TZ=Europe/Paris "$JOBQ" submit t --at '2030-07-02 03:04:05')
	assert_job "$id" run_at=2030-07-02T01:04:05.000Z
	id=$(TZ=UTC "$JOBQ" submit t --at 2030-01-02T03:04:05)
	assert_job "$id" run_at=2030-01-02T03:04:05.000Z
	id=$("$JOBQ" submit t --at @1900000000)
	assert_job "$id" run_at=2030-03-17T17:46:40.000Z
	# HH:MM: the next one, today or tomorrow.
	local hm want
	hm=$(TZ=UTC date -d '-1 minute' +%H:%M)
	want=$(TZ=UTC date -d "tomorrow $hm" +%Y-%m-%dT%H:%M:00.000Z)
	id=$(TZ=UTC "$JOBQ" submit t --at "$hm")
	assert_job "$id" run_at="$want"
	hm=$(TZ=UTC date -d '+2 minutes' +%H:%M)
	want=$(TZ=UTC date -d "$hm" +%Y-%m-%dT%H:%M:00.000Z)
	[ "$hm" = 00:00 ] || [ "$hm" = 00:01 ] || {
		id=$(TZ=UTC "$JOBQ" submit t --at "$hm")
		assert_job "$id" run_at="$want"
	}
	# A time past means now.
	id=$("$JOBQ" submit t --at 2001-01-01T00:00:00Z)
	assert_job "$id" run_at=2001-01-01T00:00:00.000Z
}

@test "delay: bad --at and --delay are refused with the accepted forms" {
	local bad
	for bad in soon 2030-02-30T00:00Z 2030-13-01T00:00Z 24:00 12:60 1:00 \
		'2030-01-02T03:04:05+25:00' '2030-01-02T03:04:05.Z' @ @-5 @1e9 \
		1969-12-31T23:59:59Z '2030-01-02  03:04' '' 10000-01-01T00:00Z; do
		run --separate-stderr -2 "$JOBQ" submit t --at "$bad"
		assert_regex "$stderr" "^jobq: submit: bad time '.*': use RFC 3339 .*@UNIX seconds, or HH:MM for the next such local time$"
	done
	run --separate-stderr -2 "$JOBQ" submit t --delay 5x
	assert_regex "$stderr" "^jobq: submit: bad delay '5x': use a number of seconds"
	run --separate-stderr -2 "$JOBQ" submit t --delay 1s --at 10:00
	assert_equal "$stderr" "jobq: submit: --at: the job's time is already set by --delay; give one --delay or --at"
	[ ! -e "$JOBQ_DIR/jobq.db" ] || assert_job_count 0
}

@test "priority: a reordered job moves in the order a worker takes jobs" {
	make_handler rec 'echo "$JOBQ_JOB_ID" >>"$JOBQ_DIR/ran"'
	a=$("$JOBQ" submit rec)
	b=$("$JOBQ" submit rec)
	c=$("$JOBQ" submit rec --priority low)
	run --separate-stderr -0 "$JOBQ" priority "$c" critical
	assert_equal "$output" ""
	run -0 "$JOBQ" priority "$a" 25
	assert_job "$c" priority=0
	assert_job "$a" priority=25
	run -0 drain_worker
	assert_equal "$(cat "$JOBQ_DIR/ran" | tr '\n' ' ')" "$c $b $a "
}

@test "priority: a retrying job may be reordered; running and ended jobs exit 1, unknown 3, bad 2" {
	make_handler fail 'exit 1'
	make_handler slow 'sleep 30'
	make_handler ok 'exit 0'
	r=$("$JOBQ" submit fail --retries 1 --retry-delay 1h)
	d=$("$JOBQ" submit ok)
	start_ready_worker --queue default
	wait_state "$r" retrying
	wait_state "$d" completed
	run -0 "$JOBQ" priority "$r" high
	assert_job "$r" priority=10 state=retrying
	s=$("$JOBQ" submit slow --queue slow)
	start_ready_worker --queue slow --grace 200ms
	wait_state "$s" running
	run --separate-stderr -1 "$JOBQ" priority "$s" 5
	assert_equal "$stderr" "jobq: priority: job $s is running: only a pending or retrying job can be reordered"
	run --separate-stderr -1 "$JOBQ" priority "$d" 5
	assert_regex "$stderr" "job $d is completed"
	run --separate-stderr -3 "$JOBQ" priority 999 5
	assert_equal "$stderr" "jobq: priority: no such job 999"
	run --separate-stderr -2 "$JOBQ" priority "$r" 100
	assert_regex "$stderr" "^jobq: priority: bad priority '100'"
	run --separate-stderr -2 "$JOBQ" priority x 5
	run --separate-stderr -2 "$JOBQ" priority "$r"
	assert_job "$r" priority=10
	assert_job "$d" priority=20
}

@test "after: jobs run after their dependencies, whatever their priority" {
	make_handler rec 'echo "$JOBQ_JOB_ID" >>"$JOBQ_DIR/ran"'
	a=$("$JOBQ" submit rec --priority low)
	b=$("$JOBQ" submit rec --priority critical --after "$a")
	c=$("$JOBQ" submit rec --priority critical --after "$a,$b")
	d=$("$JOBQ" submit rec --priority critical --after "$b" --after "$a")
	e=$("$JOBQ" submit rec)
	assert_job "$c" depends_on="[$a,$b]" state=pending
	run -0 "$JOBQ" status "$c"
	assert_line "  waiting for $a, $b"
	run -0 drain_worker
	assert_equal "$(tr '\n' ' ' <"$JOBQ_DIR/ran")" "$e $a $b $c $d "
	run -0 "$JOBQ" status "$c"
	refute_line --partial "waiting for"
}

@test "after: a failed dependency cancels the chain below it, naming it" {
	make_handler fail 'exit 1'
	make_handler ok 'exit 0'
	a=$("$JOBQ" submit fail)
	b=$("$JOBQ" submit ok --after "$a")
	c=$("$JOBQ" submit ok --after "$b")
	x=$("$JOBQ" submit ok)
	run -0 drain_worker
	assert_job "$a" state=failed
	assert_job "$b" state=cancelled "error=dependency $a failed" attempt=0
	assert_job "$c" state=cancelled "error=dependency $b cancelled"
	assert_job "$x" state=completed
	# Submitted after the failure: cancelled at once.
	d=$("$JOBQ" submit ok --after "$a")
	assert_job "$d" state=cancelled "error=dependency $a failed"
}

@test "after: a cancelled or timed-out dependency cancels; retrying the chain runs it" {
	make_handler slow 'sleep 5'
	make_handler ok 'exit 0'
	a=$("$JOBQ" submit ok --queue held)
	b=$("$JOBQ" submit ok --after "$a")
	run -0 "$JOBQ" cancel "$a"
	assert_job "$b" state=cancelled "error=dependency $a cancelled"
	t=$("$JOBQ" submit slow --timeout 100ms)
	u=$("$JOBQ" submit ok --after "$t")
	run -0 drain_worker
	assert_job "$u" state=cancelled "error=dependency $t timed out"
	run -0 "$JOBQ" retry "$b"
	assert_job "$b" state=pending
	run -0 "$JOBQ" retry "$a"
	run -0 drain_worker --queue held
	run -0 drain_worker
	assert_job "$a" state=completed
	assert_job "$b" state=completed
}

@test "after: a dependency already completed runs at once; unknown ids exit 3, bad ones 2" {
	make_handler ok 'exit 0'
	a=$("$JOBQ" submit ok)
	run -0 drain_worker
	b=$("$JOBQ" submit ok --after "$a")
	run -0 "$JOBQ" status "$b"
	refute_line --partial "waiting for"
	run -0 drain_worker
	assert_job "$b" state=completed
	run --separate-stderr -3 "$JOBQ" submit ok --after "$a,999"
	assert_equal "$stderr" "jobq: submit: --after: no such job 999"
	assert_equal "$output" ""
	for bad in x 0 "$a,,$a" ",$a" "$a," ""; do
		run --separate-stderr -2 "$JOBQ" submit ok --after "$bad"
		assert_regex "$stderr" "^jobq: submit: bad --after '.*': use job ids separated by ','$"
	done
	assert_job_count 2
}

@test "key: 20 racing submits with one key make exactly one job; all print its id" {
	local i pids=()
	for i in $(seq 1 20); do
		"$JOBQ" submit t --key nightly >"$BATS_TEST_TMPDIR/out.$i" \
			2>"$BATS_TEST_TMPDIR/err.$i" &
		pids+=($!)
	done
	for i in $(seq 1 20); do
		wait "${pids[i - 1]}" || fail "submit $i exited $?"
	done
	assert_job_count 1
	id=$("$JOBQ" list --json | json_field - id)
	for i in $(seq 1 20); do
		assert_equal "$(cat "$BATS_TEST_TMPDIR/out.$i")" "$id"
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/err.* | grep -c .)" 19
	assert_equal "$(sort -u "$BATS_TEST_TMPDIR"/err.*)" \
		"jobq: submit: job $id has key 'nightly' and has not ended: nothing submitted"
	assert_job "$id" key=nightly
}

@test "key: held while pending, retrying or running; free once the job ended" {
	# The second attempt waits for a file: the key is asked for while
	# the job is retrying or running, however slow this machine is.
	make_handler flaky '[ "$JOBQ_ATTEMPT" -ge 2 ] || exit 1
		until [ -e "$JOBQ_DIR/go" ]; do sleep 0.05; done'
	a=$("$JOBQ" submit flaky --key k --retries 1 --retry-delay 1s)
	start_ready_worker
	wait_for 10 has_failed_once "$a"
	run --separate-stderr -0 "$JOBQ" submit flaky --key k
	assert_equal "$output" "$a"
	assert_regex "$(job_field "$a" state)" '^(retrying|running)$'
	touch "$JOBQ_DIR/go"
	wait_state "$a" completed 8
	run --separate-stderr -0 "$JOBQ" submit flaky --key k
	b=$output
	assert_equal "$stderr" ""
	[ "$b" != "$a" ] || fail "no new job"
	run --separate-stderr -0 "$JOBQ" submit flaky --key other
	[ "$output" != "$b" ] || fail "another key shares a job"
}

@test "key: retry of an ended job whose key is taken exits 1; bad keys are refused" {
	make_handler fail 'exit 1'
	a=$("$JOBQ" submit fail --key k)
	run -0 drain_worker
	assert_job "$a" state=failed
	b=$("$JOBQ" submit fail --key k --queue held)
	run -0 "$JOBQ" pause held
	run --separate-stderr -1 "$JOBQ" retry "$a"
	assert_equal "$stderr" "jobq: retry: job $a: job $b has its key now"
	assert_job "$a" state=failed
	run --separate-stderr -2 "$JOBQ" submit t --key ''
	assert_regex "$stderr" "^jobq: submit: bad key '': use 1 to 1024 bytes"
	run --separate-stderr -2 "$JOBQ" submit t --key "$(printf '%01025d' 0)"
	assert_job_count 2
}

@test "tags and meta: round-trip through --json and status; list --tag filters" {
	a=$("$JOBQ" submit t --tag nightly --tag db --tag nightly \
		--meta owner=ann --meta 'note=say "hi"' --meta owner=bob)
	b=$("$JOBQ" submit t --tag db)
	c=$("$JOBQ" submit t)
	assert_job "$a" 'tags=["nightly","db"]' 'meta={"owner":"bob","note":"say \"hi\""}'
	assert_job "$c" 'tags=[]' 'meta={}'
	run -0 "$JOBQ" status "$a"
	assert_line "  tags       nightly, db"
	assert_line "  meta       owner=bob"
	run -0 "$JOBQ" list --tag db --json
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$a $b "
	run -0 "$JOBQ" list --tag nightly
	assert_equal "$(cut -f1 <<<"$output")" "$a"
	run --separate-stderr -2 "$JOBQ" submit t --tag 'a b'
	assert_regex "$stderr" "^jobq: submit: bad tag 'a b'"
	run --separate-stderr -2 "$JOBQ" submit t --meta novalue
	assert_equal "$stderr" "jobq: submit: bad --meta 'novalue': use KEY=VALUE"
	run --separate-stderr -2 "$JOBQ" submit t --meta '=v'
	run --separate-stderr -2 "$JOBQ" list --tag 'a b'
	assert_job_count 3
}

@test "list: --priority, --offset with --limit, and --order run with positions" {
	ids=()
	for p in 20 30 10 20 10; do
		ids+=("$("$JOBQ" submit t --priority "$p")")
	done
	"$JOBQ" submit t --priority 5 --delay 1h >/dev/null
	done_id=$("$JOBQ" submit t --priority 0)
	"$JOBQ" cancel "$done_id"
	run -0 "$JOBQ" list --priority 10
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "${ids[2]} ${ids[4]} "
	run -0 "$JOBQ" list --limit 2 --offset 1
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "${ids[4]} $((${ids[4]} + 1)) "
	run -0 "$JOBQ" list --offset 5
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "${ids[0]} ${ids[1]} "
	run -0 "$JOBQ" list --offset 100
	assert_equal "$output" ""
	run -0 "$JOBQ" list --order run
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" \
		"1:$((${ids[4]} + 1)) 2:${ids[2]} 3:${ids[4]} 4:${ids[0]} 5:${ids[3]} 6:${ids[1]} "
	run -0 "$JOBQ" list --order run --offset 2 --limit 2
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" \
		"3:${ids[4]} 4:${ids[0]} "
	run -0 "$JOBQ" list --order run --json
	assert_equal "$(json_each "$output" id | head -2 | tr '\n' ' ')" \
		"$((${ids[4]} + 1)) ${ids[2]} "
	run --separate-stderr -2 "$JOBQ" list --order fast
	assert_regex "$stderr" "^jobq: list: bad order 'fast'"
	run --separate-stderr -2 "$JOBQ" list --offset -1
	run --separate-stderr -2 "$JOBQ" list --priority 100
}
