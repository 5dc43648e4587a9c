#!/usr/bin/env bats
# README.md runs as written: every ```sh block runs, in order, in one
# bash with set -euo pipefail, in a scratch home with the default spool
# and jobq on PATH; ```bash blocks and the commands of ```cron lines pass
# bash -n. The conventions are described at the top of tests/readme.bash.
# A failing block is named by the line of its opening fence in README.md.

load helper
load readme

README="$BATS_TEST_DIRNAME/../README.md"

# report_run: fail with the block that failed and the output of the run.
report_run() {
	[ "$README_STATUS" = ok ] && return 0
	echo "--- output of the README's sh blocks:"
	tail -n 60 "$BATS_TEST_TMPDIR/r/out"
	case $README_STATUS in
	timeout*) fail "README.md: the sh block at line ${README_STATUS#timeout } ran longer than its deadline" ;;
	*) set -- $README_STATUS
	   fail "README.md: the sh block at line $2 failed with exit status $3" ;;
	esac
}

@test "README: every opening fence says sh, bash, cron or nothing" {
	local line lang bad=
	while IFS=$'\t' read -r line lang; do
		case $lang in
		sh | bash | cron | '') ;;
		*) bad+="line $line: '$lang'; " ;;
		esac
	done < <(readme_langs "$README")
	[ -z "$bad" ] || fail "README.md: fences of no known kind: $bad"
	# The tour, handlers, commands, scheduling, seeing work and the shell:
	# enough blocks run that the page cannot quietly stop being tested.
	run -0 readme_blocks "$README" sh
	[ "${#lines[@]}" -ge 9 ] || fail "only ${#lines[@]} sh blocks"
}

@test "README: the sh blocks run in order in one shell, on the default spool" {
	unset JOBQ_DIR
	readme_run "$README" "$BATS_TEST_TMPDIR/r" 60
	report_run
	local home=$BATS_TEST_TMPDIR/r/home out=$BATS_TEST_TMPDIR/r/out
	# The default spool, under the scratch home; handlers from XDG.
	[ -f "$home/.local/state/jobq/jobq.db" ] || fail "no spool at the default path"
	[ -x "$home/.config/jobq/handlers/echo" ] || fail "no echo handler"
	[ -x "$home/.config/jobq/handlers/count" ] || fail "no count handler"
	# A sanitized build reports here (UBSan does not change the status).
	! grep -qE 'runtime error|Sanitizer' "$out" || fail "a sanitizer reported: $(grep -E 'runtime error|Sanitizer' "$out")"
	# What the page says the examples print, they print.
	grep -qxF '{"steps": 5}' "$out" || fail "count's result is missing"
	grep -qxF 'did step 5' "$out" || fail "count's log is missing"
	grep -qxF 'hello' "$out" || fail "the --env example printed no hello"
	grep -qx 'one ok' "$out" && grep -qx 'two ok' "$out" ||
		fail "the CI results are missing"
	grep -q 'timed out after 1s' "$out" || fail "no timeout shown"
	# The CI step passes, then fails once a test fails, naming the job.
	grep -qx 'CI failed: exit 1' "$out" || fail "the failing CI step did not fail"
	grep -qE '^jobq: wait: job [0-9]+ failed: exited with status 3$' "$out" ||
		fail "wait did not name the failed job"
	[ "$(grep -cx 'one ok' "$out")" -eq 1 ] || fail "results printed by a failing CI step"
	# Every job ended, and as the page says: one timeout, one
	# cancellation, one failed test, every other one completed; no
	# worker is left.
	run -0 env -u JOBQ_DIR HOME="$home" "$JOBQ" list --json
	local states
	states=$(json_each "$output" state | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
	[[ $states =~ ^cancelled=1\ completed=[0-9]+\ failed=1\ timeout=1\ $ ]] ||
		fail "job states: $states"
	run -0 env -u JOBQ_DIR HOME="$home" "$JOBQ" stats
	assert_line --regexp '^workers +none alive'
	# Every file found was compressed, odd names included.
	local d
	d=$(find "$BATS_TEST_TMPDIR/r/tmp" -name 'a.log.gz' -printf '%h\n')
	[ -n "$d" ] || fail "no a.log.gz"
	run -0 ls "$d"
	assert_output $'a.log.gz\nb c.log.gz\nd.log.gz\ne"f.log.gz'
}

@test "README: the bash blocks and the cron lines are valid bash" {
	local line n=0
	for line in $(readme_blocks "$README" bash); do
		readme_block_text "$README" "$line" >"$BATS_TEST_TMPDIR/b.bash"
		bash -n "$BATS_TEST_TMPDIR/b.bash" ||
			fail "README.md: the bash block at line $line does not parse"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n bash blocks"
	# The first block is the one a new user types first: install, build,
	# one job through a worker, then .ci/run.
	line=$(readme_blocks "$README" bash | head -n 1)
	run -0 readme_block_text "$README" "$line"
	assert_line --partial 'build/jobq submit -- echo'
	assert_line '.ci/run'
	n=0
	for line in $(readme_blocks "$README" cron); do
		readme_block_text "$README" "$line" | grep -v '^#' | grep . |
			awk '{ $1 = $2 = $3 = $4 = $5 = ""; print }' >"$BATS_TEST_TMPDIR/c.bash"
		[ -s "$BATS_TEST_TMPDIR/c.bash" ] || fail "an empty cron block at line $line"
		bash -n "$BATS_TEST_TMPDIR/c.bash" ||
			fail "README.md: a cron line of the block at line $line does not parse"
		grep -q 'jobq submit --key ' "$BATS_TEST_TMPDIR/c.bash" ||
			fail "the cron entry does not submit with --key"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || fail "no cron block"
}

@test "README checks: a failing block, a hanging one and a bad fence are named by line" {
	local fake=$BATS_TEST_TMPDIR/fake.md
	printf '%s\n' '# x' '```sh' 'a=1' '```' 'text' '```sh' 'test "$a" = 2' '```' >"$fake"
	readme_run "$fake" "$BATS_TEST_TMPDIR/f1" 60
	assert_equal "$README_STATUS" "failed 6 1"
	# A block that leaves a worker behind and then hangs: the deadline
	# stops both.
	printf '%s\n' '```sh' 'sleep 300 &' 'echo $! > pid' '```' '```sh' 'sleep 300' '```' >"$fake"
	readme_run "$fake" "$BATS_TEST_TMPDIR/f2" 1
	assert_equal "$README_STATUS" "timeout 5"
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/f2/home/pid")
	wait_gone "$pid" 5 || fail "the background process of a block outlived it"
	# A variable from an earlier block is seen by a later one.
	printf '%s\n' '```sh' 'x=$(echo 7)' '```' '```sh' 'test "$x" = 7' '```' >"$fake"
	readme_run "$fake" "$BATS_TEST_TMPDIR/f3" 60
	assert_equal "$README_STATUS" ok
	# An unset variable is an error, as a misspelt $id would be.
	printf '%s\n' '```sh' 'echo "$nosuch"' '```' >"$fake"
	readme_run "$fake" "$BATS_TEST_TMPDIR/f4" 60
	assert_equal "$README_STATUS" "failed 1 1"
	printf '%s\n' '```shell' 'true' '```' >"$fake"
	run -0 readme_langs "$fake"
	assert_output $'1\tshell'
}
