/* supervise.h: starting handlers in their own process group with a clean
 * signal state and only the descriptors the protocol names; signalling
 * and reaping them.  Knows nothing of jobs or SQLite. */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Descriptors a handler finds open. */
#define JOBQ_PROGRESS_FD 3
#define JOBQ_LOCK_FD 1000

struct spawn_req {
	const char *path;	/* executable, or a name looked up in PATH */
	bool search_path;	/* exec jobs: look argv[0] up in PATH */
	char *const *argv;
	char *const *envp;
	const char *cwd;	/* NULL: the worker's */
	int stdin_fd;
	int lock_fd;		/* placed on JOBQ_LOCK_FD */
	/* Called in the parent after fork, before the child may exec:
	 * non-zero stops the child. */
	int (*before_exec)(pid_t pid, int64_t start_ticks, void *arg);
	void *arg;
};

struct child {
	pid_t pid;		/* also the process group */
	int64_t start_ticks;	/* from /proc, to recognize it later */
	int out_fd;		/* read ends, non-blocking */
	int err_fd;
	int progress_fd;
};

/* Starts a handler.  Returns 0, or an errno value with *cause (malloc'd)
 * saying what failed, the program and the errno's message included.
 * ECANCELED: before_exec refused, and *cause is not set. */
int spawn_handler(const struct spawn_req *req, struct child *c,
    char **cause);

/* Makes every descriptor from 3 up close-on-exec and puts /dev/null on
 * 3 if it is closed, so that descriptors we create never land where a
 * handler expects its progress pipe. */
void prepare_descriptors(void);

/* "SIGKILL", or "SIG42" for a number without a name; in buf. */
const char *signal_name(int sig, char *buf, size_t size);

/* Finds a handler (is_handler says which children are) that has exited,
 * kills what is left of its process group (the unreaped leader keeps the
 * group id from being reused), then reaps it.  Other children that
 * exited (orphans adopted as a subreaper) are reaped silently.  Returns
 * the handler's pid and wait status, or 0 if none has exited. */
pid_t reap_exited_child(int *wstatus, bool (*is_handler)(pid_t, void *),
    void *arg);

#endif
