/* handlers.h: finding the executable for a job type on the handler path. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct handler_path {
	char **dirs;
	size_t ndirs;
};

/* --handlers DIRs, then $JOBQ_HANDLERS, then SPOOL/handlers, then
 * ${XDG_CONFIG_HOME:-~/.config}/jobq/handlers.  Fails with
 * *cause (malloc'd) set if a --handlers directory is missing (usage), or
 * if any of them that exists is not trusted (unusable; see
 * path_trusted()).  handler_path_free() is called whatever the result. */
enum handler_path_rc { HP_OK, HP_USAGE, HP_UNUSABLE };
enum handler_path_rc handler_path_init(struct handler_path *hp,
    char *const *explicit_dirs, size_t nexplicit, const char *spool_dir,
    char **cause);
void handler_path_free(struct handler_path *hp);

/* The handler for a type, malloc'd, or NULL with *cause (malloc'd)
 * saying why (a type that is not a name, no handler, not executable, not
 * trusted). */
char *handler_find(const struct handler_path *hp, const char *type,
    char **cause);

#endif
