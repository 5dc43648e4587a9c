# Exec jobs keep the submitter's environment (--env, --clean-env) and
# find their command in its PATH; handler jobs keep the worker's.

bats_require_minimum_version 1.5.0

load helper

@test "env: a command runs with the submitter's environment, JOBQ_* set on top" {
	local id
	id=$(env SUBMITTED=yes JOBQ_JOB_ID=bogus "$JOBQ" submit -- \
		sh -c 'echo "$SUBMITTED $JOBQ_JOB_ID $JOBQ_JOB_TYPE"')
	drain_worker
	assert_job "$id" state=completed env.SUBMITTED=yes
	run -0 "$JOBQ" result "$id"
	assert_output "yes $id exec"
}

@test "env: one worker runs each command with its own submitter's environment, alike or not" {
	local a b c d
	a=$(COLOUR=red "$JOBQ" submit -- sh -c 'echo "$COLOUR"')
	b=$(COLOUR=red "$JOBQ" submit -- sh -c 'echo "$COLOUR"')
	c=$(COLOUR=blue "$JOBQ" submit -- sh -c 'echo "$COLOUR"')
	d=$(COLOUR=red "$JOBQ" submit -- sh -c 'echo "$COLOUR"')
	drain_worker -j 1
	run -0 "$JOBQ" result "$a"; assert_output red
	run -0 "$JOBQ" result "$b"; assert_output red
	run -0 "$JOBQ" result "$c"; assert_output blue
	run -0 "$JOBQ" result "$d"; assert_output red
}

@test "env: the worker's own variables do not reach a command" {
	local id
	id=$("$JOBQ" submit -- sh -c 'echo "[${WORKERONLY-unset}]"')
	WORKERONLY=1 drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output "[unset]"
}

@test "env: --env adds and overrides, the last of a name wins" {
	local id
	id=$(env A=old "$JOBQ" submit --env A=new --env B=x=y --env B='two words' \
		--env E= -- sh -c 'echo "$A|$B|${E-unset}"')
	assert_job "$id" env.A=new env.B='two words' env.E=
	drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output "new|two words|"
}

@test "env: --clean-env runs with only --env and the JOBQ_ variables" {
	local id
	id=$(env NOISE=1 "$JOBQ" submit --clean-env --env KEEP=1 -- \
		/usr/bin/env)
	assert_job "$id" env='{"KEEP":"1"}'
	drain_worker
	run -0 "$JOBQ" result "$id"
	assert_equal "$(printf '%s\n' "$output" | sed 's/=.*//' | sort | tr '\n' ' ')" \
		"JOBQ_ATTEMPT JOBQ_DIR JOBQ_JOB_ID JOBQ_JOB_TYPE JOBQ_LOCK_FD JOBQ_PROGRESS_FD JOBQ_QUEUE KEEP "
}

@test "env: --clean-env finds the command in the worker's PATH" {
	local id
	id=$("$JOBQ" submit --clean-env -- echo found)
	drain_worker
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output "found"
}

@test "env: the command is found in the PATH it was submitted with, not the worker's" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho mine\n' >"$BATS_TEST_TMPDIR/bin/mytool"
	chmod 0755 "$BATS_TEST_TMPDIR/bin/mytool"
	local id miss
	id=$(PATH="$BATS_TEST_TMPDIR/bin:$PATH" "$JOBQ" submit -- mytool)
	miss=$("$JOBQ" submit -- mytool)
	PATH="$PATH:$BATS_TEST_TMPDIR/bin" drain_worker
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output "mine"
	# Not in its own PATH: fails at once, without retry, naming it.
	assert_job "$miss" state=failed attempt=1 \
		error~="command mytool in .*: not found in its PATH"
}

@test "env: bad --env forms are usage errors, nothing stored" {
	local arg
	for arg in NOEQUALS =value ''; do
		run --separate-stderr -2 "$JOBQ" submit --env "$arg" -- true
		assert_regex "$stderr" "^jobq: submit: bad --env '$arg'"
	done
	assert_job_count 0
}

@test "env: --env and --clean-env with a handler job are usage errors" {
	run --separate-stderr -2 "$JOBQ" submit --env A=1 mail
	assert_regex "$stderr" "^jobq: submit: --env applies to commands only"
	run --separate-stderr -2 "$JOBQ" submit mail --clean-env
	assert_regex "$stderr" "^jobq: submit: --clean-env applies to commands only"
	assert_job_count 0
}

@test "env: a handler job runs with the worker's environment, and shows env null" {
	make_handler show 'echo "[${SUBMITTED-unset}][${WORKERSIDE-unset}]"'
	local id
	id=$(SUBMITTED=1 "$JOBQ" submit show)
	assert_job "$id" env=null
	WORKERSIDE=2 drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output "[unset][2]"
}

