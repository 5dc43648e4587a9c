#!/usr/bin/env bats
# Spool and handler ownership: a spool that is not ours, a database that
# is a symlink, handlers someone else controls, damaged databases, and
# modes whatever the umask. Run as root (as CI does), with a throwaway
# second user made for this file.

load helper

setup_file() {
	[ "$(id -u)" -eq 0 ] || {
		echo "70-ownership needs root (to make a second user)" >&2
		return 1
	}
	export OTHER="jobqo$$"
	local deadline=$(($(date +%s) + 30))
	# useradd fails while another process holds /etc/passwd's lock.
	until useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$OTHER" \
		2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || {
			echo "cannot create user $OTHER" >&2
			return 1
		}
		sleep 0.2
	done
	OTHER_UID=$(id -u "$OTHER")
	export OTHER_UID
}

teardown_file() {
	local deadline=$(($(date +%s) + 30))
	until userdel "$OTHER" 2>/dev/null || ! id "$OTHER" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

teardown() {
	local pid
	for pid in "${_HANDLER_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	[ -z "${SHARED:-}" ] || rm -rf "$SHARED"
	# helper.bash's teardown: the workers.
	local p
	for p in "${_JOBQ_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${_JOBQ_PIDS[@]}"; do
		wait_gone "$p" 4 || kill -KILL "$p" 2>/dev/null || true
	done
}

# as_other CMD...: CMD run as the second user, no supplementary groups,
# with a clean environment (but the sanitizers' options kept).
as_other() {
	setpriv --reuid="$OTHER_UID" --regid="$OTHER_UID" --clear-groups \
		--reset-env -- env JOBQ="$JOBQ" PATH=/usr/bin:/bin \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		"$@"
}

# shared_dir: a fresh directory under /tmp that the second user can
# reach (the bats temporary directories are root's 0700), in SHARED.
shared_dir() {
	SHARED=$(mktemp -d /tmp/jobq-own.XXXXXX)
	chmod 0755 "$SHARED"
}

# listing DIR: every name under DIR with its size and mode.
listing() {
	find "$1" -printf '%P %y %m %u\n' | sort
}

# --- spools of other users (9a) ------------------------------------------

@test "root's status on another user's spool: exit 69 naming the owner, no file made, handler not signalled" {
	make_handler slow "echo \$\$ >'$BATS_TEST_TMPDIR/slow.pid'; exec sleep 60"
	local id
	id=$("$JOBQ" submit slow)
	start_worker
	wait_state "$id" running
	wait_for 10 test -s "$BATS_TEST_TMPDIR/slow.pid"
	local hpid
	hpid=$(cat "$BATS_TEST_TMPDIR/slow.pid")
	_HANDLER_PIDS=("$hpid")
	# The worker dies; its handler lives on in its own process group.
	kill -KILL "$WORKER_PID"
	wait "$WORKER_PID" 2>/dev/null || true
	chown -R "$OTHER" "$JOBQ_DIR"
	local before
	before=$(listing "$JOBQ_DIR")
	local args
	for args in "status $id" "list" "submit t" "cancel $id" "result $id" \
		"wait $id"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 timeout 20 "$JOBQ" $args
		assert_output ""
		assert_regex "$stderr" "^jobq: ${args%% *}: spool $JOBQ_DIR belongs to user $OTHER \\(uid $OTHER_UID\\), not to you \\(user root \\(uid 0\\)\\): run jobq as $OTHER, or use --dir for a spool of your own$"
	done
	run --separate-stderr -69 timeout 20 "$JOBQ" worker --drain \
		--handlers "$HANDLERS" 3>&-
	assert_regex "$stderr" "belongs to user $OTHER"
	assert_equal "$(listing "$JOBQ_DIR")" "$before"
	pid_alive "$hpid" || fail "the handler (pid $hpid) was signalled"
}

@test "a spool directory of ours whose jobq.db is another user's: exit 69" {
	local id
	id=$("$JOBQ" submit t)
	chown "$OTHER" "$JOBQ_DIR/jobq.db"
	run --separate-stderr -69 "$JOBQ" status "$id"
	assert_output ""
	assert_regex "$stderr" "^jobq: status: spool file $JOBQ_DIR/jobq\\.db belongs to user $OTHER \\(uid $OTHER_UID\\)"
	chown root "$JOBQ_DIR/jobq.db"
	assert_job "$id" state=pending
}

@test "the other user's own spool works for that user" {
	shared_dir
	chown "$OTHER" "$SHARED"
	run -0 as_other "$JOBQ" --dir "$SHARED/spool" submit -- true
	local id=$output
	run -0 as_other "$JOBQ" --dir "$SHARED/spool" status --json "$id"
	assert_json "$output" state=pending
	run -69 "$JOBQ" --dir "$SHARED/spool" status "$id"
}

@test "a wake file its owner made write-only still wakes that user's idle worker" {
	shared_dir
	chown "$OTHER" "$SHARED"
	local s="$SHARED/spool" id
	run -0 as_other "$JOBQ" --dir "$s" submit -- true
	id=$output
	# Unreadable, it cannot be watched itself (inotify needs read
	# access): the worker watches it through the directory.
	chmod 0200 "$s/wake"
	as_other "$JOBQ" --dir "$s" worker --quiet 3>&- &
	_JOBQ_PIDS+=($!)
	run -0 as_other "$JOBQ" --dir "$s" wait --timeout 5s "$id"
	sleep 0.3
	run -0 as_other "$JOBQ" --dir "$s" submit -- true
	id=$output
	# Under the worker's five-second fallback poll.
	run -0 as_other "$JOBQ" --dir "$s" wait --timeout 2s "$id"
	assert_equal "$(stat -c %a "$s/wake")" 200
}

# --- symlinks in the spool (3) -------------------------------------------

@test "a jobq.db that is a symlink to another spool's: exit 69 for every command" {
	local a="$BATS_TEST_TMPDIR/a" id
	id=$("$JOBQ" --dir "$a" submit t)
	mkdir -m 0700 "$JOBQ_DIR"
	ln -s "$a/jobq.db" "$JOBQ_DIR/jobq.db"
	local args
	for args in "status $id" "list" "submit t" "cancel $id"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 "$JOBQ" $args
		assert_output ""
		assert_regex "$stderr" "^jobq: ${args%% *}: $JOBQ_DIR/jobq\\.db is a symbolic link"
	done
	run -69 timeout 20 "$JOBQ" worker --drain --handlers "$HANDLERS" 3>&-
	# Nothing was made beside the link.
	assert_equal "$(ls -A "$JOBQ_DIR")" jobq.db
	JOBQ_DIR=$a assert_job_count 1
}

@test "a jobq.db-wal or jobq.db-shm that is a symlink: exit 69" {
	local id f
	id=$("$JOBQ" submit t)
	for f in jobq.db-wal jobq.db-shm; do
		# Moved aside, not removed: the WAL holds the last commits.
		mv "$JOBQ_DIR/$f" "$BATS_TEST_TMPDIR/$f.kept"
		ln -s "$BATS_TEST_TMPDIR/elsewhere" "$JOBQ_DIR/$f"
		run --separate-stderr -69 "$JOBQ" status "$id"
		assert_regex "$stderr" "^jobq: status: $JOBQ_DIR/$f is a symbolic link"
		run -69 "$JOBQ" submit t
		[ ! -e "$BATS_TEST_TMPDIR/elsewhere" ] ||
			fail "the target of $f was created"
		rm "$JOBQ_DIR/$f"
		mv "$BATS_TEST_TMPDIR/$f.kept" "$JOBQ_DIR/$f"
	done
	assert_job_count 1
}

@test "a dangling jobq.db symlink: exit 69, its target not created" {
	mkdir -m 0700 "$JOBQ_DIR"
	ln -s "$BATS_TEST_TMPDIR/nowhere.db" "$JOBQ_DIR/jobq.db"
	run --separate-stderr -69 "$JOBQ" submit t
	assert_output ""
	assert_regex "$stderr" "^jobq: submit: $JOBQ_DIR/jobq\\.db is a symbolic link"
	[ ! -e "$BATS_TEST_TMPDIR/nowhere.db" ] ||
		fail "submit created the symlink's target"
	assert_equal "$(ls -A "$JOBQ_DIR")" jobq.db
}

@test "lock, wake, logs or workers that is a symlink or of the wrong type: exit 69" {
	local id f
	id=$("$JOBQ" submit t)
	mkdir -m 0700 "$BATS_TEST_TMPDIR/d"
	for f in lock wake logs workers; do
		mv "$JOBQ_DIR/$f" "$BATS_TEST_TMPDIR/saved" 2>/dev/null || true
		ln -s "$BATS_TEST_TMPDIR/d" "$JOBQ_DIR/$f"
		run --separate-stderr -69 "$JOBQ" status "$id"
		assert_regex "$stderr" "^jobq: status: $JOBQ_DIR/$f is a symbolic link"
		rm "$JOBQ_DIR/$f"
		rm -rf "$BATS_TEST_TMPDIR/saved"
	done
	mkfifo "$JOBQ_DIR/lock"
	run --separate-stderr -69 "$JOBQ" status "$id"
	assert_regex "$stderr" "^jobq: status: $JOBQ_DIR/lock is not a regular file"
	rm "$JOBQ_DIR/lock"
	touch "$JOBQ_DIR/workers"
	run --separate-stderr -69 "$JOBQ" status "$id"
	assert_regex "$stderr" "^jobq: status: $JOBQ_DIR/workers is not a directory"
	rm "$JOBQ_DIR/workers"
	run -0 "$JOBQ" status "$id"
}

# --- handlers someone else controls (10) -----------------------------------

# assert_untrusted_handler TYPE ERE: a job of TYPE fails at once, its error
# naming what is wrong (ERE), and the handler never runs.
assert_untrusted_handler() {
	local id
	id=$("$JOBQ" submit "$1")
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed attempt=1 error~="$2"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || fail "the handler of $1 ran"
}

@test "a handler file owned by another user: job failed naming it, not run" {
	make_handler t "touch '$BATS_TEST_TMPDIR/ran'"
	chown "$OTHER" "$HANDLERS/t"
	assert_untrusted_handler t "^handler $HANDLERS/t refused: $HANDLERS/t belongs to user $OTHER \\(uid $OTHER_UID\\)"
}

@test "a handler symlink to another user's file: job failed naming the target" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/theirs"
	printf '#!/bin/sh\ntouch %s/ran\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/theirs/t"
	chmod 0755 "$BATS_TEST_TMPDIR/theirs/t"
	chown "$OTHER" "$BATS_TEST_TMPDIR/theirs/t"
	ln -s "$BATS_TEST_TMPDIR/theirs/t" "$HANDLERS/t"
	assert_untrusted_handler t "^handler $HANDLERS/t refused: $BATS_TEST_TMPDIR/theirs/t belongs to user $OTHER"
}

