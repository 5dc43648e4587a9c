/* worker.c: the worker's one event loop.  poll(2) over a signalfd (child
 * exits, stop signals), an inotify descriptor (new work, cancels) and the
 * pipes of every running handler; timers are poll's timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobq.h"
#include "logs.h"
#include "proc.h"
#include "recover.h"
#include "runlock.h"
#include "slot.h"
#include "timefmt.h"
#include "util.h"
#include "wake.h"
#include "worker.h"

#define RECOVERY_INTERVAL_MS 1000
#define EXIT_DRAIN_MS 1000	/* how long pipes may stay open after exit */
#define ERROR_BACKOFF_MS 1000
#define BACKOFF_MAX_MS 30000	/* claims while starts or the store fail */
#define TROUBLE_REPEAT_MS 60000	/* a lasting store error, said again */
#define TROUBLE_KINDS 4		/* distinct store errors remembered */
#define SPOOL_CHECK_MS 1000	/* is the spool still the one we opened? */

/* Descriptors: those of the worker itself (stdio, database, WAL, shm,
 * locks, signalfd, inotify, /dev/null, and what SQLite and recovery open
 * for a moment), those each slot holds (three pipes, the one that
 * reports its exec until it is reaped, the log, a run lock), two slots
 * per -j (an ended handler's pipes may stay open for EXIT_DRAIN_MS while
 * its successor runs), and those one start needs for a moment (five
 * pipes, the payload's memfd, /proc). */
#define FDS_FIXED 32
#define FDS_PER_SLOT 6
#define FDS_PER_JOB (2 * FDS_PER_SLOT)
#define FDS_SPAWN 16
#define HOLDERS_POLL_MS 100	/* a put-back waiting for a run lock */
/* Retention (jobq config keep): looked at at most once a second while
 * jobs end, a batch per transaction and a few batches per look, so a
 * worker goes back to its own jobs between them. */
#define RETAIN_INTERVAL_MS 1000
#define RETAIN_BATCH 100
#define RETAIN_BATCHES 10

struct worker {
	const struct worker_opts *opts;
	struct store *st;
	struct slot_env env;
	char id[17];
	char *lock_path;
	int lock_fd;
	int sig_fd;
	struct waker waker;
	/* Twice -j: a handler may start in a slot of its own while the
	 * attempt it follows waits for its outcome's durable commit. */
	struct slot *slots;
	int nslots;
	struct run_locks run_locks;	/* each slot's spare run lock */
	struct job *claimed;		/* one claim's jobs, -j of them */
	struct pollfd *pfd;		/* 3 + 3 per slot */
	int busy;			/* slots in use */
	bool stopping;
	int64_t shutdown_term_at;	/* when to stop what still runs */
	int64_t next_recovery;
	int64_t next_claim;		/* after a store error */
	int orphans;			/* dead workers' jobs in rescue */
	int others;			/* other workers and their jobs */
	bool changed;			/* the store moved: claim */
	bool recheck;			/* the store moved: recover */
	bool none_runnable;		/* as of our last look */
	int64_t next_due;		/* wall ms the next delayed job is
					   due; 0: none */
	int status;			/* exit status so far */
	int64_t backoff_ms;		/* claim pause while starts fail */
	struct {
		char *msg;
		int64_t said;		/* when last logged, monotonic */
	} trouble[TROUBLE_KINDS];	/* store errors going on */
	enum store_rc store_rc;		/* the last store error */
	bool give_up;			/* exit now, jobs to recovery */
	bool spool_gone;		/* nothing can be recorded any more */
	struct stat dir_st, db_st;	/* the spool as we opened it */
	int64_t next_spool_check;
	bool retain;			/* jobs ended: look at retention */
	int64_t next_retain;
	/* A store that keeps leases (PostgreSQL): the worker lives for
	 * others while it renews its lease, and fences itself (stops its
	 * handlers) before a lease it could not renew ends. */
	int64_t lease_ms;		/* 0: none */
	int64_t beat_sent;		/* when the last renewal that
					   succeeded was sent, monotonic */
	int64_t next_beat;
	bool fenced;			/* handlers stopped, no claims */
};

/* One event line, written with one write(2) so that lines of workers
 * sharing a log never interleave, and whole whatever its length: a long
 * path in it is not cut. */
static void __attribute__((format(printf, 2, 3)))
wlog(struct worker *w, const char *fmt, ...)
{
	char *event, *line;
	va_list ap;

	if (w->opts->quiet)
		return;
	va_start(ap, fmt);
	event = xvasprintf(fmt, ap);
	va_end(ap);
	line = xasprintf("jobq: worker %s: %s\n", w->id, event);
	(void)!write(STDERR_FILENO, line, strlen(line));
	free(line);
	free(event);
}

/* Handlers running: those -j counts.  A slot whose handler ended but
 * whose outcome is not yet recorded is in use, not running. */
static int
running(const struct worker *w)
{
	int n = 0;

	for (int i = 0; i < w->nslots; i++)
		n += w->slots[i].used && !w->slots[i].exited;
	return n;
}

/* How many jobs may start now: -j less those running, and no more than
 * the free slots. */
static size_t
room(const struct worker *w)
{
	int r = w->opts->jobs - running(w);

	if (r > w->nslots - w->busy)
		r = w->nslots - w->busy;
	return r > 0 ? (size_t)r : 0;
}

static void
set_title(struct worker *w)
{
	char title[128];
	int n;

	n = snprintf(title, sizeof(title), "jobq worker: %d/%d busy%s",
	    running(w), w->opts->jobs, w->stopping ? ", stopping" : "");
	/* Padded to the command line it replaces, or libbsd marks the
	 * shorter title with a " ." that ps shows. */
	while (n >= 0 && (size_t)n < g_title_room && n < (int)sizeof(title) - 1)
		title[n++] = ' ';
	title[n] = '\0';
	setproctitle("-%s", title);
}

