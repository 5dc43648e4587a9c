/* output.c: how jobs look on a terminal and to programs. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "jobjson.h"
#include "output.h"
#include "supervise.h"
#include "timefmt.h"
#include "util.h"

void
print_json_line(json_t *v)
{
	json_dumpf(v, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
	putchar('\n');
	json_decref(v);
}

int
print_job_json_full(const struct job *j, const struct job_extra *x)
{
	return print_job_json(stdout, j, x);
}

void
warn_job_ended(const struct job *j)
{
	const char *state = job_state_name(j->state);
	bool say_error = j->error != NULL && strcmp(j->error, state) != 0;
	char *error = esc_text(j->error);

	cmd_warnx("job %lld %s%s%s", (long long)j->id, state,
	    say_error ? ": " : "", say_error ? error : "");
	free(error);
}

static bool
use_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
}

static const char *
state_color(enum job_state s)
{
	switch (s) {
	case JOB_COMPLETED:
		return "\033[32m";
	case JOB_FAILED:
	case JOB_TIMEOUT:
		return "\033[31m";
	case JOB_RUNNING:
		return "\033[33m";
	case JOB_CANCELLED:
		return "\033[2m";
	default:
		return "";
	}
}

static void
field_time(const char *name, int64_t ms)
{
	char buf[TIMEBUF];

	if (ms <= 0)
		return;
	format_local(ms, buf, sizeof(buf));
	printf("  %-10s %s\n", name, buf);
}

/* Text that came from a job or its handler, escaped: it must not reach
 * the terminal raw. */
static void
field_text(const char *name, const char *value)
{
	char *shown = esc_text(value);

	printf("  %-10s %s\n", name, shown);
	free(shown);
}

/* Tags as "a, b"; metadata one "KEY=VALUE" line each, escaped. */
static void
print_tags_meta(const struct job *j)
{
	json_t *tags = j->tags ? json_loads(j->tags, 0, NULL) : NULL;
	json_t *meta = j->meta ? json_loads(j->meta, 0, NULL) : NULL;
	const char *key;
	char *line;
	size_t i;
	json_t *v;

	if (json_array_size(tags) > 0) {
		printf("  %-10s", "tags");
		json_array_foreach(tags, i, v)
			printf("%s%s", i > 0 ? ", " : " ",
			    json_string_value(v));
		putchar('\n');
	}
	json_object_foreach(meta, key, v) {
		line = xasprintf("%s=%s", key, json_string_value(v));
		field_text("meta", line);
		free(line);
	}
	json_decref(tags);
	json_decref(meta);
}

void
print_job_human(const struct job *j)
{
	char buf[64], *message;
	bool color = use_color();

	printf("job %lld: %s%s%s%s\n", (long long)j->id,
	    color ? state_color(j->state) : "", job_state_name(j->state),
	    color ? "\033[0m" : "",
	    j->state == JOB_RUNNING && j->cancel_requested ?
	    " (cancelling)" : "");
	field_text("type", j->type);
	field_text("queue", j->queue);
	if (j->key != NULL)
		field_text("key", j->key);
	print_tags_meta(j);
	printf("  %-10s %d\n", "priority", j->priority);
	field_time("created", j->created_at);
	if ((j->state == JOB_PENDING && j->run_at > j->created_at) ||
	    j->state == JOB_RETRYING)
		field_time("runs at", j->run_at);
	field_time("started", j->started_at);
	field_time("finished", j->finished_at);
	if (j->timeout_ms > 0) {
		format_duration(j->timeout_ms, buf, sizeof(buf));
		printf("  %-10s %s\n", "timeout", buf);
	}
	printf("  %-10s %d\n", "attempt", j->attempt);
	if (j->max_retries > 0 || j->failures > 0) {
		printf("  %-10s %d\n", "retries", j->max_retries);
		printf("  %-10s %d\n", "failures", j->failures);
	}
	if (j->exit_code >= 0)
		printf("  %-10s %d\n", "exit code", j->exit_code);
	if (j->signal > 0)
		printf("  %-10s %s\n", "signal",
		    signal_name(j->signal, buf, sizeof(buf)));
	if (j->error != NULL)
		field_text("error", j->error);
	if (job_state_ended(j->state))
		printf("  %-10s %lld bytes%s\n", "result",
		    (long long)j->result_bytes,
		    j->result_truncated ? " (truncated)" : "");
	if (j->has_progress) {
		if (j->progress_total > 0)
			printf("  %-10s %lld/%lld", "progress",
			    (long long)j->progress_done,
			    (long long)j->progress_total);
		else
			printf("  %-10s %g%%", "progress", j->progress_percent);
		message = esc_text(j->progress_message);
		printf("%s%s\n", message ? " " : "", message ? message : "");
		free(message);
	}
	if (j->worker != NULL)
		field_text("worker", j->worker);
}

