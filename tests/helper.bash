# Shared setup for the jobq bats suites: a fresh spool and handler
# directory per test, JSON checks in python3, polling with deadlines, and
# workers that are started in the background and stopped by pid.

bats_require_minimum_version 1.5.0

# Debian's bats-support and bats-assert. Their load.bash files run
# $(dirname ...) for every file they source: 15 subshells per test, a
# third of a second of CPU each test on a busy machine. Source the same
# files directly where Debian puts them; anything else goes through load.
_load_lib() { # DIR FILE...
	local dir=$1 f
	shift
	for f; do
		[ -f "$dir/src/$f.bash" ] || {
			load "$dir/load"
			return
		}
	done
	for f; do
		# shellcheck disable=SC1090
		source "$dir/src/$f.bash"
	done
}
_load_lib /usr/lib/bats/bats-support output error lang
_load_lib /usr/lib/bats/bats-assert assert refute assert_equal \
	assert_not_equal assert_success assert_failure assert_output \
	refute_output assert_line refute_line assert_regex refute_regex

# The binary under test; meson passes it in, a manual run finds the build.
: "${JOBQ:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)/build/jobq}"
export JOBQ

# A plain interpreter: a pyenv shim costs ~0.4 s per call, and handlers
# written in python need an absolute path for their #! line.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then
		PYTHON=/usr/bin/python3
	else
		PYTHON=$(command -v python3)
	fi
fi

setup() {
	_helper_setup
}

# What every test starts with; a file with a setup of its own calls it.
_helper_setup() {
	[ -x "$JOBQ" ] || fail "no jobq binary at $JOBQ (set JOBQ)"
	export JOBQ_DIR="$BATS_TEST_TMPDIR/spool"
	HANDLERS="$BATS_TEST_TMPDIR/handlers"
	# Nothing a test does may reach the real home directory.
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -m 0755 "$HANDLERS" "$HOME"
	unset JOBQ_HANDLERS XDG_STATE_HOME XDG_CONFIG_HOME
	WORKER_LOG="$BATS_TEST_TMPDIR/worker.log"
	_JOBQ_PIDS=()
	# The PostgreSQL pass (tests/pg-suite.sh): the same tests, their
	# jobs in a schema of the test's own on the server.
	if [ -n "${JOBQ_TEST_DB:-}" ]; then
		export JOBQ_DB=$JOBQ_TEST_DB
		export JOBQ_DB_SCHEMA="t${BATS_ROOT_PID}_${BATS_SUITE_TEST_NUMBER}"
	else
		unset JOBQ_DB JOBQ_DB_SCHEMA
	fi
}

teardown() {
	local pid
	for pid in "${_JOBQ_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${_JOBQ_PIDS[@]}"; do
		wait_gone "$pid" 4 || kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -s "$WORKER_LOG" ]; then
		echo "--- worker log ($WORKER_LOG):"
		tail -n 40 "$WORKER_LOG"
	fi
}

# db_sql STATEMENT: runs STATEMENT on the store's database, as another
# writer could: the spool's SQLite one, or in the PostgreSQL pass the
# test's schema.  Rows come out tab-separated.  Keep to SQL both take.
db_sql() {
	if [ -n "${JOBQ_TEST_DB:-}" ]; then
		psql -X -q -t -A -F $'\t' -v ON_ERROR_STOP=1 "$JOBQ_TEST_DB" \
			-c "SET search_path TO $JOBQ_DB_SCHEMA" -c "$1"
	else
		"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
for row in db.execute(sys.argv[2]):
    print("\t".join("" if v is None else str(v) for v in row))
db.commit()
' "$JOBQ_DIR/jobq.db" "$1"
	fi
}

# make_handler NAME BODY: an executable $HANDLERS/NAME. BODY is a /bin/sh
# script body unless it starts with its own #! line.
make_handler() {
	local file="$HANDLERS/$1"
	case $2 in
	'#!'*) printf '%s\n' "$2" >"$file" ;;
	*) printf '#!/bin/sh\n%s\n' "$2" >"$file" ;;
	esac
	chmod 0755 "$file"
}

# make_python_handler NAME BODY: a handler run directly by python3.
make_python_handler() {
	make_handler "$1" "#!$PYTHON -S
$2"
}

# JSON checks. Numbers are read exactly (big integers as int, reals as
# Decimal), so 0.1 and 0.10000000000000001 are different values.
_JSON_PY='
import json, os, re, sys
from decimal import Decimal