/* Signals arrive on a descriptor.  SIGINT may come in ignored from a
 * shell's `&`, and signalfd never sees an ignored signal. */
static int
setup_signals(void)
{
	sigset_t set;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Raises the soft limit of open files to what -j needs, and past the
 * high descriptor handlers get the run lock on.  A hard limit too low
 * for that is refused at start, rather than failing jobs one by one
 * with "Too many open files". */
static int
raise_fd_limit(int jobs)
{
	rlim_t need = FDS_FIXED + FDS_PER_JOB * (rlim_t)jobs + FDS_SPAWN;
	struct rlimit rl;

	if (need < JOBQ_LOCK_FD + 1)
		need = JOBQ_LOCK_FD + 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		cmd_warn("getrlimit");
		return EXIT_SOFTWARE;
	}
	if (rl.rlim_cur >= need)
		return EXIT_OK;
	if (rl.rlim_max < JOBQ_LOCK_FD + 1) {
		cmd_warnx("the hard limit of open files (%llu) is too low: "
		    "handlers get their lock on descriptor %d; raise it to "
		    "at least %d", (unsigned long long)rl.rlim_max,
		    JOBQ_LOCK_FD, JOBQ_LOCK_FD + 1);
		return EXIT_UNAVAILABLE;
	}
	if (rl.rlim_max < need) {
		cmd_warnx("-j %d needs %llu open files but their hard limit "
		    "is %llu: use -j %llu or less, or raise the limit", jobs,
		    (unsigned long long)need, (unsigned long long)rl.rlim_max,
		    (unsigned long long)((rl.rlim_max - FDS_FIXED -
		    FDS_SPAWN) / FDS_PER_JOB));
		return EXIT_USAGE;
	}
	/* As before, a little room beyond the need where it is allowed:
	 * handlers inherit the limit. */
	rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
	if (rl.rlim_cur < need)
		rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		cmd_warn("setrlimit");
		return EXIT_SOFTWARE;
	}
	return EXIT_OK;
}

/* The worker's lock (see jobq(1), Crash recovery), taken before the
 * worker registers.  Run locks are per attempt (start_job).  False with
 * *cause (malloc'd) set on failure. */
static bool
register_worker(struct worker *w, char **cause)
{
	snprintf(w->id, sizeof(w->id), "%08x%08x", arc4random(),
	    arc4random());
	w->lock_path = worker_lock_path(w->env.sp, w->id);
	if ((w->lock_fd = lock_take(w->lock_path)) < 0) {
		*cause = xasprintf("cannot lock %s: %s", w->lock_path,
		    strerror(errno));
		return false;
	}
	w->beat_sent = mono_ms();
	w->next_beat = w->beat_sent + STORE_HEARTBEAT_MS;
	w->lease_ms = store_lease_ms(w->st, w->opts->grace_ms);
	if (store_worker_register(w->st, w->id, (int)getpid(),
	    w->opts->grace_ms, w->opts->queues, w->opts->nqueues) !=
	    STORE_OK) {
		*cause = xstrdup(store_error(w->st));
		return false;
	}
	/* Idle workers sleep until woken: from now on they watch us. */
	spool_wake(w->env.sp);
	return true;
}

static void
unregister_worker(struct worker *w)
{
	store_worker_unregister(w->st, w->id);
	unlink(w->lock_path);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->lock_path);
}

static void
note_recovery(enum recover_event ev, int64_t job, const char *worker,
    void *arg)
{
	struct worker *w = arg;

	wlog(w, "event=%s job=%lld dead_worker=%s", recover_event_name(ev),
	    (long long)job, worker);
	/* Our own writes do not show in store_changed(). */
	if (ev == RECOVER_RESCUED)
		w->changed = true;
}

/* A store error, logged with SQLite's message once, and again each
 * minute while it goes on, so a full disk neither floods the log nor
 * goes unmentioned. */
static void
store_trouble(struct worker *w, enum store_rc rc, int64_t job)
{
	const char *msg = store_error(w->st);
	int64_t now = mono_ms();
	int k, oldest = 0;

	w->store_rc = rc;
	for (k = 0; k < TROUBLE_KINDS; k++) {
		if (w->trouble[k].msg != NULL &&
		    strcmp(w->trouble[k].msg, msg) == 0)
			break;
		if (w->trouble[k].said < w->trouble[oldest].said)
			oldest = k;
	}
	if (k == TROUBLE_KINDS) {
		k = oldest;
		free(w->trouble[k].msg);
		w->trouble[k].msg = xstrdup(msg);
	} else if (now - w->trouble[k].said < TROUBLE_REPEAT_MS)
		return;
	w->trouble[k].said = now;
	if (job > 0)
		wlog(w, "event=error job=%lld error=\"%s\"", (long long)job,
		    msg);
	else
		wlog(w, "event=error error=\"%s\"", msg);
}

/* A write went through: the store is well again. */
static void
store_fine(struct worker *w)
{
	bool was = false;

	for (int k = 0; k < TROUBLE_KINDS; k++) {
		was |= w->trouble[k].msg != NULL;
		free(w->trouble[k].msg);
		w->trouble[k].msg = NULL;
		w->trouble[k].said = 0;
	}
	if (was)
		wlog(w, "event=store-ok");
}

/* No claims for a while: about a second, doubling up to half a minute
 * while starts or the store keep failing. */
static void
back_off(struct worker *w)
{
	w->backoff_ms = w->backoff_ms == 0 ? ERROR_BACKOFF_MS :
	    w->backoff_ms * 2;
	if (w->backoff_ms > BACKOFF_MAX_MS)
		w->backoff_ms = BACKOFF_MAX_MS;
	w->next_claim = mono_ms() + w->backoff_ms;
	/* Look again then, even if nothing else moves. */
	w->none_runnable = false;
}

