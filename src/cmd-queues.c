/* cmd-queues.c: jobq queues: every queue, paused or not, its limit, and
 * how many of its jobs are in each state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "jobq.h"
#include "outcheck.h"
#include "output.h"
#include "util.h"

static int cmd_queues(int, char **);

const struct cmd_entry cmd_queues_entry = {
	.name = "queues",
	.summary = "list the queues: paused or not, limit, jobs by state",
	.usage = "",
	.exec = cmd_queues,
};

static void
print_json(const struct queue_info *q)
{
	json_t *o = json_object(), *counts = json_object();

	for (int s = 0; s < JOB_NSTATES; s++)
		json_object_set_new(counts, job_state_name(s),
		    json_integer(q->count[s]));
	json_object_set_new(o, "name", json_string(q->name));
	json_object_set_new(o, "paused", json_boolean(q->paused));
	json_object_set_new(o, "limit", q->limit > 0 ?
	    json_integer(q->limit) : json_null());
	json_object_set_new(o, "counts", counts);
	print_json_line(o);
}

static void
print_table(const struct queue_info *q, size_t n)
{
	static const int order[] = { JOB_PENDING, JOB_RETRYING, JOB_RUNNING,
	    JOB_COMPLETED, JOB_FAILED, JOB_TIMEOUT, JOB_CANCELLED };
	static const char *const headers[] = { "PENDING", "RETRYING",
	    "RUNNING", "COMPLETED", "FAILED", "TIMEOUT", "CANCELLED" };
	int width = 5;
	char limit[24];

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(q[i].name) > width)
			width = (int)strlen(q[i].name);
	printf("%-*s  %-6s  %5s", width, "QUEUE", "STATE", "LIMIT");
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		printf("  %9s", headers[k]);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		if (q[i].limit > 0)
			snprintf(limit, sizeof(limit), "%lld",
			    (long long)q[i].limit);
		else
			snprintf(limit, sizeof(limit), "-");
		/* Names are checked at submit: letters, digits, _.- only. */
		printf("%-*s  %-6s  %5s", width, q[i].name,
		    q[i].paused ? "paused" : "active", limit);
		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
			printf("  %9lld", (long long)q[i].count[order[k]]);
		putchar('\n');
	}
}

static int
cmd_queues(int argc, char **argv)
{
	struct queue_info *q = NULL;
	struct cmd_args a;
	struct spool sp;
	struct store *st;
	size_t n = 0;
	enum store_rc src;
	int rc;

	if ((rc = cmd_parse(&cmd_queues_entry, argc, argv, NULL, NULL, &a)) !=
	    EXIT_OK)
		return rc;
	if (a.n != 0)
		rc = cmd_usage_error(&cmd_queues_entry);
	cmd_args_free(&a);
	if (rc != EXIT_OK || (rc = open_store(&sp, &st, false)) != EXIT_OK)
		return rc;
	if (st != NULL && (src = store_queues(st, &q, &n)) != STORE_OK)
		rc = store_failure(st, src);
	else if (g_opts.json)
		for (size_t i = 0; i < n && out_ok(&rc); i++)
			print_json(&q[i]);
	else
		print_table(q, n);
	queue_info_free(q, n);
	close_store(&sp, st);
	return rc;
}
