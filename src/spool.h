/* spool.h: the spool directory: where it is, creating and checking it,
 * its write lock and its wake-up file. */
#ifndef SPOOL_H
#define SPOOL_H

#include <stdbool.h>

struct spool {
	char *dir;		/* absolute or as given */
	int lockfd;		/* DIR/lock, serializes writers */
	char err[1024];		/* why the last call failed */
};

enum spool_rc {
	SPOOL_OK = 0,
	SPOOL_ABSENT,		/* does not exist and we were not to create it */
	SPOOL_UNUSABLE,		/* exists but may not or cannot be used */
};

/* Fills sp->dir from --dir, $JOBQ_DIR or the XDG default, then checks the
 * directory and what it holds (ours, nothing a symlink), creating the
 * directory (mode 0700) if it is missing and create is true.  On failure
 * sp->err says why. */
enum spool_rc spool_open(struct spool *sp, bool create);

/* Makes the spool's lock file and, when create is true, its
 * subdirectories (0700, whatever the umask): called by the store once it
 * knows the database is new or its own, so a foreign or damaged one
 * leaves the directory as it was.  False with sp->err set on failure. */
bool spool_make(struct spool *sp, bool create);

/* Opens a file of the spool, creating it mode 0600 whatever the umask;
 * never follows a symlink.  O_CLOEXEC is added to flags. */
int open_private(const char *path, int flags);
void spool_close(struct spool *sp);

/* "DIR/name", malloc'd. */
char *spool_path(const struct spool *sp, const char *name);

/* The write lock.  spool_trylock returns false if someone else holds it. */
void spool_lock(struct spool *sp);
bool spool_trylock(struct spool *sp);
void spool_unlock(struct spool *sp);

/* Tells idle workers and waiters that something changed. */
void spool_wake(const struct spool *sp);
#define SPOOL_WAKE_FILE "wake"

/* Checks that a file or directory is not writable by other users.  False
 * with sp->err set if it is.  Used for the spool, its database and
 * handler directories and files. */
bool check_not_world_writable(const char *path, const char *what,
    char *err, size_t errsize);

#endif
