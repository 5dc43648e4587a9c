#!/bin/bash
# chaos.sh: many workers on one spool while one of them is killed with
# SIGKILL every second and restarted, then a check of what the handlers
# themselves recorded against what jobq says.
#
#   tests/chaos.sh                 JOBQ=path/to/jobq tests/chaos.sh
#
# Knobs (environment): CHAOS_WORKERS (8), CHAOS_JOBS (5000),
# CHAOS_PRESUBMIT (9/10 of the jobs, submitted before the workers start),
# CHAOS_DEADLINE (300 s from the workers' start), CHAOS_STALL (30 s in
# which no handler starts or ends and no submit goes in ends the run as a
# failure), CHAOS_KILL_EVERY (1 s), CHAOS_SEED (random),
# CHAOS_KEEP=1 keeps the work directory (it is always kept on failure).
#
# Each worker is started with CHAOS_GEN=<n>, a number never reused, which
# its handlers inherit; a worker killed by this script has its number in
# the kills file.  The handler takes a flock on a per-job file (recording
# an overlap if another run of the job holds it) and appends
# "start ID ATTEMPT GEN" and "end ID ATTEMPT GEN" to the events file.
#
# Checked at the end:
#   - every job ended: completed, or failed with "worker died 3 times"
#     (those are counted and reported);
#   - a completed job's handler finished the attempt jobq recorded as the
#     completing one ("end ID ATTEMPT" present), and every job that ran
#     finished at least once or died with a killed worker;
#   - no job started more than 1 + (kills under it) times: every start
#     but the last was under a worker that was killed;
#   - attempt numbers seen by handlers are distinct and <= jobq's attempt;
#   - never two runs of one job at once (the flock never failed);
#   - no worker lost a job it was running (event=lost) or logged an error,
#     no worker died by itself, every worker stopped by SIGTERM exited 0;
#   - once every worker has exited, no process (a handler, or a
#     half-started child of a killed worker) still holds a file of the
#     spool: such a process keeps a dead worker looking alive, or the
#     spool's write lock taken.
# Prints one summary line; exits 1 on any violation, 2 on a setup error.

set -u

here=$(cd "$(dirname "$0")" && pwd)
JOBQ=${JOBQ:-$here/../build/jobq}
[ -x "$JOBQ" ] || { echo "chaos: no jobq binary at $JOBQ (set JOBQ)" >&2; exit 2; }
JOBQ=$(cd "$(dirname "$JOBQ")" && pwd)/$(basename "$JOBQ")

NWORKERS=${CHAOS_WORKERS:-8}
NJOBS=${CHAOS_JOBS:-5000}
DEADLINE=${CHAOS_DEADLINE:-300}
KILL_EVERY=${CHAOS_KILL_EVERY:-1}
SEED=${CHAOS_SEED:-$$}
RANDOM=$SEED

C=$(mktemp -d "${TMPDIR:-/tmp}/jobq-chaos.XXXXXX")
# A private copy: a rebuild during the run must not change the binary.
cp "$JOBQ" "$C/jobq" || exit 2
JOBQ=$C/jobq
export JOBQ_DIR=$C/spool
unset JOBQ_HANDLERS
mkdir -p "$C/handlers" "$C/locks" "$C/log"
chmod 755 "$C/handlers"
: >"$C/events"
: >"$C/kills"

cat >"$C/handlers/chaos" <<EOF
#!/bin/sh
id=\$JOBQ_JOB_ID a=\$JOBQ_ATTEMPT
exec 9>"$C/locks/\$id"
flock -n 9 || echo "overlap \$id \$a \$CHAOS_GEN" >>"$C/violations"
echo "start \$id \$a \$CHAOS_GEN" >>"$C/events"
sleep 0.00\$((id % 5 + 1))
echo "end \$id \$a \$CHAOS_GEN" >>"$C/events"
EOF
chmod 755 "$C/handlers/chaos"

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# Workers: slot i runs worker generation gen[i] with pid pid[i].
declare -a pid gen
next_gen=1

