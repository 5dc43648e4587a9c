# The handler protocol: what a handler gets (stdin, env, fds, signals,
# process group), what is kept of what it gives back, and how it ends.

load helper

# --- the scenario -------------------------------------------------------

@test "echo handler: submit, worker --drain, result prints the payload exactly" {
	make_handler echo 'exec cat'
	local p='{"msg": "hello, world", "n": [1, 2.50, 3e2], "u": "caf\u00e9 ☕"}'
	local id
	id=$("$JOBQ" submit echo "$p")
	run -0 timeout 20 "$JOBQ" worker --handlers "$HANDLERS" --drain 3>&-
	run --separate-stderr -0 "$JOBQ" result "$id"
	assert_output "$p"
	assert_equal "$stderr" ""
	"$JOBQ" result "$id" >"$BATS_TEST_TMPDIR/out"
	printf '%s' "$p" | cmp - "$BATS_TEST_TMPDIR/out"
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=completed exit_code=0 attempt=1 failures=0 \
		result_bytes="$(wc -c <"$BATS_TEST_TMPDIR/out")" \
		result_truncated=false
}

@test "exec job sh -c 'exit 3': failed, exit_code 3" {
	local id
	id=$("$JOBQ" submit -- sh -c 'echo partial; exit 3')
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed exit_code=3 signal=null \
		error="exited with status 3" failures=1
	run --separate-stderr -1 "$JOBQ" result "$id"
	assert_output partial
	assert_equal "$stderr" "jobq: result: job $id failed: exited with status 3"
}

# --- what the handler gets ----------------------------------------------

@test "handler environment: JOBQ_* variables with the right values, worker env passed on" {
	make_handler envy '
for v in JOBQ_JOB_ID JOBQ_JOB_TYPE JOBQ_QUEUE JOBQ_ATTEMPT JOBQ_DIR \
    JOBQ_PROGRESS_FD JOBQ_LOCK_FD MARK; do
	eval "printf \"%s=%s\n\" $v \"\${$v-<unset>}\""
done
"$JOBQ" status --json "$JOBQ_JOB_ID" >"$SELF"'
	local id
	id=$("$JOBQ" submit --queue q1 envy)
	MARK='x y' SELF="$BATS_TEST_TMPDIR/self.json" timeout 20 env -u JOBQ_DIR "$JOBQ" --dir "$JOBQ_DIR" worker \
		--handlers "$HANDLERS" --drain 3>&- 2>>"$WORKER_LOG"
	run -0 "$JOBQ" result "$id"
	assert_line "JOBQ_JOB_ID=$id"
	assert_line "JOBQ_JOB_TYPE=envy"
	assert_line "JOBQ_QUEUE=q1"
	assert_line "JOBQ_ATTEMPT=1"
	assert_line "JOBQ_PROGRESS_FD=3"
	assert_line "JOBQ_LOCK_FD=1000"
	assert_line "MARK=x y"
	local dir
	dir=$(printf '%s\n' "$output" | sed -n 's/^JOBQ_DIR=//p')
	assert_equal "$(cd "$dir" && pwd -P)" "$(cd "$JOBQ_DIR" && pwd -P)"
	# With JOBQ_DIR the handler reaches its own spool and sees itself running.
	assert_json "$BATS_TEST_TMPDIR/self.json" state=running id="$id"
}

@test "handler fds are exactly 0 1 2 3 1000 (3 the progress pipe, 1000 the run lock)" {
	make_python_handler fds '
import os
for n in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        print(n, os.readlink("/proc/self/fd/" + n))
    except OSError:
        pass  # the descriptor listdir used, closed by now'
	local id
	id=$("$JOBQ" submit fds)
	# Descriptors the worker inherits without close-on-exec must not leak.
	(exec 5</dev/null 9</dev/null 1001</dev/null; drain_worker)
	run -0 "$JOBQ" result "$id"
	assert_equal "$(printf '%s\n' "$output" | cut -d' ' -f1 | tr '\n' ' ')" "0 1 2 3 1000 "
	assert_line --regexp '^3 pipe:'
	assert_line --regexp '^1000 .*/workers/[^/]+\.run$'
}

