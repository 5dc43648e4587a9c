/* cmd-logs.c: jobq logs: what a job's attempts wrote on stderr, one log
 * per attempt, and following a running job's log until it ends. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "jobjson.h"
#include "jobq.h"
#include "escape.h"
#include "logs.h"
#include "outcheck.h"
#include "output.h"
#include "timefmt.h"
#include "util.h"
#include "wake.h"

/* How often -f looks at a growing log: writes to logs/ wake nobody. */
#define FOLLOW_POLL_MS 200

struct logs_opts {
	long long attempt;	/* 0: every attempt */
	bool follow;
};

static int
logs_option(void *ctx, int id, const char *arg)
{
	struct logs_opts *o = ctx;

	if (id == 'f')
		o->follow = true;
	else if (id == 'A' && !parse_int(arg, 1, INT32_MAX, &o->attempt)) {
		cmd_warnx("bad attempt '%s': a number from 1", arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static const struct cmd_option logs_options[] = {
	{ "attempt", 0, "N", "only attempt N, without its heading", 'A' },
	{ "follow", 'f', NULL, "follow a running job's log until it ends",
	  'f' },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_logs(int, char **);

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.summary = "print what a job wrote on stderr",
	.usage = "ID",
	.options = logs_options,
	.exec = cmd_logs,
};

static void
print_heading(const struct attempt *a)
{
	char start[TIMEBUF], *outcome, *error;

	format_local(a->started_at, start, sizeof(start));
	outcome = esc_text(a->outcome != NULL ? a->outcome : "running");
	error = a->error != NULL ? esc_text(a->error) : NULL;
	printf("== attempt %d, started %s, %s%s%s ==\n", a->attempt, start,
	    outcome, error != NULL ? ": " : "", error != NULL ? error : "");
	free(outcome);
	free(error);
}

/* Copies the log at path from *off to its end onto stdout.  A log
 * trimmed under us (the worker keeps its tail) is taken up at its new
 * end.  False once stdout fails. */
static bool
copy_log(const char *path, off_t *off, int *rc)
{
	char buf[65536];
	struct stat sb;
	ssize_t n;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return out_ok(rc);
	if (fstat(fd, &sb) == 0 && sb.st_size < *off)
		*off = sb.st_size;
	while ((n = pread(fd, buf, sizeof(buf), *off)) > 0) {
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
		*off += n;
	}
	close(fd);
	fflush(stdout);
	return out_ok(rc);
}

/* Copies attempt n's log of job id from *off to its end onto stdout:
 * the spool's file (last: n is the job's last attempt, see logs_find),
 * or what a store that keeps logs holds. */
static bool
copy_attempt_log(const struct spool *sp, struct store *st, int64_t id,
    int n, bool last, off_t *off, int *rc)
{
	char *path, *buf;
	size_t len;
	int64_t size;

	if (!store_keeps_logs(st)) {
		path = logs_find(sp->dir, id, n, last);
		copy_log(path, off, rc);
		free(path);
		return out_ok(rc);
	}
	if (store_log_read(st, id, n, *off, &buf, &len, &size) != STORE_OK) {
		*rc = store_failure(st, STORE_ERROR);
		return false;
	}
	if (size < *off)
		*off = size;	/* trimmed at its front: its new end */
	if (len > 0 && fwrite(buf, 1, len, stdout) == len)
		*off += (off_t)len;
	free(buf);
	fflush(stdout);
	return out_ok(rc);
}

/* Every attempt's log, or only o->attempt's; the attempts are those the
 * store has, so an attempt of a job pruned meanwhile shows nothing. */
static int
print_logs(const struct spool *sp, struct store *st, const struct job *j,
    const struct logs_opts *o, struct attempt *a, size_t n)
{
	int rc = EXIT_OK;

	for (size_t i = 0; i < n && out_ok(&rc); i++) {
		bool last = (int)i == (int)n - 1;
		char *path;
		off_t off = 0;

		if (o->attempt != 0 && a[i].attempt != o->attempt)
			continue;
		if (g_opts.json) {
			/* A log kept in the store has no path. */
			path = store_keeps_logs(st) ? NULL :
			    logs_find(sp->dir, j->id, a[i].attempt, last);
			print_log_json(stdout, j->id, &a[i],
			    attempt_log_size(sp, st, j->id, a[i].attempt,
			    last), path);
			free(path);
		} else {
			if (o->attempt == 0)
				print_heading(&a[i]);
			if (!copy_attempt_log(sp, st, j->id, a[i].attempt,
			    last, &off, &rc))
				break;
		}
	}
	return rc;
}

static int
find_attempt(const struct attempt *a, size_t n, int attempt)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].attempt == attempt)
			return (int)i;
	return -1;
}

