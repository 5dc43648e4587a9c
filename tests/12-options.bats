# Options anywhere, short options with one meaning, help, and "did you
# mean": the command framework as a user meets it.

load helper

@test "options may follow operands: status, wait, submit, list" {
	local id
	id=$("$JOBQ" submit echo '{}' --queue mail -p high)
	assert_job "$id" queue=mail priority=10 type=echo payload='{}'
	run --separate-stderr -0 "$JOBQ" status "$id" --json
	assert_regex "$output" '^\{"id":'
	run --separate-stderr -4 "$JOBQ" wait "$id" --timeout 100ms
	assert_regex "$stderr" 'gave up after'
	run --separate-stderr -0 "$JOBQ" list --json -q mail
	assert_regex "$output" '"queue":"mail"'
	run --separate-stderr -0 "$JOBQ" list -q other
	assert_output ""
}

@test "submit: a -- before any operand starts the command, for good" {
	run -0 "$JOBQ" submit -q builds -- printf '%s\n' --queue -t x
	assert_job "$output" type=exec queue=builds \
		payload.argv='["printf","%s\\n","--queue","-t","x"]'
}

@test "submit: after the type, -- lets a payload start with '-'" {
	run --separate-stderr -2 "$JOBQ" submit t -5
	assert_regex "$stderr" "unknown option '-5'"
	run -0 "$JOBQ" submit t -- -5
	assert_job "$output" type=t payload=-5
	assert_job_count 1
}

@test "short options: -q -p -t in submit, -s -n in list, -t in wait, -j in worker" {
	local id
	id=$("$JOBQ" submit -q q1 -p 7 -t 90s t)
	assert_job "$id" queue=q1 priority=7 timeout_s=90
	run -0 "$JOBQ" list -s pending -n 1
	assert_regex "$output" "^$id	pending"
	run --separate-stderr -4 "$JOBQ" wait -t 50ms "$id"
	run --separate-stderr -0 "$JOBQ" worker -j 2 -q none --drain --quiet
}

@test "-t is --timeout: list, which has no timeout, refuses it" {
	run --separate-stderr -2 "$JOBQ" list -t t
	assert_output ""
	assert_regex "$stderr" "unknown option '-t'"
	assert_regex "$stderr" '^jobq: list: .*'$'\n''usage: jobq list'
}

@test "bad options: unknown, needs a value, did you mean, ambiguous" {
	run --separate-stderr -2 "$JOBQ" list --stauts failed
	assert_regex "$stderr" "unknown option '--stauts'; did you mean '--status'\\?"
	run --separate-stderr -2 "$JOBQ" wait 1 --timeout
	assert_regex "$stderr" "option '--timeout' needs a value"
	assert_regex "$stderr" 'usage: jobq wait'
	run --separate-stderr -2 "$JOBQ" worker --j 2
	assert_regex "$stderr" "option '--j' is ambiguous"
	run --separate-stderr -2 "$JOBQ" list --json=yes
	assert_regex "$stderr" "option '--json' takes no value"
	run --separate-stderr -2 "$JOBQ" list --json -xq
	assert_regex "$stderr" "unknown option '-x'"
	run --separate-stderr -2 "$JOBQ" list -q
	assert_regex "$stderr" "option '-q' needs a value"
	run --separate-stderr -2 "$JOBQ" status 1 --frobnicate
	assert_regex "$stderr" "unknown option '--frobnicate'"$'\n'
	[ ! -e "$JOBQ_DIR" ] || fail "a usage error created the spool"
}

@test "a long option may be any prefix only it has" {
	run -0 "$JOBQ" submit --prio low --q mail t
	assert_job "$output" priority=30 queue=mail
}

@test "a mistyped command: did you mean, when one is close" {
	run --separate-stderr -2 "$JOBQ" sttaus 1
	assert_equal "$stderr" "jobq: unknown command 'sttaus'; did you mean 'status'?"
	# As close to stats as to status: no guess.
	run --separate-stderr -2 "$JOBQ" stauts 1
	assert_equal "$stderr" "jobq: unknown command 'stauts'; see 'jobq --help'"
	run --separate-stderr -2 "$JOBQ" wiat 1
	assert_regex "$stderr" "did you mean 'wait'"
	run --separate-stderr -2 "$JOBQ" frobnicate
	assert_equal "$stderr" "jobq: unknown command 'frobnicate'; see 'jobq --help'"
}

@test "help: the commands, one command's options, an unknown command" {
	run --separate-stderr -0 "$JOBQ" help
	assert_regex "$output" 'help +list the commands'
	run --separate-stderr -0 "$JOBQ" help list
	assert_line --regexp '^  -s, --status STATE,\.\.\. +only jobs in one'
	assert_line --regexp '^      --type TYPE +only jobs of type TYPE$'
	assert_line --regexp '^  -h, --help +show this help$'
	run --separate-stderr -0 "$JOBQ" submit t --help
	assert_line --index 0 'usage: jobq submit [OPTION]... TYPE [PAYLOAD|-|@FILE]'
	assert_line --index 1 '       jobq submit [OPTION]... -- COMMAND [ARG]...'
	run --separate-stderr -2 "$JOBQ" help sttaus
	assert_regex "$stderr" "did you mean 'status'"
	run --separate-stderr -2 "$JOBQ" help list wait
	assert_regex "$stderr" 'usage: jobq help'
	[ ! -e "$JOBQ_DIR" ] || fail "help created the spool"
}

@test "no such job, and no spool yet: said the same way by every command" {
	local cmd
	for cmd in status result wait cancel; do
		run --separate-stderr -3 "$JOBQ" "$cmd" 9
		assert_equal "$stderr" "jobq: $cmd: no such job 9"
	done
	run --separate-stderr -0 "$JOBQ" list
	assert_output ""
	[ ! -e "$JOBQ_DIR" ] || fail "a read created the spool"
	"$JOBQ" submit t >/dev/null
	for cmd in status result wait cancel; do
		run --separate-stderr -3 "$JOBQ" "$cmd" 9
		assert_equal "$stderr" "jobq: $cmd: no such job 9"
	done
}

@test "a missing or extra operand is named on stderr before the usage, exit 2" {
	local args want
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		run --separate-stderr -2 "$JOBQ" $args
		assert_equal "$output" ""
		assert_equal "${stderr%%$'\n'*}" "$want"
		[[ $stderr == *$'\n'"usage: jobq "* ]] || fail "no usage: $stderr"
	done <<'CASES'
submit t {} extra|jobq: submit: unexpected argument 'extra' after the payload; to run a command, use: jobq submit -- t '{}' extra
submit|jobq: submit: no job type given (or '--' and a command)
result|jobq: result: no job id given
status|jobq: status: no job id given
cancel|jobq: cancel: no job id given
wait|jobq: wait: no job id given
help submit list|jobq: help: unexpected argument 'list'
CASES
	run ! test -e "$JOBQ_DIR"
}
