/* cmd-worker.c: jobq worker: options, then the event loop in worker.c. */
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
worker_option(void *ctx, int id, const char *arg)
{
	struct worker_args *a = ctx;
	long long n;

	switch (id) {
	case 'j':
		if (!parse_int(arg, 1, MAX_JOBS, &n)) {
			cmd_warnx("bad job count '%s': use 1-%d", arg,
			    MAX_JOBS);
			return EXIT_USAGE;
		}
		a->opts.jobs = (int)n;
		break;
	case 'q':
		if (!check_name("queue name", arg))
			return EXIT_USAGE;
		a->queues = xrealloc(a->queues, (a->opts.nqueues + 1) *
		    sizeof(char *));
		a->queues[a->opts.nqueues++] = arg;
		break;
	case 'H':
		a->handler_dirs = xrealloc(a->handler_dirs,
		    (a->nhandler_dirs + 1) * sizeof(char *));
		a->handler_dirs[a->nhandler_dirs++] = (char *)arg;
		break;
	case 'g':
		if (!parse_duration(arg, &a->opts.grace_ms)) {
			cmd_warnx("bad grace period '%s': use %s", arg,
			    DURATION_FORMS);
			return EXIT_USAGE;
		}
		break;
	case 'D':
		a->opts.drain = true;
		break;
	case 'Q':
		a->opts.quiet = true;
		break;
	}
	return EXIT_OK;
}

static const struct cmd_option worker_options[] = {
	{ "jobs", 'j', "N", "run up to N handlers at once (default 1)", 'j' },
	{ "queue", 'q', "QUEUE", "serve QUEUE; repeat for more (default: all)",
	  'q' },
	{ "handlers", 0, "DIR", "look for handlers in DIR first; repeatable",
	  'H' },
	{ "grace", 0, "DURATION",
	  "between SIGTERM and SIGKILL (default 5s)", 'g' },
	{ "drain", 0, NULL, "exit once nothing is runnable", 'D' },
	{ "quiet", 0, NULL, "log no event lines", 'Q' },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_worker(int, char **);

const struct cmd_entry cmd_worker_entry = {
	.name = "worker",
	.summary = "claim and run jobs",
	.usage = "",
	.options = worker_options,
	.exec = cmd_worker,
};

static int
parse_args(int argc, char **argv, struct worker_args *a)
{
	struct cmd_args ca;
	int rc;

	a->opts.jobs = 1;
	a->opts.grace_ms = DEFAULT_GRACE_MS;
	if ((rc = cmd_parse(&cmd_worker_entry, argc, argv, worker_option, a,
	    &ca)) != EXIT_OK)
		return rc;
	if (ca.n != 0) {
		cmd_warnx("unexpected argument '%s'", ca.operands[0]);
		rc = cmd_usage_error(&cmd_worker_entry);
	}
	cmd_args_free(&ca);
	a->opts.queues = a->queues;
	return rc;
}

static int
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
