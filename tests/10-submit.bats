# jobq submit: payload forms, names, options, and every way to get it wrong.

load helper

# --- forms --------------------------------------------------------------

@test "submit with inline JSON prints the id alone and stores the job" {
	run --separate-stderr -0 "$JOBQ" submit echo '{"a": 1}'
	assert_output --regexp '^[1-9][0-9]*$'
	assert_equal "$stderr" ""
	local id=$output
	assert_job "$id" id="$id" type=echo state=pending queue=default \
		priority=20 timeout_s=300 payload='{"a":1}'
	assert_job_count 1
}

@test "ids increase with every submit" {
	local a b c
	a=$("$JOBQ" submit t)
	b=$("$JOBQ" submit t)
	c=$("$JOBQ" submit t)
	[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] || fail "ids not increasing: $a $b $c"
	run -0 "$JOBQ" list --json
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "$a $b $c "
}

@test "submit without a payload stores {}" {
	local id
	id=$("$JOBQ" submit t)
	assert_job "$id" payload='{}'
}

@test "submit - reads the payload from stdin" {
	local id
	id=$(printf '[1, "two", null]\n' | "$JOBQ" submit t -)
	assert_regex "$id" '^[1-9][0-9]*$'
	assert_job "$id" payload='[1,"two",null]'
}

@test "submit @FILE reads the payload from a file" {
	printf '{"from": "file"}' >"$BATS_TEST_TMPDIR/p.json"
	run -0 "$JOBQ" submit t "@$BATS_TEST_TMPDIR/p.json"
	assert_output --regexp '^[1-9][0-9]*$'
	assert_job "$output" payload='{"from":"file"}'
}

@test "any JSON value is a payload: string, number, array, null" {
	local v
	for v in '"just a string"' '42' '[]' 'null' 'true'; do
		"$JOBQ" submit t "$v" >/dev/null
	done
	run -0 "$JOBQ" list --json
	# Strings print raw, anything else as compact JSON.
	assert_equal "$(json_each "$output" payload)" 'just a string
42
[]
null
true'
}

@test "submit --json prints {\"id\": N}" {
	run --separate-stderr -0 "$JOBQ" submit --json t
	assert_equal "$stderr" ""
	assert_json "$output" 'id~=^[1-9][0-9]*$'
	assert_equal "$(json_keys "$output")" id
	assert_job "$(json_field "$output" id)" type=t
}

@test "--json is also accepted before the command" {
	run -0 "$JOBQ" --json submit t
	assert_json "$output" 'id~=^[1-9][0-9]*$'
}

@test "--queue, --priority and --timeout are stored" {
	local id
	id=$("$JOBQ" submit --queue mail.out --priority high --timeout 1h30m t)
	assert_job "$id" queue=mail.out priority=10 timeout_s=5400
	local p n
	for p in critical normal low 0 99 42; do
		"$JOBQ" submit --priority "$p" pri >/dev/null
	done
	run -0 "$JOBQ" list --json --type pri
	assert_equal "$(json_each "$output" priority | tr '\n' ' ')" "0 20 30 0 99 42 "
	for p in 90s 5m 2h 1d 45; do
		"$JOBQ" submit --timeout "$p" dur >/dev/null
	done
	run -0 "$JOBQ" list --json --type dur
	assert_equal "$(json_each "$output" timeout_s | tr '\n' ' ')" "90 300 7200 86400 45 "
	for n in 500ms 0; do
		run -0 "$JOBQ" submit --timeout "$n" t
		assert_output --regexp '^[1-9][0-9]*$'
	done
}

@test "a 64-byte type name is accepted" {
	local name
	name=$(printf 'a%.0s' {1..64})
	run -0 "$JOBQ" submit "$name"
	assert_job "$output" type="$name"
}

@test "type names may use letters, digits, _ . and -" {
	run -0 "$JOBQ" submit 9A_b.c-d
	assert_job "$output" type=9A_b.c-d
}

# --- spool --------------------------------------------------------------