start_slot() {
	local i=$1 g=$next_gen
	next_gen=$((next_gen + 1))
	CHAOS_GEN=$g "$JOBQ" worker -j $((1 + i % 2)) --grace 1 \
		--handlers "$C/handlers" </dev/null >/dev/null \
		2>"$C/log/worker.$g.log" &
	pid[i]=$!
	gen[i]=$g
	echo "$g $! slot=$i" >>"$C/gens"
}

submitter=
cleanup() {
	local i
	[ -n "$submitter" ] && kill "$submitter" 2>/dev/null
	for i in "${!pid[@]}"; do
		kill -KILL "${pid[i]}" 2>/dev/null
	done
	wait 2>/dev/null
}
trap cleanup EXIT
trap 'echo "chaos: interrupted; work directory $C"; exit 130' INT TERM

# Most of the backlog is submitted first (a submit costs an fsync, and
# with eight idle workers woken by each one it costs several claims too);
# the rest goes in while the workers run and are killed.
PRE=${CHAOS_PRESUBMIT:-$((NJOBS * 9 / 10))}
t_sub=$(now_ms)
for ((k = 0; k < PRE; k++)); do
	"$JOBQ" submit chaos || echo "submit failed" >>"$C/submit-errors"
done >"$C/submitted"
t_start=$(now_ms)
for ((i = 0; i < NWORKERS; i++)); do
	start_slot "$i"
done
(
	for ((k = PRE; k < NJOBS; k++)); do
		"$JOBQ" submit chaos || echo "submit failed" >>"$C/submit-errors"
	done >>"$C/submitted"
	now_ms >"$C/submitted.done"
) &
submitter=$!

problems=()
kills=0
self_deaths=0
last_kill=$(now_ms)
timed_out=0
STALL=${CHAOS_STALL:-30}
last_left=-1
last_progress=$(now_ms)
while :; do
	sleep 0.2
	t=$(now_ms)
	# A worker that died without being killed is a violation; restart it.
	for ((i = 0; i < NWORKERS; i++)); do
		if ! kill -0 "${pid[i]}" 2>/dev/null; then
			wait "${pid[i]}"
			problems+=("worker gen ${gen[i]} (pid ${pid[i]}) exited by itself, status $?")
			self_deaths=$((self_deaths + 1))
			start_slot "$i"
		fi
	done
	if [ $((t - last_kill)) -ge $((KILL_EVERY * 1000)) ]; then
		i=$((RANDOM % NWORKERS))
		kill -KILL "${pid[i]}"
		wait "${pid[i]}" 2>/dev/null
		echo "${gen[i]} ${pid[i]} $t" >>"$C/kills"
		kills=$((kills + 1))
		start_slot "$i"
		last_kill=$t
	fi
	if [ -e "$C/submitted.done" ]; then
		# list also recovers jobs of dead workers, as any command may.
		left=$("$JOBQ" list --status pending,running,retrying | grep -c .)
		[ "$left" -eq 0 ] && break
	fi
	# Progress: handlers starting or ending, or submits going in.
	progress=$(($(wc -l <"$C/events") + $(wc -l <"$C/submitted")))
	if [ "$progress" -ne "$last_left" ]; then
		last_left=$progress
		last_progress=$t
	elif [ $((t - last_progress)) -ge $((STALL * 1000)) ]; then
		problems+=("stalled: no handler started or ended and no submit went in for ${STALL}s; unfinished: $("$JOBQ" list --status pending,running,retrying | head -n 5 | cut -f1,2,6 | paste -sd' ' - | tr '\t' ':') ...")
		break
	fi
	if [ $((t - t_start)) -ge $((DEADLINE * 1000)) ]; then
		timed_out=1
		problems+=("deadline of ${DEADLINE}s reached")
		break
	fi
done
t_end=$(now_ms)
if kill -0 "$submitter" 2>/dev/null; then
	problems+=("the submits had not finished by the end of the run")
	kill "$submitter"
fi
wait "$submitter"
submitter=

# Stop every worker with SIGTERM: each must exit 0, within its grace
# periods and some slack.
for ((i = 0; i < NWORKERS; i++)); do
	kill -TERM "${pid[i]}"
