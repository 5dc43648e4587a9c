#!/usr/bin/env bats
# jobq watch: JSON events in order, and the live view on a terminal
# (tmux), restored on exit and on Ctrl-C.

bats_require_minimum_version 1.5.0
load helper

# A handler that reports 1/4 .. 4/4, each long enough to be stored.
make_steps() {
	make_handler steps 'for i in 1 2 3 4; do
	echo "$i/4 step $i" >&3
	sleep 0.6
done'
}

# watch_bg FILE ARGS...: jobq watch in the background, its events in
# FILE; its pid in WATCH_PID (wait_exit gives its status).
watch_bg() {
	local file=$1
	shift
	"$JOBQ" watch "$@" >"$file" 2>"$file.err" </dev/null 3>&- &
	WATCH_PID=$!
	_JOBQ_PIDS+=("$WATCH_PID")
}

@test "watch --json: events in order, ending with the final state" {
	make_steps
	"$JOBQ" submit steps >/dev/null
	watch_bg "$BATS_TEST_TMPDIR/ev" --json 1
	wait_for 5 test -s "$BATS_TEST_TMPDIR/ev"
	drain_worker
	wait_exit "$WATCH_PID" 5
	assert_equal "$WORKER_STATUS" 0
	run -0 json_each "$BATS_TEST_TMPDIR/ev" state
	assert_equal "$(head -1 <<<"$output")" pending
	assert_equal "$(tail -1 <<<"$output")" completed
	# Each event differs from the one before; all the steps are seen.
	run -0 "$PYTHON" -c 'import json, sys
for l in open(sys.argv[1]):
    p = json.loads(l)["progress"]
    print(p and p["done"], p and p["message"])' "$BATS_TEST_TMPDIR/ev"
	assert_equal "$(grep -v None <<<"$output" | tr '\n' ' ')" \
		"1 step 1 2 step 2 3 step 3 4 step 4 4 step 4 "
	run -0 json_each "$BATS_TEST_TMPDIR/ev" id
	assert_equal "$(sort -u <<<"$output")" 1
	run -0 json_keys "$BATS_TEST_TMPDIR/ev"
	assert_equal "$(sort -u <<<"$output")" "attempt id progress state ts"
	# Times in order.
	run -0 json_each "$BATS_TEST_TMPDIR/ev" ts
	assert_equal "$output" "$(sort <<<"$output")"
}

@test "watch: a change and a progress update show within 250 ms" {
	make_handler slowsteps 'sleep 0.5; date +%s%3N >"$MARKS/first"
echo "10 first" >&3; sleep 1
date +%s%3N >"$MARKS/second"; echo "20 second" >&3; sleep 1'
	export MARKS=$BATS_TEST_TMPDIR
	"$JOBQ" submit slowsteps >/dev/null
	start_ready_worker
	wait_state 1 running
	watch_bg "$BATS_TEST_TMPDIR/ev" 1	# not a terminal: JSON
	wait_exit "$WATCH_PID" 10
	# The event's time against the time the worker stored the update.
	run -0 "$PYTHON" - "$BATS_TEST_TMPDIR" <<'PY'
import json, sys, datetime
d = sys.argv[1]
ev = [json.loads(l) for l in open(d + "/ev")]
assert ev[-1]["state"] == "completed", ev[-1]
for m in ("first", "second"):
    e = [e for e in ev if e["progress"] and e["progress"]["message"] == m][0]
    ts = datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
    ts = ts.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000
    late = ts - int(open(d + "/" + m).read())
    print(m, int(late))
    assert late <= 250, (m, late)
PY
	sed "s/^/# /" <<<"$output" >&3
	assert_equal "$WORKER_STATUS" 0
}

