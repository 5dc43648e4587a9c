/* cmd-status.c: jobq status: the state and record of jobs. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "outcheck.h"
#include "output.h"
#include "util.h"

static int
show(struct store *st, int64_t id, bool not_first)
{
	enum store_rc src;
	struct job j;

	/* People are not shown the payload: it is not read for them. */
	if (st == NULL)
		src = STORE_NOTFOUND;
	else if (g_opts.json)
		src = store_get(st, id, &j);
	else
		src = store_get_info(st, id, &j);
	if (src == STORE_NOTFOUND) {
		cmd_warnx("no such job %lld", (long long)id);
		return EXIT_NOJOB;
	}
	if (src != STORE_OK)
		return store_failure(st, src);
	if (g_opts.json)
		show_job_json(st, &j);
	else {
		if (not_first)
			putchar('\n');
		print_job_human(&j);
	}
	job_clear(&j);
	return EXIT_OK;
}

int
cmd_status(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(argc, argv, command_usage("status"), &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		if (st != NULL)
			recover_nowait(&sp, st);
		for (int i = 0; i < n && out_ok(&rc); i++)
			rc = worst_status(rc, show(st, ids[i], i > 0));
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
