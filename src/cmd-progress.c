/* cmd-progress.c: jobq progress: a handler's progress line, written for
 * shell handlers on the descriptor their worker gave them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "jobq.h"
#include "progress.h"
#include "util.h"

static int cmd_progress(int, char **);

const struct cmd_entry cmd_progress_entry = {
	.name = "progress",
	.summary = "report a handler's progress (inside a handler)",
	.usage = "PERCENT|DONE/TOTAL [MESSAGE...]",
	.exec = cmd_progress,
};

/* The line: the operands joined by spaces, line breaks in the message
 * made spaces, so that one report stays one line. */
static char *
progress_text(const struct cmd_args *a)
{
	char *line = xstrdup(a->operands[0]), *next;

	for (int i = 1; i < a->n; i++) {
		next = xasprintf("%s %s", line, a->operands[i]);
		free(line);
		line = next;
	}
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return line;
}

/* The descriptor the worker named.  Only JOBQ_PROGRESS_FD says that we
 * run in a handler: fd 3 may be open for any reason elsewhere (bats, a
 * shell's redirection), and a line written there would go astray. */
static int
progress_fd(void)
{
	const char *env = getenv("JOBQ_PROGRESS_FD");
	long long fd;

	if (env == NULL || env[0] == '\0') {
		cmd_warnx("not inside a handler: JOBQ_PROGRESS_FD is not set "
		    "(a worker sets it for the handlers it runs)");
		return -1;
	}
	if (!parse_int(env, 0, INT32_MAX, &fd)) {
		cmd_warnx("bad JOBQ_PROGRESS_FD '%s': not a descriptor", env);
		return -1;
	}
	return (int)fd;
}

static int
cmd_progress(int argc, char **argv)
{
	const char *message;
	struct cmd_args a;
	double percent;
	int64_t done, total;
	char *line, *out;
	int fd, rc;

	if ((rc = cmd_parse(&cmd_progress_entry, argc, argv, NULL, NULL,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n == 0) {
		cmd_args_free(&a);
		return cmd_usage_error(&cmd_progress_entry);
	}
	line = progress_text(&a);
	cmd_args_free(&a);
	/* The worker ignores what it cannot read: say so here instead. */
	if (strlen(line) > 511 || !progress_parse(line, strlen(line),
	    &percent, &done, &total, &message)) {
		cmd_warnx("bad progress '%s': use a percentage from 0 to 100 "
		    "(42, 42.5) or DONE/TOTAL (17/250, DONE at most TOTAL), "
		    "then a message; at most 511 bytes", line);
		free(line);
		return EXIT_USAGE;
	}
	if ((fd = progress_fd()) < 0) {
		free(line);
		return EXIT_USAGE;
	}
	out = xasprintf("%s\n", line);
	rc = EXIT_OK;
	if (write_all(fd, out, strlen(out)) < 0) {
		cmd_warn("cannot write to JOBQ_PROGRESS_FD %d", fd);
		rc = EXIT_IOERR;
	}
	free(out);
	free(line);
	return rc;
}