static int
store_exit_status(enum store_rc rc)
{
	return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
}

/* Leaves at once, outcomes unrecorded: the jobs stay running under a
 * worker that is gone, and the next worker or command to look puts them
 * back (at least once: they run again).  Handlers still running are
 * killed now, as recovery would do. */
static void
give_up(struct worker *w, const char *why)
{
	for (int i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slots[i];

		if (s->used && !s->exited && s->ch.pid > 0)
			kill(-s->ch.pid, SIGKILL);
	}
	cmd_warnx("%s: %s; leaving its jobs to recovery", why,
	    store_error(w->st));
	w->give_up = true;
	w->status = store_exit_status(w->store_rc);
}

/* A --drain worker that meets a store error stops, as a shutdown would
 * but without waiting out the grace period first, and exits 69 or 70:
 * idling on a store it cannot read would look like work still to come. */
static void
drain_failed(struct worker *w)
{
	if (w->status != EXIT_OK)
		return;
	cmd_warnx("%s", store_error(w->st));
	w->status = store_exit_status(w->store_rc);
	w->stopping = true;
	w->shutdown_term_at = mono_ms();
	set_title(w);
}

/* A store error while looking for work. */
static void
claim_failed(struct worker *w, enum store_rc rc)
{
	store_trouble(w, rc, 0);
	if (w->opts->drain)
		drain_failed(w);
	else
		back_off(w);
}

/* Whether a slot holds an outcome the store would not take. */
static bool
unrecorded(const struct worker *w)
{
	for (int i = 0; i < w->nslots; i++)
		if (w->slots[i].used && w->slots[i].record_retry_at != 0)
			return true;
	return false;
}

/* The slot's reports of a running handler, for the store. */
static void
save_progress(void *arg, const struct job *j, double percent,
    int64_t done, int64_t total, const char *message)
{
	struct worker *w = arg;

	store_set_progress(w->st, j->id, j->attempt, w->id, percent, done,
	    total, message);
}

static void
slot_warn(void *arg, const char *msg)
{
	wlog(arg, "event=log-error error=\"%s\"", msg);
}

/* How the slot's attempt ended, for the store. */
static void
outcome_of(struct worker *w, struct slot *s, struct outcome *o)
{
	*o = (struct outcome){
		.id = s->job.id, .attempt = s->job.attempt, .worker = w->id,
		.result = s->out, .result_len = s->out_len,
		.result_truncated = s->out_truncated,
	};
	slot_flush_progress(s, &w->env, true);
	slot_outcome(s, &o->end);
	/* A store that keeps logs gets the whole log with the outcome. */
	if (store_keeps_logs(w->st)) {
		free(s->log_copy);
		s->log_copy = slot_log_read(s, &o->log_len);
		o->log = s->log_copy;
	}
}

/* While a handler writes to its log, a store that keeps logs gets it
 * at most once a second, for `jobq logs -f` on any host. */
#define LOG_SAVE_MS 1000

static void
save_log(struct worker *w, struct slot *s, int64_t now)
{
	char *data;
	size_t len;

	if (s->log_fd < 0 || s->log_size == s->log_saved ||
	    now < s->log_saved_at + LOG_SAVE_MS || !store_keeps_logs(w->st))
		return;
	s->log_saved_at = now;
	if ((data = slot_log_read(s, &len)) == NULL)
		return;
	if (store_log_save(w->st, s->job.id, s->job.attempt, data, len) ==
	    STORE_OK)
		s->log_saved = s->log_size;
	free(data);
}

/* Says what the store made of the slot's attempt (rc and the verdict v,
 * which it clears); false if it was not stored and must be tried again
 * later. */
static bool
recorded(struct worker *w, struct slot *s, enum store_rc rc,
    struct verdict *v)
{
	char dur[32];
	int64_t id = s->job.id;
	int attempt = s->job.attempt;

	format_duration(mono_ms() - s->started_mono, dur, sizeof(dur));
	if (rc != STORE_OK && rc != STORE_CONFLICT) {
		verdict_clear(v);
		store_trouble(w, rc, id);
		return false;
	}
	store_fine(w);
	/* The store has the log now: this host's copy was its buffer. */
	if (rc == STORE_OK && s->log_copy != NULL) {
		char *path = logs_path(w->env.sp->dir, id, attempt);

		unlink(path);
		free(path);
	}
	if (rc == STORE_CONFLICT)
		wlog(w, "event=lost job=%lld attempt=%d", (long long)id,
		    attempt);
	else if (v->unclaim)
		wlog(w, "event=deferred job=%lld error=\"%s\" retry_in=%llds",
		    (long long)id, s->start_error,
		    (long long)(w->backoff_ms / 1000));
	else if (v->requeue)
		wlog(w, "event=requeued job=%lld attempt=%d duration=%s",
		    (long long)id, attempt, dur);
	else
		wlog(w, "event=finished job=%lld attempt=%d outcome=%s "
		    "duration=%s%s%s%s", (long long)id, attempt,
		    job_state_name(v->state), dur, v->error ? " error=\"" : "",
		    v->error ? v->error : "", v->error ? "\"" : "");
	/* Our own write does not show in store_changed(). */
	if (v->unclaim)
		w->changed = true;
	if (rc == STORE_OK && job_state_ended(v->state))
		w->retain = true;
	verdict_clear(v);
	return true;
}

/* Stores how the slot's attempt ended, alone; false if it must be tried
 * again later.  What the job became is the store's verdict. */
static bool
record(struct worker *w, struct slot *s)
{
	struct outcome o;
	struct verdict v;

