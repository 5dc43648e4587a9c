# The bash completion offers jobq's commands, each command's options and
# the values some options take.

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
		_jobq jobq "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
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
	assert_output $'--color\n--dir\n--help\n--json\n--version'
}

@test "bash completion: each command's options" {
	run -0 complete_words jobq worker --
	assert_output $'--color\n--dir\n--drain\n--grace\n--handlers\n--help\n--jobs\n--json\n--queue\n--quiet'
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
	assert_output $'--color\n--dir\n--help\n--json\n--limit\n--offset\n--order\n--priority\n--queue\n--status\n--tag\n--type\n-h\n-n\n-p\n-q\n-s'
	run -0 complete_words jobq help w
	assert_output $'wait\nwatch\nworker'
	run -0 complete_words jobq help wait ''
	assert_output ''
}
