/* runlock.h: the run lock of each attempt a worker starts, its file
 * reused from one attempt to the next when nothing holds it. */
#ifndef RUNLOCK_H
#define RUNLOCK_H

#include "spool.h"

/* One spare lock file per slot, named WID-spare-SLOT.run, locked by the
 * worker while it waits for the slot's next attempt. */
struct run_locks {
	const struct spool *sp;
	const char *worker;
	int *spare;			/* per slot: its descriptor or -1 */
	int nslots;
};

/* A file made for the lock alone, locked (flock LOCK_EX): its
 * descriptor, or -1 with errno set. */
int lock_take(const char *path);

void run_locks_init(struct run_locks *rl, const struct spool *sp,
    const char *worker, int nslots);

/* The lock of the attempt whose file is path, for the handler of slot
 * to inherit: the slot's spare renamed when there is one, else a new
 * file.  Its descriptor, or -1 with errno set. */
int run_lock_take(struct run_locks *rl, int slot, const char *path);

/* The attempt's outcome is recorded: its file goes from path.  When
 * the lock was never released and nothing but fd (ours, closed here)
 * holds it, the file is emptied and kept as the slot's spare, locked
 * anew; otherwise (a daemon the handler left holds it, or something
 * unlocked it) it is removed.  fd -1: removed. */
void run_lock_release(struct run_locks *rl, int slot, const char *path,
    int fd);

/* The spares removed, at the worker's exit. */
void run_locks_close(struct run_locks *rl);

#endif
