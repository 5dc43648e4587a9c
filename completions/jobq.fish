# fish completion for jobq(1)
# Queues, types and job ids come from 'jobq complete WHAT', with the
# command line's --dir and --db passed on; otherwise JOBQ_DIR and JOBQ_DB
# apply.

# The options whose value is the next word: not operands.
set -g __jobq_valued --dir --db --color --queue --priority --timeout --delay --at --after --key --tag --meta --retries --retry-delay --env --status --type --limit --offset --order --attempt --older-than --jobs --handlers --grace -q -p -t -s -n -j

# jobq complete WHAT, on the spool the command line names.
function __jobq_complete
    set -l toks (commandline -opc)
    set -l dir
    set -l db
    for i in (seq 2 (count $toks))
        switch $toks[$i]
            case --dir
                set -q toks[(math $i + 1)]; and set dir --dir $toks[(math $i + 1)]
            case '--dir=*'
                set dir --dir (string replace -- --dir= '' $toks[$i])
            case --db
                set -q toks[(math $i + 1)]; and set db --db $toks[(math $i + 1)]
            case '--db=*'
                set db --db (string replace -- --db= '' $toks[$i])
        end
    end
    command $toks[1] $dir $db complete $argv 2>/dev/null
end

# The command, the number of its operands before the word being
# completed, and whether submit's "--" came before any operand.
function __jobq_args
    set -l toks (commandline -opc)
    set -l cmd
    set -l n 0
    set -l skip 0
    for t in $toks[2..-1]
        if test $skip = 1
            set skip 0
        else if test -z "$cmd"
            if contains -- $t $__jobq_valued
                set skip 1
            else if not string match -q -- '-*' $t
                set cmd $t
            end
        else if test $t = --
            if test $cmd = submit -a $n = 0
                echo $cmd 0 dash
                return
            end
        else if contains -- $t $__jobq_valued
            set skip 1
        else if not string match -q -- '-*' $t
            set n (math $n + 1)
        end
    end
    echo $cmd $n
end

# __jobq_at CMD [N]: completing operand N (any if none) of CMD.
function __jobq_at
    set -l a (string split ' ' (__jobq_args))
    test "$a[1]" = $argv[1]; or return 1
    set -q a[3]; and return 1
    set -q argv[2]; and test $a[2] != $argv[2]; and return 1
    return 0
end

# submit -- COMMAND ARG...: the command's own completion.
function __jobq_exec
    set -l a (string split ' ' (__jobq_args))
    test "$a[3]" = dash
end
function __jobq_exec_complete
    set -l toks (commandline -opc) (commandline -ct)
    set -l i (contains -i -- -- $toks)
    __fish_complete_subcommand --commandline $toks[(math $i + 1)..-1]
end

# A payload: - or @FILE.
function __jobq_payload
    set -l cur (commandline -ct)
    if string match -q -- '@*' $cur
        for f in (__fish_complete_path (string sub -s 2 -- $cur))
            echo @$f
        end
    else
        echo -- -\tstandard input
        echo -- @\ta file
    end
end

# A comma list: the items after what is typed before the last comma.
function __jobq_list
    set -l cur (commandline -ct)
    set -l prefix (string match -r -- '^.*,' $cur)
    if test "$argv[1]" = ended
        for s in completed failed timeout cancelled
            echo $prefix$s
        end
    else
        for line in (__jobq_complete $argv[1])
            echo $prefix$line
        end
    end
end

set -l cmds submit status result wait watch list logs cancel retry priority progress stats queues pause resume limit prune rm config worker help complete
complete -c jobq -f
complete -c jobq -n 'not __jobq_exec' -l dir -x -a '(__fish_complete_directories)' -d 'spool directory'
complete -c jobq -n 'not __jobq_exec' -l db -x -d 'PostgreSQL database URL'
complete -c jobq -n 'not __jobq_exec' -l json -d 'print JSON'
complete -c jobq -n 'not __jobq_exec' -l color -x -a 'auto always never' -d 'colour the output'
complete -c jobq -s h -l help -d 'show usage'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -l version -d 'print the version'

complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a submit -d 'add a job and print its id'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a status -d 'show the state and record of jobs'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a result -d 'print the output of a finished job'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a wait -d 'wait until jobs have ended'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a watch -d 'follow jobs live until they end'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a list -d 'list jobs, oldest first'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a logs -d 'print what a job wrote on stderr'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a cancel -d 'cancel pending or running jobs'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a retry -d 'run failed, timed-out or cancelled jobs again'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a priority -d 'change the priority of a pending or retrying job'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a progress -d "report a handler's progress (inside a handler)"
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a stats -d 'counts, recent throughput, wait and run times, workers'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a queues -d 'list the queues: paused or not, limit, jobs by state'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a pause -d 'stop claims from queues (all: every queue)'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a resume -d 'resume claims from paused queues (all: every queue)'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a limit -d 'run at most N jobs of a queue at once'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a prune -d 'delete ended jobs with their logs and results'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a rm -d 'delete ended jobs by id'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a config -d "show or change the spool's settings (keep N)"
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a worker -d 'claim and run jobs'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a help -d "list the commands, or show one command's options"
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a complete -d 'candidates for shell completion (commands, queues, ...)'

