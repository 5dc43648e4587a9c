/* job-test.c: unit tests of the job model's decisions (job_verdict), as
 * TAP for meson: what each way an attempt can end makes of its job. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "job.h"

static int ntests, nfailed;

static bool
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* What a verdict should be; an outcome or error of NULL: none. */
struct want {
	enum job_state state;
	const char *outcome;
	const char *error;
	bool failure;
	int deaths;
	bool requeue;
	bool unclaim;
};

/* Each way an attempt can end, with what the job is to become. */
static const struct test_case {
	const char *what;
	struct attempt_end end;
	bool cancel_requested;
	int deaths;		/* the job's, before */
	struct want want;
} cases[] = {
	{ "exit 0 completes, and a death streak ends",
	    { STOP_NONE, 0, 0, NULL, 5000 }, false, 2,
	    { JOB_COMPLETED, "completed", NULL, false, 0, false, false } },
	{ "exit 3 fails with its status, counted as a failure",
	    { STOP_NONE, 3, 0, NULL, 5000 }, false, 2,
	    { JOB_FAILED, "failed", "exited with status 3", true, 0, false,
	    false } },
	{ "a signal fails with its name, counted as a failure",
	    { STOP_NONE, -1, SIGKILL, NULL, 5000 }, false, 0,
	    { JOB_FAILED, "failed", "killed by SIGKILL", true, 0, false,
	    false } },
	{ "timeout wins over exit 0, names the timeout, and is a failure",
	    { STOP_TIMEOUT, 0, 0, NULL, 90000 }, false, 1,
	    { JOB_TIMEOUT, "timeout", "timed out after 1m30s", true, 0,
	    false, false } },
	{ "a stop for a cancel cancels, deaths kept",
	    { STOP_CANCEL, -1, SIGTERM, NULL, 0 }, true, 1,
	    { JOB_CANCELLED, "cancelled", "cancelled", false, 1, false,
	    false } },
	{ "cancel requested wins over exit 0",
	    { STOP_NONE, 0, 0, NULL, 0 }, true, 1,
	    { JOB_CANCELLED, "cancelled", "cancelled", false, 1, false,
	    false } },
	{ "cancel requested wins over a timeout",
	    { STOP_TIMEOUT, -1, SIGTERM, NULL, 5000 }, true, 0,
	    { JOB_CANCELLED, "cancelled", "cancelled", false, 0, false,
	    false } },
	{ "a shutdown requeues, using neither the budget nor deaths",
	    { STOP_SHUTDOWN, -1, SIGTERM, NULL, 0 }, false, 2,
	    { JOB_PENDING, "requeued", "worker stopped", false, 2, true,
	    false } },
	{ "cancel requested wins over a shutdown put-back",
	    { STOP_SHUTDOWN, -1, SIGTERM, NULL, 0 }, true, 2,
	    { JOB_CANCELLED, "cancelled", "cancelled", false, 2, false,
	    false } },
	{ "a worker death requeues and counts the death",
	    { STOP_WORKER_DIED, -1, 0, NULL, 0 }, false, 0,
	    { JOB_PENDING, "worker died", "worker died", false, 1, true,
	    false } },
	{ "a second death in a row still requeues",
	    { STOP_WORKER_DIED, -1, 0, NULL, 0 }, false, 1,
	    { JOB_PENDING, "worker died", "worker died", false, 2, true,
	    false } },
	{ "the third death in a row fails the job, not as a failure",
	    { STOP_WORKER_DIED, -1, 0, NULL, 0 }, false,
	    WORKER_DEATHS_MAX - 1,
	    { JOB_FAILED, "worker died", "worker died 3 times", false,
	    WORKER_DEATHS_MAX, false, false } },
	{ "cancel requested during a death ends cancelled",
	    { STOP_WORKER_DIED, -1, 0, NULL, 0 }, true, 0,
	    { JOB_CANCELLED, "worker died", "cancelled", false, 1, false,
	    false } },
	{ "cancel requested at the death limit ends cancelled",
	    { STOP_WORKER_DIED, -1, 0, NULL, 0 }, true,
	    WORKER_DEATHS_MAX - 1,
	    { JOB_CANCELLED, "worker died", "cancelled", false,
	    WORKER_DEATHS_MAX, false, false } },
	{ "a passing start failure is unclaimed, deaths kept",
	    { STOP_START_PASSING, -1, 0, "cannot pass the payload", 0 },
	    false, 1,
	    { JOB_PENDING, NULL, NULL, false, 1, false, true } },
	{ "a passing start failure of a job asked to cancel cancels it",
	    { STOP_START_PASSING, -1, 0, "cannot pass the payload", 0 },
	    true, 1,
	    { JOB_CANCELLED, NULL, "cancelled", false, 1, false, true } },
	{ "a lasting start failure fails with its reason",
	    { STOP_START_LASTING, -1, 0, "no handler for type mail", 0 },
	    false, 1,
	    { JOB_FAILED, "failed", "no handler for type mail", true, 0,
	    false, false } },
	{ "cancel requested wins over a lasting start failure",
	    { STOP_START_LASTING, -1, 0, "no handler for type mail", 0 },
	    true, 0,
	    { JOB_CANCELLED, "cancelled", "cancelled", false, 0, false,
	    false } },
};

