/* cmd-wait.c: jobq wait: sleep until jobs have ended. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "output.h"
#include "timefmt.h"
#include "util.h"
#include "wake.h"

#define WAIT_RECHECK_MS 1000

/* EXIT_OK if all ended completed, EXIT_JOBFAILED if some ended
 * otherwise, EXIT_TEMPFAIL if some have not ended, or an error. */
static int
check_jobs(struct store *st, const int64_t *ids, int n, bool print)
{
	int rc = EXIT_OK;

	for (int i = 0; i < n; i++) {
		struct job j;
		int jrc;

		/* Polled every second: the payload only when it is shown. */
		if ((jrc = get_job(st, ids[i], print && g_opts.json, &j)) !=
		    EXIT_OK)
			return jrc;
		if (!job_state_ended(j.state))
			rc = EXIT_TEMPFAIL;
		else if (j.state != JOB_COMPLETED && rc == EXIT_OK)
			rc = EXIT_JOBFAILED;
		if (print && g_opts.json)
			show_job_json(st, &j);
		else if (print && j.state != JOB_COMPLETED)
			warn_job_ended(&j);
		job_clear(&j);
	}
	return rc;
}

static int
wait_loop(struct spool *sp, struct store *st, const int64_t *ids, int n,
    int64_t timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	struct waker w;
	char dur[32];
	int rc;

	waker_open(&w, sp);
	for (;;) {
		waker_drain(&w);
		recover_nowait(sp, st);
		rc = check_jobs(st, ids, n, false);
		if (rc != EXIT_TEMPFAIL)
			break;
		int64_t left = deadline ? deadline - mono_ms() :
		    WAIT_RECHECK_MS;
		if (left <= 0) {
			format_duration(timeout_ms, dur, sizeof(dur));
			cmd_warnx("gave up after %s: not every job has ended",
			    dur);
			rc = EXIT_GAVEUP;
			break;
		}
		struct pollfd pfd = { .fd = w.fd, .events = POLLIN };
		poll(&pfd, 1, left < WAIT_RECHECK_MS ? (int)left :
		    (w.fd >= 0 ? WAIT_RECHECK_MS : WAKE_POLL_MS_NOINOTIFY));
	}
	waker_close(&w);
	if (rc == EXIT_OK || rc == EXIT_JOBFAILED)
		rc = check_jobs(st, ids, n, true);
	return rc;
}

static int
wait_option(void *ctx, int id, const char *arg)
{
	int64_t *timeout_ms = ctx;

	if (id == 't' && !parse_duration(arg, timeout_ms)) {
		cmd_warnx("bad timeout '%s': use %s, or 0 for none", arg,
		    DURATION_FORMS);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static const struct cmd_option wait_options[] = {
	{ "timeout", 't', "DURATION", "give up after DURATION (exit 4)",
	  't' },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_wait(int, char **);

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.summary = "wait until jobs have ended",
	.usage = "ID...",
	.options = wait_options,
	.exec = cmd_wait,
};

static int
parse_args(int argc, char **argv, int64_t *timeout_ms, int64_t **ids,
    int *n)
{
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(&cmd_wait_entry, argc, argv, wait_option,
	    timeout_ms, &a)) != EXIT_OK)
		return rc;
	rc = take_ids(&cmd_wait_entry, &a, 0, ids, n);
	cmd_args_free(&a);
	return rc;
}

static int
cmd_wait(int argc, char **argv)
{
	int64_t timeout_ms = 0, *ids;
	struct spool sp;
	struct store *st;
	int n, rc;

	if ((rc = parse_args(argc, argv, &timeout_ms, &ids, &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		/* No spool yet: every id is "no such job". */
		if (st == NULL)
			rc = check_jobs(NULL, ids, n, true);
		else
			rc = wait_loop(&sp, st, ids, n, timeout_ms);
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
