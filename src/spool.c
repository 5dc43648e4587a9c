/* spool.c: checking and creating a spool directory (common.c chooses
 * which); its write lock; the wake-up file that idle workers watch. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spool.h"
#include "trust.h"
#include "util.h"

/* Filesystems whose locks or shared memory SQLite's WAL and flock(2)
 * cannot rely on. */
static const struct {
	unsigned long magic;
	const char *name;
} network_fs[] = {
	{ 0x6969, "NFS" },
	{ 0x517B, "SMB" },
	{ 0xFF534D42, "CIFS" },
	{ 0xFE534D42, "SMB2" },
	{ 0x5346414F, "AFS" },
	{ 0x73757245, "Coda" },
	{ 0x564c, "NCP" },
	{ 0x00C36400, "Ceph" },
	{ 0x01021997, "9P" },
};

/* mkdir -p for the parents, with the usual umask-filtered modes, but
 * always usable by us: under umask 0277 a parent made 0500 could not
 * hold the spool. */
static int
make_parents(const char *path)
{
	char *copy = xstrdup(path);
	mode_t mask = umask(0);
	int rc = 0;

	umask(mask);
	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) == 0) {
			if (chmod(copy, (0777 & ~mask) | S_IRWXU) < 0) {
				rc = -1;
				break;
			}
		} else if (errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(copy);
	return rc;
}

/* Sets *cause to the message and says the spool is unusable. */
static enum spool_rc __attribute__((format(printf, 2, 3)))
fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*cause = xvasprintf(fmt, ap);
	va_end(ap);
	return SPOOL_UNUSABLE;
}

bool
check_not_world_writable(const char *path, const char *what, char **cause)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return true;	/* absence is the caller's business */
	return check_mode_not_world_writable(path, &st, what, cause);
}

bool
check_mode_not_world_writable(const char *path, const struct stat *st,
    const char *what, char **cause)
{
	if (st->st_mode & S_IWOTH) {
		*cause = xasprintf("%s %s is writable by every user; "
		    "refusing to use it (chmod o-w %s)", what, path, path);
		return false;
	}
	return true;
}

/* A spool is used only by the user who owns it: its database says which
 * processes recovery may signal, and which code workers run. */
static enum spool_rc
not_ours(const char *what, const char *path, uid_t uid, char **cause)
{
	struct passwd *pw = getpwuid(uid);
	char *name = pw != NULL ? xstrdup(pw->pw_name) :
	    xasprintf("uid %u", (unsigned)uid);
	char *owner = user_desc(uid), *me = user_desc(geteuid());

	*cause = xasprintf("%s %s belongs to %s, not to you (%s): run jobq "
	    "as %s, or use --dir for a spool of your own", what, path, owner,
	    me, name);
	free(name);
	free(owner);
	free(me);
	return SPOOL_UNUSABLE;
}

/* st: the spool's stat(2), made by the caller. */
static enum spool_rc
check_dir(struct spool *sp, const struct stat *st, char **cause)
{
	struct statfs sfs;

	if (!S_ISDIR(st->st_mode))
		return fail(cause, "spool %s is not a directory", sp->dir);
	if (st->st_uid != geteuid())
		return not_ours("spool", sp->dir, st->st_uid, cause);
	if (!check_mode_not_world_writable(sp->dir, st, "spool", cause))
		return SPOOL_UNUSABLE;
	if (statfs(sp->dir, &sfs) == 0) {
		for (size_t i = 0; i < sizeof(network_fs) /
		    sizeof(network_fs[0]); i++) {
			if ((unsigned long)sfs.f_type != network_fs[i].magic)
				continue;
			return fail(cause, "spool %s is on a network "
			    "filesystem (%s); file locks and SQLite's WAL "
			    "need a local one", sp->dir, network_fs[i].name);
		}
	}
	return SPOOL_OK;
}

/* What the spool holds, checked before any of it is made or used.
 * Nothing is followed: a jobq.db that is a symlink to another spool's
 * would hide each spool's workers from the other's recovery, and a job
 * could run twice at once. */
static const struct {
	const char *name;
	mode_t type;
} entries[] = {
	{ "jobq.db", S_IFREG },
	{ "jobq.db-wal", S_IFREG },
	{ "jobq.db-shm", S_IFREG },
	{ "lock", S_IFREG },
	{ SPOOL_WAKE_FILE, S_IFREG },
	{ "logs", S_IFDIR },
	{ "workers", S_IFDIR },
};

static enum spool_rc
check_entries(struct spool *sp, char **cause)
{
	struct stat st;
	enum spool_rc rc = SPOOL_OK;

	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]) &&
	    rc == SPOOL_OK; i++) {
		char *p = spool_path(sp, entries[i].name);

		if (lstat(p, &st) < 0) {
			if (errno != ENOENT)
				rc = fail(cause, "%s: %s", p, strerror(errno));
		} else if (S_ISLNK(st.st_mode))
			rc = fail(cause, "%s is a symbolic link; a spool's "
			    "files must be its own, so jobq does not follow it",
			    p);
		else if ((st.st_mode & S_IFMT) != entries[i].type)
			rc = fail(cause, "%s is not a %s", p,
			    entries[i].type == S_IFDIR ? "directory" :
			    "regular file");
		else if (st.st_uid != geteuid())
			rc = not_ours("spool file", p, st.st_uid, cause);
		free(p);
	}
	return rc;
}

