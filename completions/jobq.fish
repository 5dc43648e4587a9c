# fish completion for jobq(1)

set -l cmds submit status result wait list cancel retry priority queues pause resume limit worker help
complete -c jobq -f
complete -c jobq -l dir -r -a '(__fish_complete_directories)' -d 'spool directory'
complete -c jobq -l json -d 'print JSON'
complete -c jobq -s h -l help -d 'show usage'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -l version -d 'print the version'

complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a submit -d 'add a job and print its id'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a status -d 'show the state and record of jobs'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a result -d 'print the output of a finished job'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a wait -d 'wait until jobs have ended'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a list -d 'list jobs, oldest first'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a cancel -d 'cancel pending or running jobs'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a retry -d 'run failed, timed-out or cancelled jobs again'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a priority -d 'change the priority of a pending or retrying job'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a queues -d 'list the queues: paused or not, limit, jobs by state'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a pause -d 'stop claims from queues (all: every queue)'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a resume -d 'resume claims from paused queues (all: every queue)'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a limit -d 'run at most N jobs of a queue at once'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a worker -d 'claim and run jobs'
complete -c jobq -n "not __fish_seen_subcommand_from $cmds" -a help -d "list the commands, or show one command's options"

# Each command's options, as 'jobq COMMAND --help' lists them.
complete -c jobq -n '__fish_seen_subcommand_from submit' -s q -l queue -r -d 'queue'
complete -c jobq -n '__fish_seen_subcommand_from submit' -s p -l priority -r -a 'critical high normal low' -d 'priority'
complete -c jobq -n '__fish_seen_subcommand_from submit' -s t -l timeout -r -d 'timeout per start'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l delay -r -d 'start no sooner than'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l at -r -d 'start no sooner than'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l after -r -d 'run after these jobs'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l key -r -d 'unique job key'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l retries -r -d 'retry budget'
complete -c jobq -n '__fish_seen_subcommand_from submit' -l retry-delay -r -d 'first retry delay'
complete -c jobq -n '__fish_seen_subcommand_from wait' -s t -l timeout -r -d 'give up after'
complete -c jobq -n '__fish_seen_subcommand_from list' -s s -l status -r -a 'pending running retrying completed failed timeout cancelled' -d 'states'
complete -c jobq -n '__fish_seen_subcommand_from list' -s q -l queue -r -d 'queue'
complete -c jobq -n '__fish_seen_subcommand_from list' -l type -r -d 'type'
complete -c jobq -n '__fish_seen_subcommand_from list' -s n -l limit -r -d 'newest N'
complete -c jobq -n '__fish_seen_subcommand_from worker' -s j -l jobs -r -d 'handlers at once'
complete -c jobq -n '__fish_seen_subcommand_from worker' -s q -l queue -r -d 'serve this queue'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l handlers -r -a '(__fish_complete_directories)' -d 'handler directory'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l grace -r -d 'grace period'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l drain -d 'exit when nothing is runnable'
complete -c jobq -n '__fish_seen_subcommand_from worker' -l quiet -d 'no event lines'
complete -c jobq -n '__fish_seen_subcommand_from priority' -a 'critical high normal low'
complete -c jobq -n '__fish_seen_subcommand_from help' -a "$cmds"
