#!/usr/bin/env bats
# prune and rm: which jobs go, what goes with them, and what never goes.

bats_require_minimum_version 1.5.0
load helper

# age_jobs DAYS ID...: makes the jobs look as if they ended DAYS days ago
# (the test cannot wait a week).
age_jobs() {
	local ms=$(($1 * 86400 * 1000)) i
	shift
	for i; do
		db_sql "UPDATE jobs SET finished_at = finished_at - $ms WHERE id = $i"
	done
}

# ended_jobs: one job in each ended state, ids 1 (completed), 2 (failed),
# 3 (cancelled), 4 (timeout).
ended_jobs() {
	"$JOBQ" submit -- true >/dev/null
	"$JOBQ" submit -- false >/dev/null
	"$JOBQ" submit --delay 1h -- true >/dev/null
	"$JOBQ" cancel 3
	"$JOBQ" submit --timeout 100ms -- sleep 5 >/dev/null
	drain_worker
	assert_job 4 state=timeout
}

@test "prune: by default completed and cancelled jobs older than 7 days" {
	ended_jobs
	"$JOBQ" submit -- true >/dev/null	# 5: completed, recent
	drain_worker
	age_jobs 8 1 2 3 4
	run --separate-stderr -0 "$JOBQ" prune
	assert_output "deleted 2 jobs"
	run -3 "$JOBQ" status 1
	run -3 "$JOBQ" status 3
	assert_job 2 state=failed
	assert_job 4 state=timeout
	assert_job 5 state=completed
	assert_job_count 3
}

@test "prune: --status and --older-than choose; --dry-run deletes nothing" {
	ended_jobs
	run --separate-stderr -0 "$JOBQ" prune --dry-run --older-than 0 \
		--status failed,timeout
	assert_output "would delete 2 jobs"
	assert_job_count 4
	run --separate-stderr -0 "$JOBQ" --json prune --dry-run \
		--older-than 0 -s failed,timeout
	assert_json "$output" count=2 ids='[2,4]' dry_run=true
	assert_job_count 4
	run --separate-stderr -0 "$JOBQ" prune --json --older-than 0 \
		-s failed,timeout
	assert_json "$output" count=2 ids='[2,4]' dry_run=false
	assert_job_count 2
	# Not old enough.
	run --separate-stderr -0 "$JOBQ" prune --older-than 1h -s completed
	assert_output "deleted 0 jobs"
	assert_job_count 2
}

@test "prune: never deletes pending, running or retrying jobs" {
	make_handler slow 'sleep 30'
	make_handler flaky 'exit 1'
	"$JOBQ" submit -- true >/dev/null			# 1
	drain_worker
	"$JOBQ" submit --delay 1h -- true >/dev/null		# 2 pending
	"$JOBQ" submit slow >/dev/null				# 3 running
	"$JOBQ" submit --retries 5 --retry-delay 1h flaky >/dev/null	# 4
	start_worker -j 2 --grace 200ms
	wait_state 3 running
	wait_state 4 retrying
	run --separate-stderr -0 "$JOBQ" --json prune --older-than 0 \
		-s completed,failed,timeout,cancelled
	assert_json "$output" count=1 ids='[1]'
	assert_job 2 state=pending
	assert_job 3 state=running
	assert_job 4 state=retrying
	for s in pending running retrying; do
		run --separate-stderr -2 "$JOBQ" prune --status "$s"
		assert_regex "$stderr" "^jobq: prune: state '$s': prune deletes only ended jobs"
	done
	assert_job_count 3
}

