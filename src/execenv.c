/* execenv.c: an exec job's environment.  submit records the submitter's
 * (as nq, tsp and sbatch keep it), the worker runs the command with it
 * and finds the command in its PATH, not in the worker's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "execenv.h"
#include "util.h"

extern char **environ;

/* What a worker sets for each start: submitted from inside a job, they
 * would name that job, its attempt and its descriptors. */
static bool
per_start(const char *name)
{
	static const char *const names[] = { "JOBQ_JOB_ID", "JOBQ_JOB_TYPE",
	    "JOBQ_QUEUE", "JOBQ_ATTEMPT", "JOBQ_PROGRESS_FD",
	    "JOBQ_LOCK_FD" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

json_t *
exec_env_current(void)
{
	json_t *o = json_object(), *v;

	/* Empty (env -i) it may be NULL. */
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		char *name, *shown;

		if (eq == NULL || eq == *e)
			continue;
		name = xstrdup(*e);
		name[eq - *e] = '\0';
		/* A name twice in environ: the first, as getenv(3) and
		 * the shell take it. */
		if (per_start(name) || json_object_get(o, name) != NULL) {
			free(name);
			continue;
		}
		if ((v = json_string(eq + 1)) == NULL ||
		    json_object_set_new(o, name, v) != 0) {
			shown = esc_text(name);
			cmd_warnx("environment variable %.64s is not UTF-8: "
			    "not recorded for the command", shown);
			free(shown);
		}
		free(name);
	}
	return o;
}

bool
exec_env_name_ok(const char *name, size_t len)
{
	return len > 0 && memchr(name, '=', len) == NULL &&
	    strlen(name) == len;
}

/* The last environment parsed, and its text: a worker's jobs mostly
 * come from one submitter (a batch, a script's loop) and carry the same
 * text, which need not be parsed again for each start. */
static char *last_text;
static char **last_env;

static char **
parse_env(const char *text)
{
	json_t *o, *v;
	const char *name;
	char **env;
	size_t k = 0;

	if ((o = json_loads(text, 0, NULL)) == NULL)
		return NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	env = xcalloc(json_object_size(o) + 1, sizeof(char *));
	json_object_foreach(o, name, v) {
		/* Checked at submit; the database is checked again. */
		if (!json_is_string(v) ||
		    !exec_env_name_ok(name, strlen(name)) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			continue;
		env[k++] = xasprintf("%s=%s", name, json_string_value(v));
	}
	env[k] = NULL;
	json_decref(o);
	return env;
}

char *const *
exec_env_recorded(const struct job *j)
{
	if (j->env == NULL)
		return NULL;
	if (last_text != NULL && strcmp(last_text, j->env) == 0)
		return last_env;
	free_strv(last_env);
	free(last_text);
	last_text = xstrdup(j->env);
	last_env = parse_env(j->env);
	return last_env;
}

const char *
exec_env_path(char *const *envp)
{
	const char *p;

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	if ((p = getenv("PATH")) != NULL)
		return p;
	return "/bin:/usr/bin";
}
