# Rescue of what a handler leaves behind: members of its process group
# that closed the run lock, zombies in the group, daemons that left the
# group but kept the run lock (at a graceful stop, and after a crash), a
# cancel while a rescuer waits for the write lock, and rescue times of an
# earlier boot.  Handlers take a per-job flock on fd 7 (inherited by what
# they start) so that two runs of one job at the same time are seen.
#
# Timing-sensitive: run this suite alone (not beside other suites).

load helper
load crash-helper

# pid_file NAME: wait for $T/NAME to hold a pid, print it, and let
# teardown stop that process if the test does not.
pid_file() {
	wait_for 10 test -s "$BATS_TEST_TMPDIR/$1" || return
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/$1")
	_JOBQ_PIDS+=("$pid")
	echo "$pid"
}

# stat_field PID N: field N of /proc/PID/stat (3 = state, 5 = pgrp).
stat_field() {
	local line
	read -r line <"/proc/$1/stat" || return
	line=${line##*) }
	local -a f
	read -r -a f <<<"$line"
	echo "${f[$2 - 3]}"
}

@test "kill -9 of a worker whose handler left a child that closed the run lock and ignores TERM: not put back until the child is KILLed after the dead worker's grace" {
	# The child keeps fd 7 (the job's flock) but closes JOBQ_LOCK_FD,
	# as ssh and Python's subprocess do: only its process group shows
	# that attempt 1 still runs.
	guard_handler leaky '
if [ "$a" -eq 1 ]; then
	trap "" TERM
	bash -c "exec 1000>&-; echo \$\$ >\"$T/child\"; exec sleep 60" &
	trap - TERM
	sleep 60 & wait
fi'
	local id
	id=$("$JOBQ" submit leaky)
	start_ready_worker --grace 1
	local a=$WORKER_PID wa=$WORKER_ID
	wait_run "$id" 1
	local child
	child=$(pid_file child)
	assert_equal "$(stat_field "$child" 5)" "$(run_pid "$id" 1)"
	run -1 test -e "/proc/$child/fd/1000"

	# The live worker's own grace is long; the dead worker's applies.
	start_ready_worker --grace 30
	local wb=$WORKER_ID t0 t1
	kill_worker "$a"
	t0=$(now_ms)
	wait_run "$id" 2 20
	t1=$(now_ms)
	wait_state "$id" completed
	note "child ignoring TERM killed and job run again after $((t1 - t0)) ms"
	pid_gone "$child"
	assert_no_overlap
	log_has "^jobq: worker $wb: event=orphan-term job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=orphan-kill job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=rescued job=$id dead_worker=$wa$"
	# TERM, 1 s of grace, KILL, put back: not before, not the 30 s.
	[ $((t1 - t0)) -ge 900 ] || fail "run again after $((t1 - t0)) ms"
	[ $((t1 - t0)) -lt 10000 ] || fail "run again after $((t1 - t0)) ms"
	assert_equal "$(job_field "$id" attempts.0.outcome)" "worker died"
}

@test "a zombie in a dead worker's handler group counts as gone: the job is put back while the zombie stays" {
	# X leaves the handler's group and closes the run lock; its child Y
	# joins the handler's group and exits; X never reaps it, so Y stays
	# a zombie in the group, as killed processes do under a pid 1 that
	# never reaps.
	make_python_handler zombie '
import os, time
T = os.environ["BATS_TEST_TMPDIR"]
a = os.environ["JOBQ_ATTEMPT"]
with open(T + "/runs", "a") as f:
    f.write("start %s\n" % a)
if a == "1":
    group = os.getpgrp()
    x = os.fork()
    if x == 0:
        os.setpgid(0, 0)
        os.close(1000)
        y = os.fork()
        if y == 0:
            os.setpgid(0, group)
            os._exit(0)
        with open(T + "/y.tmp", "w") as f:
            f.write("%d\n" % y)
        os.rename(T + "/y.tmp", T + "/y")
        time.sleep(120)
        os._exit(0)
    with open(T + "/x", "w") as f:
        f.write("%d\n" % x)
    time.sleep(60)'
	local id
	id=$("$JOBQ" submit zombie)
	start_ready_worker --grace 1
	local a=$WORKER_PID wa=$WORKER_ID x y
	wait_for 10 file_has "$(T)/runs" "^start 1$"
	x=$(pid_file x)
	wait_for 10 test -s "$(T)/y"
	y=$(cat "$(T)/y")
	_zombie_in_group() {
		[ "$(stat_field "$y" 3)" = Z ] &&
			[ "$(stat_field "$y" 5)" != "$(stat_field "$x" 5)" ]
	}
	wait_for 10 _zombie_in_group
	local group
	group=$(stat_field "$y" 5)

	start_ready_worker
	kill_worker "$a"
	wait_state "$id" completed 20
	# The zombie was still there, in the group, when the job went back.
	assert_equal "$(stat_field "$y" 3)" Z
	assert_equal "$(stat_field "$y" 5)" "$group"
	pid_alive "$x"
	assert_equal "$(job_field "$id" attempts.0.outcome)" "worker died"
	kill -KILL "$x"
}

@test "SIGTERM to a worker whose handler started a setsid daemon holding the run lock: the daemon gets TERM, then KILL after --grace, and only then is the job put back" {
	guard_handler daemonizing '
if [ "$a" -eq 1 ]; then
	setsid sh -c "trap \"echo term >>$T/daemon.term\" TERM
echo \$\$ >$T/daemon
while :; do sleep 0.1; done" </dev/null >/dev/null 2>&1 &
	sleep 60 & wait
fi'
	local id
	id=$("$JOBQ" submit daemonizing)
	start_ready_worker --grace 1
	local w=$WORKER_PID wid=$WORKER_ID
	wait_run "$id" 1
	local d
	d=$(pid_file daemon)
	[ -e "/proc/$d/fd/1000" ]
	[ "$(stat_field "$d" 5)" != "$(run_pid "$id" 1)" ]

	local t0 t1 c0 c1
	t0=$(now_ms)
	kill -TERM "$w"
	# While it waits for the daemon, the worker sleeps, never spins.
	wait_for 10 log_has "event=stopping-holders job=$id signal=SIGTERM$"
	c0=$(cpu_ticks "$w")
	wait_for 10 log_has "event=stopping-holders job=$id signal=SIGKILL$"
	c1=$(cpu_ticks "$w" 2>/dev/null) || c1=$c0
	wait_exit "$w" 20
	t1=$(now_ms)
	assert_equal "$WORKER_STATUS" 0
	[ $((c1 - c0)) -lt 25 ] || fail "the waiting worker used $((c1 - c0)) clock ticks of CPU in one grace period"
	note "worker with a daemon holding the run lock stopped in $((t1 - t0)) ms (grace, TERM, grace, KILL)"
	pid_gone "$d"
	run -0 cat "$(T)/daemon.term"
	assert_line term
	log_has "^jobq: worker $wid: event=stopping-holders job=$id signal=SIGTERM$"
	log_has "^jobq: worker $wid: event=stopping-holders job=$id signal=SIGKILL$"
	# Put back after the KILL, never before.
	run -0 grep -nE "event=(stopping-holders job=$id signal=SIGKILL|requeued job=$id )" "$WORKER_LOG"
	assert_line --index 0 --partial "signal=SIGKILL"
	# (A KILL may be said twice: the daemon can fork once more
	# between the look in /proc and the signal.)
	[[ ${lines[-1]} == *"event=requeued job=$id attempt=1 "* ]] ||
		fail "not put back last: $output"
	[ $((t1 - t0)) -ge 1900 ] || fail "stopped after $((t1 - t0)) ms"
	assert_equal "$(job_field "$id" state)" pending
	assert_equal "$(job_field "$id" attempts.0.outcome)" requeued
	run ! test -e "$JOBQ_DIR/workers/$wid-$id-1.run"
	run -0 drain_worker
	assert_equal "$(job_field "$id" state)" completed
	assert_no_overlap
}

@test "a daemon left by an earlier job of a worker does not hold up the rescue of its next job after kill -9" {
	make_handler leaver '
setsid sh -c "echo \$\$ >$BATS_TEST_TMPDIR/daemon; exec sleep 120" \
	</dev/null >/dev/null 2>&1 &
while [ ! -s "$BATS_TEST_TMPDIR/daemon" ]; do sleep 0.05; done'
	guard_handler slow '
if [ "$a" -eq 1 ]; then sleep 60 & wait; fi'
	local first second
	first=$("$JOBQ" submit leaver)
	start_ready_worker --grace 1
	local a=$WORKER_PID
	wait_state "$first" completed
	local d
	d=$(pid_file daemon)
	# The daemon still holds the run lock of the job that started it.
	[ -e "/proc/$d/fd/1000" ]
	second=$("$JOBQ" submit slow)
	wait_run "$second" 1

	start_ready_worker
	local t0 t1
	kill_worker "$a"
	t0=$(now_ms)
	wait_state "$second" completed 20
	t1=$(now_ms)
	note "next job rescued and run again in $((t1 - t0)) ms beside the daemon"
	assert_equal "$(job_field "$second" attempt)" 2
	assert_equal "$(job_field "$second" attempts.0.outcome)" "worker died"
	# Nobody had to stop the daemon: it belongs to a job that ended.
	pid_alive "$d"
	assert_no_overlap
	kill -KILL "$d"
}

# in_write_trylock PID: PID is in flock(2) on the spool's lock file with
# LOCK_EX|LOCK_NB: where strace holds a rescuing `jobq status` before its
# write transaction (syscall 73 is flock on x86_64).
in_write_trylock() {
	local nr fd op rest
	read -r nr fd op rest <"/proc/$1/syscall" 2>/dev/null || return
	[ "$nr" = 73 ] && [ "$((op))" -eq 6 ] &&
		[ "$(readlink "/proc/$1/fd/$((fd))")" = "$JOBQ_DIR/lock" ]
}

@test "[spool] cancel while a rescuer waits for the write lock: the put-back honours it, the job ends cancelled and never runs again" {
	command -v strace >/dev/null || fail "needs strace (.ci/install-deps installs it)"
	[ "$(uname -m)" = x86_64 ] || fail "reads /proc/PID/syscall with x86_64 numbers"
	guard_handler short '
if [ "$a" -eq 1 ]; then sleep 60 & wait; fi'
	local id
	id=$("$JOBQ" submit short)
	start_ready_worker --grace 1
	local w=$WORKER_PID h
	wait_run "$id" 1
	h=$(run_pid "$id" 1)
	# Worker and handler gone: the job only waits for a rescuer.
	kill -KILL -- "$w" "-$h"
	wait "$w" 2>/dev/null || true

	# The rescuer has read the job (no cancel yet) and is about to
	# take the write lock when the cancel comes.  (LeakSanitizer
	# cannot run under ptrace: a sanitizer build checks no leaks here.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -o /dev/null -e trace=flock \
		    -e inject=flock:delay_enter=2000000 \
		    "$JOBQ" status "$id" >/dev/null 2>&1 3>&- &
	local tracer=$! r
	_JOBQ_PIDS+=("$tracer")
	_traced() {
		[ -n "$(children_of "$tracer")" ]
	}
	wait_for 10 _traced
	r=$(children_of "$tracer" | cut -d' ' -f1)
	wait_for 30 in_write_trylock "$r"
	run -0 "$JOBQ" cancel "$id"
	wait_exit "$tracer" 30

	assert_equal "$(job_field "$id" state)" cancelled
	assert_equal "$(job_field "$id" attempts.0.outcome)" "worker died"
	assert_equal "$(job_field "$id" error)" cancelled
	run -0 drain_worker
	assert_equal "$(job_field "$id" state)" cancelled
	assert_equal "$(grep -c '^start' "$(T)/runs")" 1
}

@test "[spool] a rescue TERM time from an earlier boot is not trusted: the orphan gets TERM and the dead worker's full grace before KILL" {
	guard_handler stubborn '
if [ "$a" -eq 1 ]; then
	trap "echo \"term $id $a\" >>\"$T/runs\"" TERM
	# A sleep killed by TERM makes sh report it on stderr, a pipe
	# whose reader (the worker) is dead: SIGPIPE would end the test.
	exec 2>/dev/null
	touch "$T/trapped"
	while :; do sleep 0.1; done
fi'
	local id
	id=$("$JOBQ" submit stubborn)
	start_ready_worker --grace 2
	local a=$WORKER_PID wa=$WORKER_ID
	wait_run "$id" 1
	wait_for 10 test -e "$(T)/trapped"
	kill_worker "$a"
	# As if a rescuer had sent TERM long ago, in another boot: on that
	# clock the grace would be long over.
	"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE jobs SET rescue_term_at = 1,"
           " rescue_boot = ? WHERE id = ?",
           ("00000000-0000-0000-0000-000000000000", int(sys.argv[2])))
db.commit()' "$JOBQ_DIR/jobq.db" "$id"

	local t0 t1
	t0=$(now_ms)
	start_ready_worker
	local wb=$WORKER_ID
	wait_run "$id" 2 20
	t1=$(now_ms)
	wait_state "$id" completed
	note "orphan with a stale TERM time: run again after $((t1 - t0)) ms"
	run -0 cut -d' ' -f1-3 "$(T)/runs"
	assert_line "term $id 1"
	log_has "^jobq: worker $wb: event=orphan-term job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=orphan-kill job=$id dead_worker=$wa$"
	[ $((t1 - t0)) -ge 1900 ] || fail "killed after $((t1 - t0)) ms: the grace was not given"
	assert_no_overlap
}