@test "prune: removes results, attempts, payloads and log files" {
	make_handler say 'cat; echo oops >&2; exit 0'
	id=$("$JOBQ" submit say '{"x":1}')
	keep=$("$JOBQ" submit --delay 1h -- true)
	drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output '{"x":1}'
	# A log of the older layout and of the per-attempt one.
	echo old >"$JOBQ_DIR/logs/$id.log"
	echo new >"$JOBQ_DIR/logs/$id.1.log"
	echo other >"$JOBQ_DIR/logs/$keep.log"
	run -0 "$JOBQ" prune --older-than 0
	run -3 "$JOBQ" result "$id"
	[ ! -e "$JOBQ_DIR/logs/$id.log" ]
	[ ! -e "$JOBQ_DIR/logs/$id.1.log" ]
	[ -e "$JOBQ_DIR/logs/$keep.log" ]
	local t
	for t in results attempts payloads; do
		assert_equal "$t $(db_sql "SELECT count(*) FROM $t WHERE job_id = $id")" "$t 0"
	done
	# Ids are never reused.
	run -0 "$JOBQ" submit -- true
	assert_output 3
}

@test "prune: a job that waited for a pruned one shows it gone" {
	a=$("$JOBQ" submit -- true)
	drain_worker
	b=$("$JOBQ" submit --after "$a" --delay 1h -- true)
	run -0 "$JOBQ" prune --older-than 0
	assert_job "$b" state=pending
	run -0 "$JOBQ" status "$b"
	assert_output --partial "$a"
}

@test "prune: many jobs, in batches, while a worker claims" {
	local i
	for i in $(seq 1 450); do
		JOBQ_SYNC=normal "$JOBQ" submit -- false >/dev/null
	done
	drain_worker -j 4
	# The worker takes this one while prune deletes the failed ones.
	"$JOBQ" submit -- sleep 0.2 >/dev/null	# 451
	start_worker
	run --separate-stderr -0 "$JOBQ" prune --older-than 0 -s failed
	assert_output "deleted 450 jobs"
	wait_state 451 completed
	assert_job_count 1
}

@test "prune: --vacuum says writers wait, and gives space back" {
	ended_jobs
	run --separate-stderr -0 "$JOBQ" prune --older-than 0 -s failed \
		--vacuum
	assert_output "deleted 1 job"
	assert_regex "$stderr" "^jobq: prune: vacuuming .*wait"
	assert_job_count 3
}

@test "prune: bad options are usage errors and delete nothing" {
	ended_jobs
	run --separate-stderr -2 "$JOBQ" prune --older-than soon
	assert_regex "$stderr" "^jobq: prune: bad duration 'soon'"
	run --separate-stderr -2 "$JOBQ" prune -s done
	assert_regex "$stderr" "^jobq: prune: unknown state 'done'"
	run --separate-stderr -2 "$JOBQ" prune 1
	assert_regex "$stderr" "jobq rm"
	assert_job_count 4
}

@test "prune: no spool yet deletes nothing and makes nothing" {
	run --separate-stderr -0 "$JOBQ" prune
	assert_output "deleted 0 jobs"
	[ ! -e "$JOBQ_DIR" ]
}

@test "rm: deletes ended jobs with their logs" {
	ended_jobs
	echo x >"$JOBQ_DIR/logs/2.1.log"
	run --separate-stderr -0 "$JOBQ" rm 2 4
	assert_output ""
	run -3 "$JOBQ" status 2
	run -3 "$JOBQ" status 4
	[ ! -e "$JOBQ_DIR/logs/2.1.log" ]
	assert_job_count 2
}

@test "rm: a job not ended is refused, and nothing is deleted" {
	ended_jobs
	"$JOBQ" submit --delay 1h -- true >/dev/null	# 5
	run --separate-stderr -1 "$JOBQ" rm 1 5 2
	assert_equal "$stderr" "jobq: rm: job 5 is pending: cancel it first; nothing was deleted"
	assert_job_count 5
	run --separate-stderr -3 "$JOBQ" rm 1 99
	assert_equal "$stderr" "jobq: rm: no such job 99"
	assert_job_count 5
	run --separate-stderr -2 "$JOBQ" rm x
	run --separate-stderr -2 "$JOBQ" rm
	assert_job_count 5
	"$JOBQ" cancel 5
	run -0 "$JOBQ" rm 5
	assert_job_count 4
}
