/* spool.h: a spool directory: checking and creating it, its write lock
 * and its wake-up file. */
#ifndef SPOOL_H
#define SPOOL_H

#include <stdbool.h>
#include <stdint.h>

/* Functions that can fail return failure and set *cause to a malloc'd
 * message, which the caller prints and frees. */
struct spool {
	char *dir;		/* absolute once opened */
	int lockfd;		/* DIR/lock, serializes writers */
};

enum spool_rc {
	SPOOL_OK = 0,
	SPOOL_ABSENT,		/* missing, and not to be created */
	SPOOL_UNUSABLE,		/* may not or cannot be used */
};

/* An empty spool, which spool_close() takes. */
void spool_init(struct spool *sp);

/* Checks the spool directory dir and what it holds (ours, nothing a
 * symlink), creating the directory (mode 0700) if it is missing and
 * create is true.  Which directory is the caller's choice (--dir,
 * $JOBQ_DIR, the default).  SPOOL_UNUSABLE sets *cause; spool_close()
 * may be called whatever the result. */
enum spool_rc spool_open(struct spool *sp, const char *dir, bool create,
    char **cause);

/* Makes the spool's lock file and, when create is true, its
 * subdirectories (0700, whatever the umask): called by the store once it
 * knows the database is new or its own, so a foreign or damaged one
 * leaves the directory as it was.  False with *cause set on failure. */
bool spool_make(struct spool *sp, bool create, char **cause);

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
 * with *cause set if it is.  Used for the spool and its database. */
bool check_not_world_writable(const char *path, const char *what,
    char **cause);
/* The same from a stat(2) of path already made. */
struct stat;
bool check_mode_not_world_writable(const char *path, const struct stat *st,
    const char *what, char **cause);

#endif
