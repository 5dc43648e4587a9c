/* pathsearch.h: finding a command on a PATH once, in the worker, as
 * execvp(3) would in the child, so that the child makes one execve. */
#ifndef PATHSEARCH_H
#define PATHSEARCH_H

/* The file execvp(3) would run for name with PATH set to path (NULL:
 * unset, glibc's default "/bin:/usr/bin"), malloc'd.  A name with a '/'
 * is itself, unchecked: exec reports what is wrong with it.  Relative
 * entries of path (and empty ones: the current directory) are looked up
 * under cwd (NULL: ours), where the command will run, and come back
 * relative, for an exec after chdir(cwd).  NULL with errno set (ENOENT:
 * nowhere; EACCES: found, but not an executable regular file; ENOMEM)
 * and *cause (malloc'd) saying what failed. */
char *command_resolve(const char *name, const char *path, const char *cwd,
    char **cause);

#endif
