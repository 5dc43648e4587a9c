/* cmd-result.c: jobq result: the stored output of a job, byte for byte. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "jobq.h"
#include "output.h"
#include "util.h"
#include "wake.h"

#define RESULT_RECHECK_MS 1000

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

/* --wait: until the job has ended, as jobq wait does. */
static int
wait_ended(struct spool *sp, struct store *st, int64_t id, struct job *j)
{
	struct unserved u = { 0 };
	struct waker w;
	int rc;

	waker_open(&w, sp);
	store_changed(st);
	for (;;) {
		waker_drain(&w);
		recover_nowait(sp, st);
		if ((rc = get_job(st, id, false, j)) != EXIT_OK)
			break;
		if (job_state_ended(j->state))
			break;
		unserved_load(&u, sp, st);
		unserved_check(&u, j);
		job_clear(j);
		sleep_for_change(&w, st, w.fd >= 0 ? RESULT_RECHECK_MS :
		    WAKE_POLL_MS_NOINOTIFY);
	}
	waker_close(&w);
	unserved_free(&u);
	return rc;
}

static int
result_option(void *ctx, int id, const char *arg)
{
	bool *wait = ctx;

	(void)arg;
	if (id == 'W')
		*wait = true;
	return EXIT_OK;
}

static const struct cmd_option result_options[] = {
	{ "wait", 0, NULL, "wait until the job has ended", 'W' },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_result(int, char **);

const struct cmd_entry cmd_result_entry = {
	.name = "result",
	.summary = "print the output of a finished job",
	.usage = "ID",
	.options = result_options,
	.exec = cmd_result,
};

static int
cmd_result(int argc, char **argv)
{
	struct spool sp;
	struct store *st;
	struct cmd_args a;
	struct job j;
	int64_t *ids;
	bool wait = false;
	int n, rc;

	if ((rc = cmd_parse(&cmd_result_entry, argc, argv, result_option,
	    &wait, &a)) != EXIT_OK)
		return rc;
	rc = take_ids(&cmd_result_entry, &a, 1, &ids, &n);
	cmd_args_free(&a);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK && st != NULL &&
	    wait)
		rc = wait_ended(&sp, st, ids[0], &j);
	else if (rc == EXIT_OK)
		rc = get_job(st, ids[0], false, &j);
	if (rc == EXIT_OK) {
		rc = print_result(st, &j);
		job_clear(&j);
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
