# Crash safety, cancel and stop: a worker killed with SIGKILL (with or
# without its handlers), a handler killed, cancel of running handlers,
# SIGTERM/SIGINT to a busy worker, recovery by `status`/`list` alone, and
# the three-deaths rule.  Handlers take a per-job flock so that two runs of
# one job at the same time are seen, whoever runs them.
#
# Timing-sensitive: run this suite alone (not beside other suites).

load helper
load crash-helper

# The running worker still takes and completes new work.
assert_worker_goes_on() {
	make_handler ok 'exit 0'
	local k
	k=$("$JOBQ" submit ok)
	wait_state "$k" completed
}

# group_members PGID: "PID STATE" of each live process of group PGID.
group_members() {
	local f line pg=$1
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		line=${line##*) }
		set -- $line
		if [ "$3" = "$pg" ] && [ "$1" != Z ]; then
			f=${f#/proc/}
			echo "${f%/stat} $1"
		fi
	done
}

# attempt_outcomes ID: the outcome of each attempt, comma-separated.
attempt_outcomes() {
	"$JOBQ" status --json "$1" | "$PYTHON" -c '
import json, sys
print(",".join(a["outcome"] for a in json.load(sys.stdin)["attempts"]))'
}

# --- a worker killed with SIGKILL ------------------------------------------

@test "kill -9 of a worker while its handler runs: handler stopped, job completes on another worker, attempt 2, no overlap" {
	guard_handler slow '
trap "echo \"term $id $a\" >>\"$T/runs\"; exit 143" TERM
if [ "$a" -eq 1 ]; then sleep 60 & wait; fi'
	local id a b
	id=$("$JOBQ" submit slow)
	start_ready_worker --grace 2
	a=$WORKER_PID
	local wa=$WORKER_ID
	wait_run "$id" 1
	local h1
	h1=$(run_pid "$id" 1)
	assert_equal "$(job_field "$id" worker)" "$wa"

	start_ready_worker
	b=$WORKER_PID
	local wb=$WORKER_ID
	kill_worker "$a"
	# The handler outlives its worker until a live worker stops it.
	pid_alive "$h1"

	# No jobq command runs meanwhile: worker B alone must recover it.
	wait_for 15 file_has "$(T)/runs" "^end $id 2$"
	wait_for 5 log_has "^jobq: worker $wb: event=finished job=$id attempt=2 outcome=completed"
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" attempt)" 2
	assert_equal "$(json_field "$output" worker)" "$wb"
	assert_equal "$(json_field "$output" failures)" 0
	assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
	assert_equal "$(json_field "$output" attempts.0.worker)" "$wa"
	assert_equal "$(json_field "$output" attempts.1.outcome)" completed
	assert_equal "$(json_field "$output" attempts.1.worker)" "$wb"

	# The first run was stopped (TERM) before the second started.
	run -0 cat "$(T)/runs"
	assert_equal "$(printf '%s\n' "$output" | cut -d' ' -f1-3)" "start $id 1
term $id 1
start $id 2
end $id 2"
	assert_no_overlap
	pid_gone "$h1"
	log_has "^jobq: worker $wb: event=orphan-term job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=rescued job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=claimed job=$id type=slow queue=default attempt=2$"
	run ! log_has "event=orphan-kill"
	# The dead worker is forgotten, its lock files removed.
	wait_for 5 test ! -e "$JOBQ_DIR/workers/$wa.lock"
	run ! test -e "$JOBQ_DIR/workers/$wa-$id-1.run"
	[ -e "$JOBQ_DIR/workers/$wb.lock" ]
}

@test "kill -9 of a worker whose handler ignores TERM: handler killed after the dead worker's --grace, then run again" {
	guard_handler stubborn '
if [ "$a" -eq 1 ]; then trap "" TERM; sleep 60; fi'
	local id a b
	id=$("$JOBQ" submit stubborn)
	start_ready_worker --grace 1
	a=$WORKER_PID
	local wa=$WORKER_ID
	wait_run "$id" 1
	local h1
	h1=$(run_pid "$id" 1)

	# The live worker's own grace is long; the dead worker's applies.
	start_ready_worker --grace 30
	b=$WORKER_PID
	local wb=$WORKER_ID t0 t1
	kill_worker "$a"
	t0=$(now_ms)
	# No jobq command runs meanwhile: worker B alone must recover it.
	wait_for 15 file_has "$(T)/runs" "^end $id 2$"
	t1=$(now_ms)
	wait_for 5 log_has "^jobq: worker $wb: event=finished job=$id attempt=2 outcome=completed"
	note "orphan ignoring TERM: killed and job run again in $((t1 - t0)) ms"
	pid_gone "$h1"
	assert_no_overlap
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" attempt)" 2
	assert_equal "$(json_field "$output" worker)" "$wb"
	assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
	log_has "^jobq: worker $wb: event=orphan-term job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=orphan-kill job=$id dead_worker=$wa$"
	log_has "^jobq: worker $wb: event=rescued job=$id dead_worker=$wa$"
	run -0 cut -d' ' -f1-3 "$(T)/runs"
	assert_output "start $id 1
start $id 2
end $id 2"
	# TERM, 1 s of grace, KILL, requeue: not the live worker's 30 s.
	[ $((t1 - t0)) -lt 10000 ] || fail "took $((t1 - t0)) ms"
}

@test "kill -9 of a worker and its handlers' process groups: rescued and run again on a live worker within 2 s" {
	guard_handler slow '
if [ "$a" -eq 1 ]; then sleep 60; fi'
	local x y a b
	x=$("$JOBQ" submit slow)
	y=$("$JOBQ" submit slow)
	start_ready_worker -j 2
	a=$WORKER_PID
	local wa=$WORKER_ID
	wait_run "$x" 1
	wait_run "$y" 1
	start_ready_worker -j 2
	b=$WORKER_PID
	local wb=$WORKER_ID t0 t1 hx hy
	hx=$(run_pid "$x" 1)
	hy=$(run_pid "$y" 1)
	# The handler is its process group's leader.
	run -0 group_members "$hx"
	assert_line --regexp "^$hx [RS]$"
	kill -KILL -- "$a" "-$hx" "-$hy"
	t0=$(now_ms)
	wait "$a" 2>/dev/null || true
	wait_run "$x" 2 10
	wait_run "$y" 2 10
	t1=$(now_ms)
	note "worker and handlers killed: both jobs started again after $((t1 - t0)) ms (target 2000)"
	[ $((t1 - t0)) -lt 10000 ] || fail "rescue took $((t1 - t0)) ms"
	wait_state "$x" completed
	wait_state "$y" completed
	local id
	for id in "$x" "$y"; do
		run -0 "$JOBQ" status --json "$id"
		assert_equal "$(json_field "$output" attempt)" 2
		assert_equal "$(json_field "$output" worker)" "$wb"
		assert_equal "$(json_field "$output" failures)" 0
		assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
		assert_equal "$(json_field "$output" attempts.1.outcome)" completed
		log_has "^jobq: worker $wb: event=rescued job=$id dead_worker=$wa$"
	done
	# Nothing was left to stop.
	run ! log_has "event=orphan-(term|kill)"
	assert_no_overlap
}

@test "kill -9 of a worker between fork and exec of a handler: the half-started child goes away, the job is put back and run once" {
	# strace holds the worker for 3 s right after fork(2) returns in
	# the worker, before it records the child and lets it exec: the
	# test kills the worker in that window.
	command -v strace >/dev/null || fail "needs strace (.ci/install-deps installs it)"
	guard_handler app ':'
	local id
	id=$("$JOBQ" submit app)
	strace -o /dev/null -e trace=clone,clone3,fork,vfork \
		-e inject=clone,clone3,fork,vfork:delay_exit=3000000 \
		"$JOBQ" worker --grace 1 --handlers "$HANDLERS" \
		</dev/null >/dev/null 2>>"$WORKER_LOG" 3>&- &
	local tracer=$!
	_JOBQ_PIDS+=("$tracer")
	# The worker is strace's child; the half-started handler the
	# worker's.
	_one_child() {
		[ -n "$(children_of "$1")" ]
	}
	wait_for 10 _one_child "$tracer"
	local w
	w=$(children_of "$tracer" | cut -d' ' -f1)
	wait_for 10 _one_child "$w"
	local c
	c=$(children_of "$w" | cut -d' ' -f1)
	_JOBQ_PIDS+=("$c")	# teardown ends it if it stays
	local wa
	wa=$(worker_id_of "$w")
	[ -n "$wa" ]
	kill -KILL "$w"
	wait "$tracer" 2>/dev/null || true

	# The child must not live on: it holds the dead worker's locks.
	if ! wait_gone "$c" 5; then
		fail "the worker's half-started child $c lives on: '$(proc_title "$c")', \
state $(awk '/^State/ { print $2 }' "/proc/$c/status"), wchan $(cat "/proc/$c/wchan"), \
$(grep SigBlk "/proc/$c/status" | tr -d '\t'), holds: $(ls -l "/proc/$c/fd" | grep -o "workers/.*" | paste -sd' ' -)"
	fi
	# The job goes back and runs once, on a live worker.
	start_worker
	wait_for 10 file_has "$(T)/runs" "^end $id "
	wait_state "$id" completed
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" attempt)" 2
	assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
	# The half-started child never ran the handler.
	run -0 cut -d' ' -f1-3 "$(T)/runs"
	assert_output "start $id 2
end $id 2"
	assert_no_overlap
	run ! test -e "$JOBQ_DIR/workers/$wa.lock"
}

# spool_lock_holder: the pid shown in /proc/locks for the write flock on
# SPOOL/lock (empty if none).
spool_lock_holder() {
	local ino
	ino=$(stat -c %i "$JOBQ_DIR/lock") || return
	awk -v ino=":$ino" '$2 == "FLOCK" && $4 == "WRITE" && index($6, ino) &&
		substr($6, length($6) - length(ino) + 1) == ino { print $5; exit }' /proc/locks
}

_forked_and_locked() {
	[ -n "$(children_of "$1")" ] && [ "$(spool_lock_holder)" = "$1" ]
}

@test "[spool] kill -9 of a worker holding the spool's write lock just after it forked a handler: the spool stays usable" {
	# strace makes every flock(2) of the worker return 1 s late, so it
	# holds each lock it takes for a second; the test kills it while it
	# holds the write lock with a half-started handler child.
	command -v strace >/dev/null || fail "needs strace (.ci/install-deps installs it)"
	guard_handler app ':'
	local id
	id=$("$JOBQ" submit app)
	strace -o /dev/null -e trace=flock -e inject=flock:delay_exit=1000000 \
		"$JOBQ" worker --grace 1 --handlers "$HANDLERS" \
		</dev/null >/dev/null 2>>"$WORKER_LOG" 3>&- &
	local tracer=$! w
	_JOBQ_PIDS+=("$tracer")
	_traced() {
		[ -n "$(children_of "$tracer")" ]
	}
	wait_for 10 _traced
	w=$(children_of "$tracer" | cut -d' ' -f1)
	wait_for 30 _forked_and_locked "$w"
	local c
	c=$(children_of "$w" | cut -d' ' -f1)
	_JOBQ_PIDS+=("$c")
	kill -KILL "$w"
	wait "$tracer" 2>/dev/null || true

	# Writers still get the lock: a submit goes through.
	run timeout 10 "$JOBQ" submit app
	if [ "$status" -ne 0 ]; then
		fail "jobq submit hangs (status $status) after the worker died: /proc/locks still shows
$(grep ":$(stat -c %i "$JOBQ_DIR/lock") " /proc/locks)
and the worker's child $c ('$(proc_title "$c" 2>/dev/null)', $(awk '/^State/ { print $2 }' "/proc/$c/status" 2>/dev/null), \
wchan $(cat "/proc/$c/wchan" 2>/dev/null)) holds: $(ls -l "/proc/$c/fd" 2>/dev/null | grep -o "$JOBQ_DIR/.*" | sed "s|$JOBQ_DIR/||" | paste -sd' ' -)"
	fi
	local id2=$output
	start_worker
	wait_state "$id" completed 15
	wait_state "$id2" completed
	run -0 cut -d' ' -f1-3 "$(T)/runs"
	assert_output "start $id 2
end $id 2
start $id2 1
end $id2 1"
	assert_no_overlap
}

# --- a handler killed ------------------------------------------------------

@test "kill -9 of a handler: failed, signal SIGKILL" {
	make_handler suicide 'echo before; kill -KILL $$; echo after'
	guard_handler victim 'sleep 60'
	start_worker -j 2
	local s v
	s=$("$JOBQ" submit suicide)
	v=$("$JOBQ" submit victim)
	wait_run "$v" 1
	kill -KILL "$(run_pid "$v" 1)"
	wait_state "$s" failed
	wait_state "$v" failed
	local id
	for id in "$s" "$v"; do
		run -0 "$JOBQ" status --json "$id"
		assert_equal "$(json_field "$output" signal)" SIGKILL
		assert_equal "$(json_field "$output" exit_code)" null
		assert_equal "$(json_field "$output" error)" "killed by SIGKILL"
		assert_equal "$(json_field "$output" attempt)" 1
		assert_equal "$(json_field "$output" failures)" 1
		assert_equal "$(json_field "$output" attempts.0.outcome)" failed
		assert_equal "$(json_field "$output" attempts.0.signal)" SIGKILL
	done
	run --separate-stderr -1 "$JOBQ" result "$s"
	assert_output before
	assert_equal "$stderr" "jobq: result: job $s failed: killed by SIGKILL"
	log_has "event=finished job=$v attempt=1 outcome=failed .*error=\"killed by SIGKILL\""
	# The worker is fine and goes on.
	pid_alive "$WORKER_PID"
	assert_worker_goes_on
}

# --- cancel ----------------------------------------------------------------

@test "cancel of a running handler that traps TERM and exits 0: signalled within 1 s, cancelled" {
	make_handler polite '
T=$BATS_TEST_TMPDIR
trap "date +%s%N >\"$T/term\"; exit 0" TERM
echo $$ >"$T/pid"
sleep 60 & wait'
	start_worker
	local id t0 tt
	id=$("$JOBQ" submit polite)
	wait_for 10 test -s "$(T)/pid"
	run --separate-stderr -0 "$JOBQ" cancel "$id"
	# From cancel returning: its own sync, slow on a busy disk, is not
	# the worker's reaction.  A TERM before that counts as 0.
	t0=${EPOCHREALTIME/[.,]/}000
	assert_output ""
	assert_equal "$stderr" ""
	wait_state "$id" cancelled 5
	wait_for 5 test -s "$(T)/term"
	tt=$(<"$(T)/term")
	local ms=$(((tt - t0) / 1000000))
	[ "$ms" -ge 0 ] || ms=0
	note "cancel returned -> TERM in the handler: $ms ms"
	[ "$ms" -lt 1000 ] || fail "TERM came $ms ms after cancel"
	run -0 "$JOBQ" status --json "$id"
	# A cancel wins over the exit 0 that followed it.
	assert_equal "$(json_field "$output" state)" cancelled
	assert_equal "$(json_field "$output" error)" cancelled
	assert_equal "$(json_field "$output" attempts.0.outcome)" cancelled
	assert_equal "$(json_field "$output" signal)" null
	wait_gone "$(<"$(T)/pid")" 5
	log_has "event=stopping job=$id reason=cancel"
	log_has "event=finished job=$id attempt=1 outcome=cancelled"
	# Cancelled is final: a second cancel says so.
	run --separate-stderr -1 "$JOBQ" cancel "$id"
	assert_equal "$stderr" "jobq: cancel: job $id already cancelled"
	assert_worker_goes_on
}

@test "cancel of a running handler that ignores TERM: killed after --grace 1" {
	make_handler deaf '
T=$BATS_TEST_TMPDIR
trap "" TERM
echo $$ >"$T/pid"
sleep 60'
	start_worker --grace 1
	local id t0 t1 hp
	id=$("$JOBQ" submit deaf)
	wait_for 10 test -s "$(T)/pid"
	hp=$(<"$(T)/pid")
	t0=$(now_ms)
	run -0 "$JOBQ" cancel "$id"
	wait_state "$id" cancelled 10
	t1=$(now_ms)
	note "cancel of a handler ignoring TERM, --grace 1: cancelled after $((t1 - t0)) ms"
	[ $((t1 - t0)) -ge 900 ] || fail "cancelled after $((t1 - t0)) ms, before the grace period"
	# 5x the grace period: a cancel's and an outcome's sync on a busy
	# disk are in this figure too.
	[ $((t1 - t0)) -lt 5000 ] || fail "cancelled after $((t1 - t0)) ms"
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" state)" cancelled
	assert_equal "$(json_field "$output" signal)" SIGKILL
	assert_equal "$(json_field "$output" attempts.0.outcome)" cancelled
	pid_gone "$hp"
	# The handler's `sleep 60` went with its group.
	run -0 group_members "$hp"
	assert_output ""
}

@test "cancel of one job on a -j 4 worker: the 3 others carry on and complete" {
	guard_handler held '
while [ ! -e "$T/release" ]; do sleep 0.05; done'
	start_worker -j 4
	local ids=() i
	for i in 1 2 3 4; do
		ids+=("$("$JOBQ" submit held)")
	done
	for i in "${ids[@]}"; do
		wait_run "$i" 1
	done
	wait_for 5 title_is "$WORKER_PID" "jobq worker: 4/4 busy"
	local victim=${ids[1]}
	run -0 "$JOBQ" cancel "$victim"
	wait_state "$victim" cancelled 5
	wait_for 5 title_is "$WORKER_PID" "jobq worker: 3/4 busy"
	for i in "${ids[@]}"; do
		[ "$i" = "$victim" ] && continue
		assert_equal "$(job_field "$i" state)" running
		pid_alive "$(run_pid "$i" 1)"
	done
	pid_gone "$(run_pid "$victim" 1)"
	touch "$(T)/release"
	for i in "${ids[@]}"; do
		[ "$i" = "$victim" ] && continue
		wait_state "$i" completed
		assert_equal "$(job_field "$i" attempt)" 1
	done
	assert_equal "$(job_field "$victim" state)" cancelled
	assert_equal "$(grep -c '^end' "$(T)/runs")" 3
	run ! file_has "$(T)/runs" "^end $victim "
	assert_no_overlap
}

@test "cancel of a running job whose worker was killed: cancelled once recovered, never run again" {
	guard_handler slow '
trap "exit 143" TERM
sleep 60 & wait'
	start_worker --grace 1
	local a=$WORKER_PID id
	id=$("$JOBQ" submit slow)
	wait_run "$id" 1
	kill_worker "$a"
	run -0 "$JOBQ" cancel "$id"
	# `status` alone recovers it: the orphan is stopped, the job ends.
	wait_for 10 state_is "$id" cancelled
	pid_gone "$(run_pid "$id" 1)"
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
	# A new worker does not run it.
	run -0 drain_worker
	assert_equal "$(grep -c '^start' "$(T)/runs")" 1
	assert_equal "$(job_field "$id" state)" cancelled
}

# --- stopping a worker -----------------------------------------------------

@test "SIGTERM to a busy worker with --grace 1: claims no more, exit 0, unfinished jobs back to pending with failures 0" {
	# quick ends by itself within the grace period; plain dies of TERM;
	# deaf ignores TERM and needs KILL.  All of them end at once on a
	# later attempt.
	guard_handler quick '
if [ "$a" -eq 1 ]; then while [ ! -e "$T/go" ]; do sleep 0.05; done; fi'
	guard_handler plain '
if [ "$a" -eq 1 ]; then sleep 60 & wait; fi'
	guard_handler deaf '
if [ "$a" -eq 1 ]; then trap "" TERM; sleep 60; fi'
	local q p d late
	q=$("$JOBQ" submit quick)
	p=$("$JOBQ" submit plain)
	d=$("$JOBQ" submit deaf)
	start_ready_worker -j 3 --grace 1
	local w=$WORKER_PID
	local wid=$WORKER_ID
	wait_run "$q" 1
	wait_run "$p" 1
	wait_run "$d" 1
	local t0 t1
	t0=$(now_ms)
	kill -TERM "$w"
	wait_for 5 log_has "event=stopping signal=SIGTERM busy=3"
	# A job submitted now is not claimed by a stopping worker.
	late=$("$JOBQ" submit quick)
	touch "$(T)/go"
	wait_exit "$w" 10
	t1=$(now_ms)
	assert_equal "$WORKER_STATUS" 0
	note "busy worker stopped by SIGTERM in $((t1 - t0)) ms (--grace 1: grace, TERM, grace, KILL)"
	[ $((t1 - t0)) -ge 1900 ] || fail "stopped after $((t1 - t0)) ms: the grace periods were not given"
	[ $((t1 - t0)) -lt 6000 ] || fail "stopped after $((t1 - t0)) ms"

	assert_equal "$(job_field "$q" state)" completed
	local id
	for id in "$p" "$d"; do
		run -0 "$JOBQ" status --json "$id"
		assert_equal "$(json_field "$output" state)" pending
		assert_equal "$(json_field "$output" failures)" 0
		assert_equal "$(json_field "$output" attempt)" 1
		assert_equal "$(json_field "$output" worker)" null
		assert_equal "$(json_field "$output" attempts.0.worker)" "$wid"
		assert_equal "$(json_field "$output" attempts.0.outcome)" requeued
		pid_gone "$(run_pid "$id" 1)"
		log_has "^jobq: worker $wid: event=stopping job=$id reason=shutdown$"
		log_has "^jobq: worker $wid: event=requeued job=$id attempt=1 "
	done
	run -0 "$JOBQ" status --json "$late"
	assert_equal "$(json_field "$output" state)" pending
	assert_equal "$(json_field "$output" attempt)" 0
	log_has "^jobq: worker $wid: event=exit$"
	run ! log_has "event=claimed job=$late "

	# They run again from the start, and complete.
	run -0 drain_worker
	for id in "$p" "$d" "$late"; do
		assert_equal "$(job_field "$id" state)" completed
	done
	assert_equal "$(job_field "$p" attempt)" 2
	assert_equal "$(job_field "$d" attempt)" 2
	assert_equal "$(job_field "$p" failures)" 0
	assert_no_overlap
}

@test "second SIGINT stops a worker at once" {
	guard_handler deaf '
trap "" TERM INT
sleep 60'
	start_worker --grace 30
	local w=$WORKER_PID id t0 t1
	wait_worker_ready "$w"
	id=$("$JOBQ" submit deaf)
	wait_run "$id" 1
	# The worker was started with & by a script: SIGINT must still work.
	kill -INT "$w"
	wait_for 5 log_has "event=stopping signal=SIGINT busy=1"
	pid_alive "$w"
	t0=$(now_ms)
	kill -INT "$w"
	wait_exit "$w" 5
	t1=$(now_ms)
	assert_equal "$WORKER_STATUS" 0
	note "second SIGINT -> worker gone in $((t1 - t0)) ms (--grace 30)"
	[ $((t1 - t0)) -lt 2000 ] || fail "took $((t1 - t0)) ms"
	log_has "event=stop-now"
	pid_gone "$(run_pid "$id" 1)"
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" state)" pending
	assert_equal "$(json_field "$output" failures)" 0
	assert_equal "$(json_field "$output" worker)" null
}

@test "SIGHUP is ignored: the worker and its handler carry on" {
	guard_handler held '
while [ ! -e "$T/release" ]; do sleep 0.05; done'
	start_worker
	local w=$WORKER_PID id
	id=$("$JOBQ" submit held)
	wait_run "$id" 1
	kill -HUP "$w"
	sleep 0.3
	pid_alive "$w"
	pid_alive "$(run_pid "$id" 1)"
	touch "$(T)/release"
	wait_state "$id" completed
	assert_equal "$(job_field "$id" attempt)" 1
	run ! log_has "event=stopping"
	pid_alive "$w"
}

# --- recovery without a live worker ----------------------------------------

@test "worker --drain finishes the rescue of a dead worker's job (handler still running) and runs it before it exits" {
	guard_handler slow '
trap "echo \"term $id $a\" >>\"$T/runs\"; exit 143" TERM
if [ "$a" -eq 1 ]; then sleep 60 & wait; fi'
	start_ready_worker --grace 1
	local a=$WORKER_PID id
	local wa=$WORKER_ID
	id=$("$JOBQ" submit slow)
	wait_run "$id" 1
	kill_worker "$a"
	# Nothing else looks at the spool: the drain worker alone must stop
	# the orphan, put the job back once it is gone, and run it.
	run -0 drain_worker
	run -0 cut -d' ' -f1-3 "$(T)/runs"
	assert_output "start $id 1
term $id 1
start $id 2
end $id 2"
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" state)" completed
	assert_equal "$(json_field "$output" attempt)" 2
	assert_no_overlap
}

@test "recovery by 'jobq status' alone: a dead worker's job whose handler has ended goes back to pending" {
	guard_handler held '
while [ ! -e "$T/release" ]; do sleep 0.05; done'
	start_ready_worker
	local a=$WORKER_PID id
	local wa=$WORKER_ID
	id=$("$JOBQ" submit held)
	wait_run "$id" 1
	kill_worker "$a"
	# The handler ends by itself; nobody hears of it.
	touch "$(T)/release"
	wait_gone "$(run_pid "$id" 1)" 5
	wait_for 5 file_has "$(T)/runs" "^end $id 1$"
	# No worker runs.  status alone finds the dead worker (.lock free)
	# with nothing of the attempt left (its .run free, its group empty)
	# and puts the job back.
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" state)" pending
	assert_equal "$(json_field "$output" attempt)" 1
	assert_equal "$(json_field "$output" failures)" 0
	assert_equal "$(json_field "$output" worker)" null
	assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
	assert_equal "$(json_field "$output" attempts.0.worker)" "$wa"
	# The dead worker is forgotten, its lock files removed.
	run -0 "$JOBQ" status "$id"
	wait_for 5 test ! -e "$JOBQ_DIR/workers/$wa.lock"
	run ! test -e "$JOBQ_DIR/workers/$wa-$id-1.run"
	# At least once: it runs again.
	run -0 drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" state)" completed
	assert_equal "$(json_field "$output" attempt)" 2
	assert_equal "$(grep -c '^start' "$(T)/runs")" 2
	assert_no_overlap
}

@test "recovery by 'jobq list' alone: the dead worker's surviving handler is stopped first, then the job is put back" {
	guard_handler slow '
trap "echo \"term $id $a\" >>\"$T/runs\"; exit 143" TERM
if [ "$a" -eq 1 ]; then sleep 60 & wait; fi'
	start_worker --grace 1
	local a=$WORKER_PID id
	id=$("$JOBQ" submit slow)
	wait_run "$id" 1
	local h1
	h1=$(run_pid "$id" 1)
	kill_worker "$a"
	pid_alive "$h1"
	# list: TERM to the orphan; a later list puts the job back.
	_list_says_pending() {
		"$JOBQ" list | grep -qP "^$id\tpending\t"
	}
	wait_for 10 _list_says_pending
	file_has "$(T)/runs" "^term $id 1$"
	pid_gone "$h1"
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" state)" pending
	assert_equal "$(json_field "$output" attempts.0.outcome)" "worker died"
	run -0 drain_worker
	assert_equal "$(job_field "$id" state)" completed
	assert_equal "$(job_field "$id" attempt)" 2
	assert_no_overlap
}

@test "three worker deaths in a row under one job: failed, 'worker died 3 times', not run again" {
	guard_handler poison 'sleep 60'
	local id k w
	id=$("$JOBQ" submit poison)
	for k in 1 2 3; do
		start_worker
		w=$WORKER_PID
		wait_run "$id" "$k"
		kill -KILL -- "$w" "-$(run_pid "$id" "$k")"
		wait "$w" 2>/dev/null || true
		if [ "$k" -lt 3 ]; then
			wait_for 10 state_is "$id" pending
			assert_equal "$(job_field "$id" attempt)" "$k"
		fi
	done
	wait_for 10 state_is "$id" failed
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" error)" "worker died 3 times"
	assert_equal "$(json_field "$output" attempt)" 3
	assert_equal "$(json_field "$output" worker)" "$(json_field "$output" attempts.2.worker)"
	[ "$(json_field "$output" finished_at)" != null ]
	assert_equal "$(attempt_outcomes "$id")" "worker died,worker died,worker died"
	run --separate-stderr -1 "$JOBQ" result "$id"
	assert_equal "$stderr" "jobq: result: job $id failed: worker died 3 times"
	# A live worker leaves it alone.
	run -0 drain_worker
	assert_equal "$(grep -c '^start' "$(T)/runs")" 3
	assert_equal "$(job_field "$id" state)" failed
	assert_no_overlap
}
