#!/usr/bin/env bats
# The worker's hot path and JOBQ_SYNC: claims that fill every free slot
# in one transaction, outcomes of one turn recorded with one sync, no log
# for a silent job, an exec command found on PATH with one execve, and
# what JOBQ_SYNC=normal keeps through kill -9.

bats_require_minimum_version 1.5.0

load helper

# LeakSanitizer cannot run under ptrace: traced workers skip leak checks.
needs_strace() {
	command -v strace >/dev/null ||
		fail "needs strace (.ci/install-deps installs it)"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

@test "JOBQ_SYNC other than full or normal is a usage error of every command, spool untouched" {
	for cmd in "submit -- true" "list" "worker --drain" "status 1"; do
		# shellcheck disable=SC2086
		JOBQ_SYNC=always run -2 --separate-stderr "$JOBQ" $cmd
		[ -z "$output" ] || fail "stdout: $output"
		[ "$stderr" = "jobq: ${cmd%% *}: JOBQ_SYNC must be full or normal, not 'always'" ] ||
			fail "stderr: $stderr"
	done
	[ ! -e "$JOBQ_DIR" ] || fail "the spool was made"
	JOBQ_SYNC=full run -0 "$JOBQ" submit -- true
	[ "$output" = 1 ]
	JOBQ_SYNC= run -0 "$JOBQ" submit -- true
	[ "$output" = 2 ]
	JOBQ_SYNC=normal run -0 "$JOBQ" submit -- true
	[ "$output" = 3 ]
	JOBQ_SYNC=normal drain_worker
	assert_job 3 state=completed
	assert_job 1 state=completed
}

@test "JOBQ_SYNC=normal syncs no commit of submit or the worker" {
	needs_strace
	"$JOBQ" submit -- true >/dev/null	# the spool exists
	# The worker's connection stays open, so a command that closes
	# is not the last one and does not checkpoint (which syncs).
	JOBQ_SYNC=normal strace -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/w" \
		"$JOBQ" worker --handlers "$HANDLERS" </dev/null 2>>"$WORKER_LOG" 3>&- &
	_JOBQ_PIDS+=($!)
	wait_state 1 completed
	JOBQ_SYNC=normal run -0 strace -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/sub" "$JOBQ" submit -- true
	[ "$output" = 2 ]
	wait_state 2 completed
	n=$(grep -c 'sync(' "$BATS_TEST_TMPDIR/sub" || true)
	[ "$n" -eq 0 ] || fail "submit at JOBQ_SYNC=normal synced $n times"
	# SQLite syncs a WAL it starts afresh (the file and its directory),
	# once, at the worker's first write; no commit after that.
	nw=$(grep -c 'sync(' "$BATS_TEST_TMPDIR/w" || true)
	[ "$nw" -le 2 ] || fail "worker at JOBQ_SYNC=normal synced $nw times"
	# The default syncs the submit's commit.
	run -0 strace -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/full" "$JOBQ" submit -- true
	wait_state 3 completed
	nf=$(grep -c 'sync(' "$BATS_TEST_TMPDIR/full" || true)
	[ "$nf" -ge 1 ] || fail "a submit at the default level synced nothing"
}

@test "[spool] a submit on a spool a worker holds open makes one sync, its commit's" {
	needs_strace
	"$JOBQ" submit -- true >/dev/null
	start_worker
	wait_state 1 completed
	run -0 strace -y -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/s" \
		"$JOBQ" submit -- true
	assert_equal "$output" 2
	run -0 grep 'sync(' "$BATS_TEST_TMPDIR/s"
	assert_equal "${#lines[@]}" 1
	assert_regex "${lines[0]}" '^([0-9]+ +)?(fdatasync|fsync)\([0-9]+<.*/jobq\.db-wal>\)'
	wait_state 2 completed
}

@test "[spool] a submit on an idle spool with a small WAL makes one sync; a WAL past 128 KiB is checkpointed by the last to close" {
	needs_strace
	# The spool's creation fills most of 128 KiB of WAL; the next
	# submit passes it and checkpoints; the one after restarts the WAL.
	"$JOBQ" submit -- true >/dev/null
	"$JOBQ" submit -- true >/dev/null
	"$JOBQ" submit -- true >/dev/null
	local wal=$JOBQ_DIR/jobq.db-wal dir
	dir=$(cd "$JOBQ_DIR" && pwd -P)
	[ "$(stat -c %s "$wal")" -lt 131072 ]
	run -0 strace -y -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/s" \
		"$JOBQ" submit -- true
	assert_equal "$output" 4
	run -0 grep 'sync(' "$BATS_TEST_TMPDIR/s"
	assert_equal "${#lines[@]}" 1
	assert_regex "${lines[0]}" "^([0-9]+ +)?(fdatasync|fsync)\\([0-9]+<$dir/jobq\\.db-wal>\\)"
	# Forty more: the WAL never holds much more than 128 KiB, as the
	# database takes its pages (synced) whenever it passes that.
	local i size max=0
	: >"$BATS_TEST_TMPDIR/all"
	for i in $(seq 40); do
		strace -y -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/one" \
			"$JOBQ" submit -- true >/dev/null
		cat "$BATS_TEST_TMPDIR/one" >>"$BATS_TEST_TMPDIR/all"
		size=$(stat -c %s "$wal")
		[ "$size" -gt "$max" ] && max=$size
	done
	[ "$max" -lt $((160 * 1024)) ] || fail "the WAL grew to $max bytes"
	run -0 grep -c "sync([0-9]*<$dir/jobq\\.db>)" "$BATS_TEST_TMPDIR/all"
	[ "$output" -ge 2 ] || fail "jobq.db synced $output times in 40 submits"
	# Everything is there, to a reader and after a checkpoint.
	run -0 "$JOBQ" list
	assert_equal "${#lines[@]}" 44
	db_sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	run -0 "$JOBQ" list
	assert_equal "${#lines[@]}" 44
}

@test "[spool] a WAL made anew is synced with its directory at once, even by a command that only reads" {
	needs_strace
	"$JOBQ" submit -- true >/dev/null
	# The WAL checkpointed and emptied (SQLite's own last close then
	# removes it), so that it can go.
	db_sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	[ ! -s "$JOBQ_DIR/jobq.db-wal" ]
	rm -f "$JOBQ_DIR/jobq.db-wal"
	run -0 strace -y -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/r" \
		"$JOBQ" status 1
	[ -e "$JOBQ_DIR/jobq.db-wal" ]
	local dir
	dir=$(cd "$JOBQ_DIR" && pwd -P)
	run -0 grep -c "sync([0-9]*<$dir>)" "$BATS_TEST_TMPDIR/r"
	[ "$output" -ge 1 ]
	# A command that finds it there syncs no directory.
	run -0 strace -y -f -e trace=fsync,fdatasync -o "$BATS_TEST_TMPDIR/w" \
		"$JOBQ" submit -- true
	run -1 grep "sync([0-9]*<$dir>)" "$BATS_TEST_TMPDIR/w"
	run -0 "$JOBQ" list
	assert_equal "${#lines[@]}" 2
}

@test "JOBQ_SYNC=normal: kill -9 of submitter and worker loses no job submit printed" {
	export JOBQ_SYNC=normal
	make_handler slow 'sleep 0.05'
	start_ready_worker -j 2
	ids="$BATS_TEST_TMPDIR/ids"
	(
		while :; do "$JOBQ" submit slow >>"$ids" || exit 1; done
	) 3>&- &
	sub=$!
	wait_for 20 eval '[ "$(wc -l <"$ids")" -ge 40 ]'
	kill -KILL "$sub" "$WORKER_PID"
	wait "$sub" 2>/dev/null || true
	wait_gone "$WORKER_PID" 5
	n=$(wc -l <"$ids")
	# A submit killed mid-line printed no whole id: only whole lines count.
	while read -r id; do
		[[ $id =~ ^[0-9]+$ ]] || continue
		run -0 "$JOBQ" status --json "$id"
	done <"$ids"
	drain_worker -j 2
	run -0 "$JOBQ" list --status completed
	done_n=$(printf '%s\n' "$output" | grep -c .)
	[ "$done_n" -ge "$n" ] || fail "$n ids printed, $done_n jobs completed"
	run -0 "$JOBQ" list --status pending,running,retrying,failed
	[ -z "$output" ] || fail "left over: $output"
}

@test "a -j 4 worker claims 4 runnable jobs in one turn, before starting any" {
	make_handler wait 'sleep 0.2'
	for i in 1 2 3 4 5; do "$JOBQ" submit wait >/dev/null; done
	drain_worker -j 4
	for i in 1 2 3 4 5; do assert_job "$i" state=completed; done
	# The four claims of the first turn come before the first start;
	# the fifth job is claimed once a slot is free.
	run -0 grep -oE 'event=(claimed|started) job=[0-9]+' "$WORKER_LOG"
	first4=$(printf '%s\n' "$output" | head -n 4 | grep -c claimed)
	[ "$first4" -eq 4 ] || fail "first four events: $output"
	[ "$(printf '%s\n' "$output" | sed -n 5p)" = "event=started job=1" ] ||
		fail "events: $output"
}

@test "outcomes that end in one turn share one transaction and one sync" {
	needs_strace
	make_handler gate 'while [ ! -e "$JOBQ_DIR/../go" ]; do sleep 0.02; done'
	for i in 1 2 3 4; do "$JOBQ" submit gate >/dev/null; done
	trace="$BATS_TEST_TMPDIR/trace"
	strace -o "$trace" -e trace=fdatasync,fsync \
		"$JOBQ" worker -j 4 --handlers "$HANDLERS" \
		</dev/null 2>>"$WORKER_LOG" 3>&- &
	tracer=$!
	_JOBQ_PIDS+=("$tracer")
	wait_for 10 eval '[ "$(grep -c "event=started" "$WORKER_LOG")" -eq 4 ]'
	wpid=$(sed -n 's/.*event=start pid=\([0-9]*\).*/\1/p' "$WORKER_LOG")
	pids=$(sed -n 's/.*event=started job=[0-9]* pid=\([0-9]*\)/\1/p' "$WORKER_LOG")
	# Stopped, the worker sees all four handlers end at once.
	kill -STOP "$wpid"
	touch "$JOBQ_DIR/../go"
	for p in $pids; do wait_gone "$p" 10; done
	before=$(grep -c 'sync(' "$trace" || true)
	kill -CONT "$wpid"
	for i in 1 2 3 4; do wait_state "$i" completed; done
	wait_for 10 eval '[ "$(grep -c "event=finished" "$WORKER_LOG")" -eq 4 ]'
	after=$(grep -c 'sync(' "$trace" || true)
	[ $((after - before)) -eq 1 ] ||
		fail "four outcomes took $((after - before)) syncs"
	kill -TERM "$wpid"
	wait_gone "$wpid" 10
	# Each kept its own verdict: exit 0, completed.
	for i in 1 2 3 4; do assert_job "$i" state=completed exit_code=0; done
}

@test "a job that writes nothing to stderr leaves no log file" {
	needs_strace
	make_handler quiet 'echo result'
	make_handler loud 'echo oops >&2'
	"$JOBQ" submit quiet >/dev/null
	"$JOBQ" submit -- true >/dev/null
	"$JOBQ" submit loud >/dev/null
	strace -f -e trace=openat -o "$BATS_TEST_TMPDIR/opens" \
		"$JOBQ" worker --drain --handlers "$HANDLERS" 2>>"$WORKER_LOG" 3>&-
	for i in 1 2 3; do assert_job "$i" state=completed; done
	run -0 grep -c '/logs/' "$BATS_TEST_TMPDIR/opens"
	[ "$output" -eq 1 ] || fail "log files opened: $output"
	run -0 find "$JOBQ_DIR/logs" -type f
	[ "$(printf '%s\n' "$output" | grep -c .)" -eq 1 ] || fail "logs: $output"
	run -0 cat "$JOBQ_DIR"/logs/*
	[ "$output" = oops ] || fail "log: $output"
}

@test "an exec command late on PATH runs with one execve" {
	needs_strace
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho found "$@"\n' >"$BATS_TEST_TMPDIR/bin/latecmd"
	chmod 755 "$BATS_TEST_TMPDIR/bin/latecmd"
	# A directory and a non-executable file of the same name come first,
	# as do entries that lack it.
	mkdir -p "$BATS_TEST_TMPDIR/d1/latecmd" "$BATS_TEST_TMPDIR/d2"
	printf 'x\n' >"$BATS_TEST_TMPDIR/d2/latecmd"
	p="/nonexistent:$BATS_TEST_TMPDIR/d1:$BATS_TEST_TMPDIR/d2:/usr/local/sbin:/usr/sbin:/sbin:$BATS_TEST_TMPDIR/bin"
	# The command is looked up in the PATH it was submitted with.
	PATH=$p:$PATH "$JOBQ" submit -- latecmd a b >/dev/null
	strace -f -e trace=execve -o "$BATS_TEST_TMPDIR/ex" \
		"$JOBQ" worker --drain 2>>"$WORKER_LOG" 3>&-
	assert_job 1 state=completed
	run -0 "$JOBQ" result 1
	[ "$output" = "found a b" ]
	# The worker's own execve, the command's, and its #! interpreter's
	# none: the kernel runs /bin/sh inside the one execve.
	run -0 grep -c 'latecmd' "$BATS_TEST_TMPDIR/ex"
	[ "$output" -eq 1 ] || fail "execve of latecmd: $(grep latecmd "$BATS_TEST_TMPDIR/ex")"
	n=$(grep -c ' = -1 ' "$BATS_TEST_TMPDIR/ex" || true)
	[ "$n" -eq 0 ] || fail "failing execve: $(grep ' = -1 ' "$BATS_TEST_TMPDIR/ex")"
}

@test "exec commands: not found, not executable, a script without #!, a relative PATH entry" {
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/work/rel"
	printf 'x\n' >"$BATS_TEST_TMPDIR/bin/noexec"
	printf 'echo shell-ran "$1"\n' >"$BATS_TEST_TMPDIR/bin/nosheb"
	chmod 755 "$BATS_TEST_TMPDIR/bin/nosheb"
	printf '#!/bin/sh\necho rel-ran\n' >"$BATS_TEST_TMPDIR/work/rel/relcmd"
	chmod 755 "$BATS_TEST_TMPDIR/work/rel/relcmd"
	cd "$BATS_TEST_TMPDIR/work"
	p="rel:$BATS_TEST_TMPDIR/bin:$PATH"
	PATH=$p "$JOBQ" submit -- no-such-command-here >/dev/null
	PATH=$p "$JOBQ" submit -- noexec >/dev/null
	PATH=$p "$JOBQ" submit -- nosheb arg >/dev/null
	PATH=$p "$JOBQ" submit -- relcmd >/dev/null
	cd /
	drain_worker
	assert_job 1 state=failed "error~=^cannot start command no-such-command-here in $BATS_TEST_TMPDIR/work: not found in its PATH$" attempt=1
	assert_job 2 state=failed "error~=^cannot start command noexec in .*: Permission denied$" attempt=1
	assert_job 3 state=completed
	run -0 "$JOBQ" result 3
	[ "$output" = "shell-ran arg" ]
	# "rel" is looked up where the job runs, as execvp there would.
	assert_job 4 state=completed
	run -0 "$JOBQ" result 4
	[ "$output" = "rel-ran" ]
}

@test "-j 8 starts of every kind at once: each child execs its own command, failures name theirs" {
	# Handlers start in turns of up to 8, each waiting to be recorded
	# while sharing the worker's memory: a failed start (no exec, no
	# cwd) must not disturb its neighbours, nor the next turn.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf 'x\n' >"$BATS_TEST_TMPDIR/bin/noexec"
	printf 'echo sh "$1"\n' >"$BATS_TEST_TMPDIR/bin/nosheb"
	chmod 755 "$BATS_TEST_TMPDIR/bin/nosheb"
	local b=$BATS_TEST_TMPDIR/bin job
	for job in $(seq 40); do
		case $((job % 4)) in
		0) echo "{\"argv\": [\"noexec\"], \"env\": {\"PATH\": \"$b\"}}" ;;
		1) echo "{\"argv\": [\"nosheb\", \"a$job\"], \"env\": {\"PATH\": \"$b\"}}" ;;
		2) echo "{\"argv\": [\"sh\", \"-c\", \"echo \$0 \$JOBQ_JOB_ID\", \"x$job\"]}" ;;
		3) echo "{\"argv\": [\"true\"], \"cwd\": \"$BATS_TEST_TMPDIR/gone\"}" ;;
		esac
	done >"$BATS_TEST_TMPDIR/jobs"
	mkdir "$BATS_TEST_TMPDIR/gone"
	run -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/jobs"
	rmdir "$BATS_TEST_TMPDIR/gone"
	drain_worker -j 8
	for job in $(seq 40); do
		case $((job % 4)) in
		0) assert_job "$job" state=failed attempt=1 \
			"error~=^cannot start command noexec in .*: Permission denied$" ;;
		1) assert_job "$job" state=completed
		   run -0 "$JOBQ" result "$job"
		   [ "$output" = "sh a$job" ] || fail "job $job: $output" ;;
		2) assert_job "$job" state=completed
		   run -0 "$JOBQ" result "$job"
		   [ "$output" = "x$job $job" ] || fail "job $job: $output" ;;
		3) assert_job "$job" state=failed attempt=1 \
			"error~=^cannot start command /.*/true in $BATS_TEST_TMPDIR/gone: No such file or directory$" ;;
		esac
	done
}

@test "the next job starts before the outcome it follows is synced" {
	needs_strace
	for i in $(seq 10); do "$JOBQ" submit -- true >/dev/null; done
	strace -y -e trace=flock,fdatasync,clone -o "$BATS_TEST_TMPDIR/calls" \
		"$JOBQ" worker --drain 2>>"$WORKER_LOG" 3>&-
	for i in $(seq 10); do assert_job "$i" state=completed; done
	# Write transactions take the spool's lock file: per job a claim,
	# one that records its process group and one its outcome, plus
	# registering and unregistering.
	n=$(grep -c "/lock>, LOCK_EX)" "$BATS_TEST_TMPDIR/calls" || true)
	[ "$n" -le 34 ] || fail "10 jobs took $n write transactions"
	# Handler starts (C) and syncs (S) from the first start: each
	# outcome's sync comes after the next handler started, so the
	# handler never waits for the disk.
	local seq
	seq=$(sed -n 's/^clone(.*/C/p; s/^fdatasync(.*/S/p' \
		"$BATS_TEST_TMPDIR/calls" | tr -d '\n' | sed 's/^S*//')
	[[ $seq =~ ^C(CS){9}S+$ ]] || fail "starts and syncs: $seq"
	run -0 grep -c 'event=claimed' "$WORKER_LOG"
	[ "$output" -eq 10 ]
}
