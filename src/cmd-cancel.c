/* cmd-cancel.c: jobq cancel: a waiting job is cancelled at once; a
 * running one is stopped by its worker (TERM, grace, KILL). */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "util.h"

static int
cancel_one(struct store *st, int64_t id)
{
	enum job_state was = JOB_PENDING;
	enum store_rc src;

	if (st == NULL)
		return no_such_job(id);
	if ((src = store_cancel(st, id, &was)) == STORE_NOTFOUND)
		return no_such_job(id);
	if (src == STORE_CONFLICT) {
		cmd_warnx("job %lld already %s", (long long)id,
		    job_state_name(was));
		return EXIT_JOBFAILED;
	}
	if (src != STORE_OK)
		return store_failure(st, src);
	return EXIT_OK;
}

static int cmd_cancel(int, char **);

const struct cmd_entry cmd_cancel_entry = {
	.name = "cancel",
	.summary = "cancel pending or running jobs",
	.usage = "ID...",
	.exec = cmd_cancel,
};

static int
cmd_cancel(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(&cmd_cancel_entry, argc, argv, 0, &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK)
		for (int i = 0; i < n; i++)
			rc = worst_status(rc, cancel_one(st, ids[i]));
	free(ids);
	close_store(&sp, st);
	return rc;
}
