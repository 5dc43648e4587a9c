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

	src = st != NULL ? store_cancel(st, id, &was) : STORE_NOTFOUND;
	if (src == STORE_NOTFOUND) {
		cmd_warnx("no such job %lld", (long long)id);
		return EXIT_NOJOB;
	}
	if (src == STORE_CONFLICT) {
		cmd_warnx("job %lld already %s", (long long)id,
		    job_state_name(was));
		return EXIT_JOBFAILED;
	}
	if (src != STORE_OK)
		return store_failure(st, src);
	return EXIT_OK;
}

int
cmd_cancel(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(argc, argv, command_usage("cancel"), &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK)
		for (int i = 0; i < n; i++)
			rc = worst_status(rc, cancel_one(st, ids[i]));
	free(ids);
	close_store(&sp, st);
	return rc;
}