	outcome_of(w, s, &o);
	return recorded(w, s, store_finish(w->st, &o, &v), &v);
}

/* Deletes the oldest ended jobs beyond the number `jobq config keep`
 * sets, if it does, with their log files. */
static void
retain(struct worker *w)
{
	struct gone_job *gone;
	long long keep;
	char *val = NULL;
	size_t n = 0, total = 0;

	w->retain = false;
	if (store_get_setting(w->st, SETTING_KEEP, &val) != STORE_OK ||
	    val == NULL || !parse_int(val, 0, INT64_MAX, &keep)) {
		free(val);
		return;
	}
	free(val);
	for (int b = 0; b < RETAIN_BATCHES; b++) {
		if (store_retain(w->st, keep, RETAIN_BATCH, &gone, &n) !=
		    STORE_OK)
			break;
		for (size_t i = 0; i < n; i++)
			logs_remove(w->env.sp->dir, gone[i].id,
			    gone[i].attempt);
		free(gone);
		total += n;
		if (n < RETAIN_BATCH)
			break;
	}
	/* More left: the next look goes on. */
	if (n == RETAIN_BATCH)
		w->retain = true;
	if (total > 0)
		wlog(w, "event=retention deleted=%zu keep=%lld", total,
		    keep);
}

/* The attempt's outcome is recorded: its run lock goes.  What still
 * holds it (a daemon the handler left) no longer matters to the job. */
static void
release_run_lock(struct worker *w, struct slot *s)
{
	char *path = attempt_run_path(w->env.sp, w->id, s->job.id,
	    s->job.attempt);

	run_lock_release(&w->run_locks, (int)(s - w->slots), path,
	    s->run_fd);
	free(path);
	s->run_fd = -1;
}

/* Each attempt gets a run lock of its own, so that a daemon left by one
 * job never holds up the rescue of another.  False (errno set) if it
 * cannot be made. */
static bool
take_run_lock(struct worker *w, struct slot *s, char **error)
{
	char *path = attempt_run_path(w->env.sp, w->id, s->job.id,
	    s->job.attempt);

	if ((s->run_fd = run_lock_take(&w->run_locks, (int)(s - w->slots),
	    path)) < 0)
		*error = xasprintf("cannot lock %s: %s", path,
		    strerror(errno));
	free(path);
	return s->run_fd >= 0;
}

/* A job that a stopping worker puts back may start again at once
 * elsewhere, so first nothing may hold its run lock, as for a rescue: a
 * process that left the handler's group (setsid) but kept the descriptor
 * gets TERM, and KILL after the grace period. */
static bool
run_lock_free(struct worker *w, struct slot *s)
{
	char *path;
	int64_t now = mono_ms();
	bool is_free;

	/* Our own descriptor must not count as a holder. */
	if (s->run_fd >= 0)
		close(s->run_fd);
	s->run_fd = -1;
	path = attempt_run_path(w->env.sp, w->id, s->job.id, s->job.attempt);
	if ((is_free = lock_is_free(path))) {
		free(path);
		return true;
	}
	if (s->holders_term_at == 0) {
		s->holders_term_at = now;
		signal_lock_holders(path, SIGTERM);
		wlog(w, "event=stopping-holders job=%lld signal=SIGTERM",
		    (long long)s->job.id);
	} else if (now - s->holders_term_at >= w->opts->grace_ms &&
	    signal_lock_holders(path, SIGKILL) > 0)
		wlog(w, "event=stopping-holders job=%lld signal=SIGKILL",
		    (long long)s->job.id);
	free(path);
	return false;
}

/* A start that failed: the slot is kept, as for a handler that exited,
 * until finish_ready has stored the failure or the put-back. */
static void
start_failed(struct worker *w, struct slot *s, char *error)
{
	s->start_error = error;
	s->exited = true;
	s->exited_mono = s->started_mono;
	if (s->start_passing)
		back_off(w);
}

/* Takes a free slot for a claimed job and makes its handler's process,
 * which waits to be recorded (let_run).  False if it failed (the slot
 * holds the failure). */
static bool
start_job(struct worker *w, struct job *job, struct slot **sp)
{
	struct slot *s = NULL;
	char *error = NULL;

	for (int i = 0; i < w->nslots; i++)
		if (!w->slots[i].used) {
			s = &w->slots[i];
			break;
		}
	*sp = s;
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->job = *job;
	s->started_mono = mono_ms();
	w->busy++;
	wlog(w, "event=claimed job=%lld type=%s queue=%s attempt=%d",
	    (long long)job->id, job->type, job->queue, job->attempt);
	/* A run lock that cannot be made is a passing failure (no
	 * descriptors, a full disk), as slot_start's own are. */
	if (!take_run_lock(w, s, &error))
		s->start_passing = true;
	if (error != NULL || !slot_start(s, &w->env, &error)) {
		start_failed(w, s, error);
		return false;
	}
	return true;
}

/* The handlers made this turn: their process groups are recorded in one
 * transaction, and only then may they run, so that a rescuer can always
 * find and stop them (jobq(1), Crash recovery). */
static void
let_run(struct worker *w, struct slot **made, size_t n)
{
	struct proc_record *p = xcalloc(n, sizeof(*p));
	enum store_rc *rcs = xcalloc(n, sizeof(*rcs)), rc;
	const char *boot = proc_boot_id();
	char *error;

	for (size_t i = 0; i < n; i++)
		p[i] = (struct proc_record){ made[i]->job.id,
		    made[i]->job.attempt, made[i]->ch.pid,
		    made[i]->ch.start_ticks, boot };
	rc = store_set_processes(w->st, w->id, p, n, rcs);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = made[i];
		bool ok = rc == STORE_OK && rcs[i] == STORE_OK;

		error = NULL;
		if (!slot_release(s, ok, rc != STORE_OK ? store_error(w->st) :
		    "the job is no longer this worker's", &error)) {
			start_failed(w, s, error);
			continue;
		}
		w->backoff_ms = 0;
		if (s->job.timeout_ms > 0)
			s->deadline = s->started_mono + s->job.timeout_ms;
		wlog(w, "event=started job=%lld pid=%d", (long long)s->job.id,
		    (int)s->ch.pid);
	}
	free(p);
	free(rcs);
}

