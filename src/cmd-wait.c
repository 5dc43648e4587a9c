/* cmd-wait.c: jobq wait: sleep until jobs have ended: those named, and
 * those of a tag, a queue or the whole spool. */
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
/* A timeout names at most this many of the jobs left. */
#define WAIT_NAME_MAX 10

struct wait_opts {
	int64_t timeout_ms;
	const char *tag;
	const char *queue;
	bool all;
};

/* The jobs considered: a job once seen ended stays so (it is not asked
 * again each second). */
struct waited {
	int64_t *ids;
	bool *ended;
	int n;
};

/* EXIT_OK if all ended completed, EXIT_JOBFAILED if some ended
 * otherwise, EXIT_TEMPFAIL if some have not ended, or an error.  With
 * print, the jobs as the caller shows them at the end; with left, the
 * ones not ended (--json: their records) on timeout. */
enum show { SHOW_NONE, SHOW_END, SHOW_LEFT };

static int
check_jobs(struct store *st, struct waited *w, enum show show,
    struct unserved *u)
{
	int rc = EXIT_OK;

	for (int i = 0; i < w->n; i++) {
		bool json = g_opts.json && show != SHOW_NONE;
		struct job j;
		int jrc;

		if (w->ended[i] && show == SHOW_LEFT)
			continue;
		if (w->ended[i] && show == SHOW_NONE)
			continue;	/* its verdict is in the final pass */
		/* Polled every second: the payload only when it is shown. */
		if ((jrc = get_job(st, w->ids[i], json, &j)) != EXIT_OK)
			return jrc;
		w->ended[i] = job_state_ended(j.state);
		if (!w->ended[i])
			rc = EXIT_TEMPFAIL;
		else if (j.state != JOB_COMPLETED && rc == EXIT_OK)
			rc = EXIT_JOBFAILED;
		if (u != NULL)
			unserved_check(u, &j);
		if (json && (show == SHOW_END || !w->ended[i]))
			show_job_json(st, &j);
		else if (show == SHOW_END && j.state != JOB_COMPLETED)
			warn_job_ended(&j);
		job_clear(&j);
	}
	return rc;
}

/* On timeout: which jobs have not ended, and what they are doing. */
static void
name_left(struct store *st, struct waited *w, int64_t timeout_ms)
{
	char dur[32], *list = xstrdup(""), *next;
	int left = 0, named = 0;

	for (int i = 0; i < w->n; i++) {
		struct job j;

		if (w->ended[i])
			continue;
		left++;
		if (named >= WAIT_NAME_MAX || store_get_info(st, w->ids[i],
		    &j) != STORE_OK)
			continue;
		next = xasprintf("%s%s%lld %s", list, named > 0 ? ", " : "",
		    (long long)j.id, job_state_name(j.state));
		free(list);
		list = next;
		named++;
		job_clear(&j);
	}
	format_duration(timeout_ms, dur, sizeof(dur));
	cmd_warnx("gave up after %s: %d job%s not ended: %s%s", dur, left,
	    left == 1 ? " has" : "s have", list, left > named ?
	    ", ..." : "");
	free(list);
}

static int
wait_loop(struct spool *sp, struct store *st, struct waited *w,
    int64_t timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	struct unserved u = { 0 };
	struct waker wk;
	int rc;

	waker_open(&wk, sp);
	store_changed(st);
	for (;;) {
		waker_drain(&wk);
		recover_nowait(sp, st);
		unserved_load(&u, sp, st);
		rc = check_jobs(st, w, SHOW_NONE, &u);
		if (rc != EXIT_TEMPFAIL)
			break;
		int64_t left = deadline ? deadline - mono_ms() :
		    WAIT_RECHECK_MS;
		if (left <= 0) {
			name_left(st, w, timeout_ms);
			if (g_opts.json)
				check_jobs(st, w, SHOW_LEFT, NULL);
			rc = EXIT_GAVEUP;
			break;
		}
		sleep_for_change(&wk, st, left < WAIT_RECHECK_MS ? (int)left :
		    (wk.fd >= 0 ? WAIT_RECHECK_MS : WAKE_POLL_MS_NOINOTIFY));
	}
	waker_close(&wk);
	unserved_free(&u);
	if (rc == EXIT_OK || rc == EXIT_JOBFAILED)
		rc = check_jobs(st, w, SHOW_END, NULL);
	return rc;
}