@test "a run lock's file serves a later start only once nothing holds it; none is left behind" {
	# Each start writes into its run lock.  Job 2 leaves a daemon holding
	# the lock (fd 1000); job 5 unlocks it first and leaves one that only
	# keeps the file open.  Neither file may come back as another start's
	# (a rescue of that start would signal the daemon); the rest reuse
	# files, each empty again.
	make_handler lk '#!/bin/bash
echo "$JOBQ_JOB_ID $(stat -L -c "%i %s" /proc/self/fd/1000) $(readlink /proc/self/fd/1000)" \
	>>"$BATS_TEST_TMPDIR/locks"
echo "written by job $JOBQ_JOB_ID" >&1000
case $JOBQ_JOB_ID in 2 | 5)
	[ "$JOBQ_JOB_ID" = 5 ] && flock -u 1000
	# Out of the group, which dies with the handler: the handler waits
	# until the daemon has left it.
	setsid sh -c '\''echo $$ >"$1.new"; mv "$1.new" "$1"; exec sleep 30'\'' \
		sh "$BATS_TEST_TMPDIR/daemon.$JOBQ_JOB_ID" </dev/null >/dev/null 2>&1 3>&- &
	while [ ! -e "$BATS_TEST_TMPDIR/daemon.$JOBQ_JOB_ID" ]; do sleep 0.01; done
esac'
	local i
	for i in $(seq 10); do "$JOBQ" submit lk >/dev/null; done
	run -0 drain_worker -j 1
	run -0 "$JOBQ" list --status completed
	assert_equal "${#lines[@]}" 10
	local wid
	wid=$(job_field 1 attempts.0.worker)
	run -0 cat "$BATS_TEST_TMPDIR/locks"
	assert_equal "${#lines[@]}" 10
	local id ino size path held=()
	while read -r id ino size path; do
		[[ $path == */workers/$wid-$id-1.run ]] ||
			fail "job $id ran with run lock $path"
		[ "$size" = 0 ] || fail "job $id found $size bytes in its run lock"
		case $id in 2 | 5) held+=("$ino") ;; esac
	done <"$BATS_TEST_TMPDIR/locks"
	# Later jobs never had a daemon's file.
	run -0 awk -v a="${held[0]}" -v b="${held[1]}" \
		'($1 > 2 && $2 == a) || ($1 > 5 && $2 == b)' "$BATS_TEST_TMPDIR/locks"
	assert_output ""
	# Files are reused (a release while the next handler is between its
	# clone and its exec, which holds a copy of every descriptor, makes
	# a new one instead).
	[ "$(cut -d' ' -f2 "$BATS_TEST_TMPDIR/locks" | sort -u | wc -l)" -lt 10 ] ||
		fail "no run lock reused: $(cat "$BATS_TEST_TMPDIR/locks")"
	# The worker is gone: neither its spares nor the daemons' files stay.
	run -0 find "$JOBQ_DIR/workers" -name '*.run'
	assert_output ""
	for i in 2 5; do
		pid_alive "$(<"$BATS_TEST_TMPDIR/daemon.$i")"
		kill "$(<"$BATS_TEST_TMPDIR/daemon.$i")"
	done
}

@test "a spare run lock removed under a running worker: the next start makes a new one" {
	make_handler rl 'readlink /proc/self/fd/1000'
	start_worker -j 1
	local id1 id2
	id1=$("$JOBQ" submit rl)
	wait_state "$id1" completed
	# Whatever spare the worker keeps goes, by hand.
	wait_for 5 eval '[ -n "$(find "$JOBQ_DIR/workers" -name "*-spare-*.run")" ]'
	find "$JOBQ_DIR/workers" -name '*-spare-*.run' -delete
	id2=$("$JOBQ" submit rl)
	wait_state "$id2" completed
	run -0 "$JOBQ" result "$id2"
	assert_output --regexp "/workers/[0-9a-f]+-$id2-1\.run$"
	pid_alive "$WORKER_PID"
}

