# Shared by the crash and rescue suites: handlers that take a per-job
# flock on fd 7 (inherited by what they start), so that two runs of one
# job at the same time are seen whoever runs them, and the checks on
# what they recorded.

note() {
	echo "# $*" >&3
}

T() {
	echo "$BATS_TEST_TMPDIR"
}

# guard_handler NAME BODY: a handler that takes the job's flock (and
# records an overlap if another run of the job holds it), records
# "start ID ATTEMPT PID" in runs, writes its pid to pid.ID.ATTEMPT, runs
# BODY, and records "end ID ATTEMPT".  BODY may use $id, $a and $T; a
# BODY that exits leaves no "end" line.
guard_handler() {
	make_handler "$1" '
T=$BATS_TEST_TMPDIR id=$JOBQ_JOB_ID a=$JOBQ_ATTEMPT
exec 7>"$T/lock.$id"
flock -n 7 || echo "overlap $id $a" >>"$T/violations"
echo $$ >"$T/pid.$id.$a"
echo "start $id $a $$" >>"$T/runs"
'"$2"'
echo "end $id $a" >>"$T/runs"'
}

# Wait for the run of job ID, attempt A, to have started.
wait_run() {
	wait_for "${3:-10}" file_has "$BATS_TEST_TMPDIR/runs" "^start $1 $2 "
}

run_pid() {
	cat "$BATS_TEST_TMPDIR/pid.$1.$2"
}

# assert_no_overlap: no two runs of one job held its flock at once.
assert_no_overlap() {
	if [ -e "$BATS_TEST_TMPDIR/violations" ]; then
		fail "two runs of one job at the same time:
$(cat "$BATS_TEST_TMPDIR/violations")
runs:
$(cat "$BATS_TEST_TMPDIR/runs")"
	fi
}

# kill_worker PID: SIGKILL and reap a background worker.
kill_worker() {
	kill -KILL "$1"
	wait "$1" 2>/dev/null || true
}
