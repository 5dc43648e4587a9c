/* batch.c: submit --batch.  Every line is read and checked before the
 * store is opened, so no transaction waits on input; then all jobs go
 * in one transaction, with statements prepared once, and the ids are
 * printed only once it committed. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "batch.h"
#include "common.h"
#include "escape.h"
#include "execenv.h"
#include "jobq.h"
#include "outcheck.h"
#include "output.h"
#include "util.h"

struct batch {
	struct batch_job *jobs;
	size_t n, cap;
	int *job_of_line;	/* line number - 1 -> index in jobs, or -1 */
	size_t nlines, lines_cap;
};

static void
batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		batch_job_free(&b->jobs[i]);
	free(b->jobs);
	free(b->job_of_line);
}

/* Reads and checks every line.  A line longer than a payload and some
 * room for its fields is refused before it fills memory. */
#define LINE_MAX_BYTES (PAYLOAD_MAX + 1024 * 1024)

/* One line without its newline into *buf: its length, -1 at the end of
 * the input, or LINE_MAX_BYTES + 1 for a longer line, of which no more
 * is read.  Byte by byte, so that a NUL inside is kept and seen. */
static ssize_t
read_line(FILE *fp, char **buf, size_t *cap)
{
	size_t len = 0;
	int c;

	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (len + 1 >= *cap) {
			*cap = *cap ? *cap * 2 : 4096;
			*buf = xrealloc(*buf, *cap);
		}
		(*buf)[len++] = (char)c;
		if (len > LINE_MAX_BYTES)
			return LINE_MAX_BYTES + 1;
	}
	if (c == EOF && len == 0)
		return -1;
	if (*buf == NULL)
		*buf = xmalloc(*cap = 4096);
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

static int
read_lines(FILE *fp, const char *path, const struct batch_defaults *d,
    struct batch *b)
{
	char *line = NULL, *cause;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, r, rc = EXIT_OK;

	while ((len = read_line(fp, &line, &cap)) >= 0) {
		lineno++;
		if ((size_t)len > LINE_MAX_BYTES) {
			cmd_warnx("line %d: longer than %d MiB", lineno,
			    LINE_MAX_BYTES / (1024 * 1024));
			rc = EXIT_DATAERR;
			break;
		}
		if ((size_t)lineno > b->lines_cap) {
			b->lines_cap = b->lines_cap ? b->lines_cap * 2 : 256;
			b->job_of_line = xrealloc(b->job_of_line,
			    b->lines_cap * sizeof(int));
		}
		b->job_of_line[lineno - 1] = -1;
		b->nlines = (size_t)lineno;
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 64;
			b->jobs = xrealloc(b->jobs, b->cap * sizeof(*b->jobs));
		}
		r = batch_parse_line(line, (size_t)len, lineno, d,
		    &b->jobs[b->n], &cause);
		if (r < 0) {
			/* The reason quotes the line, which may hold any
			 * byte: escaped for the terminal. */
			char *e = esc_text(cause);

			cmd_warnx("line %d: %s", lineno, e);
			free(e);
			free(cause);
			rc = EXIT_DATAERR;
			break;
		}
		if (r > 0)
			b->job_of_line[lineno - 1] = (int)b->n++;
	}
	if (rc == EXIT_OK && ferror(fp)) {
		cmd_warn("cannot read %s", path);
		rc = EXIT_DATAERR;
	}
	free(line);
	return rc;
}

/* "$N" in after: the id line N got. */
static bool
resolve_after(struct batch *b, struct batch_job *j, const int64_t *ids)
{
	for (size_t i = 0; i < j->nafter; i++) {
		int k;

		if (j->after[i] > 0)
			continue;
		k = b->job_of_line[-j->after[i] - 1];
		if (k < 0) {
			cmd_warnx("line %d: bad after '$%lld': line %lld has "
			    "no job", j->line, (long long)-j->after[i],
			    (long long)-j->after[i]);
			return false;
		}
		j->after[i] = ids[k];
	}
	j->spec.after = j->after;
	j->spec.nafter = j->nafter;
	return true;
}

