/* cmd-watch.c: jobq watch: follows jobs until they end, redrawn in place
 * on a terminal, one JSON event per change elsewhere. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "escape.h"
#include "jobq.h"
#include "outcheck.h"
#include "output.h"
#include "timefmt.h"
#include "util.h"
#include "wake.h"

/* Storing progress does not touch the wake file (it must not wake idle
 * workers), so watch also asks the database whether anything was
 * committed (PRAGMA data_version, a read of shared memory) this often:
 * a change shows within 250 ms. */
#define WATCH_POLL_MS 150
#define WATCH_RECOVER_MS 1000
#define BAR_WIDTH 20

struct wjob {
	struct job j;
	bool gone;		/* deleted while watched */
};

struct watch {
	struct spool *sp;
	struct store *st;
	struct wjob *jobs;
	size_t n;
	bool tty;
	int lines;		/* drawn last time, to go back over */
	int rc;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

/* No SA_RESTART: the signal ends the poll at once. */
static void
catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* What an event shows changed. */
static bool
differs(const struct job *a, const struct job *b)
{
	if (a->state != b->state || a->attempt != b->attempt ||
	    a->has_progress != b->has_progress)
		return true;
	if (!a->has_progress)
		return false;
	return a->progress_percent != b->progress_percent ||
	    a->progress_done != b->progress_done ||
	    a->progress_total != b->progress_total ||
	    (a->progress_message == NULL) != (b->progress_message == NULL) ||
	    (a->progress_message != NULL &&
	    strcmp(a->progress_message, b->progress_message) != 0);
}

static bool
all_ended(const struct watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!w->jobs[i].gone && !job_state_ended(w->jobs[i].j.state))
			return false;
	return true;
}

static double
shown_percent(const struct job *j)
{
	if (j->state == JOB_COMPLETED)
		return 100;
	if (!j->has_progress)
		return -1;
	if (j->progress_percent >= 0)
		return j->progress_percent;
	if (j->progress_total > 0)
		return 100.0 * (double)j->progress_done /
		    (double)j->progress_total;
	return -1;
}

/* Job text as a JSON string: escaped if it is not UTF-8, which
 * json_string() refuses. */
static json_t *
text_json(const char *t)
{
	json_t *v;
	char *e;

	if (t == NULL)
		return json_null();
	if ((v = json_string(t)) != NULL)
		return v;
	e = esc_text(t);
	v = json_string(e);
	free(e);
	return v != NULL ? v : json_null();
}

static json_t *
progress_json(const struct job *j)
{
	json_t *p;
	double pct;

	if (!j->has_progress && j->state != JOB_COMPLETED)
		return json_null();
	p = json_object();
	pct = shown_percent(j);
	/* A completed job is done, whatever it last reported. */
	json_object_set_new(p, "percent", pct >= 0 ? json_real(pct) :
	    json_null());
	json_object_set_new(p, "done", j->has_progress &&
	    j->progress_total > 0 ? json_integer(j->progress_done) :
	    json_null());
	json_object_set_new(p, "total", j->has_progress &&
	    j->progress_total > 0 ? json_integer(j->progress_total) :
	    json_null());
	json_object_set_new(p, "message", j->has_progress ?
	    text_json(j->progress_message) : json_null());
	return p;
}

static void
emit(struct watch *w, const struct wjob *wj)
{
	json_t *v = json_object();
	char ts[TIMEBUF];

	format_rfc3339(now_ms(), ts, sizeof(ts));
	json_object_set_new(v, "id", json_integer(wj->j.id));
	json_object_set_new(v, "state", wj->gone ? json_string("gone") :
	    json_string(job_state_name(wj->j.state)));
	json_object_set_new(v, "attempt", json_integer(wj->j.attempt));
	json_object_set_new(v, "progress", progress_json(&wj->j));
	json_object_set_new(v, "ts", json_string(ts));
	print_json_line(v);
	/* A stream: each event reaches a pipe or a log as it happens. */
	fflush(stdout);
	out_ok(&w->rc);
}

/* Reads the jobs that have not ended again; emits what changed.  A
 * failed read is tried again at the next look. */
static void
refresh(struct watch *w, bool events)
{
	struct job j;
	enum store_rc src;

	for (size_t i = 0; i < w->n; i++) {
		struct wjob *wj = &w->jobs[i];

		if (wj->gone || job_state_ended(wj->j.state))
			continue;
		if ((src = store_get_info(w->st, wj->j.id, &j)) ==
		    STORE_NOTFOUND) {
			wj->gone = true;
			if (events)
				emit(w, wj);
			continue;
		}
		if (src != STORE_OK)
			continue;
		if (differs(&wj->j, &j)) {
			job_clear(&wj->j);
			wj->j = j;
			if (events)
				emit(w, wj);
		} else
			job_clear(&j);
	}
}

static int
term_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Appends s to fp, escaped, cut so that the line holds at most *room
 * more characters (a wrapped line would break the redraw). */
