/* recover.c: the crash protocol of DESIGN.md.  A worker holds
 * workers/ID.lock alone and shares workers/ID.run with every handler it
 * starts: the first is free when the worker is gone, the second when the
 * worker and all its handlers are.  Only then is a job put back, so two
 * runs of one job never overlap. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "recover.h"
#include "supervise.h"
#include "util.h"

char *
worker_lock_path(const struct spool *sp, const char *worker)
{
	return xasprintf("%s/workers/%s.lock", sp->dir, worker);
}

char *
worker_run_path(const struct spool *sp, const char *worker)
{
	return xasprintf("%s/workers/%s.run", sp->dir, worker);
}

bool
lock_is_free(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool free_ = true;

	if (fd < 0)
		return errno == ENOENT;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		free_ = false;
	close(fd);		/* and with it the lock we may have taken */
	return free_;
}

/* Whether a worker lock file (made by `path_of`) is still held. */
static bool
held(const struct spool *sp, const char *worker,
    char *(*path_of)(const struct spool *, const char *))
{
	char *path = path_of(sp, worker);
	bool is_held = !lock_is_free(path);

	free(path);
	return is_held;
}

/* The worker itself lives. */
static bool
worker_alive(const struct spool *sp, const char *worker)
{
	return held(sp, worker, worker_lock_path);
}

/* The worker or one of its handlers lives. */
static bool
handlers_alive(const struct spool *sp, const char *worker)
{
	return held(sp, worker, worker_run_path);
}

static void
forget(struct store *st, const struct spool *sp, const char *worker)
{
	char *lock = worker_lock_path(sp, worker);
	char *run = worker_run_path(sp, worker);

	if (store_worker_unregister(st, worker) == STORE_OK) {
		unlink(run);
		unlink(lock);
	}
	free(lock);
	free(run);
}

/* A handler of a dead worker still runs: TERM it, and KILL it once the
 * dead worker's grace period has passed since the TERM. */
static void
stop_orphan(struct store *st, const struct job *j, recover_note_fn note,
    void *arg)
{
	int64_t now = now_ms();

	/* No group recorded: the worker died between starting the
	 * handler and recording it.  Its run lock keeps the job from
	 * being put back until the handler ends by itself. */
	if (j->pgid <= 1)
		return;
	if (j->rescue_term_at == 0) {
		if (store_mark_rescue(st, j->id, j->attempt, j->worker, now) !=
		    STORE_OK)
			return;
		signal_recorded_group(j->pgid, j->proc_start, SIGTERM);
		if (note)
			note("orphan-term", j->id, j->worker, arg);
	} else if (now - j->rescue_term_at >=
	    store_worker_grace(st, j->worker)) {
		/* Said only while there is a group to kill: a process that
		 * left the group but holds the run lock is beyond reach, and
		 * must not fill the log once a second. */
		if (signal_recorded_group(j->pgid, j->proc_start, SIGKILL) ==
		    0 && note)
			note("orphan-kill", j->id, j->worker, arg);
	}
}

static void
requeue(struct store *st, const struct job *j, recover_note_fn note,
    void *arg)
{
	struct outcome o = {
		.id = j->id,
		.attempt = j->attempt,
		.worker = j->worker,
		.state = j->cancel_requested ? JOB_CANCELLED : JOB_PENDING,
		.exit_code = -1,
		.worker_died = true,
	};

	if (store_finish(st, &o) == STORE_OK && note)
		note("rescued", j->id, j->worker, arg);
}

static bool
has_running_job(const struct job *jobs, size_t n, const char *worker)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].worker != NULL && strcmp(jobs[i].worker, worker) == 0)
			return true;
	return false;
}

int
recover_dead_workers(struct store *st, struct spool *sp, const char *self,
    recover_note_fn note, void *arg, int *others)
{
	struct job *jobs = NULL;
	char **workers = NULL;
	size_t njobs = 0, nworkers = 0;
	int held_by_dead = 0, watched;

	if (store_running_elsewhere(st, self, &jobs, &njobs) != STORE_OK)
		return 0;
	for (size_t i = 0; i < njobs; i++) {
		const struct job *j = &jobs[i];

		if (j->worker == NULL || worker_alive(sp, j->worker))
			continue;
		if (handlers_alive(sp, j->worker)) {
			stop_orphan(st, j, note, arg);
			held_by_dead++;
		} else
			requeue(st, j, note, arg);
	}

	/* Workers that are gone and had no running job left: forget them.
	 * One whose jobs were just put back goes on the next pass. */
	watched = (int)njobs;
	if (store_workers(st, &workers, &nworkers) != STORE_OK)
		nworkers = 0;
	for (size_t i = 0; i < nworkers; i++) {
		bool other = self == NULL || strcmp(workers[i], self) != 0;

		watched += other;
		if (other && !has_running_job(jobs, njobs, workers[i]) &&
		    !worker_alive(sp, workers[i]) &&
		    !handlers_alive(sp, workers[i]))
			forget(st, sp, workers[i]);
		free(workers[i]);
	}
	free(workers);
	for (size_t i = 0; i < njobs; i++)
		job_clear(&jobs[i]);
	free(jobs);
	if (others != NULL)
		*others = watched;
	return held_by_dead;
}
