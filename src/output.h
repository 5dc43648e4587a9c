/* output.h: printing jobs for people (tables, blocks) and programs (one
 * JSON object per line). */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "job.h"

/* Whether escape codes (colour, cursor moves) may go to stdout: by
 * --color, and for auto only on a terminal whose TERM is set and not
 * "dumb", with NO_COLOR unset or empty. */
bool use_escapes(void);

/* Prints a JSON value on one line and releases it. */
void print_json_line(json_t *v);

/* The whole record of a job, its attempts and the rest given, as
 * status --json. */
int print_job_json_full(const struct job *j, const struct job_extra *x);

/* A short block for people: "job 7: completed" and the details. */
void print_job_human(const struct job *j);
/* The attempts of a job, one line each, below print_job_human(). */
void print_attempts_human(const struct attempt *a, size_t n);
/* What a pending job waits for: "waiting for 12, 14". */
void print_deps_human(const struct job *j, const struct dep *d, size_t n);

/* "jobq: CMD: job 7 failed: exited with status 3" on stderr. */
void warn_job_ended(const struct job *j);

/* list: a table on a terminal, tab-separated lines elsewhere. */
struct table;
/* With position, a first column POS (list --order run). */
struct table *table_new(bool position);
void table_add(struct table *t, const struct job *j, int64_t position);
void table_print(struct table *t);

#endif
