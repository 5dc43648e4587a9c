/* cmd-retry.c: jobq retry: an ended job that did not complete (a dead
 * letter) goes back to pending with a fresh retry budget. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "util.h"

static int
retry_one(struct store *st, int64_t id)
{
	enum job_state was = JOB_PENDING;
	enum store_rc src;

	if (st == NULL)
		return no_such_job(id);
	if ((src = store_retry(st, id, &was)) == STORE_NOTFOUND)
		return no_such_job(id);
	if (src == STORE_CONFLICT && job_retry_allowed(was)) {
		cmd_warnx("job %lld: %s", (long long)id, store_error(st));
		return EXIT_JOBFAILED;
	}
	if (src == STORE_CONFLICT) {
		cmd_warnx("job %lld is %s: only a failed, timed-out or "
		    "cancelled job can be retried", (long long)id,
		    job_state_name(was));
		return EXIT_JOBFAILED;
	}
	if (src != STORE_OK)
		return store_failure(st, src);
	return EXIT_OK;
}

static int cmd_retry(int, char **);

const struct cmd_entry cmd_retry_entry = {
	.name = "retry",
	.summary = "run failed, timed-out or cancelled jobs again",
	.usage = "ID...",
	.exec = cmd_retry,
};

static int
cmd_retry(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(&cmd_retry_entry, argc, argv, 0, &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK)
		for (int i = 0; i < n; i++)
			rc = worst_status(rc, retry_one(st, ids[i]));
	free(ids);
	close_store(&sp, st);
	return rc;
}
