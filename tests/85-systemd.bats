# The systemd user units: installed where systemd looks for them, valid
# for systemd-analyze, and a stop as systemd does it (KillMode=mixed:
# SIGTERM to the worker alone, SIGKILL to everything after
# TimeoutStopSec) drains the worker in time without losing its job.

load helper

# The build directory the binary under test came from.
BUILD=$(dirname "$JOBQ")

# install_units: `meson install --destdir` of the build into
# $BATS_TEST_TMPDIR/dest; UNITDIR is where the units must be, PREFIX the
# build's prefix.
install_units() {
	PREFIX=$(meson introspect "$BUILD" --buildoptions | "$PYTHON" -c '
import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
	if pkg-config --exists systemd; then
		UNITDIR=$(pkg-config --define-variable=prefix="$PREFIX" \
			--variable=systemduserunitdir systemd)
	else
		UNITDIR=$PREFIX/lib/systemd/user
	fi
	DEST=$BATS_TEST_TMPDIR/dest
	meson install -C "$BUILD" --no-rebuild --quiet --destdir "$DEST" \
		>"$BATS_TEST_TMPDIR/install.log" 2>&1 ||
		fail "meson install failed: $(cat "$BATS_TEST_TMPDIR/install.log")"
}

# unit_value UNIT KEY: KEY's value in the installed UNIT.
unit_value() {
	sed -n "s/^$2=//p" "$DEST$UNITDIR/$1"
}

# seconds VALUE: a systemd time span (30, 30s, 1min, 1min 30s) in
# seconds.
seconds() {
	local total=0 w n
	for w in $1; do
		case $w in
		*min) n=${w%min}; total=$((total + n * 60)) ;;
		*s) n=${w%s}; total=$((total + n)) ;;
		*[!0-9]*) fail "time span '$1' not understood" ;;
		*) total=$((total + w)) ;;
		esac
	done
	echo "$total"
}

@test "systemd: meson install --destdir puts both units in the user unit dir, running the installed jobq" {
	install_units
	[ -f "$DEST$UNITDIR/jobq-worker.service" ] || fail "no unit in $DEST$UNITDIR: $(find "$DEST" -name '*.service')"
	[ -f "$DEST$UNITDIR/jobq-worker@.service" ] || fail "no template in $DEST$UNITDIR"
	assert_equal "$(unit_value jobq-worker.service ExecStart)" \
		"$PREFIX/bin/jobq worker"
	assert_equal "$(unit_value jobq-worker@.service ExecStart)" \
		"$PREFIX/bin/jobq worker --queue %i"
	for u in jobq-worker.service jobq-worker@.service; do
		assert_equal "$(unit_value "$u" KillMode)" mixed
		assert_equal "$(unit_value "$u" WantedBy)" default.target
		assert_equal "$(unit_value "$u" Documentation)" "man:jobq(1)"
		# 3 x the default grace (5 s) + 10 s, at least.
		[ "$(seconds "$(unit_value "$u" TimeoutStopSec)")" -ge 25 ] ||
			fail "$u: TimeoutStopSec too short for a drain"
		# No @VAR@ left unsubstituted.
		run ! grep -n '@[A-Z]*@' "$DEST$UNITDIR/$u"
	done
}

@test "systemd: systemd-analyze verify --user accepts both units" {
	command -v systemd-analyze >/dev/null ||
		fail "systemd-analyze is needed (.ci/install-deps: systemd)"
	install_units
	local dir=$BATS_TEST_TMPDIR/units run=$BATS_TEST_TMPDIR/xdg u
	mkdir -p "$dir"
	mkdir -m 0700 "$run"
	# The installed units, their ExecStart pointed at the jobq under test
	# (the prefix holds none); an instance of the template as well.
	for u in jobq-worker.service jobq-worker@.service; do
		sed "s|^ExecStart=$PREFIX/bin/jobq |ExecStart=$JOBQ |" \
			"$DEST$UNITDIR/$u" >"$dir/$u"
	done
	cp "$dir/jobq-worker@.service" "$dir/jobq-worker@mail.service"
	run env XDG_RUNTIME_DIR="$run" HOME="$BATS_TEST_TMPDIR/home" \
		SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --user --man=no \
		"$dir/jobq-worker.service" "$dir/jobq-worker@mail.service"
	[ "$status" -eq 0 ] || fail "verify failed ($status): $output"
	assert_output ""
	# And verify does fail on a broken unit, so the pass above means
	# something: a misspelt kill mode is named, a missing binary fails.
	sed -e 's/^KillMode=mixed/KillMode=sometimes/' \
		-e "s|^ExecStart=$JOBQ|ExecStart=/nonexistent/jobq|" \
		"$dir/jobq-worker.service" >"$dir/jobq-broken.service"
	run env XDG_RUNTIME_DIR="$run" HOME="$BATS_TEST_TMPDIR/home" \
		systemd-analyze verify --user --man=no "$dir/jobq-broken.service"
	[ "$status" -ne 0 ] || fail "verify passed a broken unit: $output"
	assert_output --partial "kill mode"
	assert_output --partial "/nonexistent/jobq"
}

