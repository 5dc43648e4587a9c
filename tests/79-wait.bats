#!/usr/bin/env bats
# jobq wait for groups: --tag (ended or not), --queue and --all (not
# ended when wait starts); timeouts that name the jobs left; the note
# when no live worker serves a queue; result --wait.

load helper

@test "wait --tag: every tagged job, a failure before wait started included" {
	make_handler ok 'exit 0'
	make_handler bad 'exit 3'
	local a b c
	a=$("$JOBQ" submit --tag ci bad)
	drain_worker
	b=$("$JOBQ" submit --tag ci ok)
	c=$("$JOBQ" submit ok)	# not tagged: not waited for
	start_ready_worker
	run -1 --separate-stderr "$JOBQ" wait --tag ci
	[ "$stderr" = "jobq: wait: job $a failed: exited with status 3" ] ||
		fail "stderr: $stderr"
	run -1 "$JOBQ" wait --tag ci --json
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$a $b "
	# No job has the tag: nothing to wait for.
	run -0 "$JOBQ" wait --tag nothing
}

@test "wait --queue and --all: the jobs not ended when wait starts" {
	make_handler ok 'exit 0'
	make_handler bad 'exit 3'
	local old a b
	old=$("$JOBQ" submit --queue q1 bad)
	drain_worker
	a=$("$JOBQ" submit --queue q1 ok)
	b=$("$JOBQ" submit --queue q2 bad)
	# Only the job of q1 not ended yet: neither the old failure nor q2's.
	run -4 --separate-stderr "$JOBQ" wait --queue q1 -t 200ms
	[[ $stderr == *"gave up after 200ms: 1 job has not ended: $a pending" ]] ||
		fail "stderr: $stderr"
	run -4 --separate-stderr "$JOBQ" wait --all -t 200ms
	[[ $stderr == *"gave up after 200ms: 2 jobs have not ended: $a pending, $b pending" ]] ||
		fail "stderr: $stderr"
	start_ready_worker
	run -0 --separate-stderr "$JOBQ" wait --queue q1
	assert_job "$a" state=completed
	wait_state "$b" failed
	# Nothing left that has not ended: nothing to wait for.
	run -0 "$JOBQ" wait --all
}

@test "wait --all covers every job it considered: one failure is exit 1" {
	make_handler slow 'sleep 1; exit 0'
	make_handler bad 'sleep 0.8; exit 4'
	local a b
	a=$("$JOBQ" submit slow)
	b=$("$JOBQ" submit bad)
	start_ready_worker -j 2
	run -1 --separate-stderr "$JOBQ" wait --all
	[ "$stderr" = "jobq: wait: job $b failed: exited with status 4" ] ||
		fail "stderr: $stderr"
	assert_job "$a" state=completed
}

@test "wait --timeout names the jobs still not ended and their states" {
	make_handler hold 'sleep 30'
	local a b rc
	a=$("$JOBQ" submit hold)
	b=$("$JOBQ" submit --queue later hold)
	start_ready_worker -q default
	wait_state "$a" running
	run -4 --separate-stderr "$JOBQ" wait --all -t 300ms
	assert_output ""
	[[ $stderr == *"jobq: wait: gave up after 300ms: 2 jobs have not ended: $a running, $b pending" ]] ||
		fail "stderr: $stderr"
	run -4 --separate-stderr "$JOBQ" wait "$a" "$b" -t 300ms --json
	assert_equal "$(json_each "$output" state | tr '\n' ' ')" "running pending "
}

@test "wait says once on stderr that no live worker serves a job's queue, and still waits" {
	make_handler ok 'exit 0'
	local id pid out="$BATS_TEST_TMPDIR/wait"
	id=$("$JOBQ" submit --queue mail ok)
	"$JOBQ" wait "$id" >"$out" 2>"$out.err" 3>&- &
	pid=$!
	wait_for 10 file_has "$out.err" 'no live worker'
	# It keeps waiting, and says it once.
	sleep 1.2
	pid_alive "$pid" || fail "wait ended"
	start_worker -q mail
	wait_exit "$pid" 10
	[ "$WORKER_STATUS" -eq 0 ] || fail "status $WORKER_STATUS"
	assert_equal "$(cat "$out.err")" \
		"jobq: wait: no live worker serves queue mail: job $id waits for one"
}

@test "wait: a worker of other queues does not serve the job's; a dead worker serves nothing" {
	make_handler ok 'exit 0'
	local id
	id=$("$JOBQ" submit --queue mail ok)
	start_ready_worker -q default
	# Before schema 9 a worker is taken to serve every queue; after it,
	# only its own.  Either way a dead one serves none.
	kill -KILL "$WORKER_PID"
	wait_gone "$WORKER_PID" 5
	run -4 --separate-stderr "$JOBQ" wait "$id" -t 300ms
	[[ $stderr == "jobq: wait: no live worker serves queue mail: job $id waits for one"* ]] ||
		fail "stderr: $stderr"
}

@test "result --wait waits for the job, then prints its result" {
	make_handler talk 'sleep 0.3; echo done'
	local id
	id=$("$JOBQ" submit talk)
	run -75 "$JOBQ" result "$id"
	start_worker
	run -0 --separate-stderr "$JOBQ" result --wait "$id"
	assert_output done
	run -3 "$JOBQ" result --wait 999
}

@test "wait: bad options say what and why" {
	run -2 --separate-stderr "$JOBQ" wait
	run -2 --separate-stderr "$JOBQ" wait --tag 'a b'
	assert_regex "$stderr" "^jobq: wait: bad tag 'a b': use letters"
	run -2 --separate-stderr "$JOBQ" wait --queue ''
	run -2 "$JOBQ" wait --all -t soon
}
