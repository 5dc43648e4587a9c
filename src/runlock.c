/* runlock.c: run locks, their files reused.  A new file costs the
 * filesystem an inode each attempt (on ext4 the search for a free one,
 * past those just freed, was a tenth of a worker's CPU in a drain of
 * short jobs); a rename of a file that nothing holds any more costs a
 * directory entry.  A file whose lock was released, or that something
 * still holds, is never reused, so a daemon left by one attempt never
 * ties it to another. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "runlock.h"
#include "util.h"

int
lock_take(const char *path)
{
	int fd = open_private(path, O_RDWR);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static char *
spare_path(const struct run_locks *rl, int slot)
{
	return xasprintf("%s/workers/%s-spare-%d.run", rl->sp->dir,
	    rl->worker, slot);
}

void
run_locks_init(struct run_locks *rl, const struct spool *sp,
    const char *worker, int nslots)
{
	rl->sp = sp;
	rl->worker = worker;
	rl->nslots = nslots;
	rl->spare = xcalloc((size_t)nslots, sizeof(*rl->spare));
	for (int i = 0; i < nslots; i++)
		rl->spare[i] = -1;
}

int
run_lock_take(struct run_locks *rl, int slot, const char *path)
{
	int fd = rl->spare[slot];

	if (fd >= 0) {
		char *spare = spare_path(rl, slot);
		int r = rename(spare, path);

		rl->spare[slot] = -1;
		if (r == 0) {
			free(spare);
			return fd;
		}
		/* Gone or not ours to move: a new file, as with none. */
		close(fd);
		unlink(spare);
		free(spare);
	}
	return lock_take(path);
}

void
run_lock_release(struct run_locks *rl, int slot, const char *path, int fd)
{
	char *spare;
	bool held;
	int probe;

	if (fd < 0 || rl->spare[slot] >= 0 ||
	    (probe = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		unlink(path);
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The description the handler inherited must still hold the
	 * lock: one that something unlocked (flock -u) may still be open
	 * in a process no lock shows, which would then pass for a holder
	 * of a later start's lock. */
	held = flock(probe, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	/* With ours closed, free only if no other process keeps it. */
	spare = spare_path(rl, slot);
	if (held && flock(probe, LOCK_EX | LOCK_NB) == 0 &&
	    (lseek(probe, 0, SEEK_END) == 0 || ftruncate(probe, 0) == 0) &&
	    rename(path, spare) == 0)
		rl->spare[slot] = probe;	/* empty, as a new file */
	else {
		unlink(path);
		close(probe);
	}
	free(spare);
}

void
run_locks_close(struct run_locks *rl)
{
	for (int i = 0; i < rl->nslots; i++) {
		if (rl->spare[i] < 0)
			continue;
		char *spare = spare_path(rl, i);

		unlink(spare);
		free(spare);
		close(rl->spare[i]);
	}
	free(rl->spare);
	rl->spare = NULL;
	rl->nslots = 0;
}