# exec_start UNIT [INSTANCE]: the installed unit's ExecStart as words, the
# jobq under test in place of the installed one, %i as INSTANCE.
exec_start() {
	local line
	line=$(unit_value "$1" ExecStart)
	line=${line//%i/$2}
	line=${line/#$PREFIX\/bin\/jobq/$JOBQ}
	read -r -a EXEC <<<"$line"
}

# systemd_stop PID TIMEOUT: as systemd stops a KillMode=mixed unit:
# SIGTERM to the main process alone, then wait up to TIMEOUT seconds.
# STOP_MS is how long it took; WORKER_STATUS its exit status.
systemd_stop() {
	local t0
	t0=$(now_ms)
	kill -TERM "$1"
	wait_exit "$1" "$2" || fail "still running after TimeoutStopSec ($2 s): systemd would SIGKILL it"
	STOP_MS=$(($(now_ms) - t0))
}

# start_unit UNIT [INSTANCE]: the unit's ExecStart in the background,
# its handlers in the spool's own handler directory (the unit gives no
# --handlers). WORKER_PID is the main process.
start_unit() {
	exec_start "$@"
	"${EXEC[@]}" </dev/null >>"$BATS_TEST_TMPDIR/worker.out" \
		2>>"$WORKER_LOG" 3>&- &
	WORKER_PID=$!
	_JOBQ_PIDS+=("$WORKER_PID")
}

# spool_handlers: the spool made, and HANDLERS its handlers directory.
spool_handlers() {
	local id
	# A job makes the spool; cancelled, no worker takes it.
	id=$("$JOBQ" submit t --queue none)
	"$JOBQ" cancel "$id" >/dev/null
	HANDLERS=$JOBQ_DIR/handlers
	mkdir -p -m 0755 "$HANDLERS"
}

@test "systemd: a stop of jobq-worker@mail drains: the running job completes, the worker exits 0 in time" {
	install_units
	spool_handlers
	local timeout
	timeout=$(seconds "$(unit_value jobq-worker@.service TimeoutStopSec)")
	make_handler slow 'echo started >"$JOBQ_DIR/../started"; sleep 1; echo done'
	local id other
	id=$("$JOBQ" submit slow --queue mail)
	other=$("$JOBQ" submit slow --queue other)
	start_unit jobq-worker@.service mail
	wait_for 10 test -e "$BATS_TEST_TMPDIR/started"
	assert_job "$id" state=running
	systemd_stop "$WORKER_PID" "$timeout"
	assert_equal "$WORKER_STATUS" 0
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output done
	# The template served its queue alone.
	assert_job "$other" state=pending
	log_has "event=exit"
}

@test "systemd: a stop with a handler that ignores SIGTERM and a daemon on its lock: job back to pending within TimeoutStopSec" {
	install_units
	spool_handlers
	local timeout id daemon
	timeout=$(seconds "$(unit_value jobq-worker.service TimeoutStopSec)")
	# The worst case of a graceful stop: the handler outlives the grace
	# period and SIGTERM, and leaves a daemon in its own session that
	# holds the job's run lock and ignores SIGTERM too.
	make_handler stubborn 'trap "" TERM
setsid sh -c "trap \"\" TERM; echo \$\$ >\"$JOBQ_DIR/../daemon\"; while :; do sleep 0.2; done" </dev/null >/dev/null 2>&1 &
while :; do sleep 0.2; done'
	id=$("$JOBQ" submit stubborn)
	start_unit jobq-worker.service
	wait_for 10 test -s "$BATS_TEST_TMPDIR/daemon"
	daemon=$(cat "$BATS_TEST_TMPDIR/daemon")
	assert_job "$id" state=running
	systemd_stop "$WORKER_PID" "$timeout"
	assert_equal "$WORKER_STATUS" 0
	echo "# the stop took $STOP_MS ms of $timeout s" >&3
	[ "$STOP_MS" -lt $((timeout * 1000)) ] ||
		fail "the stop took $STOP_MS ms, TimeoutStopSec is $timeout s"
	# Put back, its retry budget untouched, as jobq(1) documents.
	assert_job "$id" state=pending failures=0
	# The worker stopped the daemon itself: systemd's SIGKILL to the
	# rest of the unit finds nothing left of the job.
	wait_gone "$daemon" 2 || fail "daemon $daemon still alive"
	log_has "event=stopping-holders"
}
