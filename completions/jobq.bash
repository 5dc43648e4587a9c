# bash completion for jobq(1)
# Values that live in the spool (queues, job ids) and the handler
# directories (types) come from 'jobq complete WHAT', with the command
# line's --dir and --db passed on; otherwise JOBQ_DIR and JOBQ_DB apply as
# for jobq itself.

# _jobq_dequote WORD: the word as the shell will pass it, in ret: quotes
# and backslashes removed, a leading ~/ expanded; nothing is evaluated.
_jobq_dequote()
{
	local s=$1 c q=
	ret=
	[[ $s == "~/"* ]] && s=$HOME/${s#"~/"}
	while [[ -n $s ]]; do
		c=${s:0:1}
		s=${s:1}
		if [[ $q == "'" ]]; then
			[[ $c == "'" ]] && q= || ret+=$c
		elif [[ $c == '\' ]]; then
			ret+=${s:0:1}
			s=${s:1}
		elif [[ -z $q && ( $c == "'" || $c == '"' ) ]]; then
			q=$c
		elif [[ $q == '"' && $c == '"' ]]; then
			q=
		else
			ret+=$c
		fi
	done
}

# _jobq_values WHAT [PREFIX]: the candidates for cur (after PREFIX, the
# part of a comma list already typed); ids show their description while
# more than one is left.
_jobq_values()
{
	local what=$1 prefix=${2-} word=${cur#"${2-}"} line value desc
	local -a out=() described=()
	while IFS= read -r line; do
		value=${line%%$'\t'*}
		[[ $value == "$word"* ]] || continue
		desc=
		[[ $line == *$'\t'* ]] && desc=${line#*$'\t'}
		out+=("$prefix$value")
		described+=("$prefix$value  ($desc)")
	done < <("$_jobq_cmd" "${_jobq_dir[@]}" "${_jobq_db[@]}" complete "$what" 2>/dev/null)
	if [[ $what == ids && ${#out[@]} -gt 1 ]]; then
		COMPREPLY+=("${described[@]}")
	else
		COMPREPLY+=("${out[@]}")
	fi
}

# _jobq_list WHAT: a comma list of WHAT: completes the item after the last
# comma, and leaves the cursor on the word.
_jobq_list()
{
	local prefix=
	[[ $cur == *,* ]] && prefix=${cur%,*},
	_jobq_values "$1" "$prefix"
	compopt -o nospace 2>/dev/null
}

# _jobq_operand CMD N: the values of operand N (0 first) of CMD.
_jobq_operand()
{
	case $1 in
	submit)
		if (($2 == 0)); then
			_jobq_values types
		elif (($2 == 1)); then
			if [[ $cur == @* ]]; then
				COMPREPLY=($(compgen -f -P @ -- "${cur#@}"))
				compopt -o filenames 2>/dev/null
			else
				COMPREPLY=($(compgen -W "- @" -- "$cur"))
				[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == @ ]] &&
					compopt -o nospace 2>/dev/null
			fi
		fi ;;
	status|result|wait|watch|logs|cancel|retry|rm)
		_jobq_values ids ;;
	priority)
		if (($2 == 0)); then
			_jobq_values ids
		elif (($2 == 1)); then
			COMPREPLY=($(compgen -W "critical high normal low" -- "$cur"))
		fi ;;
	pause|resume)
		_jobq_values queues
		[[ all == "$cur"* ]] && COMPREPLY+=(all) ;;
	limit)
		if (($2 == 0)); then
			_jobq_values queues
		elif (($2 == 1)); then
			COMPREPLY=($(compgen -W "none" -- "$cur"))
		fi ;;
	config)
		if (($2 == 0)); then
			COMPREPLY=($(compgen -W "keep" -- "$cur"))
		elif (($2 == 1)); then
			COMPREPLY=($(compgen -W "none" -- "$cur"))
		fi ;;
	help)
		(($2 == 0)) && COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	complete)
		(($2 == 0)) && COMPREPLY=($(compgen -W "commands states priorities queues types ids" -- "$cur")) ;;
	esac
	return 0
}

