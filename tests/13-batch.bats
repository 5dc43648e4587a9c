# jobq submit --batch: one job per JSON line, all in one transaction or
# none, ids in input order.

bats_require_minimum_version 1.5.0

load helper

batch() { # LINES... as one file
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/batch"
}

@test "batch: handler and command lines, comments and blanks skipped, ids in order" {
	batch '{"type":"mail","payload":{"to":"a"}}' \
		'' '   # a comment' \
		'{"argv":["echo","hi"],"cwd":"/tmp"}' \
		'{"type":"t","payload":[1,"x",null],"queue":"q2","priority":"high","retries":2}'
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' $output | wc -l)" 3
	local a b c
	read -r a b c <<<"$(echo $output)"
	[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] || fail "ids not in order: $output"
	assert_job "$a" type=mail payload='{"to":"a"}' queue=default timeout_s=300
	assert_job "$b" type=exec payload='{"argv":["echo","hi"],"cwd":"/tmp"}' \
		command='echo hi' timeout_s=null
	assert_job "$c" type=t payload='[1,"x",null]' queue=q2 priority=10 retries=2
	assert_job_count 3
}

@test "batch: stdin with no operand and with -, --json prints one object per line" {
	run --separate-stderr -0 "$JOBQ" submit --batch <<<'{"type":"a"}'
	assert_output --regexp '^[0-9]+$'
	run --separate-stderr -0 "$JOBQ" --json submit --batch - \
		<<<$'{"type":"a"}\n{"type":"b"}'
	assert_equal "$(json_each "$output" id | tr '\n' ' ')" "2 3 "
	assert_job 3 type=b payload='{}'
}

@test "batch: a bad line is named by number, exit 65, nothing stored" {
	batch '{"type":"a"}' '{"type":"b"}' '# x' '' '' '' \
		'{"type":"c","priority":"urgnet"}'
	run --separate-stderr -65 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 7: bad priority 'urgnet': use critical, high, normal, low or 0-99"
	assert_job_count 0
}

