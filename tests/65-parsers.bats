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