static int
store_all(struct store *st, struct batch *b, int64_t *ids)
{
	enum store_rc r;
	char *key;

	if ((r = store_batch_begin(st)) != STORE_OK)
		return store_failure(st, r);
	for (size_t i = 0; i < b->n; i++) {
		struct batch_job *j = &b->jobs[i];

		if (!resolve_after(b, j, ids)) {
			store_batch_abort(st);
			return EXIT_DATAERR;
		}
		r = store_batch_submit(st, &j->spec, &ids[i]);
		if (r == STORE_CONFLICT) {
			key = esc_text(j->spec.key);
			cmd_warnx("line %d: job %lld has key '%s' and has not "
			    "ended: nothing submitted", j->line,
			    (long long)ids[i], key);
			free(key);
		} else if (r == STORE_NOTFOUND) {
			cmd_warnx("line %d: after: %s", j->line,
			    store_error(st));
			store_batch_abort(st);
			return EXIT_NOJOB;
		} else if (r != STORE_OK) {
			int rc = store_failure(st, r);

			store_batch_abort(st);
			return rc;
		}
	}
	if ((r = store_batch_commit(st)) != STORE_OK)
		return store_failure(st, r);
	return EXIT_OK;
}

static int
print_ids(const int64_t *ids, size_t n)
{
	int e;

	for (size_t i = 0; i < n; i++) {
		if (g_opts.json)
			print_json_line(json_pack("{s:I}", "id",
			    (json_int_t)ids[i]));
		else
			printf("%lld\n", (long long)ids[i]);
	}
	if ((e = out_error()) == 0 || e == EPIPE)
		return EXIT_OK;
	/* Named, so that they can be found again (or cancelled). */
	if (n == 1)
		cmd_warnx("job %lld was submitted but its id could not be "
		    "written: %s", (long long)ids[0], strerror(e));
	else
		cmd_warnx("%zu jobs were submitted, job %lld first and job "
		    "%lld last, but their ids could not be written: %s", n,
		    (long long)ids[0], (long long)ids[n - 1], strerror(e));
	out_reported();
	return EXIT_IOERR;
}

static int
run_batch(FILE *fp, const char *path, const struct batch_defaults *d)
{
	struct batch b = { 0 };
	struct spool sp;
	struct store *st;
	int64_t *ids = NULL;
	int rc;

	if ((rc = read_lines(fp, path, d, &b)) == EXIT_OK && b.n > 0 &&
	    (rc = open_store(&sp, &st, true)) == EXIT_OK) {
		ids = xcalloc(b.n, sizeof(int64_t));
		rc = store_all(st, &b, ids);
		close_store(&sp, st);
		if (rc == EXIT_OK)
			rc = print_ids(ids, b.n);
	}
	free(ids);
	batch_free(&b);
	return rc;
}

/* The defaults' texts: tags, meta, cwd and environment. */
static int
make_defaults(const struct submit_args *a, struct batch_defaults *d)
{
	json_t *env;
	const char *k;
	json_t *v;

	d->args = a;
	d->tags = a->tags != NULL ? json_dumps(a->tags, JSON_COMPACT) : NULL;
	d->meta = a->meta != NULL ? json_dumps(a->meta, JSON_COMPACT) : NULL;
	if ((d->cwd = getcwd(NULL, 0)) == NULL) {
		cmd_warn("cannot get the current directory");
		return EXIT_SOFTWARE;
	}
	env = a->clean_env ? json_object() : exec_env_current();
	if (a->env_sets != NULL)
		json_object_foreach(a->env_sets, k, v)
			json_object_set(env, k, v);
	d->env = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	return EXIT_OK;
}

int
batch_submit(int fd, const char *path, const struct submit_args *a)
{
	struct batch_defaults d = { 0 };
	FILE *fp;
	int rc;

	if ((fp = fdopen(fd, "r")) == NULL) {
		cmd_warn("cannot read %s", path);
		return EXIT_DATAERR;
	}
	/* A batch allocates and frees small blocks by the million (jansson,
	 * SQLite's pages): grown and trimmed a page at a time, the heap
	 * costs more in brk() and page faults than the jobs' inserts. */
	mallopt(M_TOP_PAD, 64 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
	if ((rc = make_defaults(a, &d)) == EXIT_OK)
		rc = run_batch(fp, path, &d);
	/* stdin stays open for the caller's sake; a file is ours. */
	if (fd != STDIN_FILENO)
		fclose(fp);
	free((char *)d.tags);
	free((char *)d.meta);
	free((char *)d.cwd);
	free((char *)d.env);
	return rc;
}
