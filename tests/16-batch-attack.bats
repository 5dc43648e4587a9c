# jobq submit --batch under hostile input: each test here is a bug that
# was found by trying to break it, kept so that it stays fixed.

bats_require_minimum_version 1.5.0

load helper

@test "batch attack: a timeout below a millisecond is refused, not turned into none" {
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","timeout":0.0001}'
	assert_output ""
	assert_regex "$stderr" "^jobq: submit: line 1: bad timeout '0.0001': "
	assert_job_count 0
	# As the option refuses it.
	run --separate-stderr -2 "$JOBQ" submit -t 0.0001 a
	assert_job_count 0
	# 0 is still none, and half a millisecond or more still rounds.
	run --separate-stderr -0 "$JOBQ" submit --batch \
		<<<$'{"type":"a","timeout":0.0}\n{"type":"b","timeout":0.0006}'
	assert_equal "$stderr" ""
	assert_job 1 type=a timeout_s=null
	assert_job 2 type=b timeout_s=0.001
}

@test "batch attack: at as a number with a fraction (time.time()) runs no sooner" {
	run --separate-stderr -0 "$JOBQ" submit --batch <<<'{"type":"a","at":1800000000.2}'
	assert_equal "$stderr" ""
	assert_output 1
	assert_job 1 run_at=2027-01-15T08:00:01.000Z
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","at":-1.5}'
	assert_regex "$stderr" "^jobq: submit: line 1: bad time '@-1.5': "
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","at":1e30}'
	assert_regex "$stderr" "^jobq: submit: line 1: bad time '@1e\\+30': "
	assert_job_count 1
}

@test "batch attack: a priority with a fraction says an integer is wanted" {
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","priority":1.5}'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 1: field 'priority' must be an integer or a string"
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","retries":2.0}'
	assert_equal "$stderr" "jobq: submit: line 1: field 'retries' must be an integer or a string"
	assert_job_count 0
}

@test "batch attack: ids that cannot be written are named, the jobs stay stored" {
	run --separate-stderr -74 bash -c '"$JOBQ" submit --batch >/dev/full' <<<'{"type":"a"}'
	assert_equal "$stderr" "jobq: submit: job 1 was submitted but its id could not be written: No space left on device"
	run --separate-stderr -74 bash -c '"$JOBQ" submit --batch >&-' \
		<<<$'{"type":"a"}\n{"type":"b"}\n{"type":"c"}'
	assert_equal "$stderr" "jobq: submit: 3 jobs were submitted, job 2 first and job 4 last, but their ids could not be written: Bad file descriptor"
	assert_job 4 type=c
	assert_job_count 4
}

@test "submit attack: the command hint quotes its words so it can be pasted" {
	run --separate-stderr -65 "$JOBQ" submit make 'a b'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: payload is not JSON: line 1, column 1: invalid token near 'a'; to run a command, use: jobq submit -- make 'a b'"
	run --separate-stderr -65 "$JOBQ" submit rm "it's"
	assert_regex "$stderr" "; to run a command, use: jobq submit -- rm 'it'\"'\"'s'\$"
	# What the hint says runs the command meant.
	eval "set -- ${stderr#*use: jobq submit -- }"
	assert_equal "$#" 2
	assert_equal "$2" "it's"
	assert_job_count 0
}

