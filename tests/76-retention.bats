#!/usr/bin/env bats
# jobq config, and retention: workers keep at most `keep` ended jobs.

bats_require_minimum_version 1.5.0
load helper

# ended_count: the ended jobs in the spool.
ended_count() {
	"$JOBQ" list -s completed,failed,timeout,cancelled | grep -c . || true
}

# ended_is OP N: polled by wait_for.
ended_is() {
	test "$(ended_count)" "$1" "$2"
}

none_waiting() {
	test "$("$JOBQ" list -s pending,running,retrying | grep -c .)" -eq 0
}

@test "config: lists, reads, sets and unsets keep" {
	run --separate-stderr -0 "$JOBQ" config
	assert_output "keep	none"
	[ ! -e "$JOBQ_DIR" ]	# reading makes no spool
	run --separate-stderr -0 "$JOBQ" config keep 250
	assert_output ""
	run --separate-stderr -0 "$JOBQ" config keep
	assert_output "250"
	run --separate-stderr -0 "$JOBQ" --json config
	assert_json "$output" keep=250
	run --separate-stderr -0 "$JOBQ" config --json keep
	assert_json "$output" keep=250
	run --separate-stderr -0 "$JOBQ" config keep none
	run --separate-stderr -0 "$JOBQ" config
	assert_output "keep	none"
	run --separate-stderr -0 "$JOBQ" --json config
	assert_json "$output" keep=null
}

@test "config: bad names and values are usage errors and change nothing" {
	"$JOBQ" config keep 10
	run --separate-stderr -2 "$JOBQ" config kep 5
	assert_equal "$stderr" "jobq: config: unknown setting 'kep': the settings are keep"
	run --separate-stderr -2 "$JOBQ" config keep 0
	assert_regex "$stderr" "^jobq: config: keep 0: a job would be deleted as it ends"
	run --separate-stderr -2 "$JOBQ" config keep -3
	run --separate-stderr -2 "$JOBQ" config keep 12x
	assert_regex "$stderr" "^jobq: config: bad value '12x' for keep"
	run --separate-stderr -2 "$JOBQ" config keep 99999999999999999999
	run --separate-stderr -2 "$JOBQ" config keep 1 2
	run -0 "$JOBQ" config keep
	assert_output 10
}

@test "retention: a worker deletes the oldest ended jobs beyond keep" {
	local i
	for i in $(seq 1 30); do "$JOBQ" submit -- true >/dev/null; done
	"$JOBQ" submit --delay 1h -- true >/dev/null	# 31: stays pending
	drain_worker
	echo x >"$JOBQ_DIR/logs/1.1.log"
	[ "$(ended_count)" -eq 30 ]
	"$JOBQ" config keep 10
	# Dead letters count too.
	"$JOBQ" submit -- false >/dev/null		# 32
	drain_worker
	wait_for 5 ended_is -le 10
	run -0 "$JOBQ" list
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" \
		"22 23 24 25 26 27 28 29 30 31 32 "
	assert_job 31 state=pending
	assert_job 32 state=failed
	[ ! -e "$JOBQ_DIR/logs/1.1.log" ]
	[ ! -e "$JOBQ_DIR/logs/1.log" ]
	# 21 deleted, in one look or two (before and after job 32).
	run -0 awk -F'deleted=' '/event=retention/ { split($2, a, " ");
		n += a[1] } END { print n }' "$WORKER_LOG"
	assert_output 21
}

@test "retention: a cancel seen by an idle worker counts" {
	"$JOBQ" config keep 2
	start_ready_worker
	for i in 1 2 3 4; do "$JOBQ" submit --delay 1h -- true >/dev/null; done
	"$JOBQ" cancel 1 2 3 4
	wait_for 5 ended_is -eq 2
	run -0 "$JOBQ" list
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "3 4 "
}

# A spool fed for a long time: 2000 jobs submitted one by one while a
# worker runs them; the ended jobs stay near keep all along, and so do
# the log files and the WAL.
@test "retention: holds under a stream of 2000 jobs" {
	local i n max=0 wal logs
	"$JOBQ" config keep 200
	start_worker -j 4
	# Ten times keep; the WAL passes its autocheckpoint many times.
	for i in $(seq 1 2000); do
		JOBQ_SYNC=normal "$JOBQ" submit -- true >/dev/null
		if [ $((i % 250)) -eq 0 ]; then
			n=$(ended_count)
			[ "$n" -gt "$max" ] && max=$n
		fi
	done
	wait_for 60 none_waiting
	wait_for 10 ended_is -eq 200
	echo "# most ended jobs seen: $max" >&3
	# Keep, and what ends in about a second between two looks.
	[ "$max" -le 1200 ]
	# The newest to end stay: with 4 at once, not quite in id order.
	run -0 "$JOBQ" list
	[ "$(head -1 <<<"$output" | cut -f1)" -gt 1700 ]
	logs=$(ls "$JOBQ_DIR/logs" | wc -l)
	[ "$logs" -le 200 ]
	wal=$(stat -c %s "$JOBQ_DIR/jobq.db-wal" 2>/dev/null || echo 0)
	echo "# WAL: $wal bytes; db: $(stat -c %s "$JOBQ_DIR/jobq.db")" >&3
	[ "$wal" -le $((8 * 1024 * 1024)) ]
}
