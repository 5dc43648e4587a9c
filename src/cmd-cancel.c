/* cmd-cancel.c: jobq cancel: a waiting job is cancelled at once; a
 * running one is stopped by its worker (TERM, grace, KILL). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "util.h"

int
cmd_cancel(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = command_usage("cancel");
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+:", longopts, NULL)) != -1)
		if (!global_option(ch, optarg, usage))
			return bad_option(ch, argv, usage);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage_error(usage);
	if (!parse_ids(argc, argv, &ids))
		return EXIT_USAGE;
	if ((rc = open_store(&sp, &st, false)) != EXIT_OK) {
		free(ids);
		return rc;
	}
	for (int i = 0; i < argc; i++) {
		enum job_state was = JOB_PENDING;
		enum store_rc src = st ? store_cancel(st, ids[i], &was) :
		    STORE_NOTFOUND;

		if (src == STORE_NOTFOUND) {
			cmd_warnx("no such job %lld", (long long)ids[i]);
			rc = worst_status(rc, EXIT_NOJOB);
		} else if (src == STORE_CONFLICT) {
			cmd_warnx("job %lld already %s", (long long)ids[i],
			    job_state_name(was));
			rc = worst_status(rc, EXIT_JOBFAILED);
		} else if (src != STORE_OK) {
			rc = worst_status(rc, store_failure(st, src));
			break;
		}
	}
	free(ids);
	if (st != NULL)
		close_store(&sp, st);
	else
		spool_close(&sp);
	return rc;
}