/* Follows the job from attempt `from` on: prints each attempt's log as it
 * grows, the next attempt's heading when it starts, until the job ends.
 * Returns wait's status. */
static int
follow(struct spool *sp, struct store *st, int64_t id, int from,
    off_t off)
{
	struct waker w;
	struct attempt *a = NULL;
	size_t n = 0;
	struct job j;
	int rc = EXIT_OK, cur = from;

	waker_open(&w, sp);
	for (;;) {
		bool ended;
		int i;

		waker_drain(&w);
		recover_nowait(sp, st);
		if ((rc = get_job(st, id, false, &j)) != EXIT_OK)
			break;
		/* Read the state before the log: the bytes of an attempt
		 * that ended are all in its log once it is seen ended. */
		ended = job_state_ended(j.state);
		if (store_get_attempts(st, id, &a, &n) != STORE_OK) {
			rc = store_failure(st, STORE_ERROR);
			job_clear(&j);
			break;
		}
		for (;;) {
			copy_attempt_log(sp, st, id, cur, cur == j.attempt,
			    &off, &rc);
			if (rc != EXIT_OK || cur >= j.attempt)
				break;
			/* A later attempt started: this one is done. */
			cur++;
			off = 0;
			if ((i = find_attempt(a, n, cur)) >= 0)
				print_heading(&a[i]);
		}
		attempts_free(a, n);
		if (rc != EXIT_OK || ended) {
			if (rc == EXIT_OK && j.state != JOB_COMPLETED) {
				warn_job_ended(&j);
				rc = EXIT_JOBFAILED;
			}
			job_clear(&j);
			break;
		}
		job_clear(&j);
		struct pollfd pfd = { .fd = w.fd, .events = POLLIN };
		poll(&pfd, 1, FOLLOW_POLL_MS);
	}
	waker_close(&w);
	return rc;
}

static int
logs(struct spool *sp, struct store *st, int64_t id,
    const struct logs_opts *o)
{
	struct attempt *a = NULL;
	size_t n = 0;
	struct job j;
	int rc, from;
	off_t off = 0;

	if ((rc = get_job(st, id, false, &j)) != EXIT_OK)
		return rc;
	if (store_get_attempts(st, id, &a, &n) != STORE_OK) {
		job_clear(&j);
		return store_failure(st, STORE_ERROR);
	}
	if (o->attempt != 0 && find_attempt(a, n, (int)o->attempt) < 0) {
		cmd_warnx("job %lld has no attempt %lld", (long long)id,
		    o->attempt);
		rc = EXIT_NOJOB;
	} else if (!o->follow || job_state_ended(j.state) || n == 0)
		rc = print_logs(sp, st, &j, o, a, n);
	else {
		/* All but the last attempt whole; the last one is followed
		 * from where this read of it ends. */
		rc = print_logs(sp, st, &j, o, a, n - 1);
		from = a[n - 1].attempt;
		if (rc == EXIT_OK && o->attempt == 0)
			print_heading(&a[n - 1]);
		if (rc == EXIT_OK && (o->attempt == 0 || o->attempt == from))
			copy_attempt_log(sp, st, id, from, true, &off, &rc);
		if (rc == EXIT_OK)
			rc = follow(sp, st, id, from, off);
	}
	if (rc == EXIT_OK && o->follow && job_state_ended(j.state) &&
	    j.state != JOB_COMPLETED) {
		warn_job_ended(&j);
		rc = EXIT_JOBFAILED;
	}
	attempts_free(a, n);
	job_clear(&j);
	return rc;
}

static int
cmd_logs(int argc, char **argv)
{
	struct logs_opts o = { 0 };
	struct spool sp;
	struct store *st;
	struct cmd_args a;
	int64_t *ids;
	int n, rc;

	if ((rc = cmd_parse(&cmd_logs_entry, argc, argv, logs_option, &o,
	    &a)) != EXIT_OK)
		return rc;
	rc = take_ids(&cmd_logs_entry, &a, 1, &ids, &n);
	cmd_args_free(&a);
	if (rc != EXIT_OK)
		return rc;
	if (o.follow && g_opts.json) {
		cmd_warnx("--follow prints the log itself: not with --json");
		free(ids);
		return EXIT_USAGE;
	}
	if ((rc = open_store(&sp, &st, false)) == EXIT_OK) {
		if (st == NULL)
			rc = no_such_job(ids[0]);
		else
			rc = logs(&sp, st, ids[0], &o);
	}
	free(ids);
	close_store(&sp, st);
	return rc;
}