def enc(v):
    if v is None: return "null"
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, (int, Decimal)): return str(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return "[" + ",".join(enc(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + enc(x)
                          for k, x in v.items()) + "}"

def show(v):
    return v if isinstance(v, str) else enc(v)

def load(text):
    return json.loads(text, parse_float=Decimal)

def get(doc, key):
    for part in [p for p in key.split(".") if p]:
        if isinstance(doc, list):
            if not part.isdigit() or int(part) >= len(doc):
                sys.exit("json: no index %r in %s" % (part, enc(doc)[:300]))
            doc = doc[int(part)]
        elif isinstance(doc, dict):
            if part not in doc:
                sys.exit("json: no key %r in %s" % (part, enc(doc)[:300]))
            doc = doc[part]
        else:
            sys.exit("json: %r: not an object or array" % part)
    return doc

cmd, src = sys.argv[1], sys.argv[2]
if src == "-":
    text = sys.stdin.buffer.read().decode()
elif os.path.isfile(src):
    text = open(src, "rb").read().decode()
else:
    text = src
try:
    if cmd == "each":
        for line in text.splitlines():
            if line.strip():
                print(show(get(load(line), sys.argv[3])))
    elif cmd == "keys":
        for line in text.splitlines():
            if line.strip():
                print(" ".join(sorted(load(line).keys())))
    elif cmd == "check":
        doc, bad = load(text), []
        for check in sys.argv[3:]:
            i = check.index("=")
            if check[i - 1:i] == "~":
                key, op, want = check[:i - 1], "~=", check[i + 1:]
            else:
                key, op, want = check[:i], "=", check[i + 1:]
            try:
                got = get(doc, key)
            except SystemExit as e:
                bad.append("%s: %s" % (key, e)); continue
            got = show(got)
            if (op == "~=" and not re.search(want, got)) or (op == "=" and got != want):
                bad.append("%s: got %r, want %s%r" % (key, got, "match " if op == "~=" else "", want))
        if bad:
            sys.exit("-- JSON differs --\n" + "\n".join(bad) + "\n" + text[:2000])
    elif cmd == "len":
        print(len(get(load(text), sys.argv[3])))
    else:
        print(show(get(load(text), sys.argv[3])))
except ValueError as e:
    sys.exit("json: %s in %r" % (e, text[:300]))
'

# json_field SRC KEY: the value at KEY (dotted path, array indexes as
# numbers, "." for the whole document) of SRC, which is "-" for stdin, a
# file name or the JSON text itself. Strings print raw, anything else as
# compact JSON (null, true, [..]). A missing key is an error.
json_field() {
	_json get "$@"
}

# json_each SRC KEY: KEY of every line of SRC (one object per line).
json_each() {
	_json each "$@"
}

# json_keys SRC: the keys of the object in SRC, sorted, space-separated;
# one line per line of SRC (one object per line).
json_keys() {
	_json keys "$@"
}

# json_len SRC KEY: the length of the array (or object) at KEY.
json_len() {
	_json len "$@"
}

# assert_json SRC CHECK...: each CHECK is KEY=VALUE (the value as
# json_field prints it) or KEY~=REGEX; one python run for all of them,
# every mismatch reported.
assert_json() {
	_json check "$@"
}

# assert_job ID CHECK...: assert_json on `jobq status --json ID`.
assert_job() {
	local out
	out=$("$JOBQ" status --json "$1") || fail "jobq status --json $1 failed"
	shift
	assert_json "$out" "$@"
}

# _json CMD SRC [KEY]: JSON text goes in on stdin, never in argv, which
# cannot hold a status object with a 1 MiB payload.
_json() {
	local cmd=$1 src=$2
	shift 2
	if [ "$src" = - ] || [ -f "$src" ]; then
		"$PYTHON" -c "$_JSON_PY" "$cmd" "$src" "$@"
	else
		"$PYTHON" -c "$_JSON_PY" "$cmd" - "$@" <<<"$src"
	fi
}

# job_field ID KEY: KEY of `jobq status --json ID`.
job_field() {
	local out
	out=$("$JOBQ" status --json "$1") || return
	json_field "$out" "$2"
}

state_is() {
	[ "$(job_field "$1" state)" = "$2" ]
}

# wait_for SECONDS COMMAND [ARG]...: run COMMAND every 50 ms until it
# succeeds; fail once SECONDS (whole seconds) have passed.
wait_for() {
	local limit=$1
	shift
	local deadline=$(($(now_ms) + limit * 1000))
	until "$@"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			echo "wait_for: gave up after ${limit}s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# wait_state ID STATE [SECONDS]: poll until job ID is in STATE.
wait_state() {
	if ! wait_for "${3:-10}" state_is "$1" "$2"; then
		echo "job $1 never reached $2:" >&2
		"$JOBQ" status --json "$1" >&2 || true
		return 1
	fi
}

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# past_ms MS: the clock is at or past MS (ms since the epoch).
past_ms() {
	[ "$(now_ms)" -ge "$1" ]
}

# pid_alive PID: PID exists and is not a zombie.
pid_alive() {
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	[ "${line%% *}" != Z ]
}

pid_gone() {
	! pid_alive "$1"
}

# wait_gone PID SECONDS
wait_gone() {
	wait_for "$2" pid_gone "$1" 2>/dev/null
}

# start_worker [ARG]...: a background worker serving $HANDLERS, its pid in
# WORKER_PID; teardown stops it. Its stderr goes to $WORKER_LOG.
start_worker() {
	"$JOBQ" worker --handlers "$HANDLERS" "$@" \
		</dev/null >>"$BATS_TEST_TMPDIR/worker.out" 2>>"$WORKER_LOG" 3>&- &
	WORKER_PID=$!
	_JOBQ_PIDS+=("$WORKER_PID")
}

# wait_exit PID SECONDS: wait for a background worker to exit and set
# WORKER_STATUS to its exit status; fails if it is still running.
wait_exit() {
	if ! wait_gone "$1" "$2"; then
		echo "process $1 still running after $2 s" >&2
		return 1
	fi
	WORKER_STATUS=0
	wait "$1" || WORKER_STATUS=$?
}

# drain_worker [ARG]...: a worker serving $HANDLERS with --drain, in the
# foreground (a hung worker is killed after 20 s and fails the test).
drain_worker() {
	timeout -k 2 20 "$JOBQ" worker --handlers "$HANDLERS" --drain "$@" \
		</dev/null 2>>"$WORKER_LOG" 3>&-
}

# assert_job_count N: the spool holds exactly N jobs.
assert_job_count() {
	local out n
	out=$("$JOBQ" list --json) || fail "jobq list --json failed"
	n=$(printf '%s' "$out" | grep -c . || true)
	[ "$n" -eq "$1" ] || fail "expected $1 job(s) in the spool, found $n:
$out"
}

# assert_mode PATH MODE: octal permission bits of PATH.
assert_mode() {
	assert_equal "$(stat -c %a "$1")" "$2"
}

# --- added for the worker and crash suites (40-workers, 50-crash) -------

# worker_id_of PID: the id that the worker with PID gave in its start line
# in $WORKER_LOG (empty if it has not logged it yet).
worker_id_of() {
	sed -n "s/^jobq: worker \([0-9a-f]\{16\}\): event=start pid=$1 .*/\1/p" \
		"$WORKER_LOG" 2>/dev/null | tail -n 1
}

_worker_logged_start() {
	[ -n "$(worker_id_of "$1")" ]
}

# wait_worker_ready PID: wait for the worker's start line; sets WORKER_ID.
wait_worker_ready() {
	wait_for 10 _worker_logged_start "$1" || return
	WORKER_ID=$(worker_id_of "$1")
}

# start_ready_worker ARGS...: start_worker, then wait for its start line;
# sets WORKER_PID and WORKER_ID.
start_ready_worker() {
	start_worker "$@"
	wait_worker_ready "$WORKER_PID"
}

# log_has ERE: $WORKER_LOG has a line matching ERE.
log_has() {
	grep -qE -- "$1" "$WORKER_LOG" 2>/dev/null
}

# file_has FILE ERE: FILE exists and has a line matching ERE.
file_has() {
	grep -qE -- "$2" "$1" 2>/dev/null
}

# proc_title PID: the process title from /proc/PID/cmdline, NULs and the
# trailing padding of setproctitle turned into nothing.
proc_title() {
	tr '\0' ' ' <"/proc/$1/cmdline" | sed 's/ *$//'
}

title_is() {
	[ "$(proc_title "$1" 2>/dev/null)" = "$2" ]
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() {
	local line
	read -r line <"/proc/$1/stat" || return
	line=${line##*) }
	# fields from 3 (state) on: utime is field 14, stime 15
	set -- $line
	echo $((${12} + ${13}))
}

# children_of PID: the pids (zombies included) whose parent is PID, with
# their state letter: "PID STATE" per line.
children_of() {
	local f line pid=$1
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		line=${line##*) }
		set -- $line
		if [ "$2" = "$pid" ]; then
			f=${f#/proc/}
			echo "${f%/stat} $1"
		fi
	done
}