/* A new spool directory is private whatever the umask. */
static enum spool_rc
create_top(struct spool *sp, char **cause)
{
	if (make_parents(sp->dir) < 0)
		return fail(cause, "cannot create spool %s: %s", sp->dir,
		    strerror(errno));
	if (mkdir(sp->dir, 0700) < 0) {
		if (errno == EEXIST)
			return SPOOL_OK;	/* another command made it */
		return fail(cause, "cannot create spool %s: %s", sp->dir,
		    strerror(errno));
	}
	if (chmod(sp->dir, 0700) < 0)
		return fail(cause, "cannot set the mode of spool %s", sp->dir);
	return SPOOL_OK;
}

/* open_private() for a file that is there but the first time (the
 * lock, the wake-up file): one open(2) instead of two. */
static int
open_usual(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	return open_private(path, flags);
}

bool
spool_make(struct spool *sp, bool create, char **cause)
{
	static const char *subdirs[] = { "handlers", "logs", "workers" };
	char *lockpath;

	if (sp->lockfd >= 0)
		return true;
	for (size_t i = 0; create && i < sizeof(subdirs) / sizeof(subdirs[0]);
	    i++) {
		char *p = spool_path(sp, subdirs[i]);
		int r = mkdir(p, 0700);

		/* mkdir's mode went through the umask. */
		if ((r == 0 && chmod(p, 0700) < 0) ||
		    (r < 0 && errno != EEXIST)) {
			fail(cause, "cannot create %s: %s", p, strerror(errno));
			free(p);
			return false;
		}
		free(p);
	}
	lockpath = spool_path(sp, "lock");
	sp->lockfd = open_usual(lockpath, O_RDWR);
	if (sp->lockfd < 0) {
		fail(cause, "cannot open %s: %s", lockpath, strerror(errno));
		free(lockpath);
		return false;
	}
	free(lockpath);
	return true;
}

int
open_private(const char *path, int flags)
{
	int fd, saved;

	fd = open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd >= 0) {
		/* O_CREAT's mode went through the umask: under 0277 even
		 * we could not write the file again. */
		if (fchmod(fd, 0600) < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	return open(path, flags | O_CLOEXEC | O_NOFOLLOW);
}

void
spool_init(struct spool *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->lockfd = -1;
}

enum spool_rc
spool_open(struct spool *sp, const char *dir, bool create, char **cause)
{
	enum spool_rc rc;
	struct stat st;
	bool looked, fresh;

	spool_init(sp);
	sp->dir = xstrdup(dir);
	looked = stat(sp->dir, &st) == 0;
	fresh = !looked && errno == ENOENT;
	if (fresh && !create)
		return SPOOL_ABSENT;
	if (fresh && (rc = create_top(sp, cause)) != SPOOL_OK)
		return rc;
	/* Once more after a failure or a creation, for its error or for
	 * what was made. */
	if (!looked && stat(sp->dir, &st) < 0)
		return fail(cause, "spool %s: %s", sp->dir, strerror(errno));
	if ((rc = check_dir(sp, &st, cause)) != SPOOL_OK)
		return rc;
	/* Handlers get it in JOBQ_DIR and may run elsewhere. */
	char *abs = realpath(sp->dir, NULL);
	if (abs != NULL) {
		free(sp->dir);
		sp->dir = abs;
	}
	/* The lock, logs/ and workers/ are made by spool_make(), once the
	 * store has seen that the database is ours. */
	return check_entries(sp, cause);
}

void
spool_close(struct spool *sp)
{
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	sp->lockfd = -1;
	free(sp->dir);
	sp->dir = NULL;
}

char *
spool_path(const struct spool *sp, const char *name)
{
	return xasprintf("%s/%s", sp->dir, name);
}

void
spool_lock(struct spool *sp)
{
	while (flock(sp->lockfd, LOCK_EX) < 0 && errno == EINTR)
		;
}

bool
spool_trylock(struct spool *sp)
{
	return flock(sp->lockfd, LOCK_EX | LOCK_NB) == 0;
}

void
spool_unlock(struct spool *sp)
{
	flock(sp->lockfd, LOCK_UN);
}

void
spool_wake(const struct spool *sp)
{
	char *path = spool_path(sp, SPOOL_WAKE_FILE);
	int fd;

	/* Closing a file opened for writing is the inotify event
	 * (IN_CLOSE_WRITE) that workers and waiters sleep on. */
	fd = open_usual(path, O_WRONLY);
	if (fd >= 0)
		close(fd);
	free(path);
}