@test "batch: unknown fields, bad JSON, bad values: exit 65 naming the line" {
	local line want
	while IFS='|' read -r line want; do
		run --separate-stderr -65 "$JOBQ" submit --batch <<<"$line"
		assert_output ""
		assert_regex "$stderr" "^jobq: submit: line 1: $want"
	done <<'EOF2'
{"type":"a","prority":1}|unknown field 'prority'
{"type":"a"|bad JSON: column
[1,2]|not a JSON object
{"payload":1}|give either 'type'
{"type":"a","argv":["x"]}|give either 'type'
{"type":"exec"}|type 'exec' is reserved
{"type":"../x"}|bad type
{"argv":[]}|field 'argv' must be a non-empty array
{"argv":["x",1]}|field 'argv': element 2
{"argv":["x"],"cwd":"rel"}|field 'cwd' must be an absolute path
{"argv":["x"],"payload":{}}|a command \('argv'\) takes no 'payload'
{"type":"a","env":{"A":"1"}}|'env' is for commands
{"argv":["x"],"env":{"A=B":"1"}}|field 'env': bad name
{"argv":["x"],"env":{"A":1}}|field 'env': the value of 'A' is not a string
{"type":"a","timeout":"5 minutes"}|bad timeout '5 minutes'
{"type":"a","timeout":-1}|bad timeout
{"type":"a","delay":"1s","at":"@1"}|--at: the job's time is already set by --delay
{"type":"a","queue":5}|field 'queue' must be a string
{"type":"a","retries":1001}|bad retries '1001'
{"type":"a","tags":["ok","bad tag"]}|bad tag 'bad tag'
{"type":"a","tags":"x"}|field 'tags' must be an array
{"type":"a","meta":{"k":1}}|field 'meta': the value of 'k'
{"type":"a","after":["$1"]}|bad after '\$1': line 1 is not an earlier line
{"type":"a","after":[0]}|bad after: use job ids
{"type":"a","after":"1"}|field 'after' must be an array
{"type":"a","key":""}|bad key ''
{"type":"a","queue":"x","queue":"y"}|bad JSON: column .*duplicate object key
{"type":"a","payload":123456789012345678901234567890}|bad JSON: column .*too big
{"type":"a","delay":1e400}|bad JSON
EOF2
	assert_job_count 0
}

@test "batch: fields mean what the options mean" {
	batch '{"type":"a","timeout":90,"delay":"1h","retry_delay":1.5,"key":"k1","tags":["x","y","x"],"meta":{"m":"v"}}' \
		'{"type":"a","timeout":"none","at":"@4102444800"}' \
		'{"type":"a","timeout":0.25,"priority":5}'
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_job 1 timeout_s=90 state=pending key=k1 tags='["x","y"]' meta='{"m":"v"}' \
		run_at~='^20'
	run -0 "$JOBQ" status --json 1
	local created run_at
	created=$(json_field "$output" created_at)
	run_at=$(json_field "$output" run_at)
	[[ $run_at > $created ]] || fail "delay not applied: $run_at <= $created"
	assert_job 2 timeout_s=null run_at=2100-01-01T00:00:00.000Z
	assert_job 3 timeout_s=0.25 priority=5
}

@test "batch: options on the command line are defaults lines may override" {
	batch '{"type":"a"}' '{"type":"b","queue":"own","tags":["t2"],"retries":0}' \
		'{"argv":["true"]}'
	run --separate-stderr -0 "$JOBQ" submit --batch -q mail --retries 3 \
		--tag t1 --timeout 1m "$BATS_TEST_TMPDIR/batch"
	assert_job 1 queue=mail retries=3 tags='["t1"]' timeout_s=60
	assert_job 2 queue=own retries=0 tags='["t2"]' timeout_s=60
	assert_job 3 queue=mail retries=3 timeout_s=60
}

@test "batch: \$N in after is the job of line N; ids and digit strings too" {
	local first
	first=$("$JOBQ" submit pre)
	batch '# chain' "{\"type\":\"a\",\"after\":[$first]}" \
		'{"type":"b","after":["$2","'"$first"'"]}' \
		'{"argv":["true"],"after":["$3"]}'
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	read -r a b c <<<"$(echo $output)"
	assert_job "$a" depends_on="[$first]"
	assert_job "$b" depends_on="[$first,$a]"
	assert_job "$c" depends_on="[$b]"
}

@test "batch: \$N naming a comment line or a later line: exit 65" {
	batch '# c' '{"type":"a","after":["$1"]}'
	run --separate-stderr -65 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_equal "$stderr" "jobq: submit: line 2: bad after '\$1': line 1 has no job"
	batch '{"type":"a","after":["$2"]}' '{"type":"b"}'
	run --separate-stderr -65 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_regex "$stderr" "line 1: bad after '\\\$2': line 2 is not an earlier line"
	assert_job_count 0
}

@test "batch: after a job that does not exist: exit 3 naming the line, nothing stored" {
	batch '{"type":"a"}' '{"type":"b","after":[999]}'
	run --separate-stderr -3 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 2: after: no such job 999"
	assert_job_count 0
}

@test "batch: a key held by a job that has not ended gives that id, with a warning naming the line" {
	local held
	held=$("$JOBQ" submit --key nightly x)
	batch '{"type":"a"}' '{"type":"a","key":"nightly"}' '{"type":"c","key":"fresh"}' \
		'{"type":"d","key":"fresh"}'
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	local ids
	ids=$(echo $output)
	read -r a b c d <<<"$ids"
	assert_equal "$b" "$held"
	assert_equal "$d" "$c"
	assert_equal "$stderr" "jobq: submit: line 2: job $held has key 'nightly' and has not ended: nothing submitted
jobq: submit: line 4: job $c has key 'fresh' and has not ended: nothing submitted"
	assert_job_count 3
	assert_job "$c" type=c key=fresh
}

@test "batch: usage errors: a command, a second operand; a missing file is exit 65" {
	run --separate-stderr -2 "$JOBQ" submit --batch -- true
	assert_regex "$stderr" "takes no command"
	run --separate-stderr -2 "$JOBQ" submit --batch a b
	assert_regex "$stderr" "unexpected argument 'b'"
	run --separate-stderr -65 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/nope"
	assert_regex "$stderr" "cannot read batch file .*/nope"
	assert_job_count 0
}

@test "batch: an empty input submits nothing and prints nothing" {
	run --separate-stderr -0 "$JOBQ" submit --batch </dev/null
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr -0 "$JOBQ" submit --batch <<<$'# only\n\n'
	assert_output ""
}

@test "batch: exec lines get the submitter's cwd and environment unless they say" {
	cd "$BATS_TEST_TMPDIR"
	batch '{"argv":["true"]}' '{"argv":["true"],"env":{"ONLY":"1"},"cwd":"/"}'
	run --separate-stderr -0 env BATCHVAR=yes "$JOBQ" submit --batch --env EXTRA=2 batch
	assert_job 1 payload.cwd="$BATS_TEST_TMPDIR" env.BATCHVAR=yes env.EXTRA=2
	assert_job 2 payload.cwd=/ env='{"ONLY":"1"}'
	run --separate-stderr -0 env BATCHVAR=yes "$JOBQ" submit --batch --clean-env <<<'{"argv":["true"]}'
	assert_job 3 env='{}'
}

@test "batch: a payload of any JSON kind, NUL escapes kept" {
	batch '{"type":"a","payload":"text \u0000 nul"}' '{"type":"a","payload":42}' \
		'{"type":"a","payload":null}'
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	run -0 "$JOBQ" status --json 1
	assert_regex "$output" '"payload":"text \\u0000 nul"'
	assert_job 2 payload=42
	assert_job 3 payload=null
}

@test "batch: a raw NUL byte in a line is refused" {
	printf '{"type":"a"}\n{"type":"b"}\0\n' >"$BATS_TEST_TMPDIR/batch"
	run --separate-stderr -65 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_equal "$stderr" "jobq: submit: line 2: a NUL byte in the line"
	assert_job_count 0
}

@test "batch: the jobs run, in dependency order" {
	make_handler rec 'cat >>"$HOME/order"; echo >>"$HOME/order"'
	batch '{"type":"rec","payload":"first"}' \
		'{"type":"rec","payload":"second","after":["$1"],"priority":"critical"}' \
		'{"argv":["sh","-c","echo ran >>\"$HOME/order\""],"after":["$2"]}'
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	drain_worker
	assert_job 3 state=completed
	assert_equal "$(cat "$HOME/order")" '"first"
"second"
ran'
}

@test "batch: a last line without a newline and CRLF line ends are read" {
	printf '{"type":"a"}\r\n{"type":"b"}' >"$BATS_TEST_TMPDIR/batch"
	run --separate-stderr -0 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR/batch"
	assert_equal "$(echo $output)" "1 2"
	assert_job 2 type=b
}

@test "batch: a closed stdout still stores the jobs; the lock is free after" {
	batch '{"type":"a"}' '{"type":"b"}'
	run bash -c '"$JOBQ" submit --batch "$1" | true' _ "$BATS_TEST_TMPDIR/batch"
	assert_job_count 2
	run -0 "$JOBQ" submit c
}

@test "batch: a line longer than a payload can be is refused before it is all read" {
	run --separate-stderr -65 bash -c '{ echo "{\"type\":\"a\"}"; head -c 40000000 /dev/zero | tr "\0" x; } | "$JOBQ" submit --batch'
	assert_output ""
	assert_equal "$stderr" "jobq: submit: line 2: longer than 17 MiB"
	assert_job_count 0
}

@test "batch: a directory as the file is a read error, exit 65" {
	run --separate-stderr -65 "$JOBQ" submit --batch "$BATS_TEST_TMPDIR"
	assert_regex "$stderr" "^jobq: submit: cannot read $BATS_TEST_TMPDIR: Is a directory"
	assert_job_count 0
}

@test "batch: no lock is held while lines are read; killed then, it stores nothing" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$JOBQ" submit --batch "$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$!
	exec 4>"$BATS_TEST_TMPDIR/fifo"
	echo '{"type":"a"}' >&4
	# Another submit goes through at once while the batch waits for input.
	run -0 timeout 5 "$JOBQ" submit other
	assert_output 1
	kill -9 "$pid"
	exec 4>&-
	wait "$pid" || true
	assert_job_count 1
	assert_job 1 type=other
}

@test "batch: --batch=FILE is the file operand's other spelling; both at once is a usage error" {
	printf '{"type":"a"}\n{"type":"b"}\n' >"$BATS_TEST_TMPDIR/lines"
	run -0 "$JOBQ" submit --batch="$BATS_TEST_TMPDIR/lines"
	[ "$output" = "$(printf '1\n2')" ] || fail "$output"
	run -2 --separate-stderr "$JOBQ" submit --batch="$BATS_TEST_TMPDIR/lines" extra
	assert_regex "$stderr" "unexpected argument 'extra' after the batch file"
	run -0 "$JOBQ" list --json
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ] || fail "$output"
}