/* Starts the n jobs just claimed into w->claimed.  A worker giving up
 * leaves them to recovery, as it does its running ones. */
static void
start_claimed(struct worker *w, size_t n)
{
	struct slot **made;
	size_t nmade = 0;

	if (n == 0)
		return;
	if (w->give_up) {
		for (size_t i = 0; i < n; i++)
			job_clear(&w->claimed[i]);
		return;
	}
	made = xcalloc(n, sizeof(*made));
	for (size_t i = 0; i < n; i++)
		if (start_job(w, &w->claimed[i], &made[nmade]))
			nmade++;
	if (nmade > 0)
		let_run(w, made, nmade);
	free(made);
	set_title(w);
}

/* When the next delayed job comes due, for a worker that found none
 * runnable. */
static bool
look_ahead(struct worker *w)
{
	enum store_rc rc;

	if ((rc = store_next_due(w->st, w->opts->queues, w->opts->nqueues,
	    &w->next_due)) != STORE_OK) {
		w->next_due = 0;
		claim_failed(w, rc);
		return false;
	}
	return true;
}

static void
claim_jobs(struct worker *w)
{
	enum store_rc rc;
	size_t n = 0, can_start = room(w);
	bool any = false;

	if (w->stopping || w->fenced || can_start == 0 ||
	    mono_ms() < w->next_claim)
		return;
	if (w->none_runnable && !w->changed &&
	    (w->next_due == 0 || now_ms() < w->next_due))
		return;		/* nothing new, nothing come due */
	/* A worker that found nothing to run looks first, with reads: one
	 * woken for nothing takes no lock.  One that found work goes
	 * straight to the claim. */
	if (w->none_runnable) {
		w->changed = false;
		if (!look_ahead(w))
			return;
		if ((rc = store_any_runnable(w->st, w->opts->queues,
		    w->opts->nqueues, &any)) != STORE_OK) {
			claim_failed(w, rc);
			return;
		}
		if (!any)
			return;
	}
	w->changed = false;
	w->none_runnable = false;
	/* Every free slot in one transaction. */
	rc = store_claim_many(w->st, w->id, w->opts->queues,
	    w->opts->nqueues, can_start, w->claimed, &n);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		claim_failed(w, rc);
		return;
	}
	if (n > 0)
		store_fine(w);
	if (n < can_start) {
		w->none_runnable = true;
		look_ahead(w);
	}
	start_claimed(w, n);
}

/* TERM now, KILL after the grace period. */
static void
stop_slot(struct worker *w, struct slot *s, enum stop_reason why)
{
	static const char *const names[] = {
		[STOP_TIMEOUT] = "timeout", [STOP_CANCEL] = "cancel",
		[STOP_SHUTDOWN] = "shutdown",
	};

	if (s->exited || s->reason != STOP_NONE)
		return;
	s->reason = why;
	s->kill_at = mono_ms() + w->opts->grace_ms;
	kill(-s->ch.pid, SIGTERM);
	wlog(w, "event=stopping job=%lld reason=%s", (long long)s->job.id,
	    names[why]);
}

static void
check_cancels(struct worker *w)
{
	int64_t *ids = NULL;
	size_t n = 0;

	if (w->busy == 0 ||
	    store_cancel_requests(w->st, w->id, &ids, &n) != STORE_OK)
		return;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < w->nslots; k++)
			if (w->slots[k].used && w->slots[k].job.id == ids[i])
				stop_slot(w, &w->slots[k], STOP_CANCEL);
	free(ids);
}

static struct slot *
slot_of_pid(struct worker *w, pid_t pid)
{
	for (int i = 0; i < w->nslots; i++)
		if (w->slots[i].used && w->slots[i].ch.pid == pid)
			return &w->slots[i];
	return NULL;
}

static bool
is_handler(pid_t pid, void *arg)
{
	return slot_of_pid(arg, pid) != NULL;
}

static void
reap_children(struct worker *w)
{
	struct slot *s;
	int wstatus;
	pid_t pid;

	while ((pid = reap_exited_child(&wstatus, is_handler, w)) > 0) {
		if ((s = slot_of_pid(w, pid)) == NULL)
			continue;
		s->exited = true;
		s->wstatus = wstatus;
		s->exited_mono = mono_ms();
		/* Its exec was not waited for: did it happen? */
		if (!slot_confirm(s) && s->start_passing)
			back_off(w);
	}
}

static void
begin_shutdown(struct worker *w, int sig)
{
	if (w->stopping && sig == SIGINT) {
		/* A second interrupt: stop now. */
		wlog(w, "event=stop-now");
		for (int i = 0; i < w->nslots; i++) {
			struct slot *s = &w->slots[i];

			if (!s->used || s->exited)
				continue;
			if (s->reason == STOP_NONE)
				s->reason = STOP_SHUTDOWN;
			/* Holders of the run lock: KILL, no TERM first. */
			s->holders_term_at = 1;
			kill(-s->ch.pid, SIGKILL);
		}
		return;
	}
	if (w->stopping)
		return;
	w->stopping = true;
	w->shutdown_term_at = mono_ms() + w->opts->grace_ms;
	wlog(w, "event=stopping signal=%s busy=%d", sig == SIGINT ? "SIGINT" :
	    "SIGTERM", w->busy);
	set_title(w);
}