@test "a handler in a group-writable directory: job failed naming the directory" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/gw"
	chmod 0775 "$BATS_TEST_TMPDIR/gw"
	printf '#!/bin/sh\ntouch %s/ran\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/gw/t"
	chmod 0755 "$BATS_TEST_TMPDIR/gw/t"
	ln -s "$BATS_TEST_TMPDIR/gw/t" "$HANDLERS/t"
	assert_untrusted_handler t "^handler $HANDLERS/t refused: $BATS_TEST_TMPDIR/gw is writable by its group"
}

@test "a handler under a user-owned world-writable directory that is not sticky: job failed naming it" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/ww"
	chmod 0777 "$BATS_TEST_TMPDIR/ww"
	chown "$OTHER" "$BATS_TEST_TMPDIR/ww"
	mkdir -m 0755 "$BATS_TEST_TMPDIR/ww/sub"
	printf '#!/bin/sh\ntouch %s/ran\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/ww/sub/t"
	chmod 0755 "$BATS_TEST_TMPDIR/ww/sub/t"
	ln -s "$BATS_TEST_TMPDIR/ww/sub/t" "$HANDLERS/t"
	assert_untrusted_handler t "^handler $HANDLERS/t refused: $BATS_TEST_TMPDIR/ww belongs to user $OTHER"
	# Its owner being root does not help: anyone may rename sub.
	chown root "$BATS_TEST_TMPDIR/ww"
	assert_untrusted_handler t "^handler $HANDLERS/t refused: $BATS_TEST_TMPDIR/ww is writable by every user"
}

