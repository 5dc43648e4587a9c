/* submitargs.h: what a submission says, and the parsers of submit's
 * options, shared by the command line and batch lines so that one
 * value means the same in both. */
#ifndef SUBMITARGS_H
#define SUBMITARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* Handler jobs stop after this per start unless --timeout says; exec
 * jobs have no default timeout. */
#define DEFAULT_TIMEOUT_MS (300 * 1000)

/* A key is text of the user's; this keeps it to a line's worth. */
#define KEY_MAX_LEN 1024

struct submit_args {
	struct job_spec spec;
	bool timeout_set;	/* --timeout given */
	const char *when;	/* the --delay or --at given, if any */
	int64_t *after;		/* --after, malloc'd */
	size_t nafter;
	json_t *tags;		/* --tag: an array, NULL: none */
	json_t *meta;		/* --meta: an object, NULL: none */
	json_t *env_sets;	/* --env: an object, NULL: none */
	bool clean_env;		/* --clean-env */
};

/* Options without a short form, and their ids in submit's table. */
enum { OPT_RETRIES = 256, OPT_RETRY_DELAY, OPT_DELAY, OPT_AT, OPT_AFTER,
	OPT_KEY, OPT_TAG, OPT_META, OPT_BATCH, OPT_ENV, OPT_CLEAN_ENV };

void submit_args_init(struct submit_args *);
void submit_args_free(struct submit_args *);

/* Applies option id with its argument (the text the command line would
 * give).  False with *cause (malloc'd) saying what is wrong and which
 * forms are accepted.  The argument must outlive the submission. */
bool submit_set(struct submit_args *, int id, const char *arg,
    char **cause);

/* A type a handler job may have: a name, and not "exec". */
bool submit_check_type(const char *type, char **cause);

/* The timeout the job gets: --timeout, or the default of its kind. */
int64_t submit_timeout(const struct submit_args *, bool exec);

#endif
