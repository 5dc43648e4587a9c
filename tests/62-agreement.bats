# Every command and option that the binary's tables hold (as its --help
# prints them) is in jobq(1) and in the bash, zsh and fish completions,
# and those name nothing the binary lacks: adding a command or an option
# without its man entry or a completion fails here.

load helper

@test "agreement: the tables, jobq(1) and the completions" {
	run -0 "$PYTHON" "$BATS_TEST_DIRNAME/agreement.py" "$JOBQ" \
		"$BATS_TEST_DIRNAME/.."
	assert_output ""
}

@test "agreement: every command prints its options on --help, -h and help" {
	local cmd
	for cmd in $("$JOBQ" --help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
		run --separate-stderr -0 "$JOBQ" "$cmd" --help
		assert_regex "$output" "^usage: jobq $cmd"
		assert_regex "$output" "global options:"
		local help=$output
		run --separate-stderr -0 "$JOBQ" "$cmd" -h
		assert_equal "$output" "$help"
		run --separate-stderr -0 "$JOBQ" help "$cmd"
		assert_equal "$output" "$help"
	done
	run --separate-stderr -0 "$JOBQ" help
	assert_equal "$output" "$("$JOBQ" --help)"
}
