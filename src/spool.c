/* spool.c: finding, creating and checking the spool directory; its write
 * lock; the wake-up file that idle workers watch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "jobq.h"
#include "spool.h"
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

static char *
default_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (state != NULL && state[0] == '/')
		return xasprintf("%s/jobq", state);
	if (home == NULL || home[0] == '\0')
		return NULL;
	return xasprintf("%s/.local/state/jobq", home);
}

/* mkdir -p for the parents, with the usual umask-filtered modes. */
static int
make_parents(const char *path)
{
	char *copy = xstrdup(path);
	int rc = 0;

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(copy);
	return rc;
}

static enum spool_rc
fail(struct spool *sp, const char *fmt, const char *arg)
{
	char msg[400];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(sp->err, sizeof(sp->err), "%s", msg);
	return SPOOL_UNUSABLE;
}

bool
check_not_world_writable(const char *path, const char *what, char *err,
    size_t errsize)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return true;	/* absence is the caller's business */
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errsize, "%s %s is writable by every user; "
		    "refusing to use it (chmod o-w %s)", what, path, path);
		return false;
	}
	return true;
}

static enum spool_rc
check_dir(struct spool *sp)
{
	struct statfs sfs;
	struct stat st;

	if (stat(sp->dir, &st) < 0) {
		snprintf(sp->err, sizeof(sp->err), "spool %s: %s", sp->dir,
		    strerror(errno));
		return SPOOL_UNUSABLE;
	}
	if (!S_ISDIR(st.st_mode))
		return fail(sp, "spool %s is not a directory", sp->dir);
	if (!check_not_world_writable(sp->dir, "spool", sp->err,
	    sizeof(sp->err)))
		return SPOOL_UNUSABLE;
	if (statfs(sp->dir, &sfs) == 0) {
		for (size_t i = 0; i < sizeof(network_fs) /
		    sizeof(network_fs[0]); i++) {
			if ((unsigned long)sfs.f_type != network_fs[i].magic)
				continue;
			snprintf(sp->err, sizeof(sp->err), "spool %s is on a "
			    "network filesystem (%s); file locks and SQLite's "
			    "WAL need a local one", sp->dir, network_fs[i].name);
			return SPOOL_UNUSABLE;
		}
	}
	return SPOOL_OK;
}

static enum spool_rc
create_dir(struct spool *sp)
{
	static const char *subdirs[] = { "handlers", "logs", "workers" };

	if (make_parents(sp->dir) < 0 ||
	    (mkdir(sp->dir, 0700) < 0 && errno != EEXIST)) {
		snprintf(sp->err, sizeof(sp->err), "cannot create spool %s: %s",
		    sp->dir, strerror(errno));
		return SPOOL_UNUSABLE;
	}
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		char *p = spool_path(sp, subdirs[i]);
		int r = mkdir(p, 0700);

		if (r < 0 && errno != EEXIST) {
			snprintf(sp->err, sizeof(sp->err), "cannot create %s: %s",
			    p, strerror(errno));
			free(p);
			return SPOOL_UNUSABLE;
		}
		free(p);
	}
	return SPOOL_OK;
}

enum spool_rc
spool_open(struct spool *sp, bool create)
{
	const char *env = getenv("JOBQ_DIR");
	enum spool_rc rc;
	struct stat st;
	char *lockpath;
	bool fresh;

	memset(sp, 0, sizeof(*sp));
	sp->lockfd = -1;
	if (g_opts.dir != NULL && g_opts.dir[0] != '\0')
		sp->dir = xstrdup(g_opts.dir);
	else if (env != NULL && env[0] != '\0')
		sp->dir = xstrdup(env);
	else if ((sp->dir = default_dir()) == NULL) {
		snprintf(sp->err, sizeof(sp->err), "no spool: HOME is not set; "
		    "use --dir or JOBQ_DIR");
		return SPOOL_UNUSABLE;
	}

	fresh = stat(sp->dir, &st) < 0 && errno == ENOENT;
	if (fresh && !create)
		return SPOOL_ABSENT;
	if (create && (rc = create_dir(sp)) != SPOOL_OK)
		return rc;
	/* mkdir's mode goes through the umask; the spool is private. */
	if (fresh && chmod(sp->dir, 0700) < 0)
		return fail(sp, "cannot set the mode of spool %s", sp->dir);
	if ((rc = check_dir(sp)) != SPOOL_OK)
		return rc;
	/* Handlers get it in JOBQ_DIR and may run elsewhere. */
	char *abs = realpath(sp->dir, NULL);
	if (abs != NULL) {
		free(sp->dir);
		sp->dir = abs;
	}

	lockpath = spool_path(sp, "lock");
	sp->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (sp->lockfd < 0) {
		snprintf(sp->err, sizeof(sp->err), "cannot open %s: %s",
		    lockpath, strerror(errno));
		free(lockpath);
		return SPOOL_UNUSABLE;
	}
	free(lockpath);
	return SPOOL_OK;
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
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	free(path);
}