@test "handler runs in its own process group" {
	make_handler grp 'echo "$$ $(ps -o pgid= -p $$ | tr -d " ")"'
	local id
	id=$("$JOBQ" submit grp)
	drain_worker
	run -0 "$JOBQ" result "$id"
	local pid pgid
	read -r pid pgid <<<"$output"
	assert_regex "$pid" '^[0-9]+$'
	assert_equal "$pgid" "$pid"
}

@test "handler starts with an empty signal mask and default dispositions" {
	make_handler sig "exec grep -E '^Sig(Blk|Ign):' /proc/self/status"
	local id
	id=$("$JOBQ" submit sig)
	# A worker started with & has SIGINT and SIGQUIT ignored; ignore two
	# more, which a handler must not inherit either.
	trap '' USR1 PIPE
	start_worker --drain
	trap - USR1 PIPE
	wait_exit "$WORKER_PID" 10
	assert_equal "$WORKER_STATUS" 0
	run -0 "$JOBQ" result "$id"
	assert_output $'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000'
}

@test "handler reads the payload on stdin: a 1000000-byte payload round-trips" {
	make_handler echo 'exec cat'
	"$PYTHON" -c 'import sys; sys.stdout.write("\"" + "x" * 999998 + "\"")' \
		>"$BATS_TEST_TMPDIR/big.json"
	local id
	id=$("$JOBQ" submit echo "@$BATS_TEST_TMPDIR/big.json")
	drain_worker
	assert_job "$id" state=completed result_bytes=1000000 result_truncated=false
	"$JOBQ" result "$id" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/big.json" "$BATS_TEST_TMPDIR/out"
}

@test "handler that never reads a 1 MiB payload completes, the worker does not hang" {
	make_handler deaf 'echo ignored'
	"$PYTHON" -c 'import sys; sys.stdout.write("[\"" + "y" * 1048576 + "\"]")' \
		>"$BATS_TEST_TMPDIR/big.json"
	local id t0
	id=$("$JOBQ" submit deaf "@$BATS_TEST_TMPDIR/big.json")
	t0=$(now_ms)
	drain_worker
	[ $(($(now_ms) - t0)) -lt 10000 ] || fail "drain took $(($(now_ms) - t0)) ms"
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output ignored
}

# --- handler lookup -----------------------------------------------------

@test "handler search order: --handlers DIRs, then JOBQ_HANDLERS, then SPOOL/handlers" {
	local h=$BATS_TEST_TMPDIR d
	for d in h1 h2 h3 h4; do
		mkdir -m 0755 "$h/$d"
		printf '#!/bin/sh\necho %s\n' "$d" >"$h/$d/which"
		chmod 0755 "$h/$d/which"
	done
	local id
	id=$("$JOBQ" submit which)
	mkdir -p "$JOBQ_DIR/handlers"
	printf '#!/bin/sh\necho spool\n' >"$JOBQ_DIR/handlers/which"
	chmod 0755 "$JOBQ_DIR/handlers/which"
	export JOBQ_HANDLERS="$h/h3:$h/h4"

	run_which() {
		local id
		id=$("$JOBQ" submit which)
		timeout 20 "$JOBQ" worker "$@" --drain 3>&- 2>>"$WORKER_LOG"
		"$JOBQ" result "$id"
	}
	assert_equal "$(run_which --handlers "$h/h1" --handlers "$h/h2")" h1
	rm "$h/h1/which"
	assert_equal "$(run_which --handlers "$h/h1" --handlers "$h/h2")" h2
	assert_equal "$(run_which)" h3
	rm "$h/h3/which"
	assert_equal "$(run_which)" h4
	unset JOBQ_HANDLERS
	assert_equal "$(run_which)" spool
}

