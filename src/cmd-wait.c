/* cmd-wait.c: jobq wait: sleep until jobs have ended. */
#include <getopt.h>
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
		enum store_rc src;
		struct job j;

		/* Polled every second: the payload only when it is shown. */
		src = print && g_opts.json ? store_get(st, ids[i], &j) :
		    store_get_info(st, ids[i], &j);
		if (src == STORE_NOTFOUND) {
			cmd_warnx("no such job %lld", (long long)ids[i]);
			return EXIT_NOJOB;
		}
		if (src != STORE_OK)
			return store_failure(st, src);
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
		int64_t left = deadline ? deadline - mono_ms() : WAIT_RECHECK_MS;
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

int
cmd_wait(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = command_usage("wait");
	int64_t timeout_ms = 0, *ids;
	struct spool sp;
	struct store *st;
	int ch, n, rc;

	while ((ch = getopt_long(argc, argv, "+:t:", longopts, NULL)) != -1) {
		if (global_option(ch, optarg, usage))
			continue;
		if (ch != 't')
			return bad_option(ch, argv, usage);
		if (!parse_duration(optarg, &timeout_ms)) {
			cmd_warnx("bad timeout '%s': use %s, or 0 for none",
			    optarg, DURATION_FORMS);
			return EXIT_USAGE;
		}
	}
	if ((rc = take_ids(argc, argv, usage, &ids, &n)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		if (st == NULL) {
			cmd_warnx("no such job %lld", (long long)ids[0]);
			rc = EXIT_NOJOB;
		} else
			rc = wait_loop(&sp, st, ids, n, timeout_ms);
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
