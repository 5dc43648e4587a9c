/* jobjson.h: a job as the JSON object of `status --json` and `list
 * --json`, with the payload spliced in exactly as submitted. */
#ifndef JOBJSON_H
#define JOBJSON_H

#include <stdio.h>

#include "job.h"

/* Prints the job as one JSON object on one line. */
int print_job_json(FILE *fp, const struct job *j,
    const struct job_extra *x);

#endif