@test "env: list --json does not carry env; status --json does" {
	"$JOBQ" submit -- true >/dev/null
	"$JOBQ" submit t >/dev/null
	run -0 "$JOBQ" list --json
	assert_equal "$(json_keys "$output" | grep -c '\benv\b' || true)" 0
	run -0 "$JOBQ" status --json 1
	assert_json "$output" env.HOME="$HOME"
}

@test "env: a variable that is not UTF-8 is left out with a warning" {
	run --separate-stderr -0 env "BADVAL=$(printf '\377')" GOOD=1 "$JOBQ" submit -- true
	assert_equal "$stderr" "jobq: submit: environment variable BADVAL is not UTF-8: not recorded for the command"
	assert_job "$output" env.GOOD=1
	run -0 "$JOBQ" status --json "$output"
	[[ $output != *BADVAL* ]] || fail "BADVAL recorded"
}

@test "[spool] env: the environment is stored in the spool's database, mode 0600" {
	SECRET=s3 "$JOBQ" submit -- true >/dev/null
	assert_mode "$JOBQ_DIR/jobq.db" 600
	assert_job 1 env.SECRET=s3
}

# --- handlers found without flags -------------------------------------

@test "handlers: ~/.config/jobq/handlers is searched without flags" {
	mkdir -p -m 0755 "$HOME/.config/jobq/handlers"
	printf '#!/bin/sh\necho from-config\n' >"$HOME/.config/jobq/handlers/cfg"
	chmod 0755 "$HOME/.config/jobq/handlers/cfg"
	local id
	id=$("$JOBQ" submit cfg)
	timeout 20 "$JOBQ" worker --drain 3>&- 2>>"$WORKER_LOG"
	run -0 "$JOBQ" result "$id"
	assert_output "from-config"
}

@test "handlers: \$XDG_CONFIG_HOME/jobq/handlers replaces ~/.config" {
	mkdir -p -m 0755 "$BATS_TEST_TMPDIR/xdg/jobq/handlers"
	printf '#!/bin/sh\necho from-xdg\n' >"$BATS_TEST_TMPDIR/xdg/jobq/handlers/x"
	chmod 0755 "$BATS_TEST_TMPDIR/xdg/jobq/handlers/x"
	local id
	id=$("$JOBQ" submit x)
	XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg" timeout 20 "$JOBQ" worker --drain \
		3>&- 2>>"$WORKER_LOG"
	run -0 "$JOBQ" result "$id"
	assert_output "from-xdg"
}

@test "handlers: a config handler directory writable by others stops the worker (69)" {
	mkdir -p -m 0755 "$HOME/.config/jobq"
	mkdir -m 0777 "$HOME/.config/jobq/handlers"
	chmod 0777 "$HOME/.config/jobq/handlers"
	run --separate-stderr -69 timeout 20 "$JOBQ" worker --drain 3>&-
	assert_regex "$stderr" "handler directory $HOME/.config/jobq/handlers refused"
}

@test "[spool] env: a command stored without an environment (older jobq) runs with the worker's" {
	local id
	id=$("$JOBQ" submit -- sh -c 'echo "[${WORKERSIDE-unset}]"')
	"$PYTHON" - "$JOBQ_DIR/jobq.db" "$id" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE payloads SET env = NULL WHERE job_id = ?", (int(sys.argv[2]),))
db.commit()
PY
	assert_job "$id" env=null
	WORKERSIDE=w drain_worker
	run -0 "$JOBQ" result "$id"
	assert_output "[w]"
}

@test "[spool] env: an almost empty environment (env -i) is recorded and runs" {
	local id
	id=$(env -i JOBQ_DIR="$JOBQ_DIR" "$JOBQ" submit -- /usr/bin/env)
	assert_job "$id" env="{\"JOBQ_DIR\":\"$JOBQ_DIR\"}"
	run -0 env -i JOBQ_DIR="$JOBQ_DIR" "$JOBQ" submit --batch <<<'{"argv":["/usr/bin/env"]}'
	assert_job "$output" env="{\"JOBQ_DIR\":\"$JOBQ_DIR\"}"
	# Nothing at all: no variable, not even the spool's.
	run --separate-stderr -0 env -i "$JOBQ" --dir "$JOBQ_DIR" submit -- true
	assert_job "$output" env='{}'
	env -i JOBQ_DIR="$JOBQ_DIR" PATH=/usr/bin:/bin timeout 20 "$JOBQ" worker --drain --quiet 3>&-
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_equal "$(printf '%s\n' "$output" | sed 's/=.*//' | sort | tr '\n' ' ')" \
		"JOBQ_ATTEMPT JOBQ_DIR JOBQ_JOB_ID JOBQ_JOB_TYPE JOBQ_LOCK_FD JOBQ_PROGRESS_FD JOBQ_QUEUE "
}

@test "[spool] env: a batch with no environment at all records {}" {
	run --separate-stderr -0 env -i "$JOBQ" --dir "$JOBQ_DIR" submit --batch \
		<<<'{"argv":["true"]}'
	assert_job "$output" env='{}'
}
