/* cmd-prune.c: jobq prune: deletes ended jobs, with their results,
 * attempts, payloads and logs, in short batches so workers go on
 * claiming meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "jobq.h"
#include "logs.h"
#include "outcheck.h"
#include "output.h"
#include "timefmt.h"
#include "util.h"

/* Jobs per transaction: a batch holds the write lock for a few
 * milliseconds, so a worker waiting to claim is barely held up. */
#define PRUNE_BATCH 100
#define PRUNE_DEFAULT_AGE (7 * 24 * 3600 * 1000LL)

struct prune_opts {
	unsigned states;
	int64_t age_ms;
	bool dry_run;
	bool vacuum;
};

static bool
parse_ended_states(const char *arg, unsigned *states)
{
	char *copy = xstrdup(arg), *save = NULL;
	enum job_state s;
	bool ok = true;

	for (char *name = strtok_r(copy, ",", &save); name != NULL && ok;
	    name = strtok_r(NULL, ",", &save)) {
		if (!job_state_parse(name, &s)) {
			cmd_warnx("unknown state '%s': use completed, failed, "
			    "timeout, cancelled", name);
			ok = false;
		} else if (!job_state_ended(s)) {
			cmd_warnx("state '%s': prune deletes only ended jobs "
			    "(completed, failed, timeout, cancelled)", name);
			ok = false;
		} else
			*states |= 1u << s;
	}
	free(copy);
	if (ok && *states == 0) {
		cmd_warnx("no state in '%s': use completed, failed, timeout, "
		    "cancelled, separated by ','", arg);
		ok = false;
	}
	return ok;
}

enum { OPT_OLDER = 256, OPT_DRY, OPT_VACUUM };

static int
prune_option(void *ctx, int id, const char *arg)
{
	struct prune_opts *o = ctx;

	switch (id) {
	case 's':
		if (!parse_ended_states(arg, &o->states))
			return EXIT_USAGE;
		break;
	case OPT_OLDER:
		if (!parse_duration(arg, &o->age_ms)) {
			cmd_warnx("bad duration '%s': use %s", arg,
			    DURATION_FORMS);
			return EXIT_USAGE;
		}
		break;
	case OPT_DRY:
		o->dry_run = true;
		break;
	case OPT_VACUUM:
		o->vacuum = true;
		break;
	}
	return EXIT_OK;
}

static const struct cmd_option prune_options[] = {
	{ "status", 's', "STATE,...",
	  "only these ended states (completed,cancelled)", 's' },
	{ "older-than", 0, "DURATION", "ended longer ago (7d; 0: any)",
	  OPT_OLDER },
	{ "dry-run", 0, NULL, "say what would be deleted, delete nothing",
	  OPT_DRY },
	{ "vacuum", 0, NULL, "then give the space back (writers wait)",
	  OPT_VACUUM },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_prune(int, char **);

const struct cmd_entry cmd_prune_entry = {
	.name = "prune",
	.summary = "delete ended jobs with their logs and results",
	.usage = "",
	.options = prune_options,
	.exec = cmd_prune,
};

static int
parse(int argc, char **argv, struct prune_opts *o)
{
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(&cmd_prune_entry, argc, argv, prune_option, o,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n != 0) {
		cmd_warnx("unexpected argument '%s': to delete jobs by id, "
		    "use jobq rm", a.operands[0]);
		rc = cmd_usage_error(&cmd_prune_entry);
	}
	cmd_args_free(&a);
	if (o->states == 0)
		o->states = 1u << JOB_COMPLETED | 1u << JOB_CANCELLED;
	return rc;
}

/* Batch after batch until none is left; ids collects them for --json. */
static int
prune(struct spool *sp, struct store *st, const struct prune_opts *o,
    json_t *ids, int64_t *count)
{
	struct prune_filter f = { .states = o->states,
		.dry_run = o->dry_run };
	struct gone_job *gone;
	enum store_rc src;
	int64_t after = 0;
	size_t n;

	f.before = o->age_ms > 0 ? now_ms() - o->age_ms : INT64_MAX;
	do {
		src = store_prune_batch(st, &f, &after, PRUNE_BATCH, &gone,
		    &n);
		if (src != STORE_OK)
			return store_failure(st, src);
		for (size_t i = 0; i < n; i++) {
			/* After the commit: a crash between leaves a log
			 * without its job, never a job without its log. */
			if (!o->dry_run)
				logs_remove(sp->dir, gone[i].id,
				    gone[i].attempt);
			if (ids != NULL)
				json_array_append_new(ids,
				    json_integer(gone[i].id));
		}
		*count += (int64_t)n;
		free(gone);
	} while (n > 0);
	return EXIT_OK;
}

static void
report(const struct prune_opts *o, json_t *ids, int64_t count)
{
	if (g_opts.json) {
		json_t *v = json_object();

		json_object_set_new(v, "dry_run", json_boolean(o->dry_run));
		json_object_set_new(v, "count", json_integer(count));
		json_object_set_new(v, "ids", ids);
		print_json_line(v);
	} else
		printf("%s %lld job%s\n", o->dry_run ? "would delete" :
		    "deleted", (long long)count, count == 1 ? "" : "s");
}

static int
cmd_prune(int argc, char **argv)
{
	struct prune_opts o = { .age_ms = PRUNE_DEFAULT_AGE };
	struct spool sp;
	struct store *st;
	enum store_rc src;
	json_t *ids = NULL;
	int64_t count = 0;
	int rc;

	if ((rc = parse(argc, argv, &o)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) != EXIT_OK)
		return rc;
	if (g_opts.json)
		ids = json_array();
	if (st != NULL)
		rc = prune(&sp, st, &o, ids, &count);
	if (rc == EXIT_OK && st != NULL && o.vacuum && !o.dry_run) {
		cmd_warnx("vacuuming the database: writers (submit, workers) "
		    "wait until it ends");
		if ((src = store_vacuum(st)) != STORE_OK)
			rc = store_failure(st, src);
	}
	if (rc == EXIT_OK)
		report(&o, ids, count);
	else
		json_decref(ids);
	close_store(&sp, st);
	return rc;
}