@test "missing handler: failed at once, error names the type and every directory searched" {
	local h=$BATS_TEST_TMPDIR
	mkdir "$h/h1" "$h/h2" "$h/h3" "$h/h4"
	local id
	id=$("$JOBQ" submit nosuch '{}')
	JOBQ_HANDLERS="$h/h3:$h/h4" timeout 20 "$JOBQ" worker \
		--handlers "$h/h1" --handlers "$h/h2" --drain 3>&- 2>>"$WORKER_LOG"
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed attempt=1 \
		error="no handler for type 'nosuch' (searched: $h/h1, $h/h2, $h/h3, $h/h4, $JOBQ_DIR/handlers, $HOME/.config/jobq/handlers)"
	run --separate-stderr -1 "$JOBQ" result "$id"
	assert_output ""
	assert_regex "$stderr" "^jobq: result: job $id failed: no handler for type 'nosuch'"
}

# assert_handler_refused NAME MODE: a handler file of that mode fails its
# job with an error naming the file, and never runs.
assert_handler_refused() {
	make_handler "$1" "touch '$BATS_TEST_TMPDIR/ran'"
	chmod "$2" "$HANDLERS/$1"
	local id
	id=$("$JOBQ" submit "$1")
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed error~="$HANDLERS/$1"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || fail "handler $1 (mode $2) ran"
}

@test "handler that is not executable: failed, error naming it" {
	assert_handler_refused noexec 0644
}

@test "handler file that is world-writable: failed, error naming it, not run" {
	assert_handler_refused open 0777
}

@test "world-writable handler directory: worker exits 69, job untouched" {
	make_handler t 'echo hi'
	chmod 0777 "$HANDLERS"
	local id
	id=$("$JOBQ" submit t)
	run --separate-stderr -69 timeout 20 "$JOBQ" worker --handlers "$HANDLERS" --drain 3>&-
	assert_regex "$stderr" "^jobq: worker: .*$HANDLERS"
	assert_job "$id" state=pending attempt=0
	# The same for a directory named in JOBQ_HANDLERS.
	chmod 0755 "$HANDLERS"
	mkdir -m 0777 "$BATS_TEST_TMPDIR/open"
	JOBQ_HANDLERS="$BATS_TEST_TMPDIR/open" run -69 timeout 20 "$JOBQ" worker --drain 3>&-
	assert_job "$id" state=pending
}

@test "nonexistent --handlers directory: worker exits 2" {
	local id
	id=$("$JOBQ" submit t)
	run --separate-stderr -2 timeout 20 "$JOBQ" worker \
		--handlers "$BATS_TEST_TMPDIR/nope" --drain 3>&-
	assert_regex "$stderr" "^jobq: worker: .*$BATS_TEST_TMPDIR/nope"
	assert_job "$id" state=pending
}

# long_path NAME: a path of about 1,500 bytes under the test's directory,
# six components of 240 bytes: longer than any buffer a message could be
# cut to.
long_path() {
	local p="$BATS_TEST_TMPDIR/$1" i
	for i in 1 2 3 4 5 6; do
		p+=/$(printf '%0240d' 0 | tr 0 "$i")
	done
	printf '%s\n' "$p"
}

@test "a long missing --handlers directory is named whole" {
	local dir
	dir=$(long_path missing)
	run --separate-stderr -2 timeout 20 "$JOBQ" worker --handlers "$dir" \
		--drain 3>&-
	[ "$stderr" = "jobq: worker: handler directory $dir: No such file or directory" ] ||
		fail "stderr cut or changed (${#stderr} bytes): ${stderr:0:200}..."
}

@test "a long spool path in an error is named whole" {
	local dir
	dir=$(long_path spool)
	mkdir -p "$dir"
	chmod 0777 "$dir"
	run --separate-stderr -69 "$JOBQ" --dir "$dir" list
	[ "$stderr" = "jobq: list: spool $dir is writable by every user; refusing to use it (chmod o-w $dir)" ] ||
		fail "stderr cut or changed (${#stderr} bytes): ${stderr:0:200}..."
}

