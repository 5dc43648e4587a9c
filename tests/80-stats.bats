#!/usr/bin/env bats
# jobq stats: its figures against a spool the test built.

bats_require_minimum_version 1.5.0
load helper

# counts_agree: stats' count of each state is what list finds.
counts_agree() {
	local out s n
	out=$("$JOBQ" stats --json)
	for s in pending running retrying completed failed timeout cancelled; do
		n=$("$JOBQ" list -s "$s" | grep -c . || true)
		assert_json "$out" "jobs.$s=$n"
	done
	n=$("$JOBQ" list | grep -c . || true)
	assert_json "$out" "jobs.total=$n"
}

@test "stats: an empty or missing spool gives zeros and nulls" {
	run --separate-stderr -0 "$JOBQ" stats --json
	assert_json "$output" jobs.total=0 jobs.pending=0 queues='{}' \
		priorities='{}' ended.last_minute=0 ended.last_hour=0 \
		samples=0 wait_ms.median=null run_ms.p95=null workers='[]'
	[ ! -e "$JOBQ_DIR" ]
	run --separate-stderr -0 "$JOBQ" stats
	assert_line --regexp '^jobs +0$'
	assert_line --regexp '^workers +none alive$'
	run --separate-stderr -2 "$JOBQ" stats 7
	assert_regex "$stderr" "^jobq: stats: unexpected argument '7'"
}

@test "stats: counts by state, queue and priority" {
	"$JOBQ" submit -q mail -p high -- true >/dev/null	# 1 completed
	"$JOBQ" submit -q mail -p high -- false >/dev/null	# 2 failed
	"$JOBQ" submit -- true >/dev/null			# 3 completed
	"$JOBQ" submit -p low --delay 1h -- true >/dev/null	# 4 pending
	"$JOBQ" submit -q mail --delay 1h -- true >/dev/null	# 5 cancelled
	"$JOBQ" cancel 5
	drain_worker
	run --separate-stderr -0 "$JOBQ" stats --json
	assert_json "$output" jobs.total=5 jobs.completed=2 jobs.failed=1 \
		jobs.pending=1 jobs.cancelled=1 jobs.running=0 \
		queues.mail.total=3 queues.mail.completed=1 \
		queues.mail.failed=1 queues.mail.cancelled=1 \
		queues.default.total=2 queues.default.pending=1 \
		queues.default.completed=1 \
		priorities.10.total=2 priorities.20.total=2 \
		priorities.30.pending=1 ended.last_minute=4 \
		ended.last_hour=4 samples=3
	# Priorities in claim order.
	assert_equal "$(json_keys "$(json_field "$output" priorities)")" \
		"10 20 30"
	run --separate-stderr -0 "$JOBQ" stats
	assert_line --regexp '^jobs +5  pending 1, completed 2, failed 1, cancelled 1$'
	assert_line --regexp '^queue +mail	3  completed 1, failed 1, cancelled 1$'
	assert_line --regexp '^ended +4 in the last minute, 4 in the last hour$'
}

@test "stats: the counts follow every change of state" {
	make_handler flaky 'exit 1'
	start_ready_worker --grace 200ms
	"$JOBQ" submit -- true >/dev/null				# 1
	"$JOBQ" submit --retries 3 --retry-delay 1h flaky >/dev/null	# 2
	"$JOBQ" submit -- false >/dev/null				# 3
	"$JOBQ" submit --delay 1h -- true >/dev/null			# 4
	wait_state 1 completed
	wait_state 2 retrying
	wait_state 3 failed
	counts_agree
	"$JOBQ" retry 3
	"$JOBQ" priority 4 high
	"$JOBQ" cancel 2
	wait_for 10 log_has "finished job=3 attempt=2"
	counts_agree
	"$JOBQ" rm 1
	"$JOBQ" prune --older-than 0 -s cancelled
	counts_agree
	assert_job_count 2
	run -0 "$JOBQ" stats --json
	assert_json "$output" priorities.10.pending=1 priorities.20.failed=1
}

@test "stats: ended lately, and median and p95 of wait and run times" {
	local i
	for i in $(seq 1 20); do "$JOBQ" submit -- true >/dev/null; done
	"$JOBQ" submit --delay 1h -- true >/dev/null	# 21: never ran
	"$JOBQ" cancel 21
	drain_worker
	# Job i waited i*100 ms and ran i s; jobs 1-5 ended 2 hours ago,
	# 6-10 ten minutes ago, the rest just now.
	local now ago fin start
	now=$(now_ms)
	for i in $(seq 1 20); do
		ago=$((i <= 5 ? 7200000 : i <= 10 ? 600000 : 0))
		fin=$((now - ago - (20 - i)))
		start=$((fin - i * 1000))
		db_sql "UPDATE jobs SET run_at = $((start - i * 100)), started_at = $start, finished_at = $fin WHERE id = $i"
	done
	run --separate-stderr -0 "$JOBQ" stats --json
	# The cancelled job ended too, but never ran: no sample.
	assert_json "$output" ended.last_minute=11 ended.last_hour=16 \
		samples=20 wait_ms.median=1000 wait_ms.p95=1900 \
		run_ms.median=10000 run_ms.p95=19000
	run --separate-stderr -0 "$JOBQ" stats
	assert_line --regexp '^wait +median 1.0s, p95 1.9s$'
	assert_line --regexp '^run +median 10.0s, p95 19.0s$'
}

@test "stats: live workers with their queues and jobs running" {
	make_handler slow 'sleep 30'
	"$JOBQ" submit -q a slow >/dev/null
	start_ready_worker -q a -q b --grace 200ms
	local w1=$WORKER_ID p1=$WORKER_PID
	wait_state 1 running
	start_ready_worker
	local w2=$WORKER_ID p2=$WORKER_PID
	run --separate-stderr -0 "$JOBQ" stats --json
	assert_json "$output" "workers.0.id=$w1" "workers.0.pid=$p1" \
		workers.0.running=1 'workers.0.queues=["a","b"]' \
		"workers.1.id=$w2" "workers.1.pid=$p2" workers.1.running=0 \
		workers.1.queues=null 'workers.0.since~=^20..-..-..T..:..:..\....Z$'
	run --separate-stderr -0 "$JOBQ" stats
	assert_line --regexp "^worker +$w1	pid $p1, 1 running, queues \\[\"a\",\"b\"\\], since "
	# A worker killed outright is registered still, but not alive.
	kill -KILL "$p2"
	wait_gone "$p2" 5
	run --separate-stderr -0 "$JOBQ" stats --json
	assert_equal "$(json_len "$output" workers)" 1
	assert_json "$output" "workers.0.id=$w1"
}
