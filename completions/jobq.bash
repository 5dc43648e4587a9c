# bash completion for jobq(1)

_jobq()
{
	local cur prev words cword
	_init_completion || return

	local commands="submit status result wait watch list logs cancel retry priority progress stats queues pause resume limit prune rm config worker help"
	local global="--dir --json --color --help --version"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--dir) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [[ $cur == --color=* ]]; then
		COMPREPLY=($(compgen -P --color -W "auto always never" -- "${cur#--color=}"))
		return
	fi

	case $prev in
	--dir|--handlers)
		_filedir -d
		return ;;
	--priority|-p)
		COMPREPLY=($(compgen -W "critical high normal low" -- "$cur"))
		return ;;
	--order)
		COMPREPLY=($(compgen -W "id run" -- "$cur"))
		return ;;
	--status|-s)
		COMPREPLY=($(compgen -W "pending running retrying completed failed timeout cancelled" -- "$cur"))
		return ;;
	--queue|--type|--timeout|--grace|--limit|--jobs|--retries|--retry-delay|--delay|--at|--after|--key|--tag|--meta|--env|--offset|--attempt|--older-than|-j|-q|-t|-n)
		return ;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
		return
	fi

	# Each command's options, as 'jobq COMMAND --help' lists them.
	local opts="--dir --json --color --help -h"
	case $cmd in
	submit) opts+=" --queue -q --priority -p --timeout -t --delay --at --after --key --tag --meta --retries --retry-delay --env --clean-env --batch --" ;;
	status) ;;
	result) opts+=" --wait" ;;
	wait) opts+=" --timeout -t --tag --queue -q --all" ;;
	watch) opts+=" --queue -q" ;;
	list) opts+=" --status -s --queue -q --type --limit -n --offset --tag --priority -p --order" ;;
	logs) opts+=" --attempt --follow -f" ;;
	cancel) ;;
	retry) ;;
	progress) ;;
	stats) ;;
	queues) ;;
	pause|resume) ;;
	limit) ;;
	prune) opts+=" --status -s --older-than --dry-run --vacuum" ;;
	rm) ;;
	config)
		if ((cword == i + 1)); then
			COMPREPLY=($(compgen -W "keep" -- "$cur"))
			return
		fi ;;
	priority)
		if ((cword == i + 2)); then
			COMPREPLY=($(compgen -W "critical high normal low" -- "$cur"))
		fi ;;
	worker) opts+=" --jobs -j --queue -q --handlers --grace --drain --quiet" ;;
	help)
		if ((cword == i + 1)); then
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == submit && $cur == @* ]]; then
		COMPREPLY=($(compgen -f -P @ -- "${cur#@}"))
	fi
} && complete -F _jobq jobq
