/* cmd-result.c: jobq result: the stored output of a job, byte for byte. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "jobq.h"
#include "output.h"
#include "util.h"

static int
print_result(struct store *st, const struct job *j)
{
	enum store_rc src;
	char *buf;
	size_t len;
	int rc = EXIT_OK;

	if (!job_state_ended(j->state)) {
		cmd_warnx("job %lld is %s", (long long)j->id,
		    job_state_name(j->state));
		return EXIT_TEMPFAIL;
	}
	if ((src = store_get_result(st, j->id, &buf, &len)) != STORE_OK)
		return store_failure(st, src);
	/* A reader that went away (EPIPE) wanted no more: no error. */
	if (write_all(STDOUT_FILENO, buf, len) < 0 && errno != EPIPE) {
		cmd_warn("cannot write the result");
		rc = EXIT_IOERR;
	}
	free(buf);
	if (rc == EXIT_OK && j->state != JOB_COMPLETED) {
		warn_job_ended(j);
		rc = EXIT_JOBFAILED;
	}
	return rc;
}

static int cmd_result(int, char **);

const struct cmd_entry cmd_result_entry = {
	.name = "result",
	.summary = "print the output of a finished job",
	.usage = "ID",
	.exec = cmd_result,
};

static int
cmd_result(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	struct job j;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(&cmd_result_entry, argc, argv, 1, &ids,
	    &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK &&
	    (rc = get_job(st, ids[0], false, &j)) == EXIT_OK) {
		rc = print_result(st, &j);
		job_clear(&j);
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
