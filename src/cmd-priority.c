/* cmd-priority.c: jobq priority: moves a waiting job up or down the
 * order workers take jobs in. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "util.h"

static int cmd_priority(int, char **);

const struct cmd_entry cmd_priority_entry = {
	.name = "priority",
	.summary = "change the priority of a pending or retrying job",
	.usage = "ID PRIORITY",
	.exec = cmd_priority,
};

static int
parse(int argc, char **argv, int64_t *id, int *prio)
{
	const struct cmd_entry *e = &cmd_priority_entry;
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(e, argc, argv, NULL, NULL, &a)) != EXIT_OK)
		return rc;
	if (a.n != 2)
		rc = cmd_usage_error(e);
	else if (!parse_id(a.operands[0], id)) {
		cmd_warnx("'%s' is not a job id (a positive integer)",
		    a.operands[0]);
		rc = EXIT_USAGE;
	} else if (!parse_priority(a.operands[1], prio)) {
		cmd_warnx("bad priority '%s': use critical, high, normal, "
		    "low or 0-99", a.operands[1]);
		rc = EXIT_USAGE;
	}
	cmd_args_free(&a);
	return rc;
}

static int
cmd_priority(int argc, char **argv)
{
	enum job_state was = JOB_PENDING;
	enum store_rc src;
	struct spool sp;
	struct store *st;
	int64_t id;
	int prio, rc;

	if ((rc = parse(argc, argv, &id, &prio)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) != EXIT_OK)
		return rc;
	if (st == NULL)
		rc = no_such_job(id);
	else if ((src = store_set_priority(st, id, prio, &was)) ==
	    STORE_NOTFOUND)
		rc = no_such_job(id);
	else if (src == STORE_CONFLICT) {
		cmd_warnx("job %lld is %s: only a pending or retrying job "
		    "can be reordered", (long long)id, job_state_name(was));
		rc = EXIT_JOBFAILED;
	} else if (src != STORE_OK)
		rc = store_failure(st, src);
	close_store(&sp, st);
	return rc;
}