@test "a run-lock holder running as another user (a root handler's daemon) is stopped too: a graceful stop ends within its three grace periods" {
	[ "$(id -u)" -eq 0 ] || fail "needs root (CI runs as root)"
	id -u nobody >/dev/null || fail "no user nobody"
	guard_handler dropping '
if [ "$a" -eq 1 ]; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		setsid sh -c "trap \"\" TERM; exec sleep 60" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$T/daemon"
	sleep 60 & wait
fi'
	local id
	id=$("$JOBQ" submit dropping)
	start_ready_worker --grace 1
	local w=$WORKER_PID
	wait_run "$id" 1
	local d
	d=$(pid_file daemon)
	wait_for 10 test -e "/proc/$d/fd/1000"
	assert_equal "$(stat -c %U "/proc/$d")" nobody

	local t0 t1
	t0=$(now_ms)
	kill -TERM "$w"
	wait_for 10 log_has "event=stopping-holders job=$id signal=SIGKILL$"
	wait_exit "$w" 15
	t1=$(now_ms)
	assert_equal "$WORKER_STATUS" 0
	note "stopped with another user's daemon holding the run lock in $((t1 - t0)) ms"
	# Three grace periods of 1 s, with 5x slack.
	[ $((t1 - t0)) -lt 15000 ] || fail "stopped after $((t1 - t0)) ms"
	wait_for 5 pid_gone "$d"
	assert_equal "$(job_field "$id" state)" pending
	run -0 drain_worker
	assert_equal "$(job_field "$id" state)" completed
	assert_no_overlap
}
