/* cmd-list.c: jobq list: jobs, oldest first, filtered. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jobq.h"
#include "outcheck.h"
#include "output.h"
#include "util.h"

struct list_ctx {
	struct store *st;
	struct table *table;
	int rc;
};

/* Stops the list once stdout fails: nobody reads the rest. */
static int
print_one(const struct job *j, void *arg)
{
	struct list_ctx *ctx = arg;

	if (g_opts.json)
		show_job_json(ctx->st, j);
	else
		table_add(ctx->table, j);
	return !out_ok(&ctx->rc);
}

static bool
parse_states(const char *arg, unsigned *states)
{
	char *copy = xstrdup(arg), *save = NULL;
	enum job_state s;
	unsigned mask = 0;
	bool ok = true;

	for (char *name = strtok_r(copy, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		if (!job_state_parse(name, &s)) {
			cmd_warnx("unknown state '%s': use pending, running, "
			    "retrying, completed, failed, timeout, cancelled",
			    name);
			ok = false;
			break;
		}
		mask |= 1u << s;
	}
	free(copy);
	if (ok && mask == 0) {
		cmd_warnx("no state in '%s': use pending, running, retrying, "
		    "completed, failed, timeout, cancelled, separated by ','",
		    arg);
		ok = false;
	}
	*states |= mask;
	return ok;
}

static int
parse_args(int argc, char **argv, struct list_filter *f)
{
	static const struct option longopts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "queue", required_argument, NULL, 'q' },
		{ "type", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = command_usage("list");
	long long limit;
	int ch;

	while ((ch = getopt_long(argc, argv, "+:s:q:t:n:", longopts,
	    NULL)) != -1) {
		if (global_option(ch, optarg, usage))
			continue;
		switch (ch) {
		case 's':
			if (!parse_states(optarg, &f->states))
				return EXIT_USAGE;
			break;
		case 'q':
			if (!valid_name(optarg)) {
				cmd_warnx("bad queue name '%s'", optarg);
				return EXIT_USAGE;
			}
			f->queue = optarg;
			break;
		case 't':
			if (!valid_name(optarg)) {
				cmd_warnx("bad type '%s'", optarg);
				return EXIT_USAGE;
			}
			f->type = optarg;
			break;
		case 'n':
			if (!parse_int(optarg, 1, INT64_MAX, &limit)) {
				cmd_warnx("bad limit '%s': use a positive "
				    "number", optarg);
				return EXIT_USAGE;
			}
			f->limit = limit;
			break;
		default:
			return bad_option(ch, argv, usage);
		}
	}
	if (optind != argc)
		return usage_error(usage);
	return EXIT_OK;
}

int
cmd_list(int argc, char **argv)
{
	struct list_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct spool sp;
	enum store_rc src;
	int rc;

	if ((rc = parse_args(argc, argv, &f)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &ctx.st, false)) != EXIT_OK)
		return rc;
	if (ctx.st == NULL) {
		close_store(&sp, NULL);
		return EXIT_OK;		/* no spool yet: no jobs */
	}
	recover_nowait(&sp, ctx.st);
	/* Only --json shows payloads: a table never reads them. */
	f.payload = g_opts.json;
	if (!g_opts.json)
		ctx.table = table_new();
	src = store_list(ctx.st, &f, print_one, &ctx);
	if (ctx.table != NULL)
		table_print(ctx.table);
	rc = ctx.rc;
	if (src != STORE_OK)
		rc = worst_status(rc, store_failure(ctx.st, src));
	close_store(&sp, ctx.st);
	return rc;
}
