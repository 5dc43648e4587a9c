/* recover.c: the crash protocol (see jobq(1), Crash recovery).  A worker
 * holds workers/ID.lock alone; each attempt it starts has a run lock of
 * its own, workers/ID-JOB-ATTEMPT.run, shared with the handler.  The
 * first is free when the worker is gone; a job is put back only when its
 * run lock is free too and its recorded process group has no member
 * left, so two runs of one job never overlap. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "recover.h"
#include "supervise.h"
#include "util.h"

static const char *const event_names[] = {
	[RECOVER_ORPHAN_TERM] = "orphan-term",
	[RECOVER_ORPHAN_KILL] = "orphan-kill",
	[RECOVER_RESCUED] = "rescued",
};

const char *
recover_event_name(enum recover_event ev)
{
	return event_names[ev];
}

char *
worker_lock_path(const struct spool *sp, const char *worker)
{
	return xasprintf("%s/workers/%s.lock", sp->dir, worker);
}

char *
attempt_run_path(const struct spool *sp, const char *worker, int64_t job,
    int attempt)
{
	return xasprintf("%s/workers/%s-%lld-%d.run", sp->dir, worker,
	    (long long)job, attempt);
}

size_t
signal_lock_holders(const char *path, int sig)
{
	struct proc_ref *holders;
	size_t n, sent;

	n = proc_file_holders(path, PROC_ANY_UID, &holders);
	sent = proc_signal_all(holders, n, sig);
	free(holders);
	return sent;
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

/* A worker of this host holds its lock file while it lives; one whose
 * file is not here ran on another host (a store with leases), or is
 * gone. */
bool
worker_alive(struct store *st, const struct spool *sp, const char *worker)
{
	char *path = worker_lock_path(sp, worker);
	struct stat sb;
	bool here = lstat(path, &sb) == 0, alive;
	int known;

	alive = here && !lock_is_free(path);
	free(path);
	if (here || (known = store_worker_alive(st, worker)) < 0)
		return alive;
	return known == 1;
}

/* The files of a worker that is gone: its lock, the run locks of
 * attempts whose outcome it recorded but did not get to remove, and the
 * single run lock per worker that older versions of jobq made. */
static void
remove_worker_files(const struct spool *sp, const char *worker)
{
	char *dir = xasprintf("%s/workers", sp->dir);
	char *prefix = xasprintf("%s-", worker);
	size_t plen = strlen(prefix);
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(e->d_name);

			if (strncmp(e->d_name, prefix, plen) == 0 && len > 4 &&
			    strcmp(e->d_name + len - 4, ".run") == 0)
				unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	free(prefix);
	free(dir);
	dir = xasprintf("%s/workers/%s.run", sp->dir, worker);
	unlink(dir);
	free(dir);
	dir = worker_lock_path(sp, worker);
	unlink(dir);
	free(dir);
}

static void
forget(struct store *st, const struct spool *sp, const char *worker)
{
	if (store_worker_unregister(st, worker) == STORE_OK)
		remove_worker_files(sp, worker);
}

/* Removes from holders[] the processes that are in group[] too (the
 * handler itself holds the lock), so that none gets a signal twice: a
 * shell's TERM trap would run twice.  Returns how many are left. */
static size_t
drop_members(struct proc_ref *holders, size_t n,
    const struct proc_ref *group, size_t ngroup)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool member = false;

		for (size_t g = 0; g < ngroup && !member; g++)
			member = group[g].pid == holders[i].pid;
		if (!member)
			holders[k++] = holders[i];
	}
	return k;
}

/* Whether what a dead worker started for job j still runs: a live
 * member of the recorded process group, or any process holding the
 * attempt's run lock.  Its pipes went with the worker, so it is
 * stopped: TERM, then KILL once the dead worker's grace period has
 * passed since the TERM.  Group members are found by a pgid the
 * database names, so only the owner's are counted and signalled; lock
 * holders by the lock itself (see signal_lock_holders).  False once
 * nothing is left. */
static bool
orphans_left(struct store *st, const struct job *j, const char *run,
    recover_note_fn note, void *arg)
{
	struct proc_ref *group = NULL, *holders = NULL;
	size_t ngroup = 0, nholders = 0, sent;
	const char *boot = proc_boot_id();
	int64_t now = boot_ms();
	bool held, trusted;

	/* A group recorded in an earlier boot is gone, whoever has its
	 * pgid now.  A group without a boot was recorded by an older
	 * jobq: its start time still guards it. */
	if (j->pgid > 1 && (j->proc_boot == NULL ||
	    strcmp(j->proc_boot, boot) == 0))
		ngroup = proc_group_members(j->pgid, j->proc_start, geteuid(),
		    &group);
	if ((held = !lock_is_free(run)))
		nholders = drop_members(holders, proc_file_holders(run,
		    PROC_ANY_UID, &holders), group, ngroup);
	if (!held && ngroup == 0)
		return false;

	/* A TERM time is only good on the clock of the boot it was read
	 * on. */
	trusted = j->rescue_term_at > 0 && j->rescue_boot != NULL &&
	    strcmp(j->rescue_boot, boot) == 0 && j->rescue_term_at <= now;
	if (!trusted) {
		if (store_mark_rescue(st, j->id, j->attempt, j->worker, now,
		    boot) == STORE_OK) {
			proc_signal_all(group, ngroup, SIGTERM);
			proc_signal_all(holders, nholders, SIGTERM);
			if (note)
				note(RECOVER_ORPHAN_TERM, j->id, j->worker,
				    arg);
		}
	} else if (now - j->rescue_term_at >=
	    store_worker_grace(st, j->worker)) {
		/* Said only when something was killed: a holder we may not
		 * signal must not fill the log once a second. */
		sent = proc_signal_all(group, ngroup, SIGKILL) +
		    proc_signal_all(holders, nholders, SIGKILL);
		if (sent > 0 && note)
			note(RECOVER_ORPHAN_KILL, j->id, j->worker, arg);
	}
	free(group);
	free(holders);
	return true;
}

static void
requeue(struct store *st, const struct job *j, const char *run,
    recover_note_fn note, void *arg)
{
	struct outcome o = {
		.id = j->id,
		.attempt = j->attempt,
		.worker = j->worker,
		.end = { .stop = STOP_WORKER_DIED, .exit_code = -1 },
	};

	/* store_finish reads cancel_requested under the write lock: a
	 * cancel that came after our read still wins. */
	if (store_finish(st, &o, NULL) != STORE_OK)
		return;
	unlink(run);
	if (note)
		note(RECOVER_RESCUED, j->id, j->worker, arg);
}

static bool
has_running_job(const struct job *jobs, size_t n, const char *worker)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].worker != NULL &&
		    strcmp(jobs[i].worker, worker) == 0)
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
		char *run;

		if (j->worker == NULL || worker_alive(st, sp, j->worker))
			continue;
		run = attempt_run_path(sp, j->worker, j->id, j->attempt);
		if (orphans_left(st, j, run, note, arg))
			held_by_dead++;
		else
			requeue(st, j, run, note, arg);
		free(run);
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
		    !worker_alive(st, sp, workers[i]))
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
