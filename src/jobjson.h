/* jobjson.h: a job as the JSON object of `status --json` and `list
 * --json`, with the payload spliced in exactly as submitted. */
#ifndef JOBJSON_H
#define JOBJSON_H

#include <stdio.h>

#include "job.h"

/* Prints the job as one JSON object on one line. */
int print_job_json(FILE *fp, const struct job *j,
    const struct job_extra *x);

/* Prints one attempt's log record for `jobq logs --json`: where the log
 * is (path NULL: it wrote nothing) and its size, not its bytes. */
int print_log_json(FILE *fp, int64_t id, const struct attempt *a,
    int64_t bytes, const char *path);

#endif