static void
check(const struct test_case *c)
{
	const struct want *w = &c->want;
	struct verdict v;
	bool ok;

	job_verdict(&c->end, c->cancel_requested, c->deaths, &v);
	ok = v.state == w->state && streq(v.outcome, w->outcome) &&
	    streq(v.error, w->error) && v.failure == w->failure &&
	    v.deaths == w->deaths && v.requeue == w->requeue &&
	    v.unclaim == w->unclaim;
	ntests++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ntests, c->what);
	if (!ok) {
		nfailed++;
		printf("# got state=%s outcome=%s error=%s failure=%d "
		    "deaths=%d requeue=%d unclaim=%d\n",
		    job_state_name(v.state), v.outcome ? v.outcome : "(none)",
		    v.error ? v.error : "(none)", v.failure, v.deaths,
		    v.requeue, v.unclaim);
	}
	verdict_clear(&v);
}

static void
is(const char *what, bool ok)
{
	ntests++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ntests, what);
	if (!ok)
		nfailed++;
}

static void
test_states(void)
{
	enum job_state s;
	bool ok = true;

	for (int i = 0; i < JOB_NSTATES; i++)
		ok = ok && job_state_parse(job_state_name(i), &s) &&
		    s == (enum job_state)i;
	is("every state name parses back to its state", ok);
	is("an unknown state name does not parse",
	    !job_state_parse("done", &s));
	is("completed, failed, timeout and cancelled are ended",
	    job_state_ended(JOB_COMPLETED) && job_state_ended(JOB_FAILED) &&
	    job_state_ended(JOB_TIMEOUT) && job_state_ended(JOB_CANCELLED));
	is("a cancel is too late for an ended job",
	    job_cancel_effect(JOB_COMPLETED) == CANCEL_TOO_LATE &&
	    job_cancel_effect(JOB_CANCELLED) == CANCEL_TOO_LATE);
	is("a cancel ends a waiting job at once",
	    job_cancel_effect(JOB_PENDING) == CANCEL_NOW &&
	    job_cancel_effect(JOB_RETRYING) == CANCEL_NOW);
	is("a cancel of a running job asks its worker",
	    job_cancel_effect(JOB_RUNNING) == CANCEL_ASK);
	is("pending, running and retrying are not ended",
	    !job_state_ended(JOB_PENDING) && !job_state_ended(JOB_RUNNING) &&
	    !job_state_ended(JOB_RETRYING));
}

static struct verdict
retried(const struct attempt_end *e, bool cancel_requested, int failures,
    int max_retries)
{
	struct verdict v;

	job_verdict(e, cancel_requested, 0, &v);
	job_retry(&v, failures, max_retries, 10000, 1000000);
	return v;
}

