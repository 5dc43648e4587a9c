/* output.c: how jobs look on a terminal and to programs. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "escape.h"
#include "jobjson.h"
#include "jobq.h"
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

bool
parse_color_when(const char *arg, enum color_when *when)
{
	if (arg == NULL || strcmp(arg, "always") == 0)
		*when = COLOR_ALWAYS;
	else if (strcmp(arg, "auto") == 0)
		*when = COLOR_AUTO;
	else if (strcmp(arg, "never") == 0)
		*when = COLOR_NEVER;
	else
		return false;
	return true;
}

bool
use_escapes(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	switch (g_opts.color) {
	case COLOR_ALWAYS:
		return true;
	case COLOR_NEVER:
		return false;
	default:
		return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0') &&
		    term != NULL && term[0] != '\0' && strcmp(term, "dumb") != 0;
	}
}

static bool
use_color(void)
{
	return use_escapes();
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

/* The terminal's width, or 0 off a terminal: nothing is cut then. */
static size_t
term_width(void)
{
	struct winsize ws;
	long long cols;
	const char *env;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if ((env = getenv("COLUMNS")) != NULL && parse_int(env, 1, 10000,
	    &cols))
		return (size_t)cols;
	return 80;
}

/* Cuts escaped text s (printable and valid UTF-8) in place to at most
 * room characters, its end marked "..." if anything was cut.  A wide
 * character counts as one. */
static void
cut_text(char *s, size_t room)
{
	size_t len = strlen(s), chars = 0, off = 0, keep = 0;

	if (room < 4)
		room = 4;
	while (off < len) {
		size_t n = utf8_len((const unsigned char *)s + off,
		    len - off);

		if (n == 0)
			n = 1;
		if (chars == room - 3)
			keep = off;
		if (++chars > room) {
			memcpy(s + keep, "...", 4);
			return;
		}
		off += n;
	}
}

/* An exec job's command for people: escaped, and on a terminal cut to
 * the room left of its width after `used` columns. */
static char *
command_shown(const struct job *j, size_t used)
{
	char *line = job_command_line(j), *shown;
	size_t width = term_width();

	if (line == NULL)
		return NULL;
	shown = esc_text(line);
	free(line);
	if (width > 0)
		cut_text(shown, width > used + 4 ? width - used : 4);
	return shown;
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
	if ((message = command_shown(j, 13)) != NULL) {
		printf("  %-10s %s\n", "command", message);
		free(message);
	}
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
		/* Whatever it last reported, a job that completed got all
		 * the way: its counts would say otherwise, so they go. */
		if (j->state == JOB_COMPLETED)
			printf("  %-10s 100%%", "progress");
		else if (j->progress_total > 0)
			printf("  %-10s %.3g%% %lld/%lld", "progress",
			    100.0 * (double)j->progress_done /
			    (double)j->progress_total,
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

/* Off a terminal: the columns programs read, the command last, whole
 * (escaped).  On a terminal: what people look for, the command or type
 * last, cut to the width. */
#define NCOLS 9
#define TTY_NCOLS 8

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

static const char *const headers[TTY_NCOLS] = {
	"POS", "ID", "STATE", "QUEUE", "PRI", "TIME", "EXIT", "COMMAND/TYPE",
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
row_free(struct row *r, int first, int ncols)
{
	for (int c = first; c < ncols; c++)
		free(r->cells[c]);
}

/* Waiting jobs: how long ago they were submitted; the others: how long
 * they ran, or have run so far. */
static char *
time_cell(const struct job *j)
{
	char buf[64];
	int64_t now = now_ms();

	if (j->started_at <= 0 || j->state == JOB_PENDING ||
	    j->state == JOB_RETRYING) {
		format_span(now - j->created_at, buf, sizeof(buf));
		return xasprintf("%s ago", buf);
	}
	format_span((j->finished_at > 0 && job_state_ended(j->state) ?
	    j->finished_at : now) - j->started_at, buf, sizeof(buf));
	return xstrdup(buf);
}

static char *
exit_cell(const struct job *j)
{
	char buf[32];

	if (j->signal > 0)
		return xstrdup(signal_name(j->signal, buf, sizeof(buf)));
	if (j->exit_code >= 0)
		return xasprintf("%d", j->exit_code);
	return xstrdup("");
}

static void
tty_row(struct row *r, const struct job *j)
{
	char *cmd;

	r->cells[2] = xstrdup(job_state_name(j->state));
	r->cells[3] = esc_text(j->queue);
	r->cells[4] = xasprintf("%d", j->priority);
	r->cells[5] = time_cell(j);
	r->cells[6] = exit_cell(j);
	cmd = job_command_line(j);
	r->cells[7] = esc_text(cmd != NULL ? cmd : j->type);
	free(cmd);
}

void
table_add(struct table *t, const struct job *j, int64_t position)
{
	char created[TIMEBUF], *cmd;
	struct row one, *r = &one;

	if (t->tty) {
		t->rows = xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
		r = &t->rows[t->n++];
	}
	r->state = j->state;
	r->cells[0] = t->first == 0 ? xasprintf("%lld",
	    (long long)position) : NULL;
	r->cells[1] = xasprintf("%lld", (long long)j->id);
	if (t->tty) {
		tty_row(r, j);
		return;
	}
	format_local_zoned(j->created_at, created, sizeof(created));
	r->cells[2] = xstrdup(job_state_name(j->state));
	/* Escaped for programs too: a tab or newline would break the
	 * line, and people read these lines as well. */
	r->cells[3] = esc_text(j->type);
	r->cells[4] = esc_text(j->queue);
	r->cells[5] = xasprintf("%d", j->priority);
	r->cells[6] = xasprintf("%d", j->attempt);
	r->cells[7] = xstrdup(created);
	cmd = job_command_line(j);
	r->cells[8] = cmd != NULL ? esc_text(cmd) : xstrdup("");
	free(cmd);
	for (int c = t->first; c < NCOLS; c++)
		printf("%s%c", r->cells[c], c < NCOLS - 1 ? '\t' : '\n');
	row_free(r, t->first, NCOLS);
}

void
table_print(struct table *t)
{
	size_t width[TTY_NCOLS], used = 0, term = term_width();
	bool color = use_color();
	int last = TTY_NCOLS - 1;

	if (t->tty && t->n == 0)
		printf("no jobs\n");
	for (int c = t->first; c < TTY_NCOLS; c++) {
		width[c] = strlen(headers[c]);
		for (size_t i = 0; i < t->n; i++)
			if (strlen(t->rows[i].cells[c]) > width[c])
				width[c] = strlen(t->rows[i].cells[c]);
		if (c < last)
			used += width[c] + 2;
	}
	if (t->n > 0)
		for (int c = t->first; c < TTY_NCOLS; c++)
			printf("%-*s%s", c < last ? (int)width[c] : 0,
			    headers[c], c < last ? "  " : "\n");
	for (size_t i = 0; i < t->n; i++) {
		struct row *r = &t->rows[i];

		/* The command takes what is left of the line. */
		if (term > 0)
			cut_text(r->cells[last], term > used + 4 ?
			    term - used : 4);
		for (int c = t->first; c < TTY_NCOLS; c++) {
			bool colored = color && c == 2;

			printf("%s%-*s%s%s", colored ? state_color(r->state) :
			    "", c < last ? (int)width[c] : 0, r->cells[c],
			    colored ? "\033[0m" : "", c < last ? "  " : "\n");
		}
		row_free(r, t->first, TTY_NCOLS);
	}
	free(t->rows);
	free(t);
}
