/* logs.c: naming, sizing and deleting the per-attempt logs of a job. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs.h"
#include "util.h"

char *
logs_path(const char *spool_dir, int64_t id, int n)
{
	if (n <= 0)
		return xasprintf("%s/logs/%lld.log", spool_dir, (long long)id);
	return xasprintf("%s/logs/%lld.%d.log", spool_dir, (long long)id, n);
}

char *
logs_find(const char *spool_dir, int64_t id, int n, int last)
{
	struct stat sb;
	char *path = logs_path(spool_dir, id, n);

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		return path;
	free(path);
	if (!last)
		return NULL;
	path = logs_path(spool_dir, id, 0);
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		return path;
	free(path);
	return NULL;
}

int64_t
logs_size(const char *spool_dir, int64_t id, int n, int last)
{
	struct stat sb;
	char *path = logs_find(spool_dir, id, n, last);
	int64_t size = 0;

	if (path != NULL && stat(path, &sb) == 0)
		size = (int64_t)sb.st_size;
	free(path);
	return size;
}

void
logs_remove(const char *spool_dir, int64_t id, int attempts)
{
	/* Attempts that wrote nothing have no file: no gap ends the walk. */
	for (int n = 0; n <= attempts; n++) {
		char *path = logs_path(spool_dir, id, n);

		(void)unlink(path);
		free(path);
	}
}