@test "a worker's event line with long paths is written whole" {
	local a b id
	a=$(long_path a)
	b=$(long_path b)
	id=$("$JOBQ" submit nosuch '{}')
	JOBQ_HANDLERS="$a:$b" timeout 20 "$JOBQ" worker --drain 3>&- \
		2>>"$WORKER_LOG"
	local want="no handler for type 'nosuch' (searched: $a, $b, $JOBQ_DIR/handlers, $HOME/.config/jobq/handlers)"
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed error="$want"
	grep -qF "event=finished job=$id attempt=1 outcome=failed duration=" \
		"$WORKER_LOG" || fail "no finished event"
	local line
	line=$(grep -F "event=finished job=$id " "$WORKER_LOG")
	[ "${line%%error=*}error=\"$want\"" = "$line" ] ||
		fail "event line cut: ${#line} bytes"
}

# --- what is kept of the output -----------------------------------------

@test "10 MiB on stdout: completed, result exactly the first 1 MiB, truncated" {
	make_handler loud 'yes 0123456789abcdef | head -c 10485760'
	local id
	id=$("$JOBQ" submit loud)
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=completed result_bytes=1048576 \
		result_truncated=true
	"$JOBQ" result "$id" >"$BATS_TEST_TMPDIR/out"
	yes 0123456789abcdef | head -c 1048576 >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/out"
}

@test "a result with NUL and every other byte round-trips" {
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4 + b"\0")' \
		>"$BATS_TEST_TMPDIR/bytes"
	make_handler bin "exec cat '$BATS_TEST_TMPDIR/bytes'"
	local id
	id=$("$JOBQ" submit bin)
	drain_worker
	assert_job "$id" state=completed result_bytes=1025
	"$JOBQ" result "$id" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/bytes" "$BATS_TEST_TMPDIR/out"
}

@test "stderr goes to the attempt's log (SPOOL/logs/ID.ATTEMPT.log, or the database), not into the result" {
	make_handler talk 'echo "to stderr $JOBQ_JOB_ID" >&2; echo out; echo more >&2'
	local id
	id=$("$JOBQ" submit talk)
	drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output out
	if [ -z "${JOBQ_TEST_DB:-}" ]; then
		[ -f "$JOBQ_DIR/logs/$id.1.log" ] || fail "no $JOBQ_DIR/logs/$id.1.log"
		printf 'to stderr %s\nmore\n' "$id" | cmp - "$JOBQ_DIR/logs/$id.1.log"
	fi
	"$JOBQ" logs --attempt 1 "$id" >"$BATS_TEST_TMPDIR/log"
	printf 'to stderr %s\nmore\n' "$id" | cmp - "$BATS_TEST_TMPDIR/log"
}

@test "progress lines on fd 3 are stored" {
	make_handler prog 'echo "17/250 copying files" >&3'
	make_handler pct 'echo "42 half way" >&3'
	local a b
	a=$("$JOBQ" submit prog)
	b=$("$JOBQ" submit pct)
	drain_worker
	run -0 "$JOBQ" status --json "$a"
	assert_json "$output" state=completed progress.done=17 \
		progress.total=250 progress.message="copying files"
	run -0 "$JOBQ" status --json "$b"
	# A number equal to 42; 42.0 is the same JSON value.
	assert_json "$output" progress.percent~='^42(\.0*)?$' \
		progress.message="half way"
}

# --- how it ends --------------------------------------------------------

@test "handler killed by SIGKILL: failed, signal SIGKILL" {
	make_handler suicide 'echo before; kill -KILL $$'
	local id
	id=$("$JOBQ" submit suicide)
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed signal=SIGKILL exit_code=null \
		error="killed by SIGKILL"
	run --separate-stderr -1 "$JOBQ" result "$id"
	assert_output before
	assert_equal "$stderr" "jobq: result: job $id failed: killed by SIGKILL"
}

