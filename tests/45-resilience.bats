#!/usr/bin/env bats
# The worker under store and resource failures: starts that fail for a
# passing reason, a damaged database, a full disk, a spool removed under
# it, and too few file descriptors for -j.

load helper

# LeakSanitizer cannot run under ptrace: a sanitized build's worker is
# traced here, so leave leak checks to the other tests.
needs_strace() {
	command -v strace >/dev/null ||
		fail "needs strace (.ci/install-deps installs it)"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

# damage_db: overwrite the page of the index every claim reads with
# garbage, once every command has closed the database.
damage_db() {
	"$PYTHON" - "$JOBQ_DIR/jobq.db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
size = c.execute("PRAGMA page_size").fetchone()[0]
page = c.execute("SELECT rootpage FROM sqlite_master"
                 " WHERE name = 'jobs_ready'").fetchone()[0]
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.close()
with open(sys.argv[1], "r+b") as f:
    f.seek((page - 1) * size)
    f.write(b"\xff" * size)
EOF
}

# traced_drain ERRNO WHEN: a --drain worker under strace, whose
# memfd_create(2) calls numbered WHEN fail with ERRNO.
traced_drain() {
	timeout -k 2 30 strace -o /dev/null -f -e trace=memfd_create \
		-e inject=memfd_create:error="$1":when="$2" \
		"$JOBQ" worker --handlers "$HANDLERS" --drain \
		</dev/null 2>>"$WORKER_LOG" 3>&-
}

# sql STATEMENTS: run SQL on the spool's database, as a damaged or
# failing store would behave.
sql() {
	"$PYTHON" - "$JOBQ_DIR/jobq.db" "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
c.executescript(sys.argv[2])
c.commit()
c.close()
EOF
}

error_lines() {
	grep -c 'event=error' "$WORKER_LOG" || true
}

traced() { # PID: a tracer is attached to PID
	local t
	t=$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	[ -n "$t" ] && [ "$t" != 0 ]
}

# --- item: a start that fails for a passing reason ----------------------

@test "resilience: a start out of descriptors puts the job back, its attempt not counted" {
	needs_strace
	make_handler echo 'cat'
	id=$("$JOBQ" submit echo '{"n":1}')
	# The first memfd_create(2), for the payload, fails as if the worker
	# had run out of descriptors; the next start works.
	run -0 traced_drain EMFILE 1
	log_has "event=deferred job=$id error=\"cannot pass the payload: Too many open files\""
	assert_job "$id" state=completed attempt=1 result_bytes=7 error=null
	assert_job "$id" attempts.0.attempt=1 attempts.0.outcome=completed
	run -0 json_len "$("$JOBQ" status --json "$id")" attempts
	assert_output 1
}

@test "resilience: the worker backs off longer while starts keep failing" {
	needs_strace
	make_handler echo 'cat'
	id=$("$JOBQ" submit echo 1)
	t0=$(now_ms)
	run -0 traced_drain ENOMEM 1..2
	t1=$(now_ms)
	run -0 grep -o 'event=deferred.*retry_in=[0-9]*s' "$WORKER_LOG"
	assert_line -n 0 --regexp 'job=1 .*Cannot allocate memory.* retry_in=1s$'
	assert_line -n 1 --regexp 'retry_in=2s$'
	assert_job "$id" state=completed attempt=1
	# 1 s, then 2 s without a claim.
	[ $((t1 - t0)) -ge 2900 ] || fail "backed off only $((t1 - t0)) ms"
}

@test "[spool] resilience: a store error while recording the handler's process defers the job" {
	make_handler echo 'cat'
	id=$("$JOBQ" submit echo 1)
	# A trigger refuses to record any process group while the table
	# "trouble" has a row, as a failing disk would refuse the write.
	sql "CREATE TABLE trouble (x);
	     INSERT INTO trouble VALUES (1);
	     CREATE TRIGGER no_pgid BEFORE UPDATE OF pgid ON jobs
	     WHEN NEW.pgid IS NOT NULL AND EXISTS (SELECT 1 FROM trouble)
	     BEGIN SELECT RAISE(ABORT, 'store trouble'); END;"
	start_ready_worker
	wait_for 10 log_has "event=deferred job=$id error=\"cannot record the process of .*store trouble\""
	assert_equal "$(job_field "$id" state)" pending
	sql "DELETE FROM trouble"
	wait_state "$id" completed 40
	assert_job "$id" attempt=1 result_bytes=1
}

@test "resilience: a log that cannot be made drops the bytes with a mark, the job runs on" {
	make_handler loud 'echo early >&2
while [ ! -e "$GO" ]; do sleep 0.05; done
echo late >&2'
	export GO="$BATS_TEST_TMPDIR/go"
	id=$("$JOBQ" submit loud 1)
	mkdir "$JOBQ_DIR/logs/$id.1.log"	# open(logs/N.1.log): EISDIR
	start_ready_worker
	wait_for 10 log_has "event=log-error error=\"cannot create the log of job $id"
	assert_equal "$(job_field "$id" state)" running
	rmdir "$JOBQ_DIR/logs/$id.1.log"
	touch "$GO"
	wait_state "$id" completed 40
	assert_job "$id" attempt=1
	run -0 "$JOBQ" logs --attempt 1 "$id"
	assert_line -n 0 "[jobq: 6 bytes of stderr lost: the log could not be created]"
	assert_line -n 1 late
	[ "$(grep -c event=log-error "$WORKER_LOG")" -eq 1 ]
}

# --- item: store errors -------------------------------------------------

@test "[spool] resilience: worker --drain on a damaged database exits 69 with SQLite's message" {
	id=$("$JOBQ" submit -- true)
	damage_db
	run -69 --separate-stderr timeout -k 2 20 "$JOBQ" worker --drain
	[[ $stderr == *"jobq: worker: "*"database disk image is malformed"* ]] ||
		fail "stderr: $stderr"
	[ "$(grep -c '^jobq: worker: ' <<<"$stderr")" -eq 1 ] ||
		fail "one error line wanted: $stderr"
}

@test "[spool] resilience: a worker on a damaged database says so once and keeps trying" {
	"$JOBQ" submit -- true >/dev/null
	damage_db
	start_ready_worker
	wait_for 10 log_has 'event=error error=".*database disk image is malformed"'
	t0=$(cpu_ticks "$WORKER_PID")
	sleep 3		# it retries after 1 s and 2 s, and says nothing new
	pid_alive "$WORKER_PID" || fail "the worker exited"
	assert_equal "$(error_lines)" 1
	t1=$(cpu_ticks "$WORKER_PID")
	[ $((t1 - t0)) -lt 15 ] || fail "$((t1 - t0)) ticks of CPU in 3 s"
}

# --- item: a full disk while an outcome waits to be stored --------------

@test "[spool] resilience: an outcome the disk refuses is retried without spinning; a second SIGTERM leaves it to recovery" {
	needs_strace
	make_handler slow "touch '$BATS_TEST_TMPDIR/started'
while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.05; done
echo done"
	id=$("$JOBQ" submit slow 1)
	start_ready_worker
	wait_for 10 test -e "$BATS_TEST_TMPDIR/started"
	# From now on every pwrite(2) of the worker fails as on a full
	# disk: SQLite cannot write its log, so no outcome is stored.
	strace -o /dev/null -p "$WORKER_PID" -e trace=pwrite64 \
		-e inject=pwrite64:error=ENOSPC 2>/dev/null 3>&- &
	tracer=$!
	_JOBQ_PIDS+=("$tracer")
	wait_for 10 traced "$WORKER_PID"
	touch "$BATS_TEST_TMPDIR/go"
	wait_for 10 log_has "event=error job=$id error=\".*disk is full"
	t0=$(cpu_ticks "$WORKER_PID")
	sleep 2.5	# the retries of 2.5 s, each a second apart
	t1=$(cpu_ticks "$WORKER_PID")
	[ $((t1 - t0)) -lt 15 ] || fail "$((t1 - t0)) ticks of CPU in 2.5 s"
	assert_equal "$(error_lines)" 1
	assert_equal "$(job_field "$id" state)" running

	kill -TERM "$WORKER_PID"
	wait_for 5 log_has 'event=stopping signal=SIGTERM'
	pid_alive "$WORKER_PID" || fail "exited on the first SIGTERM"
	kill -TERM "$WORKER_PID"
	wait_exit "$WORKER_PID" 10
	assert_equal "$WORKER_STATUS" 69
	log_has '^jobq: worker: stopped while outcomes could not be stored: .*disk is full; leaving its jobs to recovery'
	wait_gone "$tracer" 5 || kill "$tracer"

	# The next worker finds the job of a dead worker and runs it again.
	rm -f "$BATS_TEST_TMPDIR/started"
	start_ready_worker
	wait_state "$id" completed 20
	assert_job "$id" attempt=2 attempts.0.outcome="worker died"
	run -0 "$JOBQ" result "$id"
	assert_output done
}

# --- item: the spool removed under a worker -----------------------------

@test "[spool] resilience: a worker whose spool is removed stops its handler and exits 69" {
	make_handler slow "echo \$\$ >'$BATS_TEST_TMPDIR/pid'; exec sleep 60"
	id=$("$JOBQ" submit slow 1)
	start_ready_worker --grace 1s
	wait_for 10 test -s "$BATS_TEST_TMPDIR/pid"
	hpid=$(cat "$BATS_TEST_TMPDIR/pid")
	rm -rf "$JOBQ_DIR"
	wait_exit "$WORKER_PID" 10
	assert_equal "$WORKER_STATUS" 69
	log_has "^jobq: worker: $JOBQ_DIR: (the spool directory|jobq.db) was removed or replaced: stopping"
	pid_gone "$hpid" || fail "handler $hpid still runs"
}

@test "[spool] resilience: a worker whose jobq.db is replaced exits 69, and the new spool gets served" {
	"$JOBQ" submit -- true >/dev/null
	start_ready_worker
	old=$WORKER_PID
	t0=$(now_ms)
	rm "$JOBQ_DIR/jobq.db" "$JOBQ_DIR/jobq.db-wal" "$JOBQ_DIR/jobq.db-shm"
	wait_exit "$old" 10
	assert_equal "$WORKER_STATUS" 69
	# Checked at once on the inotify event, and each second without
	# one: 5x that second.
	[ $(($(now_ms) - t0)) -lt 5000 ] || fail "noticed after $(($(now_ms) - t0)) ms"
	log_has '^jobq: worker: .*: jobq.db was removed or replaced: stopping'
	id=$("$JOBQ" submit -- echo anew)
	start_ready_worker
	wait_state "$id" completed 10
}

# --- item: file descriptors ---------------------------------------------

@test "resilience: worker -j beyond the hard limit of open files is refused (exit 2)" {
	run -2 --separate-stderr prlimit --nofile=1024:1024 \
		"$JOBQ" worker -j 256 --drain
	assert_equal "$stderr" "jobq: worker: -j 256 needs 3120 open files but their hard limit is 1024: use -j 81 or less, or raise the limit"
	run -69 --separate-stderr prlimit --nofile=512:512 \
		"$JOBQ" worker --drain
	[[ $stderr == "jobq: worker: the hard limit of open files (512) is too low: "* ]] ||
		fail "stderr: $stderr"
}

@test "resilience: the worker raises its soft limit of open files to what -j needs" {
	make_handler fds 'ls /proc/self/fd | wc -l'
	for i in 1 2 3; do "$JOBQ" submit fds 1 >/dev/null; done
	prlimit --nofile=1100:4096 "$JOBQ" worker --handlers "$HANDLERS" \
		-j 256 </dev/null 2>>"$WORKER_LOG" 3>&- &
	WORKER_PID=$!
	_JOBQ_PIDS+=("$WORKER_PID")
	wait_worker_ready "$WORKER_PID"
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$WORKER_PID/limits")
	[ "$soft" -ge $((32 + 12 * 256 + 16)) ] || fail "soft limit $soft"
	wait_state 3 completed 20
	assert_job 1 state=completed
}

@test "[spool] resilience: a command out of descriptors says so, not only that the database cannot be opened" {
	"$JOBQ" submit t >/dev/null
	# Only 0-2 open (bats keeps more), so the limit bites in jobq, not
	# while the loader maps its libraries.
	run --separate-stderr -69 bash -c '
for fd in /proc/self/fd/*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] && eval "exec $fd>&-"
done
exec prlimit --nofile=5:5 "$JOBQ" list' 
	[[ $stderr == "jobq: list: "*"(Too many open files)"* ]] ||
		fail "stderr: $stderr"
	assert_equal "$output" ""
	run -0 "$JOBQ" list
	assert_output --partial pending
}

@test "[spool] first commands racing on a new spool: none refuses it, every submit lands" {
	# Seen apart, an empty jobq.db and its WAL, or the header and the
	# schema, can be two moments of another first command's creation.
	local r p s rc
	for r in $(seq 150); do
		s=$BATS_TEST_TMPDIR/s$r
		for p in 1 2 3 4 5; do
			(rc=0; "$JOBQ" --dir "$s" submit -- true >/dev/null \
				2>"$s.err$p" || rc=$?; echo "$rc" >"$s.rc$p") &
		done
		(rc=0; "$JOBQ" --dir "$s" list >/dev/null 2>"$s.errl" || rc=$?
			echo "$rc" >"$s.rcl") &
		wait
		for p in 1 2 3 4 5 l; do
			rc=$(<"$s.rc$p")
			[ "$rc" = 0 ] || fail "round $r, command $p: exit $rc: $(<"$s.err$p")"
		done
		run -0 "$JOBQ" --dir "$s" list
		assert_equal "${#lines[@]}" 5
	done
}
