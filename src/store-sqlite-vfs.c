/* store-sqlite-vfs.c: SQLite's unix VFS, with one sync fewer per command.
 *
 * SQLite opens the WAL with O_CREAT in every connection, and a file it
 * opens so it takes for new: at the first sync it syncs the directory
 * too.  A spool keeps its WAL (SQLITE_FCNTL_PERSIST_WAL), so for every
 * command but the first that sync is of a directory entry that is on
 * disk already: a second fdatasync for each submit on a spool a worker
 * holds open.  Here the WAL is opened without O_CREAT when it exists,
 * and a WAL that had to be made is synced with its directory at once,
 * whoever made it, reader or writer: so no later writer depends on a
 * directory entry not yet on disk. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-sqlite.h"
#include "util.h"

static sqlite3_vfs jobq_vfs;
static sqlite3_vfs *unix_vfs;

/* Syncs the directory holding PATH, which SQLite makes absolute.  Its
 * failure is ignored, as SQLite ignores its own directory syncs' (some
 * file systems refuse them). */
static void
sync_parent(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL) {
		if (slash == dir)
			slash[1] = '\0';	/* the root */
		else
			*slash = '\0';
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	free(dir);
}

static int
jobq_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
    int flags, int *out_flags)
{
	int rc, got = 0;

	(void)vfs;
	if (name == NULL || !(flags & SQLITE_OPEN_WAL) ||
	    !(flags & SQLITE_OPEN_CREATE))
		return unix_vfs->xOpen(unix_vfs, name, file, flags, out_flags);
	/* There already: its directory entry was synced when it was made. */
	rc = unix_vfs->xOpen(unix_vfs, name, file,
	    flags & ~SQLITE_OPEN_CREATE, &got);
	/* The unix VFS tries read-only after a read-write open fails: a
	 * WAL another first command made between the two is open
	 * read-only then, and every write would fail.  Open it as asked. */
	if (rc == SQLITE_OK && (got & SQLITE_OPEN_READONLY) &&
	    (flags & SQLITE_OPEN_READWRITE)) {
		file->pMethods->xClose(file);
		rc = SQLITE_CANTOPEN;
	}
	if (rc != SQLITE_OK &&
	    (rc = unix_vfs->xOpen(unix_vfs, name, file, flags, &got)) ==
	    SQLITE_OK)
		sync_parent(name);
	if (out_flags != NULL)
		*out_flags = got;
	return rc;
}

const char *
sq_vfs_name(void)
{
	if (jobq_vfs.zName != NULL)
		return jobq_vfs.zName;
	if ((unix_vfs = sqlite3_vfs_find("unix")) == NULL)
		return NULL;	/* SQLite's default, then */
	/* Every other method is the unix VFS's own, with its data. */
	jobq_vfs = *unix_vfs;
	jobq_vfs.pNext = NULL;
	jobq_vfs.zName = "jobq";
	jobq_vfs.xOpen = jobq_open;
	if (sqlite3_vfs_register(&jobq_vfs, 0) != SQLITE_OK) {
		jobq_vfs.zName = NULL;
		return NULL;
	}
	return jobq_vfs.zName;
}
