/* recover.h: finding the jobs of dead workers and putting them back. */
#ifndef RECOVER_H
#define RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spool.h"
#include "store.h"

/* The lock file of a worker, and the run lock of one attempt of a job
 * it started, malloc'd. */
char *worker_lock_path(const struct spool *sp, const char *worker);
char *attempt_run_path(const struct spool *sp, const char *worker,
    int64_t job, int attempt);

/* Sends sig to every process that holds the run lock at path open,
 * whoever it runs as: the file is the spool owner's, in a directory only
 * the owner can enter, so a holder inherited it from one of the owner's
 * handlers and is part of that job, not a process named by the
 * database.  Returns how many were signalled (a user may signal only
 * its own processes; root, any). */
size_t signal_lock_holders(const char *path, int sig);

/* Whether a registered worker lives: one of this host while it holds
 * its lock file, one of another as the store's lease says
 * (PostgreSQL). */
bool worker_alive(struct store *st, const struct spool *sp,
    const char *worker);

/* Whether the lock file at path is free (its holder is gone). */
bool lock_is_free(const char *path);

/* What recovery did to a job of a dead worker. */
enum recover_event {
	RECOVER_ORPHAN_TERM,	/* its handler's leftovers got SIGTERM */
	RECOVER_ORPHAN_KILL,	/* ... and SIGKILL after the grace */
	RECOVER_RESCUED,	/* the job went back to pending */
};

/* The event's name in the worker's log: "orphan-term", ... */
const char *recover_event_name(enum recover_event ev);

/* Called for each thing recovery did, for the worker's log. */
typedef void (*recover_note_fn)(enum recover_event ev, int64_t job,
    const char *worker, void *arg);

/* Looks for running jobs whose worker is dead.  Handlers that outlived
 * their worker (members of the recorded process group, holders of the
 * attempt's run lock) are stopped (TERM, the dead worker's grace, KILL);
 * once none is left, the jobs go back to pending.  `self` is the caller's own
 * worker id, or NULL.  Never waits for a lock when the store is in
 * no-wait mode.  Returns how many jobs are still held by dead workers
 * (their handlers being stopped); *others (if not NULL) is how many other
 * workers and running jobs of theirs there were to watch. */
int recover_dead_workers(struct store *st, struct spool *sp,
    const char *self, recover_note_fn note, void *arg, int *others);

#endif
