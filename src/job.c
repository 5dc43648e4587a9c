/* job.c: the job model: state names, and what an ended attempt makes of
 * its job.  Every rule of that lives here, whatever store persists it. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "job.h"
#include "supervise.h"
#include "timefmt.h"
#include "util.h"

static const char *const state_names[JOB_NSTATES] = {
	[JOB_PENDING] = "pending",
	[JOB_RUNNING] = "running",
	[JOB_RETRYING] = "retrying",
	[JOB_COMPLETED] = "completed",
	[JOB_FAILED] = "failed",
	[JOB_TIMEOUT] = "timeout",
	[JOB_CANCELLED] = "cancelled",
};

/* The attempt outcomes that are not state names. */
#define OUTCOME_REQUEUED "requeued"
#define OUTCOME_WORKER_DIED "worker died"

const char *
job_state_name(enum job_state s)
{
	return s < JOB_NSTATES ? state_names[s] : "unknown";
}

bool
job_state_parse(const char *name, enum job_state *s)
{
	for (int i = 0; i < JOB_NSTATES; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*s = (enum job_state)i;
			return true;
		}
	}
	return false;
}

bool
job_state_ended(enum job_state s)
{
	return s == JOB_COMPLETED || s == JOB_FAILED || s == JOB_TIMEOUT ||
	    s == JOB_CANCELLED;
}

void
job_clear(struct job *j)
{
	free(j->type);
	free(j->queue);
	free(j->payload);
	free(j->error);
	free(j->worker);
	free(j->progress_message);
	free(j->proc_boot);
	free(j->rescue_boot);
	free(j->key);
	free(j->tags);
	free(j->meta);
	free(j->env);
	memset(j, 0, sizeof(*j));
}

void
attempts_free(struct attempt *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].worker);
		free(a[i].outcome);
		free(a[i].error);
	}
	free(a);
}

enum cancel_effect
job_cancel_effect(enum job_state s)
{
	if (job_state_ended(s))
		return CANCEL_TOO_LATE;
	/* A handler may hold on to resources: its worker stops it and
	 * records the end. */
	return s == JOB_RUNNING ? CANCEL_ASK : CANCEL_NOW;
}

static void
ends(struct verdict *v, enum job_state state, char *error)
{
	v->state = state;
	v->outcome = job_state_name(state);
	v->error = error;
}

/* A handler that exited by itself: its status decides. */
static void
exited(const struct attempt_end *e, struct verdict *v)
{
	char sig[32];

	if (e->exit_code == 0) {
		ends(v, JOB_COMPLETED, NULL);
		return;
	}
	if (e->exit_code > 0)
		ends(v, JOB_FAILED, xasprintf("exited with status %d",
		    e->exit_code));
	else
		ends(v, JOB_FAILED, xasprintf("killed by %s",
		    signal_name(e->signal, sig, sizeof(sig))));
	v->failure = true;
	v->retryable = true;
}

/* The worker died under the attempt: the death does not use the retry
 * budget, but the death limit ends a job that keeps killing workers.
 * The attempt is recorded as a death whatever the job becomes. */
static void
died(bool cancel_requested, int deaths, struct verdict *v)
{
	v->deaths = deaths + 1;
	if (cancel_requested)
		v->state = JOB_CANCELLED;
	else if (v->deaths >= WORKER_DEATHS_MAX)
		v->state = JOB_FAILED;
	else
		v->state = JOB_PENDING;
	v->requeue = v->state == JOB_PENDING;
	v->outcome = OUTCOME_WORKER_DIED;
	if (v->state == JOB_CANCELLED)
		v->error = xstrdup(CANCELLED_ERROR);
	else if (v->state == JOB_FAILED)
		v->error = xasprintf("worker died %d times",
		    WORKER_DEATHS_MAX);
	else
		v->error = xstrdup("worker died");
}

void
job_verdict(const struct attempt_end *e, bool cancel_requested, int deaths,
    struct verdict *v)
{
	char dur[32];

