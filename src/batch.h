/* batch.h: submit --batch: one job per line of JSON, all submitted in
 * one transaction or none. */
#ifndef BATCH_H
#define BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "submitargs.h"

/* One line's job.  spec points into the members below, or into the
 * defaults the line was parsed with, which must outlive it. */
struct batch_job {
	struct job_spec spec;
	int line;		/* its line number, from 1 */
	char *type, *queue, *key, *payload, *tags, *meta, *env;
	/* > 0: a job id; < 0: -N, the job of line N of this batch. */
	int64_t *after;
	size_t nafter;
};

/* What lines that do not say get: the command line's options, and for
 * exec lines the submitter's cwd and environment (JSON text). */
struct batch_defaults {
	const struct submit_args *args;
	const char *tags, *meta;	/* JSON text; NULL: none */
	const char *cwd;
	const char *env;
};

/* Parses line number lineno (len bytes, no newline).  Returns 1 with *j
 * filled (batch_job_free it), 0 for a line to skip (blank, or '#' first
 * after blanks), -1 with *cause (malloc'd) saying what is wrong. */
int batch_parse_line(const char *buf, size_t len, int lineno,
    const struct batch_defaults *d, struct batch_job *j, char **cause);
void batch_job_free(struct batch_job *);

/* submit --batch: reads from fd (path names it in errors), submits,
 * prints the ids.  Returns the exit status. */
int batch_submit(int fd, const char *path, const struct submit_args *a);

#endif
