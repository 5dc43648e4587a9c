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

int
cmd_result(int argc, char **argv)
{
	const char *usage = command_usage("result");
	struct spool sp;
	struct store *st;
	enum store_rc src;
	struct job j;
	int64_t *ids;
	int n, rc;

	if ((rc = parse_id_command(argc, argv, usage, &ids, &n)) != EXIT_OK)
		return rc;
	if (n > 1) {
		free(ids);
		cmd_warnx("one job at a time");
		return usage_error(usage);
	}
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		src = st != NULL ? store_get_info(st, ids[0], &j) :
		    STORE_NOTFOUND;
		if (src == STORE_NOTFOUND) {
			cmd_warnx("no such job %lld", (long long)ids[0]);
			rc = EXIT_NOJOB;
		} else if (src != STORE_OK)
			rc = store_failure(st, src);
		else {
			rc = print_result(st, &j);
			job_clear(&j);
		}
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
