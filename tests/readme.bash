# Helpers for 90-readme.bats: the code blocks of README.md.
#
# The convention README.md follows, and these helpers check:
#   ```sh    runs as typed. The sh blocks run in order in one bash, as a
#            reader types them into one terminal, so a variable set in one
#            block ($id, $ids) is seen by the next. The shell has
#            set -euo pipefail: an example that fails fails the test.
#   ```bash  cannot run here (installing, building, systemd, fuzzing):
#            checked with bash -n only.
#   ```cron  crontab lines: the five time fields are dropped and the
#            command is checked with bash -n.
#   ```      (no language) output or other text: not checked.
# Any other language on an opening fence is an error, so that a block is
# never left out of the checks by a typo.

# readme_blocks FILE LANG: the line of the opening fence of each block of
# LANG, one per line.
readme_blocks() {
	awk -v want="$2" '
	inblock && /^```/ { inblock = 0; if (lang == want) print start; next }
	!inblock && /^```/ { inblock = 1; lang = substr($0, 4); start = NR; next }
	END { if (inblock) { print "unclosed block at line " start > "/dev/stderr"; exit 1 } }
	' "$1"
}

# readme_block_text FILE LINE: the text of the block whose fence is on LINE.
readme_block_text() {
	awk -v from="$2" 'NR > from && /^```/ { exit } NR > from { print }' "$1"
}

# readme_langs FILE: the language of every opening fence, one per line.
readme_langs() {
	awk '!inblock && /^```/ { inblock = 1; print NR "\t" substr($0, 4); next }
	     inblock && /^```/ { inblock = 0 }' "$1"
}

# readme_script FILE: one bash script that runs every sh block in order,
# writing "LINE EPOCH" to $README_STATE as each block starts.
readme_script() {
	local line
	printf '%s\n' 'set -euo pipefail' \
		'__readme_block() { printf "%s %s\n" "$1" "$(date +%s)" >"$README_STATE"; }'
	for line in $(readme_blocks "$1" sh); do
		printf '__readme_block %s\n' "$line"
		readme_block_text "$1" "$line"
	done
	printf '%s\n' '__readme_block done'
}

# readme_run FILE DIR [DEADLINE]: run FILE's sh blocks in a scratch home
# DIR/home with the default spool, jobq on PATH, each block within
# DEADLINE seconds (60). Sets README_STATUS to "ok", "failed LINE STATUS"
# or "timeout LINE"; the output is in DIR/out. Whatever the blocks left
# running (a worker in the background) is stopped.
readme_run() {
	local file=$1 dir=$2 deadline=${3:-60} pid line started rc now
	mkdir -p "$dir/home" "$dir/tmp" "$dir/bin"
	ln -sf "$JOBQ" "$dir/bin/jobq"
	readme_script "$file" >"$dir/run.bash"
	: >"$dir/state"
	(
		cd "$dir/home" &&
			exec env -u XDG_STATE_HOME -u XDG_RUNTIME_DIR -u JOBQ_DIR \
				-u JOBQ_HANDLERS -u XDG_CONFIG_HOME \
				HOME="$dir/home" TMPDIR="$dir/tmp" \
				PATH="$dir/bin:$PATH" README_STATE="$dir/state" \
				setsid bash "$dir/run.bash" >"$dir/out" 2>&1 </dev/null
	) &
	pid=$!
	README_STATUS=
	while kill -0 "$pid" 2>/dev/null; do
		read -r line started <"$dir/state" || true
		now=$(date +%s)
		if [ -n "${started:-}" ] && [ $((now - started)) -gt "$deadline" ]; then
			README_STATUS="timeout $line"
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
			break
		fi
		sleep 0.2
	done
	rc=0
	wait "$pid" || rc=$?
	read -r line started <"$dir/state" || true
	# Nothing the blocks started may outlive them.
	kill -KILL -- "-$pid" 2>/dev/null || true
	if [ -z "$README_STATUS" ]; then
		if [ "$rc" -eq 0 ] && [ "$line" = done ]; then
			README_STATUS=ok
		else
			README_STATUS="failed ${line:-?} $rc"
		fi
	fi
}
