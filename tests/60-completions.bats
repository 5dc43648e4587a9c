# The bash completion offers jobq's commands, each command's options and
# the values some options take; queues, types and ids come from the spool
# and the handler directories through 'jobq complete'.

load helper

# complete_words WORD...: what the completion offers for the last word.
complete_words() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_jobq "$JOBQ" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ \
		"$BATS_TEST_DIRNAME/../completions/jobq.bash" "$@"
}

@test "bash completion: commands, and global options" {
	run -0 complete_words jobq ''
	for cmd in submit status result wait list cancel worker; do
		assert_line "$cmd"
	done
	run -0 complete_words jobq w
	assert_output $'wait\nwatch\nworker'
	run -0 complete_words jobq --
	assert_output $'--color\n--db\n--dir\n--help\n--json\n--version'
}

@test "bash completion: each command's options" {
	run -0 complete_words jobq worker --
	assert_output $'--color\n--db\n--dir\n--drain\n--grace\n--handlers\n--help\n--jobs\n--json\n--queue\n--quiet'
	run -0 complete_words jobq submit --p
	assert_output '--priority'
	run -0 complete_words jobq --dir /tmp list --s
	assert_output '--status'
	run -0 complete_words jobq wait --ti
	assert_output '--timeout'
	run -0 complete_words jobq wait --a
	assert_output '--all'
	run -0 complete_words jobq logs --f
	assert_output '--follow'
}

@test "bash completion: priorities and states" {
	run -0 complete_words jobq submit --priority ''
	assert_output $'critical\nhigh\nlow\nnormal'
	run -0 complete_words jobq list --status c
	assert_output $'cancelled\ncompleted'
}

@test "bash completion: short options, and help completes a command" {
	run -0 complete_words jobq list -
	assert_output $'--color\n--db\n--dir\n--help\n--json\n--limit\n--offset\n--order\n--priority\n--queue\n--status\n--tag\n--type\n-h\n-n\n-p\n-q\n-s'
	run -0 complete_words jobq help w
	assert_output $'wait\nwatch\nworker'
	run -0 complete_words jobq help wait ''
	assert_output ''
}

# An executable handler named name in dir.
handler() {
	printf '#!/bin/sh\ncat\n' >"$1/$2"
	chmod 755 "$1/$2"
}

@test "complete: commands, states and priorities, one per line with a tab" {
	run --separate-stderr -0 "$JOBQ" complete commands
	assert_line $'submit\tadd a job and print its id'
	assert_line --regexp $'^complete\t'
	assert_equal "${#lines[@]}" "$("$JOBQ" --help | grep -c '^  [a-z]')"
	run --separate-stderr -0 "$JOBQ" complete states
	assert_output $'pending\tnot ended\nrunning\tnot ended\nretrying\tnot ended\ncompleted\tended\nfailed\tended\ntimeout\tended\ncancelled\tended'
	run --separate-stderr -0 "$JOBQ" complete priorities
	assert_line --index 0 $'critical\t0'
	assert_equal "${#lines[@]}" 4
}

