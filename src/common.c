/* common.c: the spool and store opening every command shares, and the
 * job ids and lookups of the commands that take ids. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "jobq.h"
#include "logs.h"
#include "output.h"
#include "recover.h"
#include "util.h"

/* The spool directory: --dir, else $JOBQ_DIR, else
 * ${XDG_STATE_HOME:-$HOME/.local/state}/jobq (see jobq(1), GLOBAL OPTIONS).
 * Malloc'd, or NULL with *cause set. */
static char *
spool_dir(char **cause)
{
	const char *env = getenv("JOBQ_DIR");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (g_opts.dir != NULL && g_opts.dir[0] != '\0')
		return xstrdup(g_opts.dir);
	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	/* A relative XDG_STATE_HOME is invalid, as the XDG spec says. */
	if (state != NULL && state[0] == '/')
		return xasprintf("%s/jobq", state);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.local/state/jobq", home);
	*cause = xstrdup("no spool: HOME is not set; use --dir or JOBQ_DIR");
	return NULL;
}

/* The PostgreSQL database: --db, else $JOBQ_DB; NULL: the spool's
 * own SQLite database. */
static const char *
store_db(void)
{
	const char *env = getenv("JOBQ_DB");

	if (g_opts.db != NULL)
		return g_opts.db;
	return env != NULL && env[0] != '\0' ? env : NULL;
}

int
open_store(struct spool *sp, struct store **st, bool create)
{
	const char *db = store_db();
	enum spool_rc src = SPOOL_UNUSABLE;
	enum store_rc rc;
	char *dir, *cause = NULL;
	bool sync_normal;

	*st = NULL;
	spool_init(sp);
	if (!store_sync_env(&sync_normal, &cause)) {
		cmd_warnx("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (g_opts.db != NULL && g_opts.db[0] == '\0') {
		cmd_warnx("--db: empty database URL");
		return EXIT_USAGE;
	}
	if ((dir = spool_dir(&cause)) != NULL)
		src = spool_open(sp, dir, create, &cause);
	free(dir);
	/* With a database, the spool holds only this host's run locks and
	 * handlers: the jobs may be there before any command ran here. */
	if (src == SPOOL_ABSENT && db == NULL)
		return EXIT_OK;
	if (src == SPOOL_ABSENT)
		src = SPOOL_OK;
	if (src != SPOOL_OK) {
		cmd_warnx("%s", cause);
		free(cause);
		spool_close(sp);
		return EXIT_UNAVAILABLE;
	}
	rc = store_open(sp, db, create, st, &cause);
	if (rc == STORE_NOTFOUND && !create) {
		free(cause);
		return EXIT_OK;
	}
	if (rc != STORE_OK) {
		cmd_warnx("%s", cause);
		free(cause);
		spool_close(sp);
		return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
	}
	return EXIT_OK;
}

void
close_store(struct spool *sp, struct store *st)
{
	if (st != NULL)
		store_close(st);
	spool_close(sp);
}

int
store_failure(struct store *st, enum store_rc rc)
{
	cmd_warnx("%s", store_error(st));
	return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
}

int
take_ids(const struct cmd_entry *e, const struct cmd_args *a, int max,
    int64_t **idsp, int *n)
{
	int64_t *ids;

	if (a->n == 0) {
		cmd_warnx("no job id given");
		return cmd_usage_error(e);
	}
	if (max > 0 && a->n > max) {
		cmd_warnx("one job at a time");
		return cmd_usage_error(e);
	}
	ids = xcalloc((size_t)a->n, sizeof(*ids));
	for (int i = 0; i < a->n; i++) {
		if (!parse_id(a->operands[i], &ids[i])) {
			cmd_warnx("'%s' is not a job id (a positive integer)",
			    a->operands[i]);
			free(ids);
			return EXIT_USAGE;
		}
	}
	*idsp = ids;
	*n = a->n;
	return EXIT_OK;
}

int
parse_id_command(const struct cmd_entry *e, int argc, char **argv, int max,
    int64_t **ids, int *n)
{
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(e, argc, argv, NULL, NULL, &a)) != EXIT_OK)
		return rc;
	rc = take_ids(e, &a, max, ids, n);
	cmd_args_free(&a);
	return rc;
}

