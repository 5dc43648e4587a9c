/* slot.h: one running handler inside a worker: starting it, collecting
 * its stdout, stderr and progress, and deciding its outcome. */
#ifndef SLOT_H
#define SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "handlers.h"
#include "job.h"
#include "spool.h"
#include "supervise.h"

struct slot_env;

#define RESULT_CAP (1024 * 1024)	/* bytes of stdout kept */
#define LOG_CAP (1024 * 1024)		/* stderr bytes kept: the tail */

struct slot {
	bool used;
	struct job job;
	struct child ch;
	int64_t started_mono;
	int64_t deadline;	/* timeout, monotonic ms; 0: none */
	int64_t kill_at;	/* SIGKILL due; 0: not signalled */
	enum stop_reason reason;	/* none, timeout, cancel or shutdown */
	bool exited;
	int wstatus;
	int64_t exited_mono;
	int64_t record_retry_at;	/* storing the outcome failed */
	char *start_error;	/* the handler could not be started */
	bool start_passing;	/* ... for a passing reason: put it back */
	int run_fd;		/* this attempt's run lock (the handler's) */
	char *spawn_path;	/* between slot_start and slot_confirm */
	char *spawn_cwd;
	char **spawn_argv;	/* the child reads them until its exec:
				   kept until slot_confirm */
	char **spawn_shv;
	char **spawn_envp;
	bool spawn_exec;
	int64_t holders_term_at;	/* a put-back waits: holders of the
					   run lock got TERM (mono ms) */

	char *out;		/* stdout, up to RESULT_CAP */
	size_t out_len;
	bool out_truncated;
	const struct slot_env *env;
	const char *spool_dir;
	int log_fd;		/* -1 until the first stderr bytes */
	off_t log_size;
	off_t log_head;		/* length of jobq's mark at its start */
	int64_t log_dropped;	/* stderr bytes cut from the front */
	int64_t log_lost;	/* ... that found no log to go to */
	bool log_warned;
	off_t log_saved;	/* log_size when last saved in a store
				   that keeps logs */
	int64_t log_saved_at;	/* monotonic ms of that */
	char *log_copy;		/* the log as the outcome carries it */

	char line[512];		/* partial progress line */
	size_t line_len;
	bool line_overlong;
	bool progress_dirty;
	double percent;
	int64_t done, total;
	char *message;
	int64_t progress_stored;	/* monotonic ms of the last store */
};

/* What a slot needs from its worker. */
struct slot_env {
	struct spool *sp;
	const struct handler_path *hp;
	const char *worker_id;
	int devnull;
	/* The worker stores a running handler's progress. */
	void (*save_progress)(void *arg, const struct job *, double percent,
	    int64_t done, int64_t total, const char *message);
	/* Says something went wrong that does not fail the job. */
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/* Starts the handler of a claimed job (the slot owns the job now) as far
 * as a process waiting in its own group (s->ch.pid), which the caller
 * records in the store before slot_release lets it run.  Returns false
 * with *cause set (malloc'd) if it could not be started; the caller then
 * records the failure, or puts the job back if s->start_passing says the
 * reason will pass (no descriptors, memory or disk; a store error). */
bool slot_start(struct slot *s, const struct slot_env *env, char **cause);

/* Lets the handler slot_start made run, if its process group was
 * recorded, or kills it (record_error: why not).  False with *cause set
 * (malloc'd) and s->start_passing as for slot_start if it did not
 * start; the child is gone then.  Its exec is not waited for: once its
 * process is reaped, slot_confirm says whether it happened. */
bool slot_release(struct slot *s, bool recorded, const char *record_error,
    char **cause);

/* After the reaping of a handler slot_release let run: false if its
 * exec failed, with s->start_error and s->start_passing set as for a
 * failed slot_start (the exit status then means nothing). */
bool slot_confirm(struct slot *s);

/* Reads what is available on the handler's pipes. */
void slot_read(struct slot *s, int fd);

/* Writes the latest progress to the store if it is due (or if force). */
void slot_flush_progress(struct slot *s, const struct slot_env *env,
    bool force);

/* The facts of how the slot's attempt ended (its handler exited, or
 * could not start), for job_verdict() to judge. */
void slot_outcome(const struct slot *s, struct attempt_end *e);

/* Releases everything the slot holds. */
/* The whole log of the slot's attempt as its file holds it now (the
 * last LOG_CAP bytes and jobq's mark, once the handler has ended), for
 * a store that keeps logs: malloc'd, or NULL if it has none. */
char *slot_log_read(struct slot *s, size_t *len);

void slot_clear(struct slot *s);

/* Whether all the handler's pipes are at end of file. */
bool slot_pipes_closed(const struct slot *s);

#define PROGRESS_INTERVAL_MS 500

#endif