@test "a handler under /tmp, in a root-owned 0755 directory, is accepted" {
	shared_dir
	printf '#!/bin/sh\necho ran\n' >"$SHARED/t"
	chmod 0755 "$SHARED/t"
	local id
	id=$("$JOBQ" submit t)
	timeout 20 "$JOBQ" worker --handlers "$SHARED" --drain 3>&- \
		2>>"$WORKER_LOG"
	assert_job "$id" state=completed
	run -0 "$JOBQ" result "$id"
	assert_output ran
}

@test "refused handler directories stop the worker at start with exit 69" {
	make_handler t 'echo hi'
	local id
	id=$("$JOBQ" submit t)
	chmod 0775 "$HANDLERS"
	run --separate-stderr -69 timeout 20 "$JOBQ" worker \
		--handlers "$HANDLERS" --drain 3>&-
	assert_regex "$stderr" "^jobq: worker: handler directory $HANDLERS refused: $HANDLERS is writable by its group"
	chmod 0755 "$HANDLERS"
	chown "$OTHER" "$HANDLERS"
	run --separate-stderr -69 timeout 20 "$JOBQ" worker \
		--handlers "$HANDLERS" --drain 3>&-
	assert_regex "$stderr" "^jobq: worker: handler directory $HANDLERS refused: $HANDLERS belongs to user $OTHER"
	chown root "$HANDLERS"
	# A JOBQ_HANDLERS directory and SPOOL/handlers: refused if present.
	mkdir -m 0755 "$BATS_TEST_TMPDIR/env"
	chown "$OTHER" "$BATS_TEST_TMPDIR/env"
	JOBQ_HANDLERS="$BATS_TEST_TMPDIR/env" run --separate-stderr -69 \
		timeout 20 "$JOBQ" worker --drain 3>&-
	assert_regex "$stderr" "handler directory $BATS_TEST_TMPDIR/env refused"
	chown "$OTHER" "$JOBQ_DIR/handlers"
	run --separate-stderr -69 timeout 20 "$JOBQ" worker --drain \
		--handlers "$HANDLERS" 3>&-
	assert_regex "$stderr" "handler directory $JOBQ_DIR/handlers refused"
	assert_job "$id" state=pending attempt=0
	rmdir "$JOBQ_DIR/handlers"
	JOBQ_HANDLERS="$BATS_TEST_TMPDIR/nonexistent" drain_worker
	assert_job "$id" state=completed
}

