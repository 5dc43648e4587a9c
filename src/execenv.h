/* execenv.h: an exec job's environment: recorded at submit, restored by
 * the worker, and the PATH its command is looked up in. */
#ifndef EXECENV_H
#define EXECENV_H

#include <jansson.h>

#include "job.h"

/* The submitter's environment as a JSON object of strings.  A variable
 * whose name or value is not UTF-8 cannot be recorded: it is left out
 * with a warning on stderr naming it. */
json_t *exec_env_current(void);

/* A NAME in a recorded environment: not empty, no '=', no NUL. */
bool exec_env_name_ok(const char *name, size_t len);

/* The recorded environment of an exec job as NAME=VALUE strings,
 * NULL-terminated, or NULL if the job has none recorded (then the
 * worker's own is used).  Kept by execenv.c until the next call: copy
 * what must outlive it. */
char *const *exec_env_recorded(const struct job *);

/* The PATH an exec job's command is looked up in: that of the
 * environment it runs with (envp), else the worker's, else the system's
 * default. */
const char *exec_env_path(char *const *envp);

#endif
