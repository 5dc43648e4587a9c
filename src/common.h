/* common.h: opening the spool and store the way every command does, and
 * turning their failures into the documented exit statuses. */
#ifndef COMMON_H
#define COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "spool.h"
#include "store.h"
#include "wake.h"

/* Opens the spool and its store.  With create false, a spool or database
 * that does not exist yet is not made: *st is NULL and the result is
 * EXIT_OK: no spool yet means no jobs, and the caller answers as for
 * an empty spool.  Otherwise
 * returns the exit status after printing the error; the spool is closed
 * then, and close_store() may still be called. */
int open_store(struct spool *sp, struct store **st, bool create);
void close_store(struct spool *sp, struct store *st);

/* jobq pause and jobq resume: the queues named, or every queue. */
int pause_or_resume(const struct cmd_entry *e, int argc, char **argv,
    bool paused);

/* The exit status for a store error, after printing it. */
int store_failure(struct store *st, enum store_rc rc);

/* The job ids that are a command's operands: at least one, and at most
 * max unless max is 0.  Returns EXIT_OK with *ids (malloc'd) and *n, or
 * a usage status after saying what is wrong. */
int take_ids(const struct cmd_entry *e, const struct cmd_args *a, int max,
    int64_t **ids, int *n);

/* For a command whose only options are the global ones: parses them and
 * the ids, as take_ids(). */
int parse_id_command(const struct cmd_entry *e, int argc, char **argv,
    int max, int64_t **ids, int *n);

/* Says "no such job ID" and returns EXIT_NOJOB. */
int no_such_job(int64_t id);

/* Job id into *j, with its payload if payload is true.  A spool not made
 * yet (st NULL, see open_store) has no jobs.  Returns EXIT_OK, or the
 * exit status after saying why not. */
int get_job(struct store *st, int64_t id, bool payload, struct job *j);

/* A job as status --json shows it, its attempts fetched from the store
 * (none shown if they cannot be read). */
int show_job_json(struct store *st, const struct job *j);

/* Sleeps up to ms, or until the spool's wake file is touched or the
 * store has news (PostgreSQL's NOTIFY, from any host); reads the
 * store's news, and says whether there was any.  store_changed() must have been called once before, so that the
 * store listens. */
bool sleep_for_change(struct waker *wk, struct store *st, int ms);

/* The size of attempt n of job id's log (last: n is the job's last
 * attempt, see logs_find): the spool's file, or what a store that keeps
 * logs holds. */
int64_t attempt_log_size(const struct spool *sp, struct store *st,
    int64_t id, int n, bool last);

/* Helps: looks for jobs of dead workers without waiting for any lock. */
void recover_nowait(struct spool *sp, struct store *st);

/* wait and result --wait: says on stderr, once for each queue, that a
 * waiting job's queue has no live worker to serve it (the job still
 * waits: one may start).  Load the live workers, then check jobs. */
struct unserved {
	struct worker_queues *w;	/* the live workers */
	size_t nw;
	bool known;			/* the workers could be read */
	char **said;			/* queues already named */
	size_t nsaid;
};
void unserved_load(struct unserved *u, struct spool *sp, struct store *st);
void unserved_check(struct unserved *u, const struct job *j);
void unserved_free(struct unserved *u);

#endif
