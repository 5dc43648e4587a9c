/* trust.c: the ownership check for code we are about to run (handlers)
 * and for the directories that hold it. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

char *
user_desc(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw == NULL)
		return xasprintf("uid %u", (unsigned)uid);
	return xasprintf("user %s (uid %u)", pw->pw_name, (unsigned)uid);
}

/* Whether one resolved path may be trusted; false with *cause saying
 * why not. */
static bool
trusted_one(const char *path, const struct stat *st, uid_t me,
    char **cause)
{
	char *who;

	if (st->st_uid != me && st->st_uid != 0) {
		who = user_desc(st->st_uid);
		*cause = xasprintf("%s belongs to %s", path, who);
		free(who);
		return false;
	}
	/* Others may add names to a sticky directory but not replace
	 * ours: that is /tmp. */
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return true;
	if (st->st_mode & S_IWOTH) {
		*cause = xasprintf("%s is writable by every user", path);
		return false;
	}
	if (st->st_mode & S_IWGRP) {
		*cause = xasprintf("%s is writable by its group", path);
		return false;
	}
	return true;
}

bool
path_trusted(const char *path, char **cause)
{
	uid_t me = geteuid();
	struct stat st;
	char *real, *slash;
	int saved;

	*cause = NULL;
	if ((real = realpath(path, NULL)) == NULL) {
		saved = errno;
		*cause = xasprintf("%s: %s", path, strerror(saved));
		errno = saved;
		return false;
	}
	/* realpath left no symlinks: each prefix is the real directory. */
	for (;;) {
		if (stat(real, &st) < 0) {
			saved = errno;
			*cause = xasprintf("%s: %s", real, strerror(saved));
			free(real);
			errno = saved;
			return false;
		}
		if (!trusted_one(real, &st, me, cause)) {
			free(real);
			errno = EPERM;
			return false;
		}
		if (strcmp(real, "/") == 0)
			break;
		slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(real);
	return true;
}
