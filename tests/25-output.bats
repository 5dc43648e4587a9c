# What commands print and read: job text escaped for people, output
# checked (exit 74), a reader that leaves early, the payload limit, and a
# list that neither holds a read open nor loads payloads it does not show.

load helper

ESC=$'\033'

# on_tty CMD...: CMD's output as a terminal shows it (script(1) gives it a
# pty), without colour so that any escape in it came from a job.
on_tty() {
	local cmd="" a
	for a; do
		cmd+=$(printf '%q ' "$a")
	done
	NO_COLOR=1 script -qec "$cmd" /dev/null
}

# has_control TEXT: TEXT holds a C0 control other than newline and CR
# (script turns \n into \r\n), DEL, a C1 control or a byte not in UTF-8.
has_control() {
	"$PYTHON" -c '
import re, sys
b = sys.stdin.buffer.read()
try:
    t = b.decode("utf-8")
except UnicodeDecodeError:
    sys.exit(0)
sys.exit(0 if re.search("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]", t) else 1)
' <<<"$1"
}

# sql STATEMENT: runs it on the spool's database, as another writer could.
sql() {
	db_sql "$1" >/dev/null
}

# many_jobs N: N pending jobs of type t, in one batch (N separate submits
# would take long for the numbers needed here).
many_jobs() {
	seq "$1" | sed 's/.*/{"type": "t", "payload": {"n": 1}}/' |
		"$JOBQ" submit --batch >/dev/null
}

# A job that failed with escapes in its error and its progress message:
# an exec job whose command name holds an escape, and a handler that
# reports progress with escapes, tab, newline-free C1 and a bad byte.
make_escape_jobs() {
	make_handler prog 'printf "50 red\033[31mX\033]0;title\007\302\233\377\tend\n" >&3'
	cmd_id=$("$JOBQ" submit -- "no-such${ESC}[2Jcmd")
	prog_id=$("$JOBQ" submit prog)
	drain_worker
	state_is "$cmd_id" failed && state_is "$prog_id" completed
}

@test "status on a terminal shows a job's error and progress message escaped" {
	make_escape_jobs
	run -0 on_tty "$JOBQ" status "$cmd_id" "$prog_id"
	if has_control "$output"; then
		fail "raw control characters on the terminal: $(printf '%q' "$output")"
	fi
	assert_regex "$output" 'error +[^'$'\r'']*no-such\\e\[2Jcmd'
	assert_regex "$output" 'progress +100% red\\e\[31mX\\e\]0;title\\x07\\xc2\\x9b\\xff\\tend'
}

@test "[spool] status and list show an escaped type and queue; the tab-separated list keeps 8 fields" {
	local id
	id=$("$JOBQ" submit t)
	# Only another writer can store such names: submit refuses them.
	sql "UPDATE jobs SET type = 'a' || char(9) || 'b' || char(10) || 'c' || char(27) || '[1m', queue = 'q' || char(13) || 'r' WHERE id = $id"
	run --separate-stderr -0 "$JOBQ" list
	assert_equal "${#lines[@]}" 1
	assert_equal "$(printf '%s\n' "$output" | awk -F'\t' '{ print NF, $3, $4 }')" \
		'8 a\tb\nc\e[1m q\rr'
	run -0 on_tty "$JOBQ" list
	has_control "$output" && fail "raw control characters: $(printf '%q' "$output")"
	assert_regex "$output" 'q\\rr +20 .*a\\tb\\nc\\e\[1m'
	run -0 on_tty "$JOBQ" status "$id"
	has_control "$output" && fail "raw control characters: $(printf '%q' "$output")"
	assert_regex "$output" 'type +a\\tb\\nc\\e\[1m'
	assert_regex "$output" 'queue +q\\rr'
}

@test "--json keeps a job's text raw: JSON escapes it" {
	make_escape_jobs
	run -0 "$JOBQ" status --json "$prog_id"
	has_control "$output" && fail "raw control characters in JSON: $output"
	# The invalid byte cannot be in a JSON string: it alone becomes
	# U+FFFD.
	assert_equal "$(json_field "$output" progress.message)" \
		"red${ESC}[31mX${ESC}]0;title"$'\a\302\233\357\277\275\tend'""
	run -0 "$JOBQ" list --json
	assert_regex "$(json_each "$output" error)" "no-such${ESC}\[2Jcmd"
}

