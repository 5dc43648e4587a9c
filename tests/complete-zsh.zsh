#!/bin/zsh -f
# complete-zsh.zsh FPATH_DIR LINE: runs an interactive zsh in a
# pseudo-terminal (zsh/zpty) with compinit and the _jobq found first on
# FPATH_DIR, types LINE and a TAB as a user would, and prints what the
# terminal then shows (escape sequences and carriage returns removed):
# the list of matches with their descriptions, or the line as completed.
# Exits 1 if zsh does not answer within 10 seconds.
zmodload zsh/zpty zsh/datetime || exit 2
fdir=$1 typed=$2
zpty z zsh -f -i || exit 2
zpty -w z "PS1='> ' LISTMAX=100000; unsetopt beep
fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D
zstyle ':completion:*' list-grouped false
echo __rea''dy__"
# Reads until the pattern shows up, for at most 10 seconds.
readto() {
	local deadline=$((EPOCHREALTIME + 10)) chunk
	out=
	while ((EPOCHREALTIME < deadline)); do
		if zpty -r -t z chunk; then
			out+=$chunk
			[[ $out == *$1* ]] && return 0
		else
			sleep 0.05
		fi
	done
	return 1
}
readto __ready__ || { zpty -d z; exit 1; }
readto '> ' || { zpty -d z; exit 1; }
zpty -w -n z "$typed"$'\t'
# Ctrl-U drops the line; the marker's echo ends what the TAB showed.
zpty -w z $'\x15'"echo __do''ne__"
readto $'__done__\r' || { zpty -d z; exit 1; }
zpty -d z
out=${out%%echo __do\'\'ne__*}
print -r -- "$out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1b[=>]//g; s/.\x08//g' |
    tr -d '\r'
