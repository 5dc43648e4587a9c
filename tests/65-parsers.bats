# Parsers of outside input: regressions for what the fuzz targets in
# fuzz/ found.  The targets themselves run from bench/fuzz and .ci/run.

load helper

@test "a duration whose days overflow 64 bits is refused, not wrapped" {
	# 213503982335 days is 34448384 ms modulo 2^64: once accepted as
	# about nine and a half hours.
	local d
	for d in 213503982335d 106751991168d 3153600000000d 99999999999h; do
		run --separate-stderr -2 "$JOBQ" submit --timeout "$d" t
		assert_equal "$output" ""
		assert_regex "$stderr" "^jobq: submit: bad timeout '$d': "
		run --separate-stderr -2 "$JOBQ" wait --timeout "$d" 1
		assert_regex "$stderr" "^jobq: wait: bad timeout '$d': "
	done
	run --separate-stderr -0 "$JOBQ" submit --timeout 36500d t
	assert_job "$output" timeout_s=3153600000
	run -2 "$JOBQ" submit --timeout 36500d1ms t
	assert_job_count 1
}

@test "an id with a leading zero is a usage error, not another job" {
	# In a shell, 010 may be 8: jobq takes neither 8 nor 10.
	id=$("$JOBQ" submit t)
	assert_equal "$id" 1
	local cmd
	for cmd in status result wait cancel; do
		run --separate-stderr -2 "$JOBQ" "$cmd" 01
		assert_equal "$output" ""
		assert_equal "$stderr" \
		    "jobq: $cmd: '01' is not a job id (a positive integer)"
	done
	run -0 "$JOBQ" status 1
	assert_job 1 state=pending
}

@test "a priority or limit of -0 is refused like any negative" {
	run --separate-stderr -2 "$JOBQ" submit --priority -0 t
	assert_equal "$output" ""
	assert_regex "$stderr" "^jobq: submit: bad priority '-0'"
	run --separate-stderr -2 "$JOBQ" list --limit -0
	assert_regex "$stderr" "^jobq: list: bad limit '-0'"
	run --separate-stderr -2 "$JOBQ" worker -j -0 --drain
	assert_regex "$stderr" "^jobq: worker: .*'-0'"
	assert_job_count 0
	run -0 "$JOBQ" submit --priority 007 t
	assert_job "$output" priority=7
}

@test "progress lines outside the documented forms are ignored" {
	# Each bad line follows a good one: the good one must stay.  strtod
	# once read an exponent (4.2e1 was 42%), rounded 100.0...01 to 100,
	# and a NUL cut a line short (42 then garbage was 42%).
	make_handler bad 'echo "10 good" >&3
printf "4.2e1 exp\n42. dot\n100.0000000000000001 over\n42\0000junk\n" >&3
printf "7/5 over\n5/0 zero\n-1 neg\n 5 blank\n" >&3'
	make_handler good 'echo "99.5 nearly" >&3; echo "100.000 done" >&3'
	local a b
	a=$("$JOBQ" submit bad)
	b=$("$JOBQ" submit good)
	drain_worker
	assert_job "$a" state=completed progress.percent~='^10(\.0*)?$' \
		progress.message="good"
	assert_job "$b" state=completed progress.percent~='^100(\.0*)?$' \
		progress.message="done"
}

@test "a payload with a NUL byte is not JSON, wherever the NUL is" {
	# jansson skips a NUL after a number or a literal: [4<NUL>] and
	# true<NUL> once went in and reached the handler as they were.
	local p
	for p in '[4\0]' '4\0' 'true\0' '{"a": 1.5\0}' '"a\0b"'; do
		run --separate-stderr -65 sh -c "printf '$p' | \"\$JOBQ\" submit t -"
		assert_equal "$output" ""
		assert_regex "$stderr" '^jobq: submit: payload is not JSON: '
	done
	assert_job_count 0
}

@test "valid JSON beyond jansson's limits is refused as such (exit 65)" {
	local deep
	deep=$(printf '%*s' 2049 '' | tr ' ' '[')$(printf '%*s' 2049 '' | tr ' ' ']')
	for p in '1e400' '[-1e400]' '{"a\u0000b": 1}' "$deep"; do
		run --separate-stderr -65 "$JOBQ" submit t "$p"
		assert_equal "$output" ""
		assert_regex "$stderr" \
		    "^jobq: submit: payload is JSON beyond jobq's limits: line 1, column [0-9]+: "
	done
	assert_job_count 0
	# Just inside: 2048 levels, a huge but finite number, \u0000 in a
	# value.
	deep=$(printf '%*s' 2048 '' | tr ' ' '[')$(printf '%*s' 2048 '' | tr ' ' ']')
	for p in '1e308' '{"a": "b\u0000c"}' "$deep"; do
		run -0 "$JOBQ" submit t "$p"
	done
	assert_job_count 3
}

@test "[spool] an exec payload with a NUL in argv or cwd fails, never runs a prefix" {
	# A payload in the database need not come from submit.  As C
	# strings, "touch\u0000..." would run touch, "/tmp\u0000x" be /tmp.
	local a b
	a=$("$JOBQ" submit -- true)
	b=$("$JOBQ" submit -- true)
	"$PYTHON" - "$JOBQ_DIR/jobq.db" "$a" "$b" "$BATS_TEST_TMPDIR" <<'PY'
import sqlite3, sys
db, a, b, tmp = sys.argv[1:]
c = sqlite3.connect(db)
c.execute("UPDATE payloads SET data = ? WHERE job_id = ?",
    (b'{"argv": ["touch\\u0000", "%s/ran"], "cwd": "/"}' % tmp.encode(),
     int(a)))
c.execute("UPDATE payloads SET data = ? WHERE job_id = ?",
    (b'{"argv": ["touch", "ran-in-cwd"], "cwd": "%s\\u0000/x"}' %
     tmp.encode(), int(b)))
c.commit()
PY
	drain_worker
	assert_job "$a" state=failed error="exec job with a NUL byte in its argv"
	assert_job "$b" state=failed error="exec job with a NUL byte in its cwd"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || fail "the argv's prefix ran"
	[ ! -e "$BATS_TEST_TMPDIR/ran-in-cwd" ] || fail "ran in the cwd's prefix"
}
