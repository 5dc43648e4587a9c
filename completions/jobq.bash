# bash completion for jobq(1)

_jobq()
{
	local cur prev words cword
	_init_completion || return

	local commands="submit status result wait list cancel worker"
	local global="--dir --json --help --version"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--dir) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	case $prev in
	--dir|--handlers)
		_filedir -d
		return ;;
	--priority)
		COMPREPLY=($(compgen -W "critical high normal low" -- "$cur"))
		return ;;
	--status)
		COMPREPLY=($(compgen -W "pending running retrying completed failed timeout cancelled" -- "$cur"))
		return ;;
	--queue|--type|--timeout|--grace|--limit|--jobs|-j|-q)
		return ;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
		return
	fi

	local opts="--dir --json --help"
	case $cmd in
	submit) opts+=" --queue --priority --timeout --" ;;
	wait) opts+=" --timeout" ;;
	list) opts+=" --status --queue --type --limit" ;;
	worker) opts+=" --jobs --queue --handlers --grace --drain --quiet" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == submit && $cur == @* ]]; then
		COMPREPLY=($(compgen -f -P @ -- "${cur#@}"))
	fi
} && complete -F _jobq jobq
