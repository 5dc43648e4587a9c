/* worker.h: the worker's event loop: claim jobs, run up to N handlers,
 * record their outcomes, rescue the jobs of dead workers. */
#ifndef WORKER_H
#define WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handlers.h"
#include "spool.h"
#include "store.h"

struct worker_opts {
	int jobs;			/* handlers at once */
	const char *const *queues;	/* NULL: every queue */
	size_t nqueues;
	int64_t grace_ms;
	bool drain;
	bool quiet;
};

/* Runs until stopped by a signal or, with drain, until nothing is
 * runnable.  Returns an exit status. */
int worker_run(const struct worker_opts *opts, struct spool *sp,
    struct store *st, const struct handler_path *hp);

#endif
