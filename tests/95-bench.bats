# bench/: the scripts parse, bench/run's arguments, the floor program,
# and lib.sh's big spool against the schema jobq makes now.  The
# benchmarks themselves are not run here (they take minutes).

load helper

BENCH="$BATS_TEST_DIRNAME/../bench"

@test "bench: every script parses (bash -n)" {
	local f n=0
	for f in "$BENCH"/run "$BENCH"/fuzz "$BENCH"/*.sh; do
		run -0 bash -n "$f"
		assert_output ""
		n=$((n + 1))
	done
	[ "$n" -ge 8 ]
}

@test "bench: run --dry-run says what it would do and runs nothing" {
	run --separate-stderr -0 "$BENCH/run" --dry-run --quick --json \
		"$BATS_TEST_TMPDIR/r.json"
	assert_regex "$output" "^bench/run: would build .* run 8 scenarios \(quick=1\) and write $BATS_TEST_TMPDIR/r.json$"
	[ ! -e "$BATS_TEST_TMPDIR/r.json" ]
}

@test "bench: run rejects bad arguments with one line and status 2" {
	run --separate-stderr -2 "$BENCH/run" --bogus
	assert_output ""
	assert_regex "$stderr" "^bench/run: unknown argument '--bogus' \(usage: "
	[ "${#stderr_lines[@]}" -eq 1 ]
	run --separate-stderr -2 "$BENCH/run" --json
	assert_regex "$stderr" "^bench/run: --json needs a file "
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "bench: floor makes one durable insert per run and prints its id" {
	[ -x "${FLOOR:-}" ] || fail "no floor binary (set FLOOR)"
	run --separate-stderr -0 "$FLOOR" "$BATS_TEST_TMPDIR"
	assert_output "1"
	run --separate-stderr -0 "$FLOOR" "$BATS_TEST_TMPDIR"
	assert_output "2"
	run -0 "$PYTHON" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA journal_mode").fetchone()[0],
      c.execute("SELECT count(*) FROM jobs").fetchone()[0])' \
		"$BATS_TEST_TMPDIR/floor.db"
	assert_output "wal 2"
	run --separate-stderr -2 "$FLOOR"
	assert_output ""
	assert_equal "$stderr" "usage: floor DIR"
	run --separate-stderr -1 "$FLOOR" "$BATS_TEST_TMPDIR/no/such/dir"
	assert_regex "$stderr" "^floor: open: "
}

@test "bench: lib.sh's big spool is one jobq reads, claims and keeps waiting" {
	local here=$BENCH
	. "$BENCH/lib.sh"
	make_handler nop 'exit 0'
	run -0 big_spool "$JOBQ_DIR" 3 10 6
	run --separate-stderr -0 "$JOBQ" stats --json
	assert_equal "$(json_field "$output" jobs.total)" 19
	run -0 "$JOBQ" worker --drain --quiet -j 2 --handlers "$HANDLERS" 3>&-
	run --separate-stderr -0 "$JOBQ" list --status completed --limit 100
	[ "${#lines[@]}" -eq 13 ]
	# The six that cannot run yet are all still waiting.
	run --separate-stderr -0 "$JOBQ" list --status pending --limit 100
	[ "${#lines[@]}" -eq 6 ]
	assert_regex "$output" "paused"
}

@test "bench: run refuses a JSON path it could not write, before any work" {
	run --separate-stderr -2 "$BENCH/run" --dry-run --json \
		"$BATS_TEST_TMPDIR/no/such/dir/r.json"
	assert_output ""
	assert_regex "$stderr" "^bench/run: cannot write the JSON into $BATS_TEST_TMPDIR/no/such/dir: no such writable directory "
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
}