static void
put_cut(FILE *fp, const char *s, int *room)
{
	char *e = esc_text(s);
	const unsigned char *p = (const unsigned char *)e;
	size_t left = strlen(e), k;

	while (left > 0 && *room > 0) {
		if ((k = utf8_len(p, left)) == 0)
			k = 1;
		fwrite(p, 1, k, fp);
		p += k;
		left -= k;
		(*room)--;
	}
	free(e);
}

/* "  7 running   [########............]  42%  17/40  1m05s  message" */
static void
draw_job(FILE *fp, const struct wjob *wj, int width, int64_t now)
{
	const struct job *j = &wj->j;
	double pct = shown_percent(j);
	char head[160], dur[32] = "-";
	int room, fill;
	int64_t from = j->started_at, to = now;

	if (job_state_ended(j->state) && j->finished_at > 0)
		to = j->finished_at;
	if (from == 0)
		from = j->created_at;
	if (from > 0 && to >= from)
		format_span(to - from, dur, sizeof(dur));
	fill = pct < 0 ? 0 : (int)(pct / 100 * BAR_WIDTH + 0.5);
	if (fill > BAR_WIDTH)
		fill = BAR_WIDTH;
	snprintf(head, sizeof(head), "%6lld %-9s [%.*s%.*s]",
	    (long long)j->id, wj->gone ? "gone" : job_state_name(j->state),
	    fill, "####################", BAR_WIDTH - fill,
	    "....................");
	room = width - 1;
	put_cut(fp, head, &room);
	if (pct >= 0)
		snprintf(head, sizeof(head), " %3.0f%%", pct);
	else
		snprintf(head, sizeof(head), "     ");
	put_cut(fp, head, &room);
	if (j->has_progress && j->progress_total > 0) {
		snprintf(head, sizeof(head), " %lld/%lld",
		    (long long)j->progress_done, (long long)j->progress_total);
		put_cut(fp, head, &room);
	}
	snprintf(head, sizeof(head), " %s", dur);
	put_cut(fp, head, &room);
	if (j->has_progress && j->progress_message != NULL) {
		put_cut(fp, " ", &room);
		put_cut(fp, j->progress_message, &room);
	}
}

static void
draw_summary(FILE *fp, const struct watch *w, int width)
{
	int64_t count[JOB_NSTATES] = { 0 }, gone = 0;
	const char *sep = "";
	char buf[64];
	int room = width - 1;

	for (size_t i = 0; i < w->n; i++) {
		if (w->jobs[i].gone)
			gone++;
		else
			count[w->jobs[i].j.state]++;
	}
	snprintf(buf, sizeof(buf), "%zu job%s:", w->n, w->n == 1 ? "" : "s");
	put_cut(fp, buf, &room);
	for (int s = 0; s < JOB_NSTATES; s++) {
		if (count[s] == 0)
			continue;
		snprintf(buf, sizeof(buf), "%s %lld %s", sep,
		    (long long)count[s], job_state_name(s));
		put_cut(fp, buf, &room);
		sep = ",";
	}
	if (gone > 0) {
		snprintf(buf, sizeof(buf), "%s %lld gone", sep,
		    (long long)gone);
		put_cut(fp, buf, &room);
	}
}

/* The whole frame in one write, over the last one: no flicker. */
static void
redraw(struct watch *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int width = term_width();
	int64_t now = now_ms();

	if (fp == NULL)
		return;
	if (w->lines > 1)
		fprintf(fp, "\r\033[%dA", w->lines - 1);
	else
		fputs("\r", fp);
	for (size_t i = 0; i < w->n; i++) {
		fputs("\033[2K", fp);
		draw_job(fp, &w->jobs[i], width, now);
		fputs("\n", fp);
	}
	fputs("\033[2K", fp);
	draw_summary(fp, w, width);
	fclose(fp);
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
	w->lines = (int)w->n + 1;
}

/* Until every job has ended, or a signal. */
static void
watch_loop(struct watch *w)
{
	int64_t next_recover = 0, next_draw = 0, now;
	struct waker wk;
	bool look = true, news = false;

	waker_open(&wk, w->sp);
	store_changed(w->st);
	for (;;) {
		if (waker_drain(&wk) || news || store_changed(w->st))
			look = true;
		now = mono_ms();
		if (now >= next_recover) {
			recover_nowait(w->sp, w->st);
			next_recover = now + WATCH_RECOVER_MS;
			look = true;
		}
		if (look)
			refresh(w, !w->tty);
		/* The elapsed times move on: once a second at least. */
		if (w->tty && (now >= next_draw || look)) {
			redraw(w);
			next_draw = now + 1000;
		}
		look = false;
		if (all_ended(w) || interrupted || w->rc != EXIT_OK)
			break;
		news = sleep_for_change(&wk, w->st, WATCH_POLL_MS);
	}
	waker_close(&wk);
}

