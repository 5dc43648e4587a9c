/* progress.h: the progress lines a handler writes on JOBQ_PROGRESS_FD. */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A line of len bytes (a NUL at line[len] but none before): "42",
 * "42 message", "17/250", "17/250 message"; a percentage may have a
 * fraction, "42.5".  On success either *percent is in [0, 100] and *done
 * and *total are 0, or *percent is -1 and 0 <= *done <= *total,
 * 0 < *total.  *message points into line, NULL if there is none.  False,
 * with nothing set, if line is not a progress line. */
bool progress_parse(const char *line, size_t len, double *percent,
    int64_t *done, int64_t *total, const char **message);

#endif