int
no_such_job(int64_t id)
{
	cmd_warnx("no such job %lld", (long long)id);
	return EXIT_NOJOB;
}

int
get_job(struct store *st, int64_t id, bool payload, struct job *j)
{
	enum store_rc src;

	if (st == NULL)
		return no_such_job(id);
	src = payload ? store_get(st, id, j) : store_get_info(st, id, j);
	if (src == STORE_NOTFOUND)
		return no_such_job(id);
	if (src != STORE_OK)
		return store_failure(st, src);
	return EXIT_OK;
}

int
show_job_json(struct store *st, const struct job *j)
{
	struct job_extra x = { 0 };
	struct attempt *a = NULL;
	struct dep *d = NULL;
	size_t n = 0, nd = 0;
	int rc;

	if (store_get_attempts(st, j->id, &a, &n) != STORE_OK) {
		a = NULL;
		n = 0;
	}
	if (store_get_deps(st, j->id, &d, &nd) != STORE_OK) {
		d = NULL;
		nd = 0;
	}
	x = (struct job_extra){ a, n, d, nd };
	rc = print_job_json_full(j, &x);
	attempts_free(a, n);
	free(d);
	return rc;
}

void
recover_nowait(struct spool *sp, struct store *st)
{
	store_set_wait(st, false);
	recover_dead_workers(st, sp, NULL, NULL, NULL, NULL);
	store_set_wait(st, true);
}

static bool
serves(const struct worker_queues *w, const char *queue)
{
	json_t *arr, *v;
	bool yes = false;
	size_t i;

	if (w->queues == NULL)
		return true;
	arr = json_loads(w->queues, 0, NULL);
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    queue) == 0)
			yes = true;
	json_decref(arr);
	return yes;
}

void
unserved_load(struct unserved *u, struct spool *sp, struct store *st)
{
	size_t k = 0;

	worker_queues_free(u->w, u->nw);
	u->w = NULL;
	u->nw = 0;
	if (store_worker_queues(st, &u->w, &u->nw) != STORE_OK) {
		/* Unknown: better no note than a wrong one. */
		u->nw = 0;
		u->known = false;
		return;
	}
	u->known = true;
	/* A worker whose lock is free is dead, registered or not. */
	for (size_t i = 0; i < u->nw; i++) {
		char *path = worker_lock_path(sp, u->w[i].id);

		if (!lock_is_free(path))
			u->w[k++] = u->w[i];
		else {
			free(u->w[i].id);
			free(u->w[i].queues);
		}
		free(path);
	}
	u->nw = k;
}

void
unserved_check(struct unserved *u, const struct job *j)
{
	if (!u->known || (j->state != JOB_PENDING &&
	    j->state != JOB_RETRYING))
		return;
	for (size_t i = 0; i < u->nsaid; i++)
		if (strcmp(u->said[i], j->queue) == 0)
			return;
	for (size_t i = 0; i < u->nw; i++)
		if (serves(&u->w[i], j->queue))
			return;
	cmd_warnx("no live worker serves queue %s: job %lld waits for one",
	    j->queue, (long long)j->id);
	u->said = xrealloc(u->said, (u->nsaid + 1) * sizeof(char *));
	u->said[u->nsaid++] = xstrdup(j->queue);
}

void
unserved_free(struct unserved *u)
{
	worker_queues_free(u->w, u->nw);
	for (size_t i = 0; i < u->nsaid; i++)
		free(u->said[i]);
	free(u->said);
	memset(u, 0, sizeof(*u));
}

bool
sleep_for_change(struct waker *wk, struct store *st, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = wk->fd, .events = POLLIN },
		{ .fd = store_wait_fd(st), .events = POLLIN },
	};

	return poll(pfd, 2, ms) > 0 && pfd[1].revents != 0 &&
	    store_changed(st);
}

int64_t
attempt_log_size(const struct spool *sp, struct store *st, int64_t id,
    int n, bool last)
{
	char *buf;
	size_t len;
	int64_t size = 0;

	if (!store_keeps_logs(st))
		return logs_size(sp->dir, id, n, last);
	if (store_log_read(st, id, n, INT64_MAX, &buf, &len, &size) ==
	    STORE_OK)
		free(buf);
	return size;
}