static void
read_signals(struct worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap_children(w);
		else if (w->stopping && unrecorded(w))
			give_up(w, "stopped while outcomes could not be "
			    "stored");
		else
			begin_shutdown(w, (int)si.ssi_signo);
	}
	/* Coalesced SIGCHLDs: look once more. */
	reap_children(w);
}

/* Timers: timeouts, kills after grace, the end of a shutdown's grace,
 * progress writes that were held back. */
static void
run_timers(struct worker *w)
{
	int64_t now = mono_ms();

	for (int i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slots[i];

		if (!s->used)
			continue;
		if (!s->exited && s->deadline && now >= s->deadline)
			stop_slot(w, s, STOP_TIMEOUT);
		if (!s->exited && s->kill_at && now >= s->kill_at) {
			kill(-s->ch.pid, SIGKILL);
			s->kill_at = 0;
			s->deadline = 0;
		}
		if (w->stopping && now >= w->shutdown_term_at)
			stop_slot(w, s, STOP_SHUTDOWN);
		slot_flush_progress(s, &w->env, false);
		save_log(w, s, now);
	}
}

/* The slot's attempt is recorded (or lost with its spool): the slot is
 * free. */
static void
slot_done(struct worker *w, struct slot *s)
{
	release_run_lock(w, s);
	slot_clear(s);
	w->busy--;
	set_title(w);
}

/* An outcome the store would not take (a full disk, say) is kept and
 * tried again, or the job would stay running under a live worker for
 * good.  A --drain worker leaves it to recovery instead. */
static void
record_later(struct worker *w, struct slot *s, int64_t now)
{
	s->record_retry_at = now + ERROR_BACKOFF_MS;
	if (w->opts->drain)
		give_up(w, "cannot record an outcome");
}

/* Whether the slot's attempt can be recorded now. */
static bool
ready(struct worker *w, struct slot *s, int64_t now)
{
	if (!s->used || !s->exited)
		return false;
	/* The group is dead; what it wrote is still in the pipes. */
	if (s->ch.out_fd >= 0)
		slot_read(s, s->ch.out_fd);
	if (s->ch.err_fd >= 0)
		slot_read(s, s->ch.err_fd);
	if (s->ch.progress_fd >= 0)
		slot_read(s, s->ch.progress_fd);
	if (!slot_pipes_closed(s) && now - s->exited_mono < EXIT_DRAIN_MS)
		return false;
	if (now < s->record_retry_at)
		return false;
	if (s->reason == STOP_SHUTDOWN && !run_lock_free(w, s))
		return false;
	return true;
}

/* Records every attempt that ended, in one transaction and one sync
 * (group commit): handlers that end together cost one fsync, not one
 * each.  Their jobs' successors start first, in other slots, so that
 * the sync costs them nothing: it runs while they do. */
static void
finish_ready(struct worker *w)
{
	int64_t now = mono_ms();
	struct slot **done = xcalloc((size_t)w->nslots, sizeof(*done));
	struct outcome *o;
	struct verdict *v;
	enum store_rc *rcs, rc;
	size_t n = 0;

	for (int i = 0; i < w->nslots && !w->give_up; i++) {
		struct slot *s = &w->slots[i];

		if (!ready(w, s, now))
			continue;
		if (w->spool_gone) {
			/* Its database is gone: nothing to record in. */
			wlog(w, "event=lost job=%lld attempt=%d",
			    (long long)s->job.id, s->job.attempt);
			slot_done(w, s);
		} else
			done[n++] = s;
	}
	if (n > 0)
		claim_jobs(w);
	if (n == 0 || w->give_up) {
		free(done);
		return;
	}
	o = xcalloc(n, sizeof(*o));
	v = xcalloc(n, sizeof(*v));
	rcs = xcalloc(n, sizeof(*rcs));
	for (size_t i = 0; i < n; i++)
		outcome_of(w, done[i], &o[i]);
	rc = store_finish_many(w->st, o, n, v, rcs);
	for (size_t i = 0; i < n && !w->give_up; i++) {
		struct slot *s = done[i];
		bool ok;

		/* If the group failed, each alone: one outcome the store
		 * refuses must not hold up the others. */
		if (rc != STORE_OK && n > 1)
			ok = record(w, s);
		else
			ok = recorded(w, s, rcs[i], &v[i]);
		if (ok)
			slot_done(w, s);
		else
			record_later(w, s, now);
	}
	/* Those a give_up left unsaid. */
	for (size_t i = 0; i < n; i++)
		verdict_clear(&v[i]);
	/* An ended job may free others: those after it, those of a
	 * limited queue. */
	w->none_runnable = false;
	free(o);
	free(v);
	free(rcs);
	free(done);
}

static int
min_timeout(int64_t now, int64_t at, int timeout)
{
	int64_t d;

	if (at <= 0)
		return timeout;
	d = at - now;
	if (d < 0)
		d = 0;
	return d < timeout ? (int)d : timeout;
}

/* When a worker that has not renewed its lease stops its handlers. */
static int64_t
fence_at(const struct worker *w)
{
	return w->beat_sent + w->lease_ms - w->opts->grace_ms -
	    STORE_LEASE_MARGIN_MS;
}

