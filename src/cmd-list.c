/* cmd-list.c: jobq list: jobs, oldest first, filtered. */
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
	int64_t position;	/* --order run: of the last job shown */
	int rc;
};

/* Stops the list once stdout fails: nobody reads the rest. */
static int
print_one(const struct job *j, void *arg)
{
	struct list_ctx *ctx = arg;

	ctx->position++;
	if (g_opts.json)
		show_job_json(ctx->st, j);
	else
		table_add(ctx->table, j, ctx->position);
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

/* Options without a short form. */
enum { OPT_OFFSET = 256, OPT_HAS_TAG, OPT_ORDER };

static int
list_option(void *ctx, int id, const char *arg)
{
	struct list_filter *f = ctx;
	long long limit;
	int prio;

	switch (id) {
	case 's':
		if (!parse_states(arg, &f->states))
			return EXIT_USAGE;
		break;
	case 'q':
		if (!check_name("queue name", arg))
			return EXIT_USAGE;
		f->queue = arg;
		break;
	case 'T':
		if (!check_name("type", arg))
			return EXIT_USAGE;
		f->type = arg;
		break;
	case 'n':
		if (!parse_int(arg, 1, INT64_MAX, &limit)) {
			cmd_warnx("bad limit '%s': use a positive number",
			    arg);
			return EXIT_USAGE;
		}
		f->limit = limit;
		break;
	case OPT_OFFSET:
		if (!parse_int(arg, 0, INT64_MAX, &limit)) {
			cmd_warnx("bad offset '%s': use a number, 0 or more",
			    arg);
			return EXIT_USAGE;
		}
		f->offset = limit;
		break;
	case OPT_HAS_TAG:
		if (!check_name("tag", arg))
			return EXIT_USAGE;
		f->tag = arg;
		break;
	case 'p':
		if (!parse_priority(arg, &prio)) {
			cmd_warnx("bad priority '%s': use critical, high, "
			    "normal, low or 0-99", arg);
			return EXIT_USAGE;
		}
		f->priority = prio;
		break;
	case OPT_ORDER:
		if (strcmp(arg, "run") == 0)
			f->order_run = true;
		else if (strcmp(arg, "id") == 0)
			f->order_run = false;
		else {
			cmd_warnx("bad order '%s': use id (oldest first, the "
			    "default) or run (the order workers take "
			    "waiting jobs in)", arg);
			return EXIT_USAGE;
		}
		break;
	}
	return EXIT_OK;
}

/* --type has no -t: that is --timeout wherever it exists. */
static const struct cmd_option list_options[] = {
	{ "status", 's', "STATE,...", "only jobs in one of these states",
	  's' },
	{ "queue", 'q', "QUEUE", "only jobs on QUEUE", 'q' },
	{ "type", 0, "TYPE", "only jobs of type TYPE", 'T' },
	{ "limit", 'n', "N", "only the newest N jobs", 'n' },
	{ "offset", 0, "K", "leave out the newest K jobs", OPT_OFFSET },
	{ "tag", 0, "TAG", "only jobs tagged TAG", OPT_HAS_TAG },
	{ "priority", 'p', "PRIORITY", "only jobs of this priority", 'p' },
	{ "order", 0, "id|run", "run: waiting jobs in the order workers "
	  "take them", OPT_ORDER },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_list(int, char **);

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.summary = "list jobs, oldest first",
	.usage = "",
	.options = list_options,
	.exec = cmd_list,
};

static int
parse_args(int argc, char **argv, struct list_filter *f)
{
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(&cmd_list_entry, argc, argv, list_option, f,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n != 0) {
		cmd_warnx("unexpected argument '%s'", a.operands[0]);
		rc = cmd_usage_error(&cmd_list_entry);
	}
	cmd_args_free(&a);
	return rc;
}

static int
cmd_list(int argc, char **argv)
{
	struct list_filter f = { .priority = -1 };
	struct list_ctx ctx = { 0 };
	struct spool sp;
	enum store_rc src;
	int rc;

	if ((rc = parse_args(argc, argv, &f)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &ctx.st, false)) != EXIT_OK)
		return rc;
	if (ctx.st == NULL) {	/* no spool yet: no jobs */
		if (!g_opts.json)
			table_print(table_new(false));
		close_store(&sp, NULL);
		return EXIT_OK;
	}
	recover_nowait(&sp, ctx.st);
	/* Only --json shows payloads: a table never reads them. */
	f.payload = g_opts.json;
	if (!g_opts.json)
		ctx.table = table_new(f.order_run);
	ctx.position = f.order_run ? f.offset : 0;
	src = store_list(ctx.st, &f, print_one, &ctx);
	if (ctx.table != NULL)
		table_print(ctx.table);
	rc = ctx.rc;
	if (src != STORE_OK)
		rc = worst_status(rc, store_failure(ctx.st, src));
	close_store(&sp, ctx.st);
	return rc;
}