@test "wait and result print a job's error escaped on stderr" {
	make_escape_jobs
	local cmd
	for cmd in wait result; do
		run --separate-stderr -1 "$JOBQ" "$cmd" "$cmd_id"
		has_control "$stderr" && fail "$cmd: raw control characters: $(printf '%q' "$stderr")"
		assert_regex "$stderr" "^jobq: $cmd: job $cmd_id failed: .*no-such\\\\e\[2Jcmd"
	done
}

# --- payload limit ------------------------------------------------------

# json_string_of N: a JSON string N bytes long in all.
json_string_of() {
	printf '"'
	head -c $(($1 - 2)) /dev/zero | tr '\0' a
	printf '"'
}

@test "a payload over 16 MiB is refused with exit 65 naming the limit; nothing is stored" {
	local max=$((16 * 1024 * 1024))
	json_string_of $((max + 1)) >"$BATS_TEST_TMPDIR/big.json"
	run --separate-stderr -65 "$JOBQ" submit t @"$BATS_TEST_TMPDIR/big.json"
	assert_output ""
	assert_regex "$stderr" '^jobq: submit: payload is larger than 16 MiB'
	run --separate-stderr -65 "$JOBQ" submit t - <"$BATS_TEST_TMPDIR/big.json"
	assert_regex "$stderr" '16 MiB'
	# A stream far bigger than the limit is not read to its end.
	run --separate-stderr -65 timeout 20 sh -c \
		'head -c 200000000 /dev/zero | tr "\0" " " | "$JOBQ" submit t -'
	assert_regex "$stderr" '16 MiB'
	run -0 "$JOBQ" list
	assert_output ""
	# At the limit exactly, it is a payload like any other.
	json_string_of "$max" >"$BATS_TEST_TMPDIR/max.json"
	run --separate-stderr -0 "$JOBQ" submit t @"$BATS_TEST_TMPDIR/max.json"
	assert_job_count 1
}

# --- write errors -------------------------------------------------------