@test "watch: without ids, the jobs not ended; exit statuses as wait" {
	"$JOBQ" submit -- true >/dev/null		# 1
	drain_worker
	"$JOBQ" submit -q a -- false >/dev/null		# 2
	"$JOBQ" submit -q b -- true >/dev/null		# 3
	watch_bg "$BATS_TEST_TMPDIR/all" --json
	local all=$WATCH_PID
	watch_bg "$BATS_TEST_TMPDIR/b" --json --queue b
	local b=$WATCH_PID
	wait_for 5 test -s "$BATS_TEST_TMPDIR/all"
	wait_for 5 test -s "$BATS_TEST_TMPDIR/b"
	drain_worker
	wait_exit "$all" 5
	assert_equal "$WORKER_STATUS" 1
	wait_exit "$b" 5
	assert_equal "$WORKER_STATUS" 0
	run -0 json_each "$BATS_TEST_TMPDIR/all" id
	assert_equal "$(sort -u <<<"$output" | tr '\n' ' ')" "2 3 "
	run -0 json_each "$BATS_TEST_TMPDIR/b" id
	assert_equal "$(sort -u <<<"$output")" 3
	# Nothing left to end: at once.
	run --separate-stderr -0 "$JOBQ" watch --json
	assert_output ""
	run --separate-stderr -3 "$JOBQ" watch 9
	assert_equal "$stderr" "jobq: watch: no such job 9"
	run --separate-stderr -2 "$JOBQ" watch 1 --queue a
	assert_regex "$stderr" "^jobq: watch: give job ids or --queue"
	run --separate-stderr -1 "$JOBQ" watch --json 2
	assert_json "$output" id=2 state=failed
}

tmux_() {
	tmux -L "jobq-test-$$" "$@"
}

screen() {
	tmux_ capture-pane -p -t w
}

screen_has() {
	screen | grep -qE -- "$1"
}

@test "watch on a terminal: a line per job with a bar, a summary, redrawn in place" {
	command -v tmux >/dev/null || fail "tmux is needed (.ci/install-deps)"
	make_steps
	"$JOBQ" submit steps >/dev/null
	"$JOBQ" submit --delay 1h -- true >/dev/null
	tmux_ new-session -d -s w -x 100 -y 12 \
		"'$JOBQ' watch; echo \"rc=\$?\"; sleep 60" 3>&-
	wait_for 5 screen_has '^2 jobs: 2 pending$'
	start_worker --grace 200ms
	wait_for 5 screen_has '^ +1 running +\[#+\.+\] +(25|50)% [12]/4 ([0-9]+ms|[0-9]+\.[0-9]s) step [12]$'
	# Redrawn in place: still three lines, no scrolled copies.
	assert_equal "$(screen | grep -c .)" 3
	assert_equal "$(tmux_ display -p -t w '#{cursor_flag}')" 0
	wait_for 10 screen_has '^ +1 completed +\[#{20}\] +100% 4/4 ([0-9]+ms|[0-9]+\.[0-9]s) step 4$'
	"$JOBQ" cancel 2
	wait_for 5 screen_has '^rc=1$'
	run -0 screen
	assert_line --regexp '^ +2 cancelled +\[\.{20}\]'
	assert_line '2 jobs: 1 completed, 1 cancelled'
	# The cursor is back.
	assert_equal "$(tmux_ display -p -t w '#{cursor_flag}')" 1
	tmux_ kill-server
}

@test "watch on a terminal: Ctrl-C restores the terminal" {
	command -v tmux >/dev/null || fail "tmux is needed (.ci/install-deps)"
	"$JOBQ" submit --delay 1h -- true >/dev/null
	tmux_ new-session -d -s w -x 80 -y 10 \
		"'$JOBQ' watch; echo \"rc=\$?\"; sleep 60" 3>&-
	wait_for 5 screen_has '^1 job: 1 pending$'
	assert_equal "$(tmux_ display -p -t w '#{cursor_flag}')" 0
	tmux_ send-keys -t w C-c
	wait_for 5 screen_has '^rc=130$'
	assert_equal "$(tmux_ display -p -t w '#{cursor_flag}')" 1
	tmux_ kill-server
}