@test "a type in the database that is not a name never becomes a path" {
	make_handler t 'echo hi'
	printf '#!/bin/sh\ntouch %s/ran\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/evil"
	chmod 0755 "$BATS_TEST_TMPDIR/evil"
	local id
	id=$("$JOBQ" submit t)
	"$PYTHON" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE jobs SET type = ? WHERE id = ?", ("../evil", int(sys.argv[2])))
c.commit()' "$JOBQ_DIR/jobq.db" "$id"
	drain_worker
	run -0 "$JOBQ" status --json "$id"
	assert_json "$output" state=failed error~="^bad job type '\.\./evil'"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || fail "../evil ran"
}

# --- damaged databases (17c, 17d) ------------------------------------------

@test "a garbage jobq.db: exit 69 and no lock, logs or workers made" {
	mkdir -m 0700 "$JOBQ_DIR"
	head -c 4096 /dev/urandom >"$JOBQ_DIR/jobq.db"
	chmod 0600 "$JOBQ_DIR/jobq.db"
	local args
	for args in "submit t" "status 1" "list"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 "$JOBQ" $args
		assert_regex "$stderr" "^jobq: ${args%% *}: .*jobq\\.db"
	done
	run -69 timeout 20 "$JOBQ" worker --drain --handlers "$HANDLERS" 3>&-
	assert_equal "$(ls -A "$JOBQ_DIR")" jobq.db
}

