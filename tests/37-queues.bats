#!/usr/bin/env bats
# Queues: jobq queues, pause and resume, and limits enforced by the claim.

load helper

@test "queues: every queue with its state, limit and counts, as a table and as JSON" {
	make_handler ok 'exit 0'
	make_handler fail 'exit 1'
	"$JOBQ" submit ok >/dev/null
	"$JOBQ" submit fail >/dev/null
	"$JOBQ" submit ok --queue mail >/dev/null
	run -0 drain_worker --queue default
	run -0 "$JOBQ" limit mail 3
	run -0 "$JOBQ" pause later
	run -0 "$JOBQ" queues --json
	assert_equal "${#lines[@]}" 3
	assert_json "${lines[0]}" name=default paused=false limit=null \
		counts.completed=1 counts.failed=1 counts.pending=0 \
		counts.running=0 counts.retrying=0 counts.timeout=0 \
		counts.cancelled=0
	assert_json "${lines[1]}" name=later paused=true limit=null \
		counts.pending=0
	assert_json "${lines[2]}" name=mail paused=false limit=3 \
		counts.pending=1
	run -0 "$JOBQ" queues
	assert_line --index 0 --regexp '^QUEUE +STATE +LIMIT +PENDING +RETRYING +RUNNING +COMPLETED +FAILED +TIMEOUT +CANCELLED$'
	assert_line --index 1 --regexp '^default +active +- +0 +0 +0 +1 +1 +0 +0$'
	assert_line --index 2 --regexp '^later +paused +- +0( +0){6}$'
	assert_line --index 3 --regexp '^mail +active +3 +1( +0){6}$'
}

@test "queues: an empty spool has none; operands are a usage error" {
	run --separate-stderr -0 "$JOBQ" queues --json
	assert_equal "$output" ""
	run --separate-stderr -2 "$JOBQ" queues mail
}

@test "pause: stops claims from that queue only; resume restarts them; running jobs carry on" {
	make_handler ok 'exit 0'
	make_handler slow 'sleep 1'
	s=$("$JOBQ" submit slow --queue mail)
	start_ready_worker -j 2
	wait_state "$s" running
	run -0 "$JOBQ" pause mail
	m=$("$JOBQ" submit ok --queue mail)
	d=$("$JOBQ" submit ok)
	wait_state "$d" completed
	wait_state "$s" completed
	sleep 0.5
	assert_job "$m" state=pending
	run -0 "$JOBQ" resume mail
	wait_state "$m" completed 3
}

@test "pause: a --drain worker exits while a queue is paused, leaving its jobs" {
	make_handler ok 'exit 0'
	m=$("$JOBQ" submit ok --queue mail)
	d=$("$JOBQ" submit ok)
	run -0 "$JOBQ" pause mail
	run -0 "$JOBQ" status "$m"
	assert_line "  waiting for queue mail to be resumed"
	run -0 drain_worker
	assert_job "$d" state=completed
	assert_job "$m" state=pending
	run -0 "$JOBQ" resume mail
	run -0 drain_worker
	assert_job "$m" state=completed
}

@test "pause: all queues, new ones included; resume Q during it resumes Q alone; resume all" {
	make_handler ok 'exit 0'
	run -0 "$JOBQ" pause
	a=$("$JOBQ" submit ok --queue a)
	b=$("$JOBQ" submit ok --queue b)
	run -0 drain_worker
	assert_job "$a" state=pending
	run -0 "$JOBQ" resume a
	run -0 drain_worker
	assert_job "$a" state=completed
	assert_job "$b" state=pending
	c=$("$JOBQ" submit ok --queue c)
	run -0 drain_worker
	assert_job "$c" state=pending
	run -0 "$JOBQ" resume
	run -0 drain_worker
	assert_job "$b" state=completed
	assert_job "$c" state=completed
}

@test "pause: a retrying job of a paused queue waits; --drain does not wait for it" {
	# The first attempt fails only once the queue is paused, so the
	# retry never starts before the pause, however slow this machine is.
	make_handler flaky '[ "$JOBQ_ATTEMPT" -ge 2 ] && exit 0
		until [ -e "$JOBQ_DIR/go" ]; do sleep 0.05; done; exit 1'
	id=$("$JOBQ" submit flaky --retries 1 --retry-delay 1s)
	start_ready_worker
	wait_state "$id" running
	run -0 "$JOBQ" pause default
	touch "$JOBQ_DIR/go"
	wait_state "$id" retrying
	kill -TERM "$WORKER_PID"
	wait_exit "$WORKER_PID" 5
	# Due now, and still it waits.
	local due
	due=$(date -d "$(job_field "$id" run_at)" +%s%3N)
	wait_for 5 past_ms "$due"
	run -0 drain_worker
	assert_job "$id" state=retrying attempt=1
	run -0 "$JOBQ" resume default
	run -0 drain_worker
	assert_job "$id" state=completed attempt=2
}

@test "limit: 2 with 3 workers x -j 4 never has more than 2 running" {
	make_handler nap 'sleep 0.2'
	local i
	for i in $(seq 1 16); do "$JOBQ" submit nap --queue l >/dev/null; done
	run -0 "$JOBQ" limit l 2
	start_worker -j 4 --quiet
	start_worker -j 4 --quiet
	start_worker -j 4 --quiet
	local max=0 n samples=0 done=0
	local deadline=$(($(now_ms) + 30000))
	while (($(now_ms) < deadline)); do
		n=$("$JOBQ" queues --json | "$PYTHON" -c '
import json, sys
c = json.loads(sys.stdin.readline())["counts"]
print(c["running"], c["completed"])
')
		samples=$((samples + 1))
		((${n% *} > max)) && max=${n% *}
		done=${n#* }
		((done == 16)) && break
	done
	assert_equal "$done" 16
	((max <= 2)) || fail "$max running at once"
	((max == 2)) || fail "never 2 running at once ($samples samples)"
	run -0 "$JOBQ" queues --json
	assert_json "$output" limit=2 counts.completed=16
}

@test "limit: none removes it; 0, negatives and junk are refused" {
	run -0 "$JOBQ" limit q 5
	run -0 "$JOBQ" limit q none
	run -0 "$JOBQ" queues --json
	assert_json "$output" name=q limit=null
	run --separate-stderr -2 "$JOBQ" limit q 0
	assert_equal "$stderr" "jobq: limit: a limit of 0 runs nothing: to stop claims from queue 'q', use 'jobq pause q'"
	run --separate-stderr -2 "$JOBQ" limit q x
	assert_regex "$stderr" "^jobq: limit: bad limit 'x': use a number from 1 to"
	run --separate-stderr -2 "$JOBQ" limit q 1000001
	run --separate-stderr -2 "$JOBQ" limit 'b/ad' 1
	assert_regex "$stderr" "^jobq: limit: bad queue name 'b/ad'"
	run --separate-stderr -2 "$JOBQ" limit q
	run --separate-stderr -2 "$JOBQ" pause 'b/ad'
	run -0 "$JOBQ" queues --json
	assert_json "$output" name=q limit=null
}
