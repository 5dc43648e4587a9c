/* cmd-status.c: jobq status: the state and record of jobs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "output.h"
#include "util.h"

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = command_usage("status");
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int ch, rc, n;

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
	if (st != NULL)
		recover_nowait(&sp, st);
	for (n = 0; n < argc; n++) {
		struct job j;
		enum store_rc src = st ? store_get(st, ids[n], &j) :
		    STORE_NOTFOUND;

		if (src == STORE_NOTFOUND) {
			cmd_warnx("no such job %lld", (long long)ids[n]);
			rc = worst_status(rc, EXIT_NOJOB);
			continue;
		}
		if (src != STORE_OK) {
			rc = worst_status(rc, store_failure(st, src));
			break;
		}
		if (g_opts.json)
			print_job_json_full(st, &j);
		else {
			if (n > 0)
				putchar('\n');
			print_job_human(&j);
		}
		job_clear(&j);
	}
	free(ids);
	if (st != NULL)
		close_store(&sp, st);
	else
		spool_close(&sp);
	return rc;
}