@test "[spool] the spool is created 0700 whatever the umask" {
	[ ! -e "$JOBQ_DIR" ]
	umask 000
	run -0 "$JOBQ" submit t
	assert_output --regexp '^[1-9][0-9]*$'
	assert_mode "$JOBQ_DIR" 700
	[ -f "$JOBQ_DIR/jobq.db" ] || fail "no jobq.db in the spool"
	local f
	for f in "$JOBQ_DIR" "$JOBQ_DIR"/*; do
		[ $((8#$(stat -c %a "$f") & 8#002)) -eq 0 ] ||
			fail "$f is world-writable: $(stat -c %a "$f")"
	done
	assert_job_count 1
}

@test "[spool] --dir wins over JOBQ_DIR, before the command or among its options" {
	local d1="$BATS_TEST_TMPDIR/d1" d2="$BATS_TEST_TMPDIR/d2"
	run -0 "$JOBQ" --dir "$d1" submit t
	local id1=$output
	run -0 "$JOBQ" submit --dir "$d2" u
	[ ! -e "$JOBQ_DIR" ] || fail "JOBQ_DIR was used despite --dir"
	assert_mode "$d1" 700
	assert_mode "$d2" 700
	run -0 "$JOBQ" --dir "$d1" list --json
	assert_json "$output" type=t id="$id1"
	run -0 "$JOBQ" list --dir "$d2" --json
	assert_equal "$(json_each "$output" type)" u
}

@test "[spool] without --dir or JOBQ_DIR the spool is under XDG_STATE_HOME or ~/.local/state" {
	unset JOBQ_DIR
	run -0 "$JOBQ" submit t
	[ -f "$HOME/.local/state/jobq/jobq.db" ] || fail "no spool in ~/.local/state/jobq"
	assert_mode "$HOME/.local/state/jobq" 700
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg"
	mkdir "$XDG_STATE_HOME"
	run -0 "$JOBQ" submit u
	[ -f "$XDG_STATE_HOME/jobq/jobq.db" ] || fail "no spool in \$XDG_STATE_HOME/jobq"
	run -0 "$JOBQ" list --json
	assert_equal "$(json_each "$output" type)" u
}

# --- exec jobs ----------------------------------------------------------

@test "submit -- COMMAND makes an exec job with argv and the current directory" {
	mkdir "$BATS_TEST_TMPDIR/wd"
	cd "$BATS_TEST_TMPDIR/wd"
	run -0 "$JOBQ" submit -- printf '%s\n' 'a b' '$HOME' ''
	assert_output --regexp '^[1-9][0-9]*$'
	run -0 "$JOBQ" status --json "$output"
	assert_json "$output" type=exec payload.cwd="$(pwd -P)" \
		payload.argv='["printf","%s\\n","a b","$HOME",""]' \
		'payload~=^\{"argv":\[.*\],"cwd":"[^"]*"\}$'  # no other member
}

@test "exec jobs take --queue and --priority before --" {
	run -0 "$JOBQ" submit --queue builds --priority low -- make test
	assert_job "$output" type=exec queue=builds priority=30 \
		payload.argv='["make","test"]'
}

@test "submit -- with no command is a usage error" {
	run --separate-stderr -2 "$JOBQ" submit --
	assert_output ""
	assert_regex "$stderr" '^jobq: submit: '
	assert_job_count 0
}

# --- payloads come back byte for byte -----------------------------------

@test "payload with \\u0000, 2^70 and 0.1 is kept byte for byte" {
	make_handler echo 'exec cat'
	local p='{"s":"a\u0000b","big":1180591620717411303424,"f":0.1,"e":"\ud83d\ude00"}'
	printf '%s' "$p" >"$BATS_TEST_TMPDIR/inline"
	# Same values, odd spacing and a trailing newline, from a file.
	printf '{ "big" : 1180591620717411303424 ,\n\t"f":0.1, "s" :"a\\u0000b"  }\n' \
		>"$BATS_TEST_TMPDIR/file.json"
	local a b
	a=$("$JOBQ" submit echo "$p")
	b=$("$JOBQ" submit echo "@$BATS_TEST_TMPDIR/file.json")

	# Values read exactly: 2^70 as an integer, 0.1 as a decimal.
	assert_job "$a" payload.big=1180591620717411303424 payload.f=0.1 \
		payload='{"s":"a\u0000b","big":1180591620717411303424,"f":0.1,"e":"😀"}'
	assert_job "$b" \
		payload='{"big":1180591620717411303424,"f":0.1,"s":"a\u0000b"}'

	drain_worker
	run -0 "$JOBQ" list --json
	assert_equal "$(json_each "$output" state | tr '\n' ' ')" "completed completed "
	"$JOBQ" result "$a" >"$BATS_TEST_TMPDIR/ra"
	"$JOBQ" result "$b" >"$BATS_TEST_TMPDIR/rb"
	cmp "$BATS_TEST_TMPDIR/inline" "$BATS_TEST_TMPDIR/ra"
	cmp "$BATS_TEST_TMPDIR/file.json" "$BATS_TEST_TMPDIR/rb"
}

# --- bad input ----------------------------------------------------------

@test "payload that is not JSON: exit 65 naming line and column, nothing stored" {
	"$JOBQ" submit t >/dev/null     # the spool exists and holds one job
	run --separate-stderr -65 "$JOBQ" submit t '{"a" 1}'
	assert_output ""
	assert_equal "$stderr" \
		"jobq: submit: payload is not JSON: line 1, column 6: ':' expected near '1'"
	run --separate-stderr -65 "$JOBQ" submit t $'{\n  "a": 1\n  "b": 2\n}'
	assert_output ""
	assert_equal "$stderr" \
		"jobq: submit: payload is not JSON: line 3, column 5: '}' expected near '\"b\"'"
	assert_job_count 1
}

@test "empty, truncated or trailing-garbage payloads are not JSON (exit 65)" {
	"$JOBQ" submit t >/dev/null
	local p
	for p in '' '{' '[1,2' 'nope' '{"a":1,}' '{} {}' "{'a':1}"; do
		run --separate-stderr -65 "$JOBQ" submit t "$p"
		assert_output ""
		assert_regex "$stderr" '^jobq: submit: payload is not JSON: line [0-9]+, column [0-9]+: '
	done
	run --separate-stderr -65 "$JOBQ" submit t - </dev/null
	assert_regex "$stderr" '^jobq: submit: payload is not JSON: '
	assert_job_count 1
}

@test "a payload that is not JSON stores no job, even on a fresh spool" {
	run -65 "$JOBQ" submit t 'not json'
	run -0 "$JOBQ" list --json
	assert_output ""
}

@test "bad type names are refused with exit 2" {
	"$JOBQ" submit t >/dev/null
	local long name
	long=$(printf 'a%.0s' {1..65})
	for name in '../x' 'a/b' '' "$long" exec '.hidden' '_x' 'a b' 'x;y' 'é'; do
		run --separate-stderr -2 "$JOBQ" submit "$name" '{}'
		assert_output ""
		assert_regex "$stderr" '^jobq: submit: '
	done
	assert_job_count 1
}

@test "exec as a type is reserved, even with a valid exec payload" {
	run --separate-stderr -2 "$JOBQ" submit exec '{"argv":["true"],"cwd":"/"}'
	assert_output ""
	assert_regex "$stderr" '^jobq: submit: .*exec'
	assert_job_count 0
}

@test "bad queue names are refused with exit 2" {
	"$JOBQ" submit t >/dev/null
	local long q
	long=$(printf 'q%.0s' {1..65})
	for q in '../x' 'a/b' '' "$long" '-q'; do
		run --separate-stderr -2 "$JOBQ" submit --queue "$q" t
		assert_output ""
		assert_regex "$stderr" '^jobq: submit: '
	done
	assert_job_count 1
}

@test "bad priorities are refused with exit 2" {
	"$JOBQ" submit t >/dev/null
	local p
	for p in urgent 100 -1 1x '' 0x10 ' 5' 20.5; do
		run --separate-stderr -2 "$JOBQ" submit --priority "$p" t
		assert_output ""
		assert_regex "$stderr" '^jobq: submit: '
	done
	assert_job_count 1
}

@test "bad durations are refused with exit 2 and the accepted forms" {
	"$JOBQ" submit t >/dev/null
	local d
	for d in abc 5x -5s '' m5 'h' '1.5.3s' 99999999999999999999d; do
		run --separate-stderr -2 "$JOBQ" submit --timeout "$d" t
		assert_output ""
		assert_regex "$stderr" '^jobq: submit: '
		assert_regex "$stderr" '1h30m'
	done
	assert_job_count 1
}

@test "unknown option: usage on stderr, exit 2" {
	"$JOBQ" submit t >/dev/null
	run --separate-stderr -2 "$JOBQ" submit --bogus t
	assert_output ""
	assert_regex "$stderr" 'submit'
	run --separate-stderr -2 "$JOBQ" submit t '{}' extra
	assert_output ""
	assert [ -n "$stderr" ]
	run --separate-stderr -2 "$JOBQ" submit
	assert_output ""
	assert [ -n "$stderr" ]
	assert_job_count 1
}

@test "unreadable @FILE: exit 65, cannot read FILE" {
	"$JOBQ" submit t >/dev/null
	local f="$BATS_TEST_TMPDIR/missing.json"
	run --separate-stderr -65 "$JOBQ" submit t "@$f"
	assert_output ""
	assert_regex "$stderr" "^jobq: submit: cannot read .*$f: No such file"
	mkdir "$BATS_TEST_TMPDIR/adir"
	run --separate-stderr -65 "$JOBQ" submit t "@$BATS_TEST_TMPDIR/adir"
	assert_output ""
	assert_regex "$stderr" "^jobq: submit: cannot read .*$BATS_TEST_TMPDIR/adir: "
	assert_job_count 1
}

@test "[spool] a spool of the first schema is migrated: payloads kept, jobs run" {
	mkdir -m 0700 "$JOBQ_DIR"
	# Schema 1 as the first jobq made it: the payload inside the row.
	"$PYTHON" - "$JOBQ_DIR/jobq.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
PRAGMA journal_mode = WAL;
CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
 queue TEXT NOT NULL, priority INTEGER NOT NULL, state TEXT NOT NULL,
 payload BLOB NOT NULL, created_at INTEGER NOT NULL, run_at INTEGER NOT NULL,
 started_at INTEGER, finished_at INTEGER, timeout_ms INTEGER NOT NULL,
 attempt INTEGER NOT NULL DEFAULT 0, max_retries INTEGER NOT NULL DEFAULT 0,
 failures INTEGER NOT NULL DEFAULT 0, deaths INTEGER NOT NULL DEFAULT 0,
 exit_code INTEGER, signal INTEGER, error TEXT, result_bytes INTEGER,
 result_truncated INTEGER NOT NULL DEFAULT 0, worker TEXT,
 cancel_requested INTEGER NOT NULL DEFAULT 0, pgid INTEGER, proc_start INTEGER,
 rescue_term_at INTEGER, progress_percent REAL, progress_done INTEGER,
 progress_total INTEGER, progress_message TEXT) STRICT;
CREATE INDEX jobs_waiting ON jobs(priority, id)
 WHERE state IN ('pending', 'retrying');
CREATE INDEX jobs_running ON jobs(worker) WHERE state = 'running';
CREATE TABLE results (job_id INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE attempts (job_id INTEGER NOT NULL, attempt INTEGER NOT NULL,
 worker TEXT, started_at INTEGER, finished_at INTEGER, outcome TEXT,
 exit_code INTEGER, signal INTEGER, error TEXT,
 PRIMARY KEY (job_id, attempt)) STRICT;
CREATE TABLE workers (id TEXT PRIMARY KEY, pid INTEGER NOT NULL,
 started_at INTEGER NOT NULL, grace_ms INTEGER NOT NULL) STRICT;
PRAGMA application_id = 1785684593;
PRAGMA user_version = 1;
""")
db.execute("INSERT INTO jobs (type, queue, priority, state, payload,"
           " created_at, run_at, timeout_ms) VALUES"
           " ('echo', 'default', 20, 'pending', ?, 1, 1, 300000)",
           (b'{"kept": [1, 2.50]}',))
db.commit()
PY
	make_handler echo 'cat'
	run -0 "$JOBQ" status --json 1
	assert_json "$output" 'payload={"kept":[1,2.50]}' state=pending
	drain_worker
	run -0 "$JOBQ" result 1
	assert_output '{"kept": [1, 2.50]}'
	# A new job after the migration keeps its payload too.
	id=$("$JOBQ" submit echo '"after"')
	[ "$id" = 2 ]
	drain_worker
	run -0 "$JOBQ" result 2
	assert_output '"after"'
}

# --- timeouts, hints, a type no handler serves ---------------------------

@test "timeouts: handler jobs default to 300 s, commands to none; 0 and none mean none" {
	local h e n z
	h=$("$JOBQ" submit t)
	e=$("$JOBQ" submit -- true)
	n=$("$JOBQ" submit --timeout none t)
	z=$("$JOBQ" submit --timeout 0 -- true)
	assert_job "$h" timeout_s=300
	assert_job "$e" timeout_s=null
	assert_job "$n" timeout_s=null
	assert_job "$z" timeout_s=null
	e=$("$JOBQ" submit --timeout 2m -- true)
	assert_job "$e" timeout_s=120
	run --separate-stderr -2 "$JOBQ" submit --timeout never t
	assert_regex "$stderr" "bad timeout .*or 0 or none for none"
}

@test "a payload that reads as words suggests submit -- COMMAND, exit 65" {
	run --separate-stderr -65 "$JOBQ" submit make test
	assert_output ""
	assert_equal "$stderr" "jobq: submit: payload is not JSON: line 1, column 4: invalid token near 'test'; to run a command, use: jobq submit -- make test"
	run --separate-stderr -65 "$JOBQ" submit t '{"a":'
	[[ $stderr != *"to run a command"* ]] || fail "hint on a JSON typo: $stderr"
	assert_job_count 0
}

@test "on a terminal, a type with no handler warns but is submitted" {
	run -0 script -qec "\"$JOBQ\" submit nohandler" /dev/null
	assert_regex "$output" "jobq: submit: warning: no handler for type 'nohandler' \\(searched: .*$JOBQ_DIR/handlers"
	assert_regex "$output" "(^|[^0-9])1"
	assert_job 1 type=nohandler state=pending
	# With a handler in the spool's directory: no warning.
	mkdir -p -m 0700 "$JOBQ_DIR/handlers"
	printf '#!/bin/sh\n' >"$JOBQ_DIR/handlers/known"
	chmod 0700 "$JOBQ_DIR/handlers/known"
	run -0 script -qec "\"$JOBQ\" submit known" /dev/null
	[[ $output != *warning* ]] || fail "warned: $output"
	# Not on a terminal: no warning.
	run --separate-stderr -0 "$JOBQ" submit nohandler
	assert_equal "$stderr" ""
}
