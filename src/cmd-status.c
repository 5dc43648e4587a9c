/* cmd-status.c: jobq status: the state and record of jobs. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "logs.h"
#include "outcheck.h"
#include "output.h"
#include "util.h"

/* A waiting job held up by its queue: paused, or at its limit. */
static void
show_queue_wait(struct store *st, const struct job *j)
{
	int64_t limit, running;
	bool paused;

	if ((j->state != JOB_PENDING && j->state != JOB_RETRYING) ||
	    store_queue_state(st, j->queue, &paused, &limit, &running) !=
	    STORE_OK)
		return;
	/* Queue names are letters, digits and _.- only. */
	if (paused)
		printf("  waiting for queue %s to be resumed\n", j->queue);
	else if (limit > 0 && running >= limit)
		printf("  waiting for a place in queue %s (limit %lld)\n",
		    j->queue, (long long)limit);
}

/* The size of the job's logs, the attempts together, and how to read
 * them. */
static void
show_log_size(const struct spool *sp, struct store *st, const struct job *j)
{
	int64_t total = 0;

	for (int n = 1; n <= j->attempt; n++)
		total += attempt_log_size(sp, st, j->id, n, n == j->attempt);
	if (total > 0)
		printf("  %-10s %lld bytes (jobq logs %lld)\n", "log",
		    (long long)total, (long long)j->id);
}

static int
show(const struct spool *sp, struct store *st, int64_t id, bool not_first)
{
	struct attempt *a = NULL;
	struct dep *d = NULL;
	struct job j;
	size_t n = 0, nd = 0;
	int rc;

	/* People are not shown the payload: it is not read for them. */
	if ((rc = get_job(st, id, g_opts.json, &j)) != EXIT_OK)
		return rc;
	if (g_opts.json)
		show_job_json(st, &j);
	else {
		if (not_first)
			putchar('\n');
		print_job_human(&j);
		show_log_size(sp, st, &j);
		if (store_get_deps(st, id, &d, &nd) == STORE_OK) {
			print_deps_human(&j, d, nd);
			free(d);
		}
		show_queue_wait(st, &j);
		if (store_get_attempts(st, id, &a, &n) == STORE_OK) {
			print_attempts_human(a, n);
			attempts_free(a, n);
		}
	}
	job_clear(&j);
	return EXIT_OK;
}

static int cmd_status(int, char **);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.summary = "show the state and record of jobs",
	.usage = "ID...",
	.exec = cmd_status,
};

static int
cmd_status(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(&cmd_status_entry, argc, argv, 0, &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		if (st != NULL)
			recover_nowait(&sp, st);
		for (int i = 0; i < n && out_ok(&rc); i++)
			rc = worst_status(rc, show(&sp, st, ids[i], i > 0));
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
