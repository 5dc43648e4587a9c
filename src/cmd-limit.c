/* cmd-limit.c: jobq limit: at most N jobs of a queue run at once, across
 * every worker; the claim enforces it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jobq.h"
#include "util.h"

/* A limit bigger than any spool could run. */
#define LIMIT_MAX 1000000

static int cmd_limit(int, char **);

const struct cmd_entry cmd_limit_entry = {
	.name = "limit",
	.summary = "run at most N jobs of a queue at once",
	.usage = "QUEUE N|none",
	.exec = cmd_limit,
};

static int
parse(int argc, char **argv, char **queue, int64_t *limit)
{
	const struct cmd_entry *e = &cmd_limit_entry;
	struct cmd_args a;
	long long n = 0;
	int rc;

	if ((rc = cmd_parse(e, argc, argv, NULL, NULL, &a)) != EXIT_OK)
		return rc;
	if (a.n != 2)
		rc = cmd_usage_error(e);
	else if (!check_name("queue name", a.operands[0]))
		rc = EXIT_USAGE;
	else if (strcmp(a.operands[1], "0") == 0) {
		cmd_warnx("a limit of 0 runs nothing: to stop claims from "
		    "queue '%s', use 'jobq pause %s'", a.operands[0],
		    a.operands[0]);
		rc = EXIT_USAGE;
	} else if (strcmp(a.operands[1], "none") != 0 &&
	    !parse_int(a.operands[1], 1, LIMIT_MAX, &n)) {
		cmd_warnx("bad limit '%s': use a number from 1 to %d, or "
		    "none", a.operands[1], LIMIT_MAX);
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK) {
		*queue = xstrdup(a.operands[0]);
		*limit = n;
	}
	cmd_args_free(&a);
	return rc;
}

static int
cmd_limit(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	enum store_rc src;
	char *queue = NULL;
	int64_t limit;
	int rc;

	if ((rc = parse(argc, argv, &queue, &limit)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, true)) == EXIT_OK) {
		if ((src = store_set_limit(st, queue, limit)) != STORE_OK)
			rc = store_failure(st, src);
		close_store(&sp, st);
	}
	free(queue);
	return rc;
}
