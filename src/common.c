/* common.c: the spool and store opening every command shares. */
#include <stdlib.h>

#include "common.h"
#include "jobq.h"
#include "recover.h"
#include "util.h"

int
open_store(struct spool *sp, struct store **st, bool create)
{
	enum spool_rc src;
	enum store_rc rc;

	*st = NULL;
	src = spool_open(sp, create);
	if (src == SPOOL_ABSENT)
		return EXIT_OK;
	if (src != SPOOL_OK) {
		cmd_warnx("%s", sp->err);
		return EXIT_UNAVAILABLE;
	}
	rc = store_open(sp, create, st);
	if (rc == STORE_NOTFOUND && !create)
		return EXIT_OK;
	if (rc != STORE_OK) {
		cmd_warnx("%s", sp->err);
		return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
	}
	return EXIT_OK;
}

void
close_store(struct spool *sp, struct store *st)
{
	store_close(st);
	spool_close(sp);
}

int
store_failure(struct store *st, enum store_rc rc)
{
	cmd_warnx("%s", store_error(st));
	return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
}

bool
parse_ids(int argc, char **argv, int64_t **idsp)
{
	int64_t *ids = xcalloc((size_t)argc, sizeof(*ids));

	for (int i = 0; i < argc; i++) {
		if (!parse_id(argv[i], &ids[i])) {
			cmd_warnx("'%s' is not a job id (a positive integer)",
			    argv[i]);
			free(ids);
			return false;
		}
	}
	*idsp = ids;
	return true;
}

void
recover_nowait(struct spool *sp, struct store *st)
{
	store_set_wait(st, false);
	recover_dead_workers(st, sp, NULL, NULL, NULL);
	store_set_wait(st, true);
}
