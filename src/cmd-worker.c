/* cmd-worker.c: jobq worker: options, then the event loop in worker.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "handlers.h"
#include "jobq.h"
#include "supervise.h"
#include "timefmt.h"
#include "util.h"
#include "worker.h"

#define MAX_JOBS 256

struct worker_args {
	struct worker_opts opts;
	const char **queues;
	char **handler_dirs;
	size_t nhandler_dirs;
};

static int
parse_args(int argc, char **argv, struct worker_args *a)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "queue", required_argument, NULL, 'q' },
		{ "handlers", required_argument, NULL, 'H' },
		{ "grace", required_argument, NULL, 'g' },
		{ "drain", no_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'Q' },
		GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = command_usage("worker");
	long long n;
	int ch;

	a->opts.jobs = 1;
	a->opts.grace_ms = DEFAULT_GRACE_MS;
	while ((ch = getopt_long(argc, argv, "+:j:q:", longopts, NULL)) != -1) {
		if (global_option(ch, optarg, usage))
			continue;
		switch (ch) {
		case 'j':
			if (!parse_int(optarg, 1, MAX_JOBS, &n)) {
				cmd_warnx("bad job count '%s': use 1-%d",
				    optarg, MAX_JOBS);
				return EXIT_USAGE;
			}
			a->opts.jobs = (int)n;
			break;
		case 'q':
			if (!valid_name(optarg)) {
				cmd_warnx("bad queue name '%s'", optarg);
				return EXIT_USAGE;
			}
			a->queues = xrealloc(a->queues, (a->opts.nqueues + 1) *
			    sizeof(char *));
			a->queues[a->opts.nqueues++] = optarg;
			break;
		case 'H':
			a->handler_dirs = xrealloc(a->handler_dirs,
			    (a->nhandler_dirs + 1) * sizeof(char *));
			a->handler_dirs[a->nhandler_dirs++] = optarg;
			break;
		case 'g':
			if (!parse_duration(optarg, &a->opts.grace_ms)) {
				cmd_warnx("bad grace period '%s': use %s",
				    optarg, DURATION_FORMS);
				return EXIT_USAGE;
			}
			break;
		case 'D':
			a->opts.drain = true;
			break;
		case 'Q':
			a->opts.quiet = true;
			break;
		default:
			return bad_option(ch, argv, usage);
		}
	}
	if (optind != argc)
		return usage_error(usage);
	a->opts.queues = a->queues;
	return EXIT_OK;
}

int
cmd_worker(int argc, char **argv)
{
	struct worker_args a = { 0 };
	struct handler_path hp;
	struct spool sp;
	struct store *st;
	char *cause = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != EXIT_OK)
		goto out;
	/* Before we open anything: see prepare_descriptors(). */
	prepare_descriptors();
	if ((rc = open_store(&sp, &st, true)) != EXIT_OK)
		goto out;
	switch (handler_path_init(&hp, a.handler_dirs, a.nhandler_dirs,
	    sp.dir, &cause)) {
	case HP_OK:
		rc = worker_run(&a.opts, &sp, st, &hp);
		break;
	case HP_USAGE:
		cmd_warnx("%s", cause);
		rc = EXIT_USAGE;
		break;
	case HP_UNUSABLE:
		cmd_warnx("%s", cause);
		rc = EXIT_UNAVAILABLE;
		break;
	}
	free(cause);
	handler_path_free(&hp);
	close_store(&sp, st);
out:
	free(a.queues);
	free(a.handler_dirs);
	return rc;
}