	memset(v, 0, sizeof(*v));
	if (e->stop == STOP_WORKER_DIED) {
		died(cancel_requested, deaths, v);
		return;
	}
	if (e->stop == STOP_START_PASSING) {
		/* As if it had not been claimed; unless a cancel came
		 * meanwhile, which is honoured instead. */
		v->unclaim = true;
		v->deaths = deaths;
		if (cancel_requested) {
			v->state = JOB_CANCELLED;
			v->error = xstrdup(CANCELLED_ERROR);
		} else
			v->state = JOB_PENDING;
		return;
	}
	/* A cancel that was asked for wins over whatever the handler did:
	 * it may have exited 0, or been stopped for a shutdown, before its
	 * worker saw the request. */
	if (cancel_requested || e->stop == STOP_CANCEL) {
		ends(v, JOB_CANCELLED, xstrdup(CANCELLED_ERROR));
		v->deaths = deaths;
		return;
	}
	switch (e->stop) {
	case STOP_TIMEOUT:
		/* It wins over a late exit 0 as well. */
		format_duration(e->timeout_ms, dur, sizeof(dur));
		ends(v, JOB_TIMEOUT, xasprintf("timed out after %s", dur));
		v->failure = true;
		v->retryable = true;
		break;
	case STOP_SHUTDOWN:
		v->state = JOB_PENDING;
		v->outcome = OUTCOME_REQUEUED;
		v->error = xstrdup("worker stopped");
		v->requeue = true;
		v->deaths = deaths;
		break;
	case STOP_START_LASTING:
		ends(v, JOB_FAILED, xstrdup(e->start_error != NULL ?
		    e->start_error : "cannot start"));
		v->failure = true;
		break;
	default:
		exited(e, v);
		break;
	}
}

int64_t
job_backoff(int64_t base_ms, int n, double jitter)
{
	int64_t d = base_ms;

	if (d <= 0)
		return 0;
	for (int i = 1; i < n && d < RETRY_DELAY_MAX_MS; i++)
		d *= 2;
	if (d > RETRY_DELAY_MAX_MS)
		d = RETRY_DELAY_MAX_MS;
	if (jitter < -1)
		jitter = -1;
	if (jitter > 1)
		jitter = 1;
	d += (int64_t)((double)d * 0.1 * jitter);
	return d > RETRY_DELAY_MAX_MS ? RETRY_DELAY_MAX_MS : d;
}

void
job_retry(struct verdict *v, int failures, int max_retries, int64_t base_ms,
    int64_t now)
{
	double jitter;

	/* A job asked to cancel is never retried: its verdict is no
	 * failure.  The budget counts failures since the last `jobq
	 * retry`; this one is failure number failures + 1. */
	if (!v->retryable || failures >= max_retries)
		return;
	jitter = (double)arc4random_uniform(2001) / 1000.0 - 1.0;
	v->state = JOB_RETRYING;
	v->run_at = now + job_backoff(base_ms, failures + 1, jitter);
}

bool
job_retry_allowed(enum job_state s)
{
	return job_state_ended(s) && s != JOB_COMPLETED;
}

enum dep_effect
job_dep_effect(enum job_state dep)
{
	if (dep == JOB_COMPLETED)
		return DEP_DONE;
	/* A retrying dependency may still complete. */
	return job_state_ended(dep) ? DEP_BROKEN : DEP_WAIT;
}

char *
job_dep_error(int64_t dep, enum job_state s)
{
	return xasprintf("dependency %lld %s", (long long)dep,
	    s == JOB_TIMEOUT ? "timed out" : job_state_name(s));
}

bool
job_reorder_allowed(enum job_state s)
{
	return s == JOB_PENDING || s == JOB_RETRYING;
}

void
verdict_clear(struct verdict *v)
{
	free(v->error);
	memset(v, 0, sizeof(*v));
}

/* A byte a shell reads as part of a plain word. */
static bool
shell_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c) != NULL;
}

/* One word quoted as sh needs it: plain words as they are, the rest in
 * single quotes, a quote inside as '"'"' -- never a backslash, which
 * the terminal escaping would double. */
static void
shell_quote(const char *w, char **buf, size_t *len)
{
	size_t n = strlen(w), need = n * 5 + 3;
	bool plain = n > 0;
	char *o;

	for (size_t i = 0; i < n && plain; i++)
		plain = shell_plain((unsigned char)w[i]);
	*buf = xrealloc(*buf, *len + need + 2);
	o = *buf + *len;
	if (*len > 0)
		*o++ = ' ';
	if (plain) {
		memcpy(o, w, n);
		o += n;
	} else {
		*o++ = '\'';
		for (size_t i = 0; i < n; i++) {
			if (w[i] == '\'') {
				memcpy(o, "'\"'\"'", 5);
				o += 5;
			} else
				*o++ = w[i];
		}
		*o++ = '\'';
	}
	*o = '\0';
	*len = (size_t)(o - *buf);
}

char *
shell_line(const char *const *words, size_t n)
{
	char *line = NULL;
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		shell_quote(words[i], &line, &len);
	return line;
}

char *
job_command_line(const struct job *j)
{
	json_t *root, *argv, *w;
	char *line = NULL;
	size_t len = 0, i;

	if (strcmp(j->type, "exec") != 0 || j->payload == NULL ||
	    j->payload_len == 0)
		return NULL;
	root = json_loadb(j->payload, j->payload_len, JSON_DECODE_ANY, NULL);
	argv = json_object_get(root, "argv");
	json_array_foreach(argv, i, w)
		if (json_is_string(w))
			shell_quote(json_string_value(w), &line, &len);
	json_decref(root);
	return line;
}
