/* handlers.c: the handler path and handler lookup, refusing handlers
 * that someone other than us or root could have put there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"
#include "spool.h"
#include "trust.h"
#include "util.h"

static void
add_dir(struct handler_path *hp, const char *dir)
{
	hp->dirs = xrealloc(hp->dirs, (hp->ndirs + 1) * sizeof(char *));
	hp->dirs[hp->ndirs++] = xstrdup(dir);
}

/* ${XDG_CONFIG_HOME:-~/.config}/jobq/handlers: handlers found without
 * flags.  XDG says a relative XDG_CONFIG_HOME is to be ignored. */
static char *
config_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/jobq/handlers", xdg);
	if (home != NULL && home[0] == '/')
		return xasprintf("%s/.config/jobq/handlers", home);
	return NULL;
}

enum handler_path_rc
handler_path_init(struct handler_path *hp, char *const *explicit_dirs,
    size_t nexplicit, const char *spool_dir, char **cause)
{
	const char *env = getenv("JOBQ_HANDLERS");
	struct stat st;

	memset(hp, 0, sizeof(*hp));
	for (size_t i = 0; i < nexplicit; i++) {
		if (stat(explicit_dirs[i], &st) < 0) {
			*cause = xasprintf("handler directory %s: %s",
			    explicit_dirs[i], strerror(errno));
			return HP_USAGE;
		}
		if (!S_ISDIR(st.st_mode)) {
			*cause = xasprintf("handler directory %s: not a "
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
	if ((own = config_dir()) != NULL) {
		add_dir(hp, own);
		free(own);
	}

	/* The --handlers directories exist (checked above); the others
	 * are refused only if they exist. */
	for (size_t i = 0; i < hp->ndirs; i++) {
		char *why;

		if (path_trusted(hp->dirs[i], &why) ||
		    (i >= nexplicit && errno == ENOENT)) {
			free(why);
			continue;
		}
		*cause = xasprintf("handler directory %s refused: %s; "
		    "handlers run as you, so they and every directory above "
		    "them must be yours or root's and not writable by others",
		    hp->dirs[i], why);
		free(why);
		return HP_UNUSABLE;
	}
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

/* The handler file and the directory it was found in, by their real
 * paths: a symlink to someone else's file is theirs.  False with *cause
 * set if either is refused. */
static bool
handler_trusted(const char *dir, const char *path, char **cause)
{
	char *why;

	if (path_trusted(dir, &why) && path_trusted(path, &why))
		return true;
	*cause = xasprintf("handler %s refused: %s; a handler runs as you, "
	    "so it and every directory above it must be yours or root's and "
	    "not writable by others", path, why);
	free(why);
	return false;
}

char *
handler_find(const struct handler_path *hp, const char *type,
    char **cause)
{
	struct stat st;

	/* The type comes from the database, which any process of ours may
	 * have written: it must not become "../x" or "/x". */
	if (!valid_name(type)) {
		*cause = xasprintf("bad job type '%s': not a type name, so not "
		    "looked up as a handler", type);
		return NULL;
	}
	for (size_t i = 0; i < hp->ndirs; i++) {
		char *path = xasprintf("%s/%s", hp->dirs[i], type);

		if (stat(path, &st) < 0) {
			free(path);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			*cause = xasprintf("handler %s is not a regular file",
			    path);
		} else if (!handler_trusted(hp->dirs[i], path, cause)) {
			;
		} else if (access(path, X_OK) < 0) {
			*cause = xasprintf("handler %s is not executable",
			    path);
		} else
			return path;
		free(path);
		return NULL;
	}
	char *dirs = searched(hp);
	*cause = xasprintf("no handler for type '%s' (searched: %s)", type,
	    dirs);
	free(dirs);
	return NULL;
}
