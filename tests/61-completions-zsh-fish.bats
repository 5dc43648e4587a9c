# The zsh and fish completions, in the real shells: zsh interactive in a
# pseudo-terminal (tests/complete-zsh.zsh) with compinit, fish through
# 'complete -C'.  And 'meson install' into a fresh prefix puts each
# shell's file where that shell looks, and the installed files work.

load helper

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# zsh_complete LINE: what zsh shows after LINE and a TAB, with _jobq from
# $ZSH_FPATH (default: the source tree).
zsh_complete() {
	PATH=$(dirname "$JOBQ"):$PATH zsh -f "$BATS_TEST_DIRNAME/complete-zsh.zsh" \
		"${ZSH_FPATH:-$TOP/completions}" "$1"
}

# fish_complete LINE: fish's candidates for LINE, "value<TAB>description".
fish_complete() {
	PATH=$(dirname "$JOBQ"):$PATH LINE=$1 \
		FILE=${FISH_FILE:-$TOP/completions/jobq.fish} fish --no-config -c \
		'source $FILE; complete -C"$LINE"'
}

# Two jobs in two queues, and a handler.
two_jobs() {
	"$JOBQ" submit -q mail -- echo hi >/dev/null
	"$JOBQ" submit -q web resize '{}' >/dev/null
	mkdir -p "$JOBQ_DIR/handlers"
	printf '#!/bin/sh\ncat\n' >"$JOBQ_DIR/handlers/resize"
	chmod 755 "$JOBQ_DIR/handlers" "$JOBQ_DIR/handlers/resize"
}

@test "zsh: commands, options and values" {
	run -0 zsh_complete 'jobq he'
	assert_output --partial 'jobq help'
	run -0 zsh_complete 'jobq wait --ti'
	assert_output --partial 'jobq wait --timeout'
	run -0 zsh_complete 'jobq list --priority '
	assert_regex "$output" 'critical +high +normal +low|critical.*high.*low.*normal'
	run -0 zsh_complete 'jobq list --status failed,ti'
	assert_output --partial 'jobq list --status failed,timeout'
	run -0 zsh_complete 'jobq --color al'
	assert_output --partial 'jobq --color always'
}

@test "zsh: ids with descriptions, queues, types, --dir" {
	two_jobs
	run -0 zsh_complete 'jobq status '
	assert_line --regexp '^2 +-- pending resize \(web\)'
	assert_output --partial '1  -- pending: echo hi'
	# Global options after the command do not end the completion.
	run -0 zsh_complete 'jobq result --json '
	assert_output --partial '1  -- pending: echo hi'
	run -0 zsh_complete 'jobq cancel 2'
	refute_output --partial 'pending'
	run -0 zsh_complete 'jobq submit -q w'
	assert_output --partial 'jobq submit -q web'
	run -0 zsh_complete 'jobq submit r'
	assert_output --partial 'jobq submit resize'
	run -0 zsh_complete 'jobq pause '
	assert_output --partial 'mail  -- 1 pending'
	assert_output --partial 'all'
	local other=$BATS_TEST_TMPDIR/other
	JOBQ_DIR=$other "$JOBQ" submit -q far -- true >/dev/null
	run -0 zsh_complete "jobq --dir $other list -q "
	assert_output --partial "list -q far"
	run -0 zsh_complete "jobq logs --dir=$other "
	assert_output --partial "logs --dir=$other 1"
}

@test "zsh and fish: a typed --dir is never evaluated" {
	cd "$BATS_TEST_TMPDIR"
	run -0 zsh_complete "jobq --dir '\$(touch evaluated)' status "
	refute_output --partial 'pending'
	run -0 zsh_complete 'jobq --dir `touch evaluated` status '
	run -0 fish_complete "jobq --dir '(touch evaluated)' status "
	assert_output ''
	run -0 fish_complete 'jobq --dir (touch evaluated) status '
	assert_output ''
	[ ! -e evaluated ]
	# A quoted directory with a space is found.
	local spaced="$BATS_TEST_TMPDIR/a b"
	JOBQ_DIR=$spaced "$JOBQ" submit -q spaced -- true >/dev/null
	run -0 zsh_complete "jobq --dir 'a b' list -q "
	assert_output --partial 'list -q spaced'
	run -0 fish_complete "jobq --dir 'a b' list -q "
	assert_output $'spaced\t1 pending'
}

@test "zsh: @file payloads, a command after submit --" {
	mkdir "$BATS_TEST_TMPDIR/p"
	echo '{}' >"$BATS_TEST_TMPDIR/p/job.json"
	run -0 zsh_complete "jobq submit resize @$BATS_TEST_TMPDIR/p/j"
	assert_output --partial "resize @$BATS_TEST_TMPDIR/p/job.json"
	run -0 zsh_complete 'jobq submit -q mail -- lsbl'
	assert_output --partial 'jobq submit -q mail -- lsblk'
	run -0 zsh_complete "jobq submit -- ls $BATS_TEST_TMPDIR/p/j"
	assert_output --partial "ls $BATS_TEST_TMPDIR/p/job.json"
}

