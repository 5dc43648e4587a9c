/* cmd-rm.c: jobq rm: deletes named ended jobs, with their results,
 * attempts, payloads and logs; all of them or none. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "logs.h"
#include "util.h"

static int cmd_rm(int, char **);

const struct cmd_entry cmd_rm_entry = {
	.name = "rm",
	.summary = "delete ended jobs by id",
	.usage = "ID...",
	.exec = cmd_rm,
};

static int
rm(struct spool *sp, struct store *st, const int64_t *ids, int n)
{
	struct gone_job *gone;
	enum job_state was = JOB_PENDING;
	enum store_rc src;
	int64_t bad = 0;
	size_t ngone;

	src = store_delete(st, ids, (size_t)n, &bad, &was, &gone, &ngone);
	if (src == STORE_NOTFOUND)
		return no_such_job(bad);
	if (src == STORE_CONFLICT) {
		cmd_warnx("job %lld is %s: cancel it first; nothing was "
		    "deleted", (long long)bad, job_state_name(was));
		return EXIT_JOBFAILED;
	}
	if (src != STORE_OK)
		return store_failure(st, src);
	for (size_t i = 0; i < ngone; i++)
		logs_remove(sp->dir, gone[i].id, gone[i].attempt);
	free(gone);
	return EXIT_OK;
}

static int
cmd_rm(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(&cmd_rm_entry, argc, argv, 0, &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		if (st == NULL)
			rc = no_such_job(ids[0]);
		else
			rc = rm(&sp, st, ids, n);
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
