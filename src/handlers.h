/* handlers.h: finding the executable for a job type on the handler path. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct handler_path {
	char **dirs;
	size_t ndirs;
};

/* --handlers DIRs, then $JOBQ_HANDLERS, then SPOOL/handlers.  Fails with
 * *err set if a named directory is missing (usage) or writable by every
 * user (unusable). */
enum handler_path_rc { HP_OK, HP_USAGE, HP_UNUSABLE };
enum handler_path_rc handler_path_init(struct handler_path *hp,
    char *const *explicit_dirs, size_t nexplicit, const char *spool_dir,
    char *err, size_t errsize);
void handler_path_free(struct handler_path *hp);

/* The handler for a type, malloc'd, or NULL with *err saying why (no
 * handler, not executable, writable by others). */
char *handler_find(const struct handler_path *hp, const char *type,
    char **err);

#endif