static int
poll_timeout(struct worker *w)
{
	int64_t now = mono_ms();
	int t = waker_poll_ms(&w->waker);

	/* Alone on the spool there is no one to watch: sleep until woken.
	 * A new worker touches the wake file when it registers. */
	if (w->others > 0 || w->orphans > 0 || w->recheck)
		t = min_timeout(now, w->next_recovery, t);
	/* Timers that have fired must not make poll spin while their
	 * effect (a TERM sent, a handler gone) runs its course. */
	if (w->stopping && w->shutdown_term_at > now)
		t = min_timeout(now, w->shutdown_term_at, t);
	if (w->next_claim > now)
		t = min_timeout(now, w->next_claim, t);
	for (int i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slots[i];

		if (!s->used)
			continue;
		if (!s->exited && s->reason == STOP_NONE)
			t = min_timeout(now, s->deadline, t);
		if (!s->exited)
			t = min_timeout(now, s->kill_at, t);
		/* An exited slot is recorded at once when its pipes are
		 * closed (a start that failed has none); else once they
		 * are or the drain time is up.  Once storing failed, only
		 * the retry is due. */
		if (s->exited && s->record_retry_at == 0 &&
		    s->holders_term_at == 0 && slot_pipes_closed(s))
			t = 0;
		else if (s->exited && s->exited_mono + EXIT_DRAIN_MS > now)
			t = min_timeout(now, s->exited_mono + EXIT_DRAIN_MS, t);
		if (s->record_retry_at)
			t = min_timeout(now, s->record_retry_at, t);
		/* Holders of a run lock are not our children: look again
		 * soon whether they are gone. */
		if (s->exited && s->holders_term_at)
			t = min_timeout(now, now + HOLDERS_POLL_MS, t);
		if (s->progress_dirty)
			t = min_timeout(now, s->progress_stored +
			    PROGRESS_INTERVAL_MS, t);
	}
	if (w->retain && !w->stopping)
		t = min_timeout(now, w->next_retain, t);
	/* A delayed job coming due. */
	if (!w->stopping && room(w) > 0 && w->next_due > 0)
		t = min_timeout(now_ms(), w->next_due, t);
	if (w->lease_ms > 0) {
		t = min_timeout(now, w->next_beat, t);
		if (!w->fenced)
			t = min_timeout(now, fence_at(w), t);
	}
	return t;
}

static void
wait_for_events(struct worker *w)
{
	struct pollfd *pfd = w->pfd;
	size_t n = 0;

	pfd[n++] = (struct pollfd){ .fd = w->sig_fd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = w->waker.fd, .events = POLLIN };
	/* The store's wake-ups (NOTIFY): store_changed() reads them. */
	pfd[n++] = (struct pollfd){ .fd = store_wait_fd(w->st),
	    .events = POLLIN };
	for (int i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slots[i];

		if (!s->used)
			continue;
		pfd[n++] = (struct pollfd){ .fd = s->ch.out_fd,
		    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->ch.err_fd,
		    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->ch.progress_fd,
		    .events = POLLIN };
	}
	if (poll(pfd, n, poll_timeout(w)) > 0) {
		for (size_t i = 3; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			for (int k = 0; k < w->nslots; k++) {
				struct slot *s = &w->slots[k];

				if (s->used && (s->ch.out_fd == pfd[i].fd ||
				    s->ch.err_fd == pfd[i].fd ||
				    s->ch.progress_fd == pfd[i].fd)) {
					slot_read(s, pfd[i].fd);
					break;
				}
			}
		}
		if (pfd[0].revents)
			read_signals(w);
	}
}

/* With --drain: true once nothing is running, runnable or retrying
 * (a retry delay is waited out, so that a CI step sees its retries; a
 * delayed job is not), nor about to be: a dead worker's job whose
 * handler is being stopped comes back to pending within the grace
 * period. */
