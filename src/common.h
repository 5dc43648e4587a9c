/* common.h: opening the spool and store the way every command does, and
 * turning their failures into the documented exit statuses. */
#ifndef COMMON_H
#define COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "spool.h"
#include "store.h"

/* Opens the spool and its store.  With create false, a spool or database
 * that does not exist yet is not made: *st is NULL and the result is
 * EXIT_OK, and the caller answers as for an empty spool.  Otherwise
 * returns the exit status after printing the error; the spool is closed
 * then, and close_store() may still be called. */
int open_store(struct spool *sp, struct store **st, bool create);
void close_store(struct spool *sp, struct store *st);

/* The exit status for a store error, after printing it. */
int store_failure(struct store *st, enum store_rc rc);

/* For a command whose only options are the global ones: parses them and
 * the ids that follow.  Returns EXIT_OK with *ids (malloc'd) and *n, or
 * a usage status after saying what is wrong. */
int parse_id_command(int argc, char **argv, const char *usage,
    int64_t **ids, int *n);

/* The ids in argv[optind..argc) after a command's own getopt loop. */
int take_ids(int argc, char **argv, const char *usage, int64_t **ids,
    int *n);

/* A job as status --json shows it, its attempts fetched from the store
 * (none shown if they cannot be read). */
int show_job_json(struct store *st, const struct job *j);

/* Helps: looks for jobs of dead workers without waiting for any lock. */
void recover_nowait(struct spool *sp, struct store *st);

#endif