@test "complete: no spool prints nothing, exits 0 and creates nothing" {
	local what
	for what in queues ids; do
		run --separate-stderr -0 "$JOBQ" complete "$what"
		assert_output ''
		assert_equal "$stderr" ''
	done
	run --separate-stderr -0 "$JOBQ" complete types
	assert_output ''
	[ ! -e "$JOBQ_DIR" ]
	run --separate-stderr -0 "$JOBQ" --dir "$BATS_TEST_TMPDIR/none" complete ids
	assert_output ''
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "complete: bad WHAT or operands are usage errors" {
	run --separate-stderr -2 "$JOBQ" complete jobs
	assert_output ''
	assert_regex "$stderr" "cannot complete 'jobs'"
	run --separate-stderr -2 "$JOBQ" complete
	assert_regex "$stderr" "usage: jobq complete"
	run --separate-stderr -2 "$JOBQ" complete ids queues
	assert_regex "$stderr" "usage: jobq complete"
	[ ! -e "$JOBQ_DIR" ]
}

@test "complete ids: not ended first, then the newest ended, 200 in all" {
	"$JOBQ" submit -q mail -- echo hi >/dev/null
	"$JOBQ" submit -q web resize '{}' >/dev/null
	run --separate-stderr -0 "$JOBQ" complete ids
	assert_output $'2\tpending resize (web)\n1\tpending: echo hi'
	# 300 ended jobs and one waiting: the waiting one, then 199 ended.
	local db=$JOBQ_DIR/jobq.db
	"$PYTHON" - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO jobs (type, queue, priority, state, created_at,"
               " run_at, finished_at, timeout_ms) VALUES ('t', 'default',"
               " 20, 'completed', 1, 1, 2, 0)", [()] * 300)
db.execute("UPDATE jobs SET state = 'failed' WHERE id = 1")
db.commit()
PY
	run --separate-stderr -0 "$JOBQ" complete ids
	assert_equal "${#lines[@]}" 200
	assert_line --index 0 $'2\tpending resize (web)'
	assert_line --index 1 $'302\tcompleted t (default)'
	assert_line --index 199 $'104\tcompleted t (default)'
}

@test "complete ids: descriptions are escaped and shortened" {
	"$JOBQ" submit -- printf $'\e[2J%s\n' "$(printf 'x%.0s' {1..80})" >/dev/null
	run --separate-stderr -0 "$JOBQ" complete ids
	assert_regex "$output" $'^1\tpending: printf .\\\\e\\[2J'
	assert_regex "$output" '\.\.\.$'
	[[ $output != *$'\e'* ]]
	[ "${#output}" -lt 70 ]
}

@test "complete ids: a writer holding the lock does not make it wait" {
	"$JOBQ" submit -- true >/dev/null
	flock "$JOBQ_DIR/lock" sleep 5 3>&- &
	local pid=$!
	_JOBQ_PIDS+=("$pid")
	local deadline=$((SECONDS + 5))
	until ! flock -n "$JOBQ_DIR/lock" true; do
		((SECONDS < deadline)) || fail "lock not taken"
	done
	local start=$SECONDS
	run --separate-stderr -0 timeout 3 "$JOBQ" complete ids
	assert_output $'1\tpending: true'
	((SECONDS - start < 2))
}

@test "complete queues: from the spool, with what waits in them" {
	"$JOBQ" submit -q mail -- true >/dev/null
	"$JOBQ" submit -q mail -- true >/dev/null
	"$JOBQ" submit -q web -- true >/dev/null
	"$JOBQ" pause web
	run --separate-stderr -0 "$JOBQ" complete queues
	assert_output $'mail\t2 pending\nweb\tpaused, 1 pending'
}

@test "complete types: executables of the handler directories" {
	local more=$BATS_TEST_TMPDIR/more
	mkdir -m 0755 "$more" "$BATS_TEST_TMPDIR/spool" "$JOBQ_DIR/handlers" 2>/dev/null ||
		mkdir -p -m 0755 "$JOBQ_DIR/handlers"
	chmod 700 "$JOBQ_DIR"
	handler "$more" resize
	handler "$more" mail
	handler "$JOBQ_DIR/handlers" mail
	handler "$JOBQ_DIR/handlers" own
	touch "$more/notes" "$more/bad name"
	chmod 755 "$more/bad name"
	mkdir "$more/dir"
	JOBQ_HANDLERS=$more run --separate-stderr -0 "$JOBQ" complete types
	assert_output "$(printf 'mail\t%s\nresize\t%s\nown\t%s/handlers' "$more" "$more" "$JOBQ_DIR")"
}

@test "bash completion: ids with their description, and --dir honoured" {
	"$JOBQ" submit -- echo hi >/dev/null
	"$JOBQ" submit -q web resize '{}' >/dev/null
	run -0 complete_words jobq status ''
	assert_output $'1  (pending: echo hi)\n2  (pending resize (web))'
	run -0 complete_words jobq cancel 2
	assert_output '2'
	local other=$BATS_TEST_TMPDIR/other
	JOBQ_DIR=$other "$JOBQ" submit -q far -- true >/dev/null
	run -0 complete_words jobq --dir "$other" rm ''
	assert_output '1'
	run -0 complete_words jobq logs --dir="$other" ''
	assert_output '1'
	run -0 complete_words jobq submit --dir "$other" -q ''
	assert_output 'far'
	run -0 complete_words jobq --dir "$BATS_TEST_TMPDIR/none" status ''
	assert_output ''
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "bash completion: --dir as typed: quoted, escaped, ~/, never evaluated" {
	local spaced="$BATS_TEST_TMPDIR/a b'c"
	JOBQ_DIR=$spaced "$JOBQ" submit -q spaced -- true >/dev/null
	run -0 complete_words jobq --dir "$(printf %q "$spaced")" list -q ''
	assert_output 'spaced'
	run -0 complete_words jobq --dir "\"$spaced\"" list -q ''
	assert_output 'spaced'
	mkdir -p "$HOME/sp"
	JOBQ_DIR=$HOME/sp/s "$JOBQ" submit -q home -- true >/dev/null
	run -0 complete_words jobq --dir='~/sp/s' list -q ''
	assert_output 'home'
	cd "$BATS_TEST_TMPDIR"
	run -0 complete_words jobq --dir '$(touch evaluated)' list -q ''
	assert_output ''
	run -0 complete_words jobq --dir '`touch evaluated`' status ''
	assert_output ''
	[ ! -e evaluated ]
}

@test "bash completion: queues, types, and comma lists" {
	"$JOBQ" submit -q mail -- true >/dev/null
	"$JOBQ" submit -q web -- true >/dev/null
	run -0 complete_words jobq list --queue ''
	assert_output $'mail\nweb'
	run -0 complete_words jobq pause ''
	assert_output $'all\nmail\nweb'
	run -0 complete_words jobq limit w
	assert_output 'web'
	run -0 complete_words jobq limit web ''
	assert_output 'none'
	handler "$HANDLERS" resize
	JOBQ_HANDLERS=$HANDLERS run -0 complete_words jobq submit r
	assert_output 'resize'
	JOBQ_HANDLERS=$HANDLERS run -0 complete_words jobq list --type ''
	assert_output 'resize'
	run -0 complete_words jobq list --status failed,c
	assert_output $'failed,cancelled\nfailed,completed'
	run -0 complete_words jobq list -s pending,running,t
	assert_output 'pending,running,timeout'
	run -0 complete_words jobq prune --status completed,
	assert_output $'completed,cancelled\ncompleted,completed\ncompleted,failed\ncompleted,timeout'
	run -0 complete_words jobq submit --after 1,
	assert_output $'1,1  (pending: true)\n1,2  (pending: true)'
	run -0 complete_words jobq --color ''
	assert_output $'always\nauto\nnever'
}

@test "bash completion: @file payloads, and a command after --" {
	mkdir "$BATS_TEST_TMPDIR/p"
	echo '{}' >"$BATS_TEST_TMPDIR/p/job.json"
	run -0 complete_words jobq submit resize "@$BATS_TEST_TMPDIR/p/j"
	assert_output "@$BATS_TEST_TMPDIR/p/job.json"
	run -0 complete_words jobq submit resize ''
	assert_output $'-\n@'
	run -0 complete_words jobq submit -q mail -- bash
	assert_line 'bash'
	run -0 complete_words jobq submit -- ls "$BATS_TEST_TMPDIR/p/j"
	assert_output "$BATS_TEST_TMPDIR/p/job.json"
	# After a type, "--" only ends the options: the payload follows.
	run -0 complete_words jobq submit resize -- ''
	assert_output $'-\n@'
}

@test "complete ids: quick with 100 000 jobs, the waiting ones first" {
	"$JOBQ" submit -- true >/dev/null
	"$PYTHON" - "$JOBQ_DIR/jobq.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
           " WHERE x < 100000) INSERT INTO jobs (type, queue, priority,"
           " state, created_at, run_at, finished_at, timeout_ms)"
           " SELECT 't', 'default', 20, 'completed', x, x, x + 1, 0 FROM c")
db.execute("UPDATE jobs SET state = 'pending', finished_at = NULL"
           " WHERE id = 50000")
db.commit()
PY
	local start=$EPOCHREALTIME
	run --separate-stderr -0 "$JOBQ" complete ids
	local took=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
	assert_equal "${#lines[@]}" 200
	assert_line --index 0 $'50000\tpending t (default)'
	assert_line --index 1 $'1\tpending: true'
	assert_line --index 2 $'100001\tcompleted t (default)'
	# About 30 ms here; the bound leaves room for a loaded machine and
	# sanitizers.
	((took < 2000)) || fail "complete ids took $took ms"
}
