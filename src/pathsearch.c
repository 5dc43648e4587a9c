/* pathsearch.c: a command looked up on a PATH in the worker.  execvp in
 * the child would try one execve per PATH entry until one works (for
 * `true`, nine failing calls on a Debian PATH); a stat per entry here
 * costs a tenth of that and leaves the child one execve. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathsearch.h"
#include "util.h"

/* What glibc's execvp searches when PATH is unset. */
#define DEFAULT_PATH "/bin:/usr/bin"

/* 0 if file is a regular file we may execute; else an errno value:
 * ENOENT (and the like: go on to the next entry) or EACCES (remembered,
 * as execvp does, if nothing later is found). */
static int
check(int dirfd, const char *file)
{
	struct stat sb;

	if (fstatat(dirfd, file, &sb, 0) < 0)
		return errno == EACCES ? EACCES : ENOENT;
	if (!S_ISREG(sb.st_mode))
		return EACCES;
	if (faccessat(dirfd, file, X_OK, AT_EACCESS) < 0)
		return EACCES;
	return 0;
}

char *
command_resolve(const char *name, const char *path, const char *cwd,
    char **cause)
{
	const char *p, *end;
	int dirfd = AT_FDCWD, e, seen = ENOENT;
	char *file = NULL;

	if (name[0] == '\0') {
		errno = ENOENT;
		*cause = xstrdup("empty command name");
		return NULL;
	}
	if (strchr(name, '/') != NULL)
		return xstrdup(name);
	if (path == NULL)
		path = DEFAULT_PATH;
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory, as for execvp. */
		if (end == p)
			file = xstrdup(name);
		else
			file = xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (file[0] != '/' && cwd != NULL && dirfd == AT_FDCWD &&
		    (dirfd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			dirfd = -2;	/* cwd unusable: exec will say so */
		if (file[0] == '/' || dirfd != -2) {
			if ((e = check(file[0] == '/' ? AT_FDCWD : dirfd,
			    file)) == 0)
				break;
			if (e == EACCES)
				seen = EACCES;
		}
		free(file);
		file = NULL;
		if (*end == '\0')
			break;
	}
	if (dirfd >= 0)
		close(dirfd);
	if (file == NULL) {
		*cause = xasprintf("%s: %s", name, seen == EACCES ?
		    "found on PATH, but not an executable file" :
		    "not found on PATH");
		errno = seen;
	}
	return file;
}