@test "submit >/dev/full: exit 74, stderr names the job that was stored" {
	# run captures stdout itself: the redirection goes inside.
	run --separate-stderr -74 sh -c '"$JOBQ" submit t "{\"a\":1}" >/dev/full'
	assert_regex "$stderr" '^jobq: submit: job [0-9]+ was submitted but its id could not be written: No space left on device$'
	local id=${stderr#jobq: submit: job }
	id=${id%% *}
	assert_job "$id" state=pending payload='{"a":1}'
	run --separate-stderr -74 sh -c '"$JOBQ" submit --json t >/dev/full'
	assert_regex "$stderr" "^jobq: submit: job $((id + 1)) was submitted"
	run --separate-stderr -74 sh -c '"$JOBQ" submit -- true >&-'
	assert_regex "$stderr" "^jobq: submit: job $((id + 2)) was submitted but its id could not be written: Bad file descriptor$"
	assert_job_count 3
}

@test "[spool] status, list, wait --json to a full or closed stdout: exit 74; the spool's files untouched" {
	local id
	id=$("$JOBQ" submit t)
	"$JOBQ" cancel "$id"
	local cmd
	for cmd in "status $id" "status --json $id" "list" "list --json" \
		"wait --json $id" "--help" "list --help"; do
		run --separate-stderr -74 sh -c "\"\$JOBQ\" $cmd >/dev/full"
		assert_regex "$stderr" '^jobq: .*cannot write output: No space left on device$'
		assert_equal "${#stderr_lines[@]}" 1
		run --separate-stderr -74 sh -c "\"\$JOBQ\" $cmd >&-"
		assert_regex "$stderr" 'cannot write output: Bad file descriptor$'
	done
	# The closed stdout was never a spool file in disguise.
	assert_equal "$(stat -c %s "$JOBQ_DIR/lock")" 0
	assert_equal "$(stat -c %s "$JOBQ_DIR/wake")" 0
	assert_job "$id" state=cancelled
}

@test "list | head -1 with many jobs: exit 0, nothing on stderr" {
	many_jobs 4096
	set -o pipefail
	local out status
	out=$("$JOBQ" list 2>"$BATS_TEST_TMPDIR/err" | head -n 1) && status=0 ||
		status=$?
	assert_equal "$status" 0
	assert_regex "$out" $'^1\tpending'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	out=$("$JOBQ" list --json 2>"$BATS_TEST_TMPDIR/err" | head -n 1) &&
		status=0 || status=$?
	assert_equal "$status" 0
	assert_equal "$(json_field "$out" id)" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	# result too.
	make_handler big 'head -c 1000000 /dev/zero'
	local id
	id=$("$JOBQ" submit --queue bigq big)
	drain_worker --queue bigq
	"$JOBQ" result "$id" 2>"$BATS_TEST_TMPDIR/err" | head -c 1 >/dev/null
	assert_equal "${PIPESTATUS[0]}" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

# --- list ---------------------------------------------------------------

@test "list --status with no state in it: exit 2 saying so" {
	local arg
	for arg in , ,, ''; do
		run --separate-stderr -2 "$JOBQ" list --status "$arg"
		assert_output ""
		assert_regex "$stderr" "^jobq: list: no state in '$arg': use pending, "
	done
	run --separate-stderr -2 "$JOBQ" list --status pending --status ,
	assert_regex "$stderr" "no state in ','"
}

@test "list across many pages: every job once, oldest first; --limit N the newest N" {
	many_jobs 1000
	local n
	n=$("$JOBQ" list --status pending | wc -l)
	run -0 "$JOBQ" list
	assert_equal "${#lines[@]}" "$n"
	assert_equal "$(printf '%s\n' "$output" | cut -f1 | sort -n | uniq | wc -l)" "$n"
	assert_equal "$(printf '%s\n' "$output" | cut -f1)" "$(seq 1 "$n")"
	run -0 "$JOBQ" list --limit 300
	assert_equal "$(printf '%s\n' "$output" | cut -f1)" "$(seq $((n - 299)) "$n")"
	run -0 "$JOBQ" list --json --limit 3
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$((n - 2)) $((n - 1)) $n "
	"$JOBQ" cancel 500 700
	run -0 "$JOBQ" list --status cancelled --limit 1
	assert_equal "$(printf '%s\n' "$output" | cut -f1)" 700
}

# maxrss_kb CMD...: the peak resident size of CMD in KiB; its output is
# discarded.
maxrss_kb() {
	"$PYTHON" -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
' "$@"
}

@test "list and status for people never load payloads" {
	json_string_of $((10 * 1024 * 1024)) >"$BATS_TEST_TMPDIR/10m.json"
	local id i
	for i in 1 2 3; do
		id=$("$JOBQ" submit t @"$BATS_TEST_TMPDIR/10m.json")
	done
	local json list status
	json=$(maxrss_kb "$JOBQ" status --json "$id")
	list=$(maxrss_kb "$JOBQ" list)
	status=$(maxrss_kb "$JOBQ" status "$id")
	# status --json holds the payload at least once: 10 MiB.  Those that
	# do not show it must stay well below.
	[ $((list + 5000)) -lt "$json" ] ||
		fail "list peaked at $list KiB, status --json at $json KiB"
	[ $((status + 5000)) -lt "$json" ] ||
		fail "status peaked at $status KiB, status --json at $json KiB"
	run -0 "$JOBQ" list
	assert_equal "${#lines[@]}" 3
}

# fifo_bytes FIFO: how many bytes wait unread in FIFO.
fifo_bytes() {
	"$PYTHON" -c '
import array, fcntl, os, sys, termios
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
n = array.array("i", [0])
fcntl.ioctl(fd, termios.FIONREAD, n)
print(n[0])
' "$1"
}

fifo_full() {
	[ "$(fifo_bytes "$1")" -ge 60000 ]
}

@test "[spool] list --json blocked on its reader holds no read open: the WAL stays small" {
	many_jobs 2048
	local fifo="$BATS_TEST_TMPDIR/fifo" holder list_pid
	mkfifo "$fifo"
	# We hold the reading end and never read: list blocks on a full pipe.
	exec {holder}<>"$fifo"
	"$JOBQ" list --json >"$fifo" 2>"$BATS_TEST_TMPDIR/list.err" 3>&- \
		{holder}<&- &
	list_pid=$!
	_JOBQ_PIDS+=("$list_pid")
	wait_for 20 fifo_full "$fifo"
	# Writes go on meanwhile; each checkpoint must be able to complete.
	head -c 100000 /dev/zero | tr '\0' a | sed 's/.*/"&"/' \
		>"$BATS_TEST_TMPDIR/100k.json"
	local i size max=0
	for i in $(seq 1 120); do
		"$JOBQ" submit t @"$BATS_TEST_TMPDIR/100k.json" >/dev/null
		size=$(stat -c %s "$JOBQ_DIR/jobq.db-wal")
		[ "$size" -gt "$max" ] && max=$size
	done
	pid_alive "$list_pid" || fail "list was not blocked"
	# 120 writes of 100 kB: 12 MB of WAL if nothing is checkpointed.
	# The WAL is cut back to journal_size_limit (4 MiB) once it is.
	[ "$max" -lt 6000000 ] || fail "the WAL grew to $max bytes"
	# Our end closes: list meets a pipe without a reader and stops
	# quietly.
	exec {holder}<&-
	wait_exit "$list_pid" 10
	assert_equal "$WORKER_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/list.err")" ""
}

@test "status and list show an exec job's command, quoted as sh needs it, escaped" {
	local a b out
	a=$("$JOBQ" submit -- make test)
	b=$("$JOBQ" submit -- sh -c 'echo "it'"'"'s $HOME"; exit 3' "${ESC}[2J")
	drain_worker
	# Off a terminal: whole, escaped, the last of 8 tab-separated fields;
	# what it shows runs the same command again.
	run -0 --separate-stderr "$JOBQ" list
	assert_equal "$(printf '%s\n' "$output" | awk -F'\t' '{ print NF }' | sort -u)" 8
	assert_equal "$(printf '%s\n' "${lines[0]}" | cut -f 8)" 'make test'
	assert_equal "$(printf '%s\n' "${lines[1]}" | cut -f 8)" \
		"sh -c 'echo \"it'\"'\"'s \$HOME\"; exit 3' '\\e[2J'"
	run -0 "$JOBQ" status --json "$b"
	out=$(json_field "$output" command)
	assert_equal "$out" "sh -c 'echo \"it'\"'\"'s \$HOME\"; exit 3' '${ESC}[2J'"
	eval "set -- $out"
	assert_equal "$#" 4
	assert_equal "$3" 'echo "it'"'"'s $HOME"; exit 3'
	assert_equal "$4" "${ESC}[2J"
	run -0 "$JOBQ" status --json "$(jobq_submit_plain)"
	assert_json "$output" command=null
	run -0 on_tty "$JOBQ" status "$a"
	assert_regex "$output" 'command +make test'
}

jobq_submit_plain() {
	"$JOBQ" submit t
}

@test "on a terminal, a long command is cut to the width; the list shows what people look for" {
	local long id
	long=$(printf 'x%.0s' {1..300})
	id=$("$JOBQ" submit -- echo "$long")
	drain_worker
	"$JOBQ" submit --queue q2 --priority high t >/dev/null
	run -0 bash -c "NO_COLOR=1 script -qec 'stty cols 60; $(printf '%q' "$JOBQ") list' /dev/null"
	local line width=0
	while IFS= read -r line; do
		line=${line%$'\r'}
		[ "${#line}" -gt "$width" ] && width=${#line}
	done <<<"$output"
	[ "$width" -le 60 ] || fail "a line of $width columns: $output"
	assert_regex "${lines[0]}" '^ID +STATE +QUEUE +PRI +TIME +EXIT +COMMAND/TYPE'
	assert_regex "${lines[1]}" "^$id +completed +default +20 +[0-9]+m?s +0 +echo x+\\.\\.\\."
	assert_regex "${lines[2]}" " +pending +q2 +10 +[0-9]+(ms|\.[0-9]s) ago +t"
	run -0 bash -c "NO_COLOR=1 script -qec 'stty cols 60; $(printf '%q' "$JOBQ") status $id' /dev/null"
	assert_regex "$output" 'command +echo x+\.\.\.'
	# Whole in --json and off a terminal.
	run -0 "$JOBQ" status --json "$id"
	assert_equal "$(json_field "$output" command)" "echo $long"
}

@test "an empty list on a terminal says so; off a terminal it prints nothing" {
	run -0 on_tty "$JOBQ" list
	assert_regex "$output" '^no jobs'
	"$JOBQ" submit t >/dev/null
	run -0 on_tty "$JOBQ" list --status failed
	assert_regex "$output" '^no jobs'
	run -0 --separate-stderr "$JOBQ" list --status failed
	assert_equal "$output" ""
}

# tty_env ENV... -- CMD...: CMD's output on a pty, under env(1)'s ENV
# (NO_COLOR and TERM unset first, so that only ENV decides).
tty_env() {
	local envs=() cmd="" a
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	for a; do
		cmd+=$(printf '%q ' "$a")
	done
	env -u NO_COLOR -u TERM "${envs[@]}" script -qec "$cmd" /dev/null
}

@test "--color and the environment decide every escape code: a terminal, TERM, NO_COLOR" {
	local id
	id=$("$JOBQ" submit t)
	"$JOBQ" cancel "$id" >/dev/null
	# auto on a terminal: colour.
	run -0 tty_env TERM=xterm -- "$JOBQ" status "$id"
	assert_output --partial "job $id: ${ESC}[2mcancelled${ESC}[0m"
	run -0 tty_env TERM=xterm -- "$JOBQ" list
	assert_output --partial "${ESC}[2mcancelled"
	# No colour: NO_COLOR, TERM=dumb, TERM unset or empty, --color=never.
	for e in "TERM=xterm NO_COLOR=1" "TERM=dumb" "X=1" "TERM="; do
		# shellcheck disable=SC2086
		run -0 tty_env $e -- "$JOBQ" status "$id"
		assert_output --partial "job $id: cancelled"
		[[ $output != *"$ESC"* ]] || fail "escape codes with $e: $output"
	done
	run -0 tty_env TERM=xterm -- "$JOBQ" --color=never status "$id"
	[[ $output != *"$ESC"* ]] || fail "escape codes with --color=never"
	run -0 tty_env TERM=xterm -- "$JOBQ" status "$id" --color=never
	[[ $output != *"$ESC"* ]] || fail "escape codes with --color=never after"
	# auto off a terminal: none; always (or --color alone) into a pipe,
	# even with NO_COLOR and TERM=dumb.
	run -0 env TERM=xterm "$JOBQ" status "$id" --color=auto
	assert_line -n 0 "job $id: cancelled"
	run -0 env TERM=dumb NO_COLOR=1 "$JOBQ" --color=always status "$id"
	assert_line -n 0 "job $id: ${ESC}[2mcancelled${ESC}[0m"
	run -0 env TERM=dumb NO_COLOR=1 "$JOBQ" status "$id" --color
	assert_line -n 0 "job $id: ${ESC}[2mcancelled${ESC}[0m"
	# The tab-separated list never colours: it is for programs.
	run -0 "$JOBQ" list --color=always
	[[ $output != *"$ESC"* ]] || fail "escape codes in tab-separated list"
}

@test "[spool] --color with a bad value: exit 2 saying why, before or after the command" {
	local before
	"$JOBQ" submit t >/dev/null
	before=$(cksum <"$JOBQ_DIR/jobq.db")
	run --separate-stderr -2 "$JOBQ" --color=blue list
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "jobq: --color: 'blue' is not auto, always or never"
	run --separate-stderr -2 "$JOBQ" list --color=
	assert_equal "${stderr%%$'\n'*}" "jobq: list: --color: '' is not auto, always or never"
	# The value follows "=": "--color never" is --color (always) and an
	# operand, which list does not take.
	run --separate-stderr -2 "$JOBQ" status --color never
	assert_output ""
	assert_equal "$(cksum <"$JOBQ_DIR/jobq.db")" "$before"
	run -0 "$JOBQ" list --help
	assert_line --regexp '^ +--color\[=WHEN\] +escape codes'
}

@test "watch without escape codes (TERM=dumb, NO_COLOR, --color=never) prints lines, not a redrawn screen" {
	local id
	# A cancelled job: watch ends at once, with exit 1 as it did not
	# complete.
	id=$("$JOBQ" submit t)
	"$JOBQ" cancel "$id" >/dev/null
	run -1 tty_env TERM=xterm -- "$JOBQ" watch "$id"
	assert_output --partial "${ESC}[?25l"
	for e in "TERM=dumb" "TERM=xterm NO_COLOR=1" "X=1"; do
		# shellcheck disable=SC2086
		run -1 tty_env $e -- "$JOBQ" watch "$id"
		[[ $output != *"$ESC"* ]] || fail "escape codes with $e: $output"
		assert_json "${lines[0]%$'\r'}" id="$id" state=cancelled
	done
	run -1 tty_env TERM=xterm -- "$JOBQ" watch "$id" --color=never
	[[ $output != *"$ESC"* ]] || fail "escape codes with --color=never"
	assert_json "${lines[0]%$'\r'}" id="$id" state=cancelled
}

# ended_job MS: a cancelled job that ran MS milliseconds, its id printed.
ended_job() {
	local id
	id=$("$JOBQ" submit t)
	"$JOBQ" cancel "$id" >/dev/null
	sql "UPDATE jobs SET started_at = 1700000000000,
	    finished_at = 1700000000000 + $1 WHERE id = $id"
	echo "$id"
}

@test "durations for people: 450ms, 7.0s, 59.9s, 1m05s, 2h05m, 3d04h, rounded down" {
	local ms ids=() want=(0ms 450ms 999ms 1.0s 7.0s 59.9s 1m00s 1m05s
		59m59s 2h05m 23h59m 3d04h)
	for ms in 0 450 999 1000 7099 59999 60000 65999 3599999 7530000 \
		86399999 273600000; do
		ids+=("$(ended_job "$ms")")
	done
	# A pending job submitted 2 h 5 min 30 s ago.
	local old
	old=$("$JOBQ" submit t)
	sql "UPDATE jobs SET created_at = $(($(now_ms) - 7530000)) WHERE id = $old"
	run -0 tty_env TERM=dumb -- "$JOBQ" list
	for i in "${!ids[@]}"; do
		assert_line --regexp "^${ids[$i]} +cancelled +default +20 +${want[$i]} +t"
	done
	assert_line --regexp "^$old +pending +default +20 +2h05m ago +t"
	# --json keeps milliseconds.
	run -0 "$JOBQ" status --json "${ids[1]}"
	assert_json "$output" started_at=2023-11-14T22:13:20.000Z \
		finished_at=2023-11-14T22:13:20.450Z
}

@test "tab-separated list: CREATED in local time with its offset, which date -d and --at read back" {
	local id created tz
	id=$("$JOBQ" submit t)
	sql "UPDATE jobs SET created_at = 1780000000250 WHERE id = $id"
	for tz in UTC Asia/Kolkata America/St_Johns Europe/Paris; do
		run -0 env TZ="$tz" "$JOBQ" list
		created=$(cut -f7 <<<"${lines[0]}")
		assert_regex "$created" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}$'
		assert_equal "$(date -d "$created" +%s)" 1780000000
		# Read back by --at in another zone: the same instant.
		run -0 env TZ=Pacific/Auckland "$JOBQ" submit --at "$created" t
		assert_equal "$(job_field "$output" run_at)" 2026-05-28T20:26:40.000Z
	done
	run -0 env TZ=Asia/Kolkata "$JOBQ" list
	assert_equal "$(cut -f7 <<<"${lines[0]}")" "2026-05-29 01:56:40+05:30"
	run -0 env TZ=America/St_Johns "$JOBQ" list
	assert_equal "$(cut -f7 <<<"${lines[0]}")" "2026-05-28 17:56:40-02:30"
}
