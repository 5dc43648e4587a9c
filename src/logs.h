/* logs.h: where a job's stderr lives under the spool: one file per
 * attempt, logs/ID.ATTEMPT.log.  No store needed: prune and rm delete
 * logs with the same helper the worker and `jobq logs` name them by. */
#ifndef LOGS_H
#define LOGS_H

#include <stdint.h>

/* The log of attempt n of job id (malloc'd).  n 0: the single log
 * logs/ID.log that jobq wrote before logs were kept per attempt; it
 * holds the last attempt's stderr. */
char *logs_path(const char *spool_dir, int64_t id, int n);

/* The log of attempt n that exists, or NULL: with last (n is the job's
 * last attempt), an old logs/ID.log stands in for a missing one. */
char *logs_find(const char *spool_dir, int64_t id, int n, int last);

/* The size of attempt n's log, 0 if it has none. */
int64_t logs_size(const char *spool_dir, int64_t id, int n, int last);

/* Deletes every log of job id, whose attempts so far are `attempts`
 * (job.attempt: it never goes back).  Missing files are no error. */
void logs_remove(const char *spool_dir, int64_t id, int attempts);

#endif
