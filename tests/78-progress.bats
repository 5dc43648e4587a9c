#!/usr/bin/env bats
# jobq progress: the fd-3 line written for shell handlers, known to run
# in a handler by JOBQ_PROGRESS_FD alone; what status shows of it; and
# how few updates a flood of progress lines costs the store.

load helper

sql() {
	"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
for row in db.execute(sys.argv[2]):
    print("|".join(str(v) for v in row))
db.commit()
' "$JOBQ_DIR/jobq.db" "$1"
}

reported() { # ID DONE
	[ "$(job_field "$1" progress.done 2>/dev/null)" = "$2" ]
}

@test "progress inside a handler: status shows percent, counts and message; completed shows 100%" {
	export GO="$BATS_TEST_TMPDIR/go"
	make_handler steps '"$JOBQ" progress 17/250 copying "the files"
while [ ! -e "$GO" ]; do sleep 0.05; done'
	local id
	id=$("$JOBQ" submit steps)
	start_worker
	wait_for 10 reported "$id" 17
	assert_job "$id" state=running progress.total=250 \
		progress.message="copying the files"
	run -0 "$JOBQ" status "$id"
	assert_line '  progress   6.8% 17/250 copying the files'
	touch "$GO"
	wait_state "$id" completed
	run -0 "$JOBQ" status "$id"
	assert_line '  progress   100% copying the files'
	# The record keeps what was reported.
	assert_job "$id" progress.done=17 progress.total=250
}

@test "progress outside a handler: exit 2, nothing written, even with fd 3 open" {
	local f="$BATS_TEST_TMPDIR/fd3"
	run -2 --separate-stderr "$JOBQ" progress 50 3>"$f"
	[ "$stderr" = "jobq: progress: not inside a handler: JOBQ_PROGRESS_FD is not set (a worker sets it for the handlers it runs)" ] ||
		fail "stderr: $stderr"
	[ ! -s "$f" ] || fail "wrote to fd 3: $(cat "$f")"
	[ ! -e "$JOBQ_DIR" ] || fail "made a spool"
}

@test "progress writes the line on JOBQ_PROGRESS_FD; bad reports are usage errors" {
	local f="$BATS_TEST_TMPDIR/fd5"
	JOBQ_PROGRESS_FD=5 run -0 "$JOBQ" progress 42.5 half $'way\nthere' 5>"$f"
	assert_equal "$(cat "$f")" "42.5 half way there"
	: >"$f"
	JOBQ_PROGRESS_FD=5 run -2 "$JOBQ" progress -1 5>"$f"
	for bad in 101 5/3 0/0 x12 "" 1e2; do
		JOBQ_PROGRESS_FD=5 run -2 --separate-stderr "$JOBQ" progress "$bad" 5>"$f"
		[[ $stderr == "jobq: progress: bad progress '$bad"* ]] ||
			fail "$bad: $stderr"
	done
	[ ! -s "$f" ] || fail "wrote: $(cat "$f")"
	JOBQ_PROGRESS_FD=5 run -2 "$JOBQ" progress
	JOBQ_PROGRESS_FD=x run -2 --separate-stderr "$JOBQ" progress 5
	[ "$stderr" = "jobq: progress: bad JOBQ_PROGRESS_FD 'x': not a descriptor" ]
	# A descriptor that is not open: the report is lost, and says so.
	JOBQ_PROGRESS_FD=9 run -74 --separate-stderr "$JOBQ" progress 5 9>&-
	[[ $stderr == "jobq: progress: cannot write to JOBQ_PROGRESS_FD 9: Bad file descriptor" ]] ||
		fail "stderr: $stderr"
}

@test "[spool] 1000 progress lines in a second leave at most 3 stored updates, the last one among them" {
	make_handler flood 'i=1
while [ $i -le 1000 ]; do
	echo "$i/1000 step $i" >&3
	# Spread over about 0.9 s: a pause after every 100 lines.
	[ $((i % 100)) -eq 0 ] && sleep 0.09
	i=$((i + 1))
done
exit 0'
	local id
	"$JOBQ" submit t >/dev/null	# makes the spool and its schema
	sql "CREATE TABLE stored (n INTEGER)"
	sql "CREATE TRIGGER count_progress AFTER UPDATE OF progress_done ON jobs
	     WHEN NEW.progress_total IS NOT NULL
	     BEGIN INSERT INTO stored VALUES (NEW.progress_done); END"
	"$JOBQ" cancel 1 >/dev/null
	id=$("$JOBQ" submit flood)
	drain_worker
	assert_job "$id" state=completed progress.done=1000 \
		progress.message="step 1000"
	local n last
	n=$(sql "SELECT count(*) FROM stored")
	last=$(sql "SELECT n FROM stored ORDER BY rowid DESC LIMIT 1")
	echo "stored updates: $n, last $last" >&2
	[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "$n stored updates"
	[ "$last" = 1000 ] || fail "last stored: $last"
}