@test "--timeout 1 on a sleep 30 handler: timeout well under 30 s, its group killed" {
	make_handler slow "sleep 30 & echo \$! >'$BATS_TEST_TMPDIR/child'; wait"
	local id t0
	id=$("$JOBQ" submit --timeout 1 slow)
	t0=$(now_ms)
	drain_worker --grace 1
	local took=$(($(now_ms) - t0))
	[ "$took" -lt 8000 ] || fail "timeout took $took ms"
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=timeout timeout_s=1
	wait_gone "$(cat "$BATS_TEST_TMPDIR/child")" 3 || fail "the handler's child survived"
}

@test "leftover processes of the handler's group are killed when it exits" {
	make_handler leave 'sleep 30 & echo $!; exit 0'
	local id t0
	id=$("$JOBQ" submit leave)
	t0=$(now_ms)
	drain_worker
	[ $(($(now_ms) - t0)) -lt 10000 ] || fail "the worker waited for the leftover"
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_regex "$output" '^[0-9]+$'
	wait_gone "$output" 3 || fail "leftover process $output still alive"
}

@test "exec job runs argv directly (no shell) in the submit directory, stdin /dev/null" {
	mkdir "$BATS_TEST_TMPDIR/wd"
	cd "$BATS_TEST_TMPDIR/wd"
	local a b c
	a=$("$JOBQ" submit -- printf '%s|' '$HOME' '*' 'a b' '`id`' '')
	b=$("$JOBQ" submit -- pwd)
	c=$("$JOBQ" submit -- cat)
	local wd
	wd=$(pwd -P)
	cd /
	drain_worker
	run -0 "$JOBQ" result "$a"
	assert_output '$HOME|*|a b|`id`||'
	run -0 "$JOBQ" result "$b"
	assert_output "$wd"
	run -0 "$JOBQ" result "$c"
	assert_output ""
	assert_job "$c" state=completed
}

@test "exec job whose command does not exist: failed" {
	local id
	id=$("$JOBQ" submit -- jobq-test-no-such-command arg)
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed error~='jobq-test-no-such-command'
}

@test "cancel of a running job: cancelled within grace, its group killed" {
	make_handler slow "sleep 30 & echo \$! >'$BATS_TEST_TMPDIR/child'; wait"
	local id t0
	id=$("$JOBQ" submit slow)
	start_worker --grace 1
	wait_state "$id" running
	t0=$(now_ms)
	run -0 "$JOBQ" cancel "$id"
	[ $(($(now_ms) - t0)) -lt 2000 ] || fail "cancel did not return at once"
	wait_state "$id" cancelled 4
	wait_gone "$(cat "$BATS_TEST_TMPDIR/child")" 3 || fail "the handler's child survived"
	run -1 "$JOBQ" result "$id"
}

@test "SIGTERM to a worker: exit 0 within grace, the job back to pending, failures unchanged" {
	make_handler slow "sleep 30 & echo \$! >'$BATS_TEST_TMPDIR/child'; wait"
	local id
	id=$("$JOBQ" submit slow)
	start_worker --grace 1
	wait_state "$id" running
	local t0
	t0=$(now_ms)
	kill -TERM "$WORKER_PID"
	wait_exit "$WORKER_PID" 8
	local took=$(($(now_ms) - t0))
	assert_equal "$WORKER_STATUS" 0
	# Up to 1 s for the handler to finish, then TERM: it dies at once.
	[ "$took" -lt 5000 ] || fail "worker took $took ms to stop with --grace 1"
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=pending failures=0 worker=null
	wait_gone "$(cat "$BATS_TEST_TMPDIR/child")" 3 || fail "the handler's child survived"
	# It runs again, as its second start.
	make_handler slow 'echo "second $JOBQ_ATTEMPT"'
	drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output "second 2"
	assert_job "$id" attempt=2 failures=0
}