# Each command's options, as 'jobq COMMAND --help' lists them.
complete -c jobq -n '__fish_seen_subcommand_from submit' -s q -l queue -x -a '(__jobq_complete queues)' -d 'queue'
complete -c jobq -n '__fish_seen_subcommand_from submit' -s p -l priority -x -a 'critical high normal low' -d 'priority'
complete -c jobq -n '__fish_seen_subcommand_from submit' -s t -l timeout -x -d 'timeout per start'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l delay -x -d 'start no sooner than'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l at -x -d 'start no sooner than'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l after -x -a '(__jobq_list ids)' -d 'run after these jobs'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l key -x -d 'unique job key'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l tag -x -d 'tag the job'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l meta -x -d 'attach KEY=VALUE'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l retries -x -d 'retry budget'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l retry-delay -x -d 'first retry delay'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l batch -F -d 'submit one job a line'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l env -x -d 'set NAME=VALUE for the command'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l clean-env -d 'run the command with only what the worker sets'
complete -c jobq -n '__fish_seen_subcommand_from wait' -s t -l timeout -x -d 'give up after'
complete -c jobq -n '__fish_seen_subcommand_from wait' -l tag -x -d 'every job tagged'
complete -c jobq -n '__fish_seen_subcommand_from wait' -s q -l queue -x -a '(__jobq_complete queues)' -d 'the jobs of a queue not ended'
complete -c jobq -n '__fish_seen_subcommand_from wait' -l all -d 'every job not ended'
complete -c jobq -n '__fish_seen_subcommand_from result' -l wait -d 'wait until the job has ended'
complete -c jobq -n '__fish_seen_subcommand_from watch' -s q -l queue -x -a '(__jobq_complete queues)' -d 'jobs of this queue'
complete -c jobq -n '__fish_seen_subcommand_from list' -s s -l status -x -a '(__jobq_list states)' -d 'states'
complete -c jobq -n '__fish_seen_subcommand_from list' -s q -l queue -x -a '(__jobq_complete queues)' -d 'queue'
complete -c jobq -n '__fish_seen_subcommand_from list' -l type -x -a '(__jobq_complete types)' -d 'type'
complete -c jobq -n '__fish_seen_subcommand_from list' -s n -l limit -x -d 'newest N'
complete -c jobq -n '__fish_seen_subcommand_from list' -l offset -x -d 'leave out the newest K'
complete -c jobq -n '__fish_seen_subcommand_from list' -l tag -x -d 'tagged'
complete -c jobq -n '__fish_seen_subcommand_from list' -s p -l priority -x -a 'critical high normal low' -d 'priority'
complete -c jobq -n '__fish_seen_subcommand_from list' -l order -x -a 'id run' -d 'order'
complete -c jobq -n '__fish_seen_subcommand_from prune' -s s -l status -x -a '(__jobq_list ended)' -d 'ended states'
complete -c jobq -n '__fish_seen_subcommand_from prune' -l older-than -x -d 'ended longer ago'
complete -c jobq -n '__fish_seen_subcommand_from prune' -l dry-run -d 'delete nothing'
complete -c jobq -n '__fish_seen_subcommand_from prune' -l vacuum -d 'give the space back'
complete -c jobq -n '__fish_seen_subcommand_from worker' -s j -l jobs -x -d 'handlers at once'
complete -c jobq -n '__fish_seen_subcommand_from worker' -s q -l queue -x -a '(__jobq_complete queues)' -d 'serve this queue'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l handlers -x -a '(__fish_complete_directories)' -d 'handler directory'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l grace -x -d 'grace period'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l drain -d 'exit when nothing is runnable'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l quiet -d 'no event lines'
complete -c jobq -n '__fish_seen_subcommand_from logs' -l attempt -x -d 'only attempt N'
complete -c jobq -n '__fish_seen_subcommand_from logs' -s f -l follow -d 'follow until the job ends'

# Operands.
complete -c jobq -n '__jobq_at submit 0' -a '(__jobq_complete types)'
complete -c jobq -n '__jobq_at submit 1' -a '(__jobq_payload)'
complete -c jobq -n '__jobq_exec' -a '(__jobq_exec_complete)'
for c in status result wait watch logs cancel retry rm
    complete -c jobq -n "__jobq_at $c" -a '(__jobq_complete ids)'
end
complete -c jobq -n '__jobq_at priority 0' -a '(__jobq_complete ids)'
complete -c jobq -n '__jobq_at priority 1' -a 'critical high normal low'
complete -c jobq -n '__jobq_at pause; or __jobq_at resume' -a '(__jobq_complete queues)'
complete -c jobq -n '__jobq_at pause; or __jobq_at resume' -a all -d 'every queue'
complete -c jobq -n '__jobq_at limit 0' -a '(__jobq_complete queues)'
complete -c jobq -n '__jobq_at limit 1' -a none -d 'no limit'
complete -c jobq -n '__jobq_at config 0' -a keep
complete -c jobq -n '__jobq_at config 1' -a none
complete -c jobq -n '__jobq_at help 0' -a "(__jobq_complete commands)"
complete -c jobq -n '__jobq_at complete 0' -a 'commands states priorities queues types ids'