static void
test_retries(void)
{
	static const struct attempt_end exit3 = { STOP_NONE, 3, 0, NULL, 0 };
	static const struct attempt_end timeout = { STOP_TIMEOUT, -1, 0,
		NULL, 5000 };
	static const struct attempt_end lasting = { STOP_START_LASTING, -1,
		0, "no handler", 0 };
	static const struct attempt_end ok = { STOP_NONE, 0, 0, NULL, 0 };
	static const struct attempt_end died = { STOP_WORKER_DIED, -1, 0,
		NULL, 0 };
	struct verdict v;
	bool ok_band = true;

	v = retried(&exit3, false, 0, 2);
	is("a failure with budget left is retrying, one base later (+-10%)",
	    v.state == JOB_RETRYING && v.failure &&
	    v.run_at >= 1000000 + 9000 && v.run_at <= 1000000 + 11000 &&
	    streq(v.outcome, "failed") && streq(v.error,
	    "exited with status 3"));
	verdict_clear(&v);
	v = retried(&exit3, false, 1, 2);
	is("the second retry waits twice the base (+-10%)",
	    v.state == JOB_RETRYING && v.run_at >= 1000000 + 18000 &&
	    v.run_at <= 1000000 + 22000);
	verdict_clear(&v);
	v = retried(&exit3, false, 2, 2);
	is("a failure with the budget used up fails",
	    v.state == JOB_FAILED && v.failure && v.run_at == 0);
	verdict_clear(&v);
	v = retried(&timeout, false, 0, 1);
	is("a timeout with budget left is retrying",
	    v.state == JOB_RETRYING && v.failure);
	verdict_clear(&v);
	v = retried(&lasting, false, 0, 5);
	is("a handler that can never start is not retried",
	    v.state == JOB_FAILED);
	verdict_clear(&v);
	v = retried(&exit3, true, 0, 5);
	is("a job asked to cancel is never retried",
	    v.state == JOB_CANCELLED && !v.failure);
	verdict_clear(&v);
	v = retried(&ok, false, 0, 5);
	is("a completed job is not retried", v.state == JOB_COMPLETED);
	verdict_clear(&v);
	v = retried(&died, false, 0, 5);
	is("a worker death does not use the budget",
	    v.state == JOB_PENDING && !v.failure && v.run_at == 0);
	verdict_clear(&v);

	is("backoff: base x 2^(n-1) without jitter",
	    job_backoff(10000, 1, 0) == 10000 &&
	    job_backoff(10000, 2, 0) == 20000 &&
	    job_backoff(10000, 5, 0) == 160000);
	is("backoff: capped at 1h, never beyond, even with jitter",
	    job_backoff(10000, 20, 0) == RETRY_DELAY_MAX_MS &&
	    job_backoff(10000, 1000, 1) == RETRY_DELAY_MAX_MS &&
	    job_backoff(10000, 1000, -1) == RETRY_DELAY_MAX_MS * 9 / 10);
	is("backoff: jitter moves it by at most 10%",
	    job_backoff(10000, 1, 1) == 11000 &&
	    job_backoff(10000, 1, -1) == 9000);
	is("backoff: a base of 0 retries at once",
	    job_backoff(0, 3, 1) == 0);
	for (int i = 0; i < 1000; i++) {
		v = retried(&exit3, false, 3, 10);
		ok_band = ok_band && v.run_at >= 1000000 + 72000 &&
		    v.run_at <= 1000000 + 88000;
		verdict_clear(&v);
	}
	is("1000 drawn delays all stay inside their jitter band", ok_band);
	is("retry: failed, timeout and cancelled jobs may be retried",
	    job_retry_allowed(JOB_FAILED) && job_retry_allowed(JOB_TIMEOUT) &&
	    job_retry_allowed(JOB_CANCELLED));
	is("retry: pending, running, retrying and completed may not",
	    !job_retry_allowed(JOB_PENDING) &&
	    !job_retry_allowed(JOB_RUNNING) &&
	    !job_retry_allowed(JOB_RETRYING) &&
	    !job_retry_allowed(JOB_COMPLETED));
	is("reorder: only pending and retrying jobs",
	    job_reorder_allowed(JOB_PENDING) &&
	    job_reorder_allowed(JOB_RETRYING) &&
	    !job_reorder_allowed(JOB_RUNNING) &&
	    !job_reorder_allowed(JOB_COMPLETED) &&
	    !job_reorder_allowed(JOB_CANCELLED));
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);
	test_states();
	test_retries();
	printf("1..%d\n", ntests);
	return nfailed > 0;
}