void
print_deps_human(const struct job *j, const struct dep *d, size_t n)
{
	size_t waiting = 0;

	if (n == 0)
		return;
	printf("  %-10s", "after");
	for (size_t i = 0; i < n; i++)
		printf("%s%lld", i > 0 ? ", " : " ", (long long)d[i].id);
	putchar('\n');
	if (j->state != JOB_PENDING)
		return;
	for (size_t i = 0; i < n; i++) {
		if (job_dep_effect(d[i].state) != DEP_WAIT)
			continue;
		printf("%s%lld", waiting++ == 0 ? "  waiting for " : ", ",
		    (long long)d[i].id);
	}
	if (waiting > 0)
		putchar('\n');
}

void
print_attempts_human(const struct attempt *a, size_t n)
{
	char start[TIMEBUF], *outcome, *error;

	if (n == 0)
		return;
	printf("  attempts\n");
	for (size_t i = 0; i < n; i++) {
		format_local(a[i].started_at, start, sizeof(start));
		outcome = esc_text(a[i].outcome != NULL ? a[i].outcome :
		    "running");
		error = a[i].error != NULL ? esc_text(a[i].error) : NULL;
		printf("    %d  %s  %s%s%s\n", a[i].attempt, start, outcome,
		    error != NULL ? ": " : "", error != NULL ? error : "");
		free(outcome);
		free(error);
	}
}

#define NCOLS 8

struct row {
	char *cells[NCOLS];
	enum job_state state;
};

/* On a terminal the rows are kept to size the columns; elsewhere each is
 * printed as it comes, so a long list takes no memory. */
struct table {
	struct row *rows;
	size_t n;
	bool tty;
	int first;		/* 0 with the position column, else 1 */
};

static const char *const headers[NCOLS] = {
	"POS", "ID", "STATE", "TYPE", "QUEUE", "PRI", "ATTEMPT", "CREATED",
};

struct table *
table_new(bool position)
{
	struct table *t = xcalloc(1, sizeof(struct table));

	t->tty = isatty(STDOUT_FILENO);
	t->first = position ? 0 : 1;
	return t;
}

static void
row_free(struct row *r, int first)
{
	for (int c = first; c < NCOLS; c++)
		free(r->cells[c]);
}

void
table_add(struct table *t, const struct job *j, int64_t position)
{
	char created[TIMEBUF];
	struct row one, *r = &one;

	if (t->tty) {
		t->rows = xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
		r = &t->rows[t->n++];
	}
	format_local(j->created_at, created, sizeof(created));
	r->state = j->state;
	r->cells[0] = t->first == 0 ? xasprintf("%lld",
	    (long long)position) : NULL;
	r->cells[1] = xasprintf("%lld", (long long)j->id);
	r->cells[2] = xstrdup(job_state_name(j->state));
	/* Escaped for programs too: a tab or newline would break the
	 * line, and people read these lines as well. */
	r->cells[3] = esc_text(j->type);
	r->cells[4] = esc_text(j->queue);
	r->cells[5] = xasprintf("%d", j->priority);
	r->cells[6] = xasprintf("%d", j->attempt);
	r->cells[7] = xstrdup(created);
	if (t->tty)
		return;
	for (int c = t->first; c < NCOLS; c++)
		printf("%s%c", r->cells[c], c < NCOLS - 1 ? '\t' : '\n');
	row_free(r, t->first);
}

void
table_print(struct table *t)
{
	size_t width[NCOLS];
	bool color = use_color();
	int last = NCOLS - 1;

	for (int c = t->first; c < NCOLS; c++) {
		width[c] = strlen(headers[c]);
		for (size_t i = 0; i < t->n; i++)
			if (strlen(t->rows[i].cells[c]) > width[c])
				width[c] = strlen(t->rows[i].cells[c]);
	}
	if (t->n > 0)
		for (int c = t->first; c < NCOLS; c++)
			printf("%-*s%s", c < last ? (int)width[c] : 0,
			    headers[c], c < last ? "  " : "\n");
	for (size_t i = 0; i < t->n; i++) {
		struct row *r = &t->rows[i];

		for (int c = t->first; c < NCOLS; c++) {
			bool colored = color && c == 2;

			printf("%s%-*s%s%s", colored ? state_color(r->state) :
			    "", c < last ? (int)width[c] : 0, r->cells[c],
			    colored ? "\033[0m" : "", c < last ? "  " : "\n");
		}
		row_free(r, t->first);
	}
	free(t->rows);
	free(t);
}