_jobq()
{
	local cur prev words cword
	_init_completion || return

	local commands="submit status result wait watch list logs cancel retry priority progress stats queues pause resume limit prune rm config worker help complete"
	local global="--dir --db --json --color --help --version"
	local _jobq_cmd=${1:-jobq}
	local -a _jobq_dir=() _jobq_db=()
	local ret
	local cmd="" i j=0 dash=0
	# --dir is global: it may come anywhere, before or after the command.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--dir) _jobq_dequote "${words[i + 1]}"; _jobq_dir=(--dir "$ret") ;;
		--dir=*) _jobq_dequote "${words[i]#--dir=}"; _jobq_dir=(--dir "$ret") ;;
		--db) _jobq_dequote "${words[i + 1]}"; _jobq_db=(--db "$ret") ;;
		--db=*) _jobq_dequote "${words[i]#--db=}"; _jobq_db=(--db "$ret") ;;
		esac
	done
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--dir|--db|--color) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	local ci=$i
	# The operands after the command, and whether submit's "--" came.
	local -a operands=()
	for ((i = ci + 1; i < cword; i++)); do
		case ${words[i]} in
		--)
			if [[ $cmd == submit && ${#operands[@]} -eq 0 ]]; then
				dash=1
				break
			fi ;;
		--dir|--db|--color|--queue|--priority|--timeout|--delay|--at|--after|--key|--tag|--meta|--retries|--retry-delay|--env|--status|--type|--limit|--offset|--order|--attempt|--older-than|--jobs|--handlers|--grace|-q|-p|-t|-s|-n|-j)
			((i++)) ;;
		-*) ;;
		*) operands+=("${words[i]}") ;;
		esac
	done

	# submit ... -- COMMAND ARGS: a command, then files.
	if ((dash)); then
		if ((i + 1 == cword)); then
			COMPREPLY=($(compgen -c -- "$cur" | sort -u))
		else
			_filedir
		fi
		return
	fi

	case $prev in
	--dir|--handlers)
		_filedir -d
		return ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return ;;
	--priority|-p)
		COMPREPLY=($(compgen -W "critical high normal low" -- "$cur"))
		return ;;
	--order)
		COMPREPLY=($(compgen -W "id run" -- "$cur"))
		return ;;
	--status|-s)
		if [[ $cmd == prune ]]; then
			local cur0=$cur prefix=
			[[ $cur == *,* ]] && prefix=${cur%,*},
			COMPREPLY=($(compgen -P "$prefix" -W "completed failed timeout cancelled" -- "${cur##*,}"))
			compopt -o nospace 2>/dev/null
		else
			_jobq_list states
		fi
		return ;;
	--queue|-q)
		_jobq_values queues
		return ;;
	--type)
		_jobq_values types
		return ;;
	--after)
		_jobq_list ids
		return ;;
	--db|--timeout|--grace|--limit|--jobs|--retries|--retry-delay|--delay|--at|--key|--tag|--meta|--env|--offset|--attempt|--older-than|-j|-t|-n)
		return ;;
	esac
	if [[ $cur == --dir=* ]]; then
		cur=${cur#--dir=}
		_filedir -d
		return
	fi
	# submit --batch[=FILE]: the file only in the same word.
	if [[ $cur == --batch=* ]]; then
		cur=${cur#--batch=}
		_filedir
		return
	fi
	if [[ $cur == --color=* ]]; then
		COMPREPLY=($(compgen -P --color= -W "auto always never" -- "${cur#--color=}"))
		return
	fi

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
		return
	fi
	local nop=${#operands[@]}

	# Each command's options, as 'jobq COMMAND --help' lists them.
	local opts="--dir --db --json --color --help -h"
	case $cmd in
	submit) opts+=" --queue -q --priority -p --timeout -t --delay --at --after --key --tag --meta --retries --retry-delay --batch --env --clean-env --" ;;
	status) ;;
	result) opts+=" --wait" ;;
	wait) opts+=" --timeout -t --tag --queue -q --all" ;;
	watch) opts+=" --queue -q" ;;
	list) opts+=" --status -s --queue -q --type --limit -n --offset --tag --priority -p --order" ;;
	logs) opts+=" --attempt --follow -f" ;;
	cancel) ;;
	retry) ;;
	priority) ;;
	progress) ;;
	stats) ;;
	queues) ;;
	pause|resume) ;;
	limit) ;;
	prune) opts+=" --status -s --older-than --dry-run --vacuum" ;;
	rm) ;;
	config) ;;
	worker) opts+=" --jobs -j --queue -q --handlers --grace --drain --quiet" ;;
	help) ;;
	complete) ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		_jobq_operand "$cmd" "$nop"
	fi
} && complete -F _jobq jobq