static bool
drained(struct worker *w)
{
	bool any = true;
	enum store_rc rc;

	if (w->busy > 0 || w->orphans > 0)
		return false;
	if ((rc = store_any_runnable(w->st, w->opts->queues,
	    w->opts->nqueues, &any)) != STORE_OK ||
	    (!any && (rc = store_any_retrying(w->st, w->opts->queues,
	    w->opts->nqueues, &any)) != STORE_OK)) {
		claim_failed(w, rc);
		return false;
	}
	return !any;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether PATH is no longer the file we opened.  stat, never open(): a
 * close of our own descriptor of jobq.db would drop SQLite's locks. */
static bool
replaced(const char *path, const struct stat *then)
{
	struct stat now;

	if (stat(path, &now) < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return !same_file(&now, then);
}

/* A spool removed (or its database) under a running worker: SQLite
 * writes on into the unlinked file, and jobs of a spool made anew at the
 * same place would wait for good.  Stop the handlers as a shutdown does
 * and exit 69; nothing they do can be recorded any more. */
static void
check_spool(struct worker *w)
{
	const char *what = NULL;
	char *db;

	if (w->spool_gone || w->dir_st.st_ino == 0)
		return;
	db = spool_path(w->env.sp, "jobq.db");
	if (replaced(w->env.sp->dir, &w->dir_st))
		what = "the spool directory was removed or replaced";
	else if (replaced(db, &w->db_st))
		what = "jobq.db was removed or replaced";
	free(db);
	if (what == NULL)
		return;
	cmd_warnx("%s: %s: stopping", w->env.sp->dir, what);
	w->spool_gone = true;
	w->status = EXIT_UNAVAILABLE;
	w->stopping = true;
	w->shutdown_term_at = mono_ms();
	for (int i = 0; i < w->nslots; i++)
		if (w->slots[i].used)
			stop_slot(w, &w->slots[i], STOP_SHUTDOWN);
	set_title(w);
}

static void
remember_spool(struct worker *w)
{
	char *db = spool_path(w->env.sp, "jobq.db");

	if (stat(w->env.sp->dir, &w->dir_st) < 0 || stat(db, &w->db_st) < 0)
		w->dir_st.st_ino = 0;	/* cannot tell: do not check */
	free(db);
}

/* Stops every handler (TERM, KILL after the grace) and claims nothing
 * until the lease is renewed: another worker may take our jobs once it
 * ends, and two runs of a job must not overlap. */
static void
fence(struct worker *w, const char *why)
{
	if (w->fenced)
		return;
	w->fenced = true;
	wlog(w, "event=fence reason=\"%s\" busy=%d", why, w->busy);
	for (int i = 0; i < w->nslots; i++)
		if (w->slots[i].used)
			stop_slot(w, &w->slots[i], STOP_SHUTDOWN);
	set_title(w);
}

/* Renews the lease; counted dead already, registers anew (its jobs are
 * the rescuer's now, and its outcomes will not be taken). */
static void
heartbeat(struct worker *w)
{
	int64_t sent = mono_ms();
	enum store_rc rc;

	w->next_beat = sent + STORE_HEARTBEAT_MS;
	rc = store_heartbeat(w->st, w->id);
	if (rc == STORE_CONFLICT) {
		fence(w, "counted dead by the store");
		rc = store_worker_register(w->st, w->id, (int)getpid(),
		    w->opts->grace_ms, w->opts->queues, w->opts->nqueues);
	}
	if (rc != STORE_OK) {
		store_trouble(w, rc, 0);
		return;
	}
	w->beat_sent = sent;
	if (w->fenced) {
		w->fenced = false;
		wlog(w, "event=lease-renewed");
		set_title(w);
	}
}

/* The lease's timers, every loop turn. */
static void
keep_lease(struct worker *w)
{
	int64_t now = mono_ms();

	if (w->lease_ms == 0)
		return;
	if (now >= w->next_beat)
		heartbeat(w);
	if (!w->fenced && mono_ms() >= fence_at(w))
		fence(w, "lease not renewed");
}

static void
loop(struct worker *w)
{
	for (;;) {
		bool woken = waker_drain(&w->waker);
		int64_t now = mono_ms();

		/* At once when inotify saw the spool move, else once a
		 * second: a wake-up alone (our own among them) is no
		 * reason to look. */
		if (w->waker.spool_moved || now >= w->next_spool_check) {
			w->waker.spool_moved = false;
			check_spool(w);
			w->next_spool_check = now + SPOOL_CHECK_MS;
		}

		/* An idle worker alone on an unchanged spool looks at
		 * nothing: an idle tick costs one PRAGMA. */
		/* A change someone else made: a cancel among them, which
		 * on PostgreSQL comes by NOTIFY, not by the wake file. */
		if (!w->spool_gone && store_changed(w->st))
			w->changed = w->recheck = w->retain = woken = true;
		if (now >= w->next_recovery && !w->spool_gone) {
			if (w->recheck || w->others > 0 || w->orphans > 0)
				w->orphans = recover_dead_workers(w->st,
				    w->env.sp, w->id, note_recovery, w,
				    &w->others);
			w->recheck = false;
			w->next_recovery = now + RECOVERY_INTERVAL_MS;
			woken = true;
		}
		keep_lease(w);
		if (woken)
			check_cancels(w);
		if (w->retain && now >= w->next_retain && !w->stopping &&
		    !w->spool_gone) {
			retain(w);
			w->next_retain = now + RETAIN_INTERVAL_MS;
		}
		claim_jobs(w);
		if (w->busy == 0 && (w->stopping ||
		    (w->opts->drain && drained(w)))) {
			/* A --drain worker from cron may be the only one
			 * the spool ever sees: it keeps to keep, too. */
			if (w->retain && !w->stopping && !w->spool_gone)
				retain(w);
			if (!w->retain || w->stopping)
				return;
		}
		wait_for_events(w);
		if (w->give_up)
			return;
		run_timers(w);
		finish_ready(w);
		if (w->give_up)
			return;
	}
}

int
worker_run(const struct worker_opts *opts, struct spool *sp,
    struct store *st, const struct handler_path *hp)
{
	struct worker w = {
		.opts = opts,
		.st = st,
		.env = { .sp = sp, .hp = hp,
		    .save_progress = save_progress, .warn = slot_warn },
		.lock_fd = -1,
	};
	char *cause;
	int rc;

	if ((rc = raise_fd_limit(opts->jobs)) != EXIT_OK)
		return rc;
	/* What a handler leaves running when it exits becomes our child,
	 * not init's: we reap it (no zombies in containers whose pid 1
	 * does not), and a stopping worker can wait for it. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if ((w.sig_fd = setup_signals()) < 0) {
		cmd_warn("signalfd");
		return EXIT_SOFTWARE;
	}
	w.env.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	w.env.worker_id = w.id;
	w.env.arg = &w;
	if (!register_worker(&w, &cause)) {
		cmd_warnx("%s", cause);
		free(cause);
		unregister_worker(&w);
		return EXIT_UNAVAILABLE;
	}
	w.nslots = 2 * opts->jobs;
	w.slots = xcalloc((size_t)w.nslots, sizeof(*w.slots));
	run_locks_init(&w.run_locks, sp, w.id, w.nslots);
	w.claimed = xcalloc((size_t)opts->jobs, sizeof(*w.claimed));
	w.pfd = xcalloc(3 + 3 * (size_t)w.nslots, sizeof(*w.pfd));
	remember_spool(&w);
	waker_open(&w.waker, sp);
	set_title(&w);
	wlog(&w, "event=start pid=%d jobs=%d", (int)getpid(), opts->jobs);

	loop(&w);

	wlog(&w, "event=exit");
	/* Spares first: while our lock is held, no rescuer removes them. */
	run_locks_close(&w.run_locks);
	unregister_worker(&w);
	waker_close(&w.waker);
	for (int i = 0; i < w.nslots; i++)
		if (w.slots[i].used)
			slot_clear(&w.slots[i]);
	for (int k = 0; k < TROUBLE_KINDS; k++)
		free(w.trouble[k].msg);
	free(w.slots);
	free(w.claimed);
	free(w.pfd);
	close(w.sig_fd);
	close(w.env.devnull);
	return w.status;
}