@test "fish: commands, options and values" {
	run -0 fish_complete 'jobq he'
	assert_output $'help\tlist the commands, or show one command\'s options'
	run -0 fish_complete 'jobq wait --ti'
	assert_output $'--timeout\tgive up after'
	run -0 fish_complete 'jobq list --priority '
	assert_output $'critical\tpriority\nhigh\tpriority\nlow\tpriority\nnormal\tpriority'
	run -0 fish_complete 'jobq list --status failed,ti'
	assert_output $'failed,timeout\tended'
	run -0 fish_complete 'jobq --color '
	assert_line --regexp $'^always\t'
	# A value is exclusive: no files offered for --queue.
	run -0 fish_complete 'jobq list --queue '
	assert_output ''
}

@test "fish: ids with descriptions, queues, types, --dir" {
	two_jobs
	run -0 fish_complete 'jobq status '
	assert_output $'1\tpending: echo hi\n2\tpending resize (web)'
	run -0 fish_complete 'jobq list -q '
	assert_output $'mail\t1 pending\nweb\t1 pending'
	run -0 fish_complete 'jobq submit '
	assert_output "$(printf 'resize\t%s/handlers' "$JOBQ_DIR")"
	run -0 fish_complete 'jobq submit --after 1,'
	assert_output $'1,1\tpending: echo hi\n1,2\tpending resize (web)'
	local other=$BATS_TEST_TMPDIR/other
	JOBQ_DIR=$other "$JOBQ" submit -q far -- true >/dev/null
	run -0 fish_complete "jobq --dir $other list -q "
	assert_output $'far\t1 pending'
	run -0 fish_complete "jobq rm --dir=$other "
	assert_output $'1\tpending: true'
	run -0 fish_complete "jobq --dir $BATS_TEST_TMPDIR/none status "
	assert_output ''
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "fish: @file payloads, a command after submit --" {
	mkdir "$BATS_TEST_TMPDIR/p"
	echo '{}' >"$BATS_TEST_TMPDIR/p/job.json"
	run -0 fish_complete "jobq submit resize @$BATS_TEST_TMPDIR/p/j"
	assert_output "@$BATS_TEST_TMPDIR/p/job.json"
	run -0 fish_complete 'jobq submit resize '
	assert_output $'@\ta file\n-\tstandard input'
	run -0 fish_complete 'jobq submit -q mail -- lsbl'
	assert_line --regexp $'^lsblk\t'
	run -0 fish_complete "jobq submit -- ls $BATS_TEST_TMPDIR/p/j"
	assert_output "$BATS_TEST_TMPDIR/p/job.json"
}

@test "meson install: each shell finds its file under the prefix" {
	# The build under test, installed under DESTDIR: its prefix is
	# DESTDIR/PREFIX, which no shell or pkg-config file knows of.
	local build dest=$BATS_TEST_TMPDIR/dest prefix
	build=$(dirname "$JOBQ")
	prefix=$(meson introspect --buildoptions "$build" | "$PYTHON" -c \
		'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
	run -0 meson install -C "$build" --no-rebuild --destdir "$dest"
	prefix=$dest$prefix
	[ -x "$prefix/bin/jobq" ]
	local bashf=$prefix/share/bash-completion/completions/jobq
	local zshf=$prefix/share/zsh/site-functions/_jobq
	local fishf=$prefix/share/fish/vendor_completions.d/jobq.fish
	[ -f "$bashf" ] && [ -f "$zshf" ] && [ -f "$fishf" ]
	# Where the shells look for this prefix, from their pkg-config files.
	[ "$(pkg-config --define-variable=datadir="$prefix/share" \
		--variable=completionsdir bash-completion)" = \
		"${bashf%/jobq}" ]
	[ "$(pkg-config --define-variable=datadir="$prefix/share" \
		--variable=completionsdir fish)" = \
		"${fishf%/jobq.fish}" ]
	two_jobs
	# bash-completion loads completions/NAME from XDG_DATA_DIRS.
	run -0 env XDG_DATA_DIRS="$prefix/share" PATH="$prefix/bin:$PATH" \
		bash -c 'source /usr/share/bash-completion/bash_completion
		__load_completion jobq || exit 1
		COMP_WORDS=(jobq status ""); COMP_CWORD=2
		COMP_LINE="jobq status "; COMP_POINT=${#COMP_LINE}
		_jobq jobq "" status
		printf "%s\n" "${COMPREPLY[@]}"'
	assert_output $'2  (pending resize (web))\n1  (pending: echo hi)'
	# zsh: site-functions on fpath, as zsh's own fpath has it for /usr.
	JOBQ=$prefix/bin/jobq ZSH_FPATH=${zshf%/_jobq} run -0 zsh_complete 'jobq status '
	assert_output --partial '2  -- pending resize (web)'
	# fish loads vendor_completions.d from XDG_DATA_DIRS.
	run -0 env XDG_DATA_DIRS="$prefix/share" PATH="$prefix/bin:$PATH" \
		fish -c "complete -C'jobq status '"
	assert_output $'1\tpending: echo hi\n2\tpending resize (web)'
}
