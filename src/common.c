/* common.c: the spool and store opening every command shares, and the
 * job ids and lookups of the commands that take ids. */
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "recover.h"
#include "util.h"

int
open_store(struct spool *sp, struct store **st, bool create)
{
	enum spool_rc src;
	enum store_rc rc;

	*st = NULL;
	src = spool_open(sp, create);
	if (src == SPOOL_ABSENT)
		return EXIT_OK;
	if (src != SPOOL_OK) {
		cmd_warnx("%s", sp->err);
		spool_close(sp);
		return EXIT_UNAVAILABLE;
	}
	rc = store_open(sp, create, st);
	if (rc == STORE_NOTFOUND && !create)
		return EXIT_OK;
	if (rc != STORE_OK) {
		cmd_warnx("%s", sp->err);
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

	if (a->n == 0)
		return cmd_usage_error(e);
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

void
recover_nowait(struct spool *sp, struct store *st)
{
	store_set_wait(st, false);
	recover_dead_workers(st, sp, NULL, NULL, NULL, NULL);
	store_set_wait(st, true);
}