/* Options without a short form. */
enum { OPT_WAIT_TAG = 256, OPT_WAIT_ALL };

static int
wait_option(void *ctx, int id, const char *arg)
{
	struct wait_opts *o = ctx;

	switch (id) {
	case 't':
		if (!parse_duration(arg, &o->timeout_ms)) {
			cmd_warnx("bad timeout '%s': use %s, or 0 for none",
			    arg, DURATION_FORMS);
			return EXIT_USAGE;
		}
		break;
	case 'q':
		if (!check_name("queue name", arg))
			return EXIT_USAGE;
		o->queue = arg;
		break;
	case OPT_WAIT_TAG:
		if (!check_name("tag", arg))
			return EXIT_USAGE;
		o->tag = arg;
		break;
	case OPT_WAIT_ALL:
		o->all = true;
		break;
	}
	return EXIT_OK;
}

static const struct cmd_option wait_options[] = {
	{ "timeout", 't', "DURATION", "give up after DURATION (exit 4)",
	  't' },
	{ "tag", 0, "TAG", "also every job tagged TAG, ended or not",
	  OPT_WAIT_TAG },
	{ "queue", 'q', "QUEUE", "also the jobs of QUEUE not ended yet", 'q' },
	{ "all", 0, NULL, "also every job not ended yet", OPT_WAIT_ALL },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_wait(int, char **);

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.summary = "wait until jobs have ended",
	.usage = "ID...\n[--tag TAG] [--queue QUEUE] [--all] [ID...]",
	.options = wait_options,
	.exec = cmd_wait,
};

static int
add_id(const struct job *j, void *arg)
{
	struct waited *w = arg;

	w->ids = xrealloc(w->ids, (size_t)(w->n + 1) * sizeof(int64_t));
	w->ids[w->n++] = j->id;
	return 0;
}

/* The jobs a tag, queue or --all stands for, as wait starts. */
static int
select_jobs(struct store *st, const struct wait_opts *o, struct waited *w)
{
	struct list_filter f = { .priority = -1, .queue = o->queue };
	enum store_rc src;

	if (o->tag == NULL && o->queue == NULL && !o->all)
		return EXIT_OK;
	if (o->tag != NULL)
		f.tag = o->tag;
	else
		f.states = 1u << JOB_PENDING | 1u << JOB_RUNNING |
		    1u << JOB_RETRYING;
	if ((src = store_list(st, &f, add_id, w)) != STORE_OK)
		return store_failure(st, src);
	return EXIT_OK;
}

static int
parse_args(int argc, char **argv, struct wait_opts *o, struct waited *w)
{
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(&cmd_wait_entry, argc, argv, wait_option, o,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n > 0 || (o->tag == NULL && o->queue == NULL && !o->all))
		rc = take_ids(&cmd_wait_entry, &a, 0, &w->ids, &w->n);
	cmd_args_free(&a);
	return rc;
}

static int
cmd_wait(int argc, char **argv)
{
	struct wait_opts o = { 0 };
	struct waited w = { 0 };
	struct spool sp;
	struct store *st;
	int rc;

	if ((rc = parse_args(argc, argv, &o, &w)) != EXIT_OK)
		return rc;
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		/* No spool yet: every id is "no such job", and no tag
		 * or queue has a job. */
		if (st != NULL)
			rc = select_jobs(st, &o, &w);
		w.ended = xcalloc((size_t)w.n + 1, sizeof(bool));
		if (rc == EXIT_OK && st == NULL)
			rc = check_jobs(NULL, &w, SHOW_END, NULL);
		else if (rc == EXIT_OK)
			rc = wait_loop(&sp, st, &w, o.timeout_ms);
	}
	free(w.ids);
	free(w.ended);
	close_store(&sp, st);
	return rc;
}