@test "submit attack: escape codes in arguments and batch lines are shown escaped" {
	local esc=$'\e'
	run --separate-stderr -65 "$JOBQ" submit make "${esc}[31mred"
	assert_equal "$stderr" "jobq: submit: payload is not JSON: line 1, column 1: invalid token near '\\e'; to run a command, use: jobq submit -- make '\\e[31mred'"
	run --separate-stderr -2 "$JOBQ" submit -q "${esc}[1m" x
	assert_equal "$stderr" "jobq: submit: bad queue name '\\e[1m': use letters, digits and _.- (at most 64 bytes, starting with a letter or digit)"
	run --separate-stderr -2 "$JOBQ" submit "${esc}[1m"
	assert_regex "$stderr" "^jobq: submit: bad type '\\\\e\\[1m': "
	run --separate-stderr -65 "$JOBQ" submit --batch <<<"{\"type\":\"a\",${esc}[31m}"
	assert_equal "$stderr" "jobq: submit: line 1: bad JSON: column 13: string or '}' expected near '\\e'"
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","queue":"\u001b[31m"}'
	assert_equal "$stderr" "jobq: submit: line 1: bad queue name '\\e[31m': use letters, digits and _.- (at most 64 bytes, starting with a letter or digit)"
	[[ "$stderr" != *"$esc"* ]] || fail "an escape byte reached stderr"
	assert_job_count 0
}

@test "submit attack: on a terminal, a handler that cannot run warns as none does" {
	mkdir -p -m 0700 "$JOBQ_DIR/handlers"
	printf '#!/bin/sh\ncat\n' >"$JOBQ_DIR/handlers/noexec"
	chmod 0600 "$JOBQ_DIR/handlers/noexec"
	run -0 script -qec "\"$JOBQ\" submit noexec" /dev/null
	assert_regex "$output" "jobq: submit: warning: handler $JOBQ_DIR/handlers/noexec is not executable; a worker fails the job unless that is fixed first"
	assert_job 1 type=noexec state=pending
	# A config directory a worker refuses: no worker would start.
	mkdir -p "$HOME/.config/jobq/handlers"
	chmod 0777 "$HOME/.config/jobq/handlers"
	printf '#!/bin/sh\ncat\n' >"$HOME/.config/jobq/handlers/ww"
	chmod 0700 "$HOME/.config/jobq/handlers/ww"
	run -0 script -qec "\"$JOBQ\" submit ww" /dev/null
	assert_regex "$output" "jobq: submit: warning: handler directory $HOME/.config/jobq/handlers refused: .*; no worker starts until that is fixed"
	assert_job 2 type=ww state=pending
	# Not on a terminal: no warning.
	run --separate-stderr -0 "$JOBQ" submit noexec
	assert_equal "$stderr" ""
	assert_job_count 3
}

@test "submit attack: a command or directory that is not UTF-8 is refused, exit 65" {
	run --separate-stderr -65 "$JOBQ" submit -- printf '%s' $'\xff'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: argument 3 of the command is not valid UTF-8"
	mkdir "$BATS_TEST_TMPDIR/d"$'\xff'
	cd "$BATS_TEST_TMPDIR/d"$'\xff'
	run --separate-stderr -65 "$JOBQ" submit -- true
	assert_equal "$stderr" "jobq: submit: the current directory is not valid UTF-8"
	assert_job_count 0
}

@test "submit attack: --env that is not UTF-8 is a usage error, nothing stored" {
	run --separate-stderr -2 "$JOBQ" submit --env $'A=\xff' -- true
	assert_equal "$stderr" "jobq: submit: bad --env for 'A': not UTF-8 text"
	run --separate-stderr -2 "$JOBQ" submit --env $'\xff=1' -- true
	assert_regex "$stderr" "^jobq: submit: bad --env for '\\\\xff': not UTF-8 text\$"
	assert_job_count 0
}

@test "batch attack: a NUL in a meta or env value is refused, not stored unreadable" {
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"a","meta":{"k":"a\u0000b"}}'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 1: field 'meta': the value of 'k' has a NUL byte"
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"argv":["true"],"env":{"A":"a\u0000b"}}'
	assert_equal "$stderr" "jobq: submit: line 1: field 'env': the value of 'A' has a NUL byte"
	assert_job_count 0
	# Other control characters are text, kept and shown.
	run --separate-stderr -0 "$JOBQ" submit --batch <<<'{"type":"a","meta":{"k":"a\tb"}}'
	assert_job 1 meta='{"k":"a\tb"}'
}

@test "submit attack: three words or more get the command hint too" {
	run --separate-stderr -2 "$JOBQ" submit echo hello 'big world'
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "jobq: submit: unexpected argument 'big world' after the payload; to run a command, use: jobq submit -- echo hello 'big world'"
	run ! test -e "$JOBQ_DIR"
}

@test "batch attack: a payload key given twice is refused, as the man page says" {
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"x","payload":{"a":{"b":1,"b":2}}}'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 1: bad JSON: column 37: duplicate object key near '\"b\"'"
	assert_job_count 0
	# Alone, the payload is kept byte for byte.
	run --separate-stderr -0 "$JOBQ" submit x '{"a":1,"a":2}'
	run -0 "$JOBQ" status --json 1
	[[ $output == *'"payload":{"a":1,"a":2},'* ]] || fail "payload not kept: $output"
}

@test "batch attack: type exec in a line points at argv, not at submit --" {
	run --separate-stderr -65 "$JOBQ" submit --batch <<<'{"type":"exec","payload":{"argv":["true"]}}'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 1: type 'exec' is reserved: give a command as {\"argv\": [...]}"
	assert_job_count 0
}

@test "env attack: a command submitted from a job does not record that job's JOBQ_ variables" {
	JOBQ_JOB_ID=7 JOBQ_ATTEMPT=2 JOBQ_LOCK_FD=1000 JOBQ_PROGRESS_FD=3 \
		JOBQ_JOB_TYPE=exec JOBQ_QUEUE=q KEEP=me \
		run --separate-stderr -0 "$JOBQ" submit -- true
	assert_output 1
	run -0 "$JOBQ" status --json 1
	local env
	env=$(json_field "$output" env)
	assert_json "$env" KEEP=me JOBQ_DIR="$JOBQ_DIR"
	[[ $env != *JOBQ_JOB_ID* && $env != *JOBQ_ATTEMPT* && $env != *JOBQ_LOCK_FD* &&
		$env != *JOBQ_PROGRESS_FD* && $env != *JOBQ_JOB_TYPE* && $env != *JOBQ_QUEUE* ]] ||
		fail "per-start variables recorded: $env"
}

@test "env attack: a variable that is not UTF-8 is named escaped in the warning" {
	run --separate-stderr -0 env $'\e[1mX=\xff' "$JOBQ" submit -- true
	assert_output 1
	assert_equal "$stderr" "jobq: submit: environment variable \\e[1mX is not UTF-8: not recorded for the command"
	assert_job_count 1
}

@test "names: every command shows a bad name's control bytes escaped" {
	run -2 --separate-stderr "$JOBQ" list --queue $'\e[1m'
	assert_equal "$stderr" "jobq: list: bad queue name '\\e[1m': use letters, digits and _.- (at most 64 bytes, starting with a letter or digit)"
	run -2 --separate-stderr "$JOBQ" pause $'q\e[2J'
	assert_equal "$stderr" "jobq: pause: bad queue name 'q\\e[2J': use letters, digits and _.- (at most 64 bytes, starting with a letter or digit)"
	[ ! -e "$JOBQ_DIR/jobq.db" ] || fail "a refused name touched the spool"
}