done
t=$(now_ms)
for ((i = 0; i < NWORKERS; i++)); do
	while kill -0 "${pid[i]}" 2>/dev/null &&
	    [ "$(awk '{ print $3 }' "/proc/${pid[i]}/stat" 2>/dev/null)" != Z ] &&
	    [ $(($(now_ms) - t)) -lt 15000 ]; do
		sleep 0.1
	done
	if kill -0 "${pid[i]}" 2>/dev/null &&
	    [ "$(awk '{ print $3 }' "/proc/${pid[i]}/stat" 2>/dev/null)" != Z ]; then
		problems+=("worker gen ${gen[i]} (pid ${pid[i]}) still running 15s after SIGTERM, in $(cat "/proc/${pid[i]}/wchan" 2>/dev/null)")
		kill -KILL "${pid[i]}"
		wait "${pid[i]}" 2>/dev/null
		continue
	fi
	wait "${pid[i]}"
	st=$?
	[ "$st" -eq 0 ] || problems+=("worker gen ${gen[i]} exited $st on SIGTERM")
done
pid=()

# Processes that still hold a descriptor in the spool once every worker
# has exited: handlers or forks of killed workers that never went away.
sleep 1
leftovers=()
for f in /proc/[0-9]*/fd; do
	p=${f#/proc/}
	p=${p%/fd}
	[ "$p" = $$ ] && continue
	if ls -l "$f" 2>/dev/null | grep -q -- "-> $C/spool/"; then
		leftovers+=("$p")
	fi
done
if [ "${#leftovers[@]}" -gt 0 ]; then
	for p in "${leftovers[@]}"; do
		d="pid $p ppid $(awk '/^PPid/ { print $2 }' "/proc/$p/status" 2>/dev/null)"
		d+=" '$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | sed 's/ *$//')'"
		d+=" wchan $(cat "/proc/$p/wchan" 2>/dev/null)"
		d+=" $(grep SigBlk "/proc/$p/status" 2>/dev/null | tr -d '\t')"
		d+=" holds: $(ls -l "/proc/$p/fd" 2>/dev/null | grep -o -- "$C/spool/[^ ]*" | sed "s|$C/spool/||" | paste -sd, -)"
		problems+=("leftover process after all workers exited: $d")
		echo "$d" >>"$C/leftovers"
	done
	# They descend from workers this script started: stop them.
	kill -KILL "${leftovers[@]}" 2>/dev/null
fi

# --- the checks ---------------------------------------------------------

nsub=$(grep -cE '^[0-9]+$' "$C/submitted")
[ "$nsub" -eq "$NJOBS" ] || problems+=("only $nsub of $NJOBS submits printed an id")
[ -s "$C/submit-errors" ] && problems+=("$(wc -l <"$C/submit-errors") submit(s) failed")

"$JOBQ" list >"$C/final" || problems+=("jobq list failed")
# ID STATE TYPE QUEUE PRIORITY ATTEMPT CREATED
read -r ncompleted nfailed nother < <(awk -F'\t' '
	$2 == "completed" { c++ } $2 == "failed" { f++ }
	$2 != "completed" && $2 != "failed" { o++ }
	END { print c + 0, f + 0, o + 0 }' "$C/final")
njobs=$(grep -c . "$C/final")
[ "$njobs" -eq "$nsub" ] || problems+=("spool holds $njobs jobs, $nsub submitted")
if [ "$nother" -ne 0 ]; then
	problems+=("$nother job(s) not ended: $(awk -F'\t' '$2 != "completed" && $2 != "failed" { printf "%s:%s ", $1, $2 }' "$C/final" | head -c 300)")
fi

died3=0
if [ "$nfailed" -gt 0 ]; then
	awk -F'\t' '$2 == "failed" { print $1 }' "$C/final" >"$C/failed-ids"
	# shellcheck disable=SC2046
	"$JOBQ" status --json $(cat "$C/failed-ids") >"$C/failed.json"
	died3=$(grep -c '"error":"worker died 3 times"' "$C/failed.json")
	if [ "$died3" -ne "$nfailed" ]; then
		problems+=("$((nfailed - died3)) job(s) failed otherwise than 'worker died 3 times': $(grep -v '"error":"worker died 3 times"' "$C/failed.json" | head -n 2)")
	fi
fi

[ -s "$C/violations" ] && problems+=("$(wc -l <"$C/violations") overlapping run(s): $(head -n 3 "$C/violations" | paste -sd' ')")

# Per job, from the handlers' own records, the kills and jobq's list.
awk -v kills="$C/kills" -v final="$C/final" -v out="$C/job-problems" '
BEGIN {
	while ((getline l < kills) > 0) { split(l, f, " "); killed[f[1]] = 1 }
	while ((getline l < final) > 0) {
		split(l, f, "\t"); state[f[1]] = f[2]; attempt[f[1]] = f[6]
	}
}
$1 == "start" {
	id = $2; a = $3; g = $4
	if ((id, a) in started) bad(id, "attempt " a " started twice")
	started[id, a] = g; nstart[id]++
	if (a > maxa[id]) maxa[id] = a
	if (nstart[id] > maxstarts) maxstarts = nstart[id]
}
$1 == "end" { ended[$2, $3] = 1; nend[$2]++ }
function bad(id, what) { print "job " id ": " what > out; nbad++ }
END {
	for (id in nstart) {
		if (!(id in state)) { bad(id, "ran but is not in the spool"); continue }
		if (maxa[id] > attempt[id])
			bad(id, "handler saw attempt " maxa[id] ", jobq says " attempt[id])
		# Every start but the last was cut short by a kill of its worker.
		for (a = 1; a < maxa[id]; a++)
			if ((id, a) in started && !(started[id, a] in killed))
				bad(id, "attempt " a " (worker gen " started[id, a] ") was run again though its worker was never killed")
		if (state[id] == "completed" && !((id, attempt[id]) in ended))
			bad(id, "completed in attempt " attempt[id] " but that run never finished")
		if (!(id in nend) && !(started[id, maxa[id]] in killed))
			bad(id, "never finished, and its last worker was not killed")
		if (nstart[id] > 1) rerun++
	}
	for (id in state) {
		if (state[id] == "completed" && !(id in nstart))
			bad(id, "completed but its handler never started")
		unstarted += attempt[id] - nstart[id]
	}
	printf "%d %d %d %d\n", maxstarts, rerun, nbad, unstarted
}' "$C/events" >"$C/per-job"
read -r maxstarts rerun nbad unstarted <"$C/per-job"
[ "$nbad" -eq 0 ] || problems+=("$nbad per-job violation(s): $(head -n 3 "$C/job-problems" | paste -sd';' -)")

lost=$(cat "$C"/log/worker.*.log | grep -c 'event=lost')
errors=$(cat "$C"/log/worker.*.log | grep -c 'event=error')
rescued=$(cat "$C"/log/worker.*.log | grep -c 'event=rescued')
orphans=$(cat "$C"/log/worker.*.log | grep -c 'event=orphan-term')
[ "$lost" -eq 0 ] || problems+=("$lost event=lost: $(grep -h 'event=lost' "$C"/log/worker.*.log | head -n 2 | paste -sd';' -)")
[ "$errors" -eq 0 ] || problems+=("$errors event=error: $(grep -h 'event=error' "$C"/log/worker.*.log | head -n 2 | paste -sd';' -)")

secs=$(((t_end - t_start) / 1000))
summary="chaos: $nsub jobs ($PRE submitted in $(((t_start - t_sub) / 1000))s before the workers), $NWORKERS workers, $kills kills in ${secs}s (seed $SEED): completed $ncompleted, failed 'worker died 3 times' $died3, run more than once $rerun, max starts of one job $maxstarts, claims whose handler never started $unstarted, rescued by workers $rescued, orphans stopped by workers $orphans"
if [ "${#problems[@]}" -eq 0 ]; then
	echo "$summary: OK"
	[ "${CHAOS_KEEP:-}" = 1 ] && echo "chaos: kept $C" || rm -rf "$C"
	exit 0
fi
echo "$summary: FAILED"
for p in "${problems[@]}"; do
	echo "chaos: violation: $p"
done
echo "chaos: evidence kept in $C"
exit 1