/* As wait: 0 if every job completed, 1 if one ended otherwise, 3 if one
 * was deleted under us. */
static int
watch_status(const struct watch *w)
{
	int rc = EXIT_OK;

	for (size_t i = 0; i < w->n; i++) {
		if (w->jobs[i].gone)
			rc = worst_status(rc, EXIT_NOJOB);
		else if (w->jobs[i].j.state != JOB_COMPLETED)
			rc = worst_status(rc, EXIT_JOBFAILED);
	}
	return rc;
}

struct watch_opts {
	const char *queue;
};

static int
watch_option(void *ctx, int id, const char *arg)
{
	struct watch_opts *o = ctx;

	if (id == 'q') {
		if (!check_name("queue name", arg))
			return EXIT_USAGE;
		o->queue = arg;
	}
	return EXIT_OK;
}

static const struct cmd_option watch_options[] = {
	{ "queue", 'q', "QUEUE", "without ids: the jobs of QUEUE", 'q' },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_watch(int, char **);

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.summary = "follow jobs live until they end",
	.usage = "[ID...]",
	.options = watch_options,
	.exec = cmd_watch,
};

static void
add_job(struct watch *w, const struct job *j)
{
	w->jobs = xrealloc(w->jobs, (w->n + 1) * sizeof(*w->jobs));
	w->jobs[w->n++] = (struct wjob){ .j = *j };
}

static int
add_listed(const struct job *j, void *arg)
{
	struct job copy = { .id = j->id };

	/* Read whole below: store_list's job is its own. */
	add_job(arg, &copy);
	return 0;
}

/* The jobs to watch: those named, or those not ended now. */
static int
collect(struct watch *w, const struct cmd_args *a,
    const struct watch_opts *o)
{
	struct list_filter f = { .priority = -1, .queue = o->queue,
		.states = 1u << JOB_PENDING | 1u << JOB_RUNNING |
		    1u << JOB_RETRYING };
	struct job j;
	enum store_rc src;
	int64_t *ids;
	int n, rc;

	if (a->n == 0) {
		if (w->st != NULL &&
		    (src = store_list(w->st, &f, add_listed, w)) != STORE_OK)
			return store_failure(w->st, src);
		for (size_t i = 0; i < w->n; i++) {
			src = store_get_info(w->st, w->jobs[i].j.id, &j);
			if (src == STORE_OK)
				w->jobs[i].j = j;
			else if (src == STORE_NOTFOUND)
				w->jobs[i].gone = true;
			else
				return store_failure(w->st, src);
		}
		return EXIT_OK;
	}
	if ((rc = take_ids(&cmd_watch_entry, a, 0, &ids, &n)) != EXIT_OK)
		return rc;
	for (int i = 0; i < n && rc == EXIT_OK; i++)
		if ((rc = get_job(w->st, ids[i], false, &j)) == EXIT_OK)
			add_job(w, &j);
	free(ids);
	return rc;
}

static int
watch(struct watch *w)
{
	/* First events: every job as it is now. */
	for (size_t i = 0; i < w->n && !w->tty; i++)
		emit(w, &w->jobs[i]);
	if (w->tty)
		fputs("\033[?25l", stdout);	/* no cursor jumping about */
	catch_signals();
	watch_loop(w);
	if (w->tty) {
		redraw(w);
		fputs("\n\033[?25h", stdout);
	}
	if (w->rc != EXIT_OK)
		return w->rc;
	/* Ctrl-C: as a shell reports a command it interrupted. */
	if (interrupted)
		return 128 + interrupted;
	return watch_status(w);
}

static int
cmd_watch(int argc, char **argv)
{
	struct watch_opts o = { 0 };
	struct watch w = { 0 };
	struct cmd_args a;
	struct spool sp;
	int rc;

	if ((rc = cmd_parse(&cmd_watch_entry, argc, argv, watch_option, &o,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n > 0 && o.queue != NULL) {
		cmd_warnx("give job ids or --queue, not both");
		cmd_args_free(&a);
		return cmd_usage_error(&cmd_watch_entry);
	}
	if ((rc = open_store(&sp, &w.st, false)) != EXIT_OK) {
		cmd_args_free(&a);
		return rc;
	}
	w.sp = &sp;
	/* The redrawn display needs a terminal and escape codes; without
	 * them (TERM=dumb, NO_COLOR, --color=never) a line per event. */
	w.tty = !g_opts.json && isatty(STDOUT_FILENO) && use_escapes();
	rc = collect(&w, &a, &o);
	cmd_args_free(&a);
	if (rc == EXIT_OK && w.n > 0)
		rc = watch(&w);
	else if (rc == EXIT_OK && w.tty)
		printf("no job to watch: none has to end\n");
	for (size_t i = 0; i < w.n; i++)
		job_clear(&w.jobs[i].j);
	free(w.jobs);
	close_store(&sp, w.st);
	return rc;
}