# stamped_db [SQL]: the spool's database replaced by one stamped as
# jobq's at the current schema version, holding only what SQL makes.
stamped_db() {
	local version
	"$JOBQ" submit t >/dev/null
	version=$("$PYTHON" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' \
		"$JOBQ_DIR/jobq.db")
	rm -r "$JOBQ_DIR"
	mkdir -m 0700 "$JOBQ_DIR"
	"$PYTHON" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
if sys.argv[3]:
    c.execute(sys.argv[3])
c.execute("PRAGMA application_id = %d" % 0x6a6f6271)
c.execute("PRAGMA user_version = %d" % int(sys.argv[2]))
c.commit()' "$JOBQ_DIR/jobq.db" "$version" "${1:-}"
}

@test "a jobq-stamped database with no tables: exit 69, damaged" {
	stamped_db
	local args
	for args in "status 1" "list" "submit t"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 "$JOBQ" $args
		assert_output ""
		assert_regex "$stderr" "^jobq: ${args%% *}: $JOBQ_DIR/jobq\\.db: the database is damaged"
	done
}

@test "a jobq-stamped database whose jobs is a view, not a table: exit 69, damaged" {
	stamped_db "CREATE VIEW jobs AS SELECT 1 AS id"
	run --separate-stderr -69 "$JOBQ" submit t
	assert_output ""
	assert_regex "$stderr" "^jobq: submit: $JOBQ_DIR/jobq\\.db: the database is damaged"
	assert_equal "$(ls -A "$JOBQ_DIR")" jobq.db
}

# --- modes whatever the umask (17e) ----------------------------------------

# assert_private DIR: directories 0700, files 0600, under DIR.
assert_private() {
	local bad
	bad=$(find "$1" \( -type d ! -perm 0700 \) -o \( -type f ! -perm 0600 \) \
		-printf '%p %m\n')
	[ -z "$bad" ] || fail "not private: $bad"
}

@test "umask 0277 and 0777: the spool stays usable by its owner, 0700 and 0600" {
	shared_dir
	chown "$OTHER" "$SHARED"
	local d="$SHARED/a/b/spool" id
	run -0 as_other sh -c 'cd / && umask 0277 && exec "$JOBQ" --dir "$1" submit -- true' \
		sh "$d"
	id=$output
	# Parents made on the way are usable by their owner.
	assert_mode "$SHARED/a" 700
	assert_mode "$SHARED/a/b" 700
	run -0 as_other sh -c 'cd / && umask 0777 && exec "$JOBQ" --dir "$1" submit -- sh -c "echo oops >&2; exit 3"' \
		sh "$d"
	local id2=$output
	run -0 as_other sh -c 'cd / && umask 0777 && exec timeout 20 "$JOBQ" --dir "$1" worker --drain 3>&-' \
		sh "$d"
	run -0 as_other sh -c 'cd / && umask 0277 && exec "$JOBQ" --dir "$1" status --json "$2"' \
		sh "$d" "$id"
	assert_json "$output" state=completed
	run -0 as_other "$JOBQ" --dir "$d" status --json "$id2"
	assert_json "$output" state=failed
	[ -n "$(ls -A "$d/logs")" ] || fail "no log was written"
	assert_private "$d"
}

@test "umask 0777 for a spool's first command: 0700 and 0600, usable after" {
	shared_dir
	chown "$OTHER" "$SHARED"
	run -0 as_other sh -c 'cd / && umask 0777 && exec "$JOBQ" --dir "$1" submit -- true' \
		sh "$SHARED/spool"
	local id=$output
	assert_private "$SHARED/spool"
	run -0 as_other "$JOBQ" --dir "$SHARED/spool" status --json "$id"
	assert_json "$output" state=pending
}

@test "a jobq.db truncated to nothing in a used spool: exit 69, never a new database that gives out old ids" {
	"$JOBQ" submit t '{"old":1}' >/dev/null
	"$JOBQ" submit t '{"old":2}' >/dev/null
	: >"$JOBQ_DIR/jobq.db"
	local args
	for args in "submit t" "status 1" "list"; do
		# shellcheck disable=SC2086
		run --separate-stderr -69 "$JOBQ" $args
		assert_regex "$stderr" "^jobq: ${args%% *}: .*jobq\\.db is empty but the spool has been used"
		assert_equal "$output" ""
	done
	run -69 timeout 20 "$JOBQ" worker --drain --handlers "$HANDLERS" 3>&-
	assert_equal "$(stat -c %s "$JOBQ_DIR/jobq.db")" 0
}

@test "an empty jobq.db left by a first command that died before writing: the spool starts" {
	mkdir -m 0700 "$JOBQ_DIR"
	: >"$JOBQ_DIR/jobq.db"
	chmod 0600 "$JOBQ_DIR/jobq.db"
	run -0 "$JOBQ" submit t
	assert_output 1
	run -0 "$JOBQ" list
	assert_output --partial "pending"
}
