/* trust.h: whether a file may be trusted: owned by us or root, and out
 * of reach of other users all the way up to /. */
#ifndef TRUST_H
#define TRUST_H

#include <stdbool.h>
#include <sys/types.h>

/* Checks PATH as ssh checks authorized_keys: its real path (symlinks
 * resolved) and every directory above it must belong to the effective
 * user or root and not be writable by group or others, except that a
 * sticky directory (such as /tmp) may be.  Returns true, or false with
 * *cause (malloc'd) naming the path at fault and what is wrong with it.
 * A path that does not exist gives false with errno ENOENT. */
bool path_trusted(const char *path, char **cause);

/* "user NAME (uid N)", or "uid N" for a uid without a name; malloc'd. */
char *user_desc(uid_t uid);

#endif
