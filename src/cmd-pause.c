/* cmd-pause.c: jobq pause: no job of the queues is claimed until they are
 * resumed; running jobs carry on.  jobq resume (cmd-resume.c) shares the
 * code. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "util.h"

static int cmd_pause(int, char **);

const struct cmd_entry cmd_pause_entry = {
	.name = "pause",
	.summary = "stop claims from queues (all: every queue)",
	.usage = "[QUEUE]...",
	.exec = cmd_pause,
};

int
pause_or_resume(const struct cmd_entry *e, int argc, char **argv,
    bool paused)
{
	struct cmd_args a;
	struct spool sp;
	struct store *st;
	enum store_rc src;
	int rc;

	if ((rc = cmd_parse(e, argc, argv, NULL, NULL, &a)) != EXIT_OK)
		return rc;
	for (int i = 0; i < a.n; i++) {
		if (!check_name("queue name", a.operands[i])) {
			cmd_args_free(&a);
			return EXIT_USAGE;
		}
	}
	/* A pause must hold for queues that have no job yet: the spool
	 * is made if need be. */
	if ((rc = open_store(&sp, &st, true)) == EXIT_OK &&
	    (src = store_pause(st, (const char *const *)a.operands,
	    (size_t)a.n, paused)) != STORE_OK)
		rc = store_failure(st, src);
	close_store(&sp, st);
	cmd_args_free(&a);
	return rc;
}

static int
cmd_pause(int argc, char **argv)
{
	return pause_or_resume(&cmd_pause_entry, argc, argv, true);
}
