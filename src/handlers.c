/* handlers.c: the handler path and handler lookup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"
#include "spool.h"
#include "util.h"

static void
add_dir(struct handler_path *hp, const char *dir)
{
	hp->dirs = xrealloc(hp->dirs, (hp->ndirs + 1) * sizeof(char *));
	hp->dirs[hp->ndirs++] = xstrdup(dir);
}

enum handler_path_rc
handler_path_init(struct handler_path *hp, char *const *explicit_dirs,
    size_t nexplicit, const char *spool_dir, char *err, size_t errsize)
{
	const char *env = getenv("JOBQ_HANDLERS");
	struct stat st;

	memset(hp, 0, sizeof(*hp));
	for (size_t i = 0; i < nexplicit; i++) {
		if (stat(explicit_dirs[i], &st) < 0) {
			snprintf(err, errsize, "handler directory %s: %s",
			    explicit_dirs[i], strerror(errno));
			return HP_USAGE;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errsize, "handler directory %s: not a "
			    "directory", explicit_dirs[i]);
			return HP_USAGE;
		}
		char *abs = realpath(explicit_dirs[i], NULL);
		add_dir(hp, abs != NULL ? abs : explicit_dirs[i]);
		free(abs);
	}
	if (env != NULL) {
		char *copy = xstrdup(env), *save = NULL;

		for (char *d = strtok_r(copy, ":", &save); d != NULL;
		    d = strtok_r(NULL, ":", &save))
			add_dir(hp, d);
		free(copy);
	}
	char *own = xasprintf("%s/handlers", spool_dir);
	add_dir(hp, own);
	free(own);

	for (size_t i = 0; i < hp->ndirs; i++)
		if (!check_not_world_writable(hp->dirs[i], "handler directory",
		    err, errsize))
			return HP_UNUSABLE;
	return HP_OK;
}

void
handler_path_free(struct handler_path *hp)
{
	for (size_t i = 0; i < hp->ndirs; i++)
		free(hp->dirs[i]);
	free(hp->dirs);
	memset(hp, 0, sizeof(*hp));
}

static char *
searched(const struct handler_path *hp)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < hp->ndirs; i++)
		len += strlen(hp->dirs[i]) + 2;
	s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = 0; i < hp->ndirs; i++) {
		if (i > 0)
			strlcat(s, ", ", len);
		strlcat(s, hp->dirs[i], len);
	}
	return s;
}

char *
handler_find(const struct handler_path *hp, const char *type, char **err)
{
	char buf[512];
	struct stat st;

	for (size_t i = 0; i < hp->ndirs; i++) {
		char *path = xasprintf("%s/%s", hp->dirs[i], type);

		if (stat(path, &st) < 0) {
			free(path);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			*err = xasprintf("handler %s is not a regular file",
			    path);
		} else if (!check_not_world_writable(hp->dirs[i],
		    "handler directory", buf, sizeof(buf)) ||
		    !check_not_world_writable(path, "handler", buf,
		    sizeof(buf))) {
			*err = xstrdup(buf);
		} else if (access(path, X_OK) < 0) {
			*err = xasprintf("handler %s is not executable", path);
		} else
			return path;
		free(path);
		return NULL;
	}
	char *dirs = searched(hp);
	*err = xasprintf("no handler for type '%s' (searched: %s)", type,
	    dirs);
	free(dirs);
	return NULL;
}
