/* common.c: the spool and store opening every command shares. */
#include <getopt.h>
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
	char *cause;

	*st = NULL;
	src = spool_open(sp, create);
	if (src == SPOOL_ABSENT)
		return EXIT_OK;
	if (src != SPOOL_OK) {
		cmd_warnx("%s", sp->err);
		spool_close(sp);
		return EXIT_UNAVAILABLE;
	}
	rc = store_open(sp, create, st, &cause);
	if (rc == STORE_NOTFOUND && !create) {
		free(cause);
		return EXIT_OK;
	}
	if (rc != STORE_OK) {
		cmd_warnx("%s", cause);
		free(cause);
		spool_close(sp);
		return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
	}
	return EXIT_OK;
}

void
close_store(struct spool *sp, struct store *st)
{
	if (st != NULL)
		store_close(st);
	spool_close(sp);
}

int
store_failure(struct store *st, enum store_rc rc)
{
	cmd_warnx("%s", store_error(st));
	return rc == STORE_UNUSABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
}

int
take_ids(int argc, char **argv, const char *usage, int64_t **idsp, int *n)
{
	int64_t *ids;

	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage_error(usage);
	ids = xcalloc((size_t)argc, sizeof(*ids));
	for (int i = 0; i < argc; i++) {
		if (!parse_id(argv[i], &ids[i])) {
			cmd_warnx("'%s' is not a job id (a positive integer)",
			    argv[i]);
			free(ids);
			return EXIT_USAGE;
		}
	}
	*idsp = ids;
	*n = argc;
	return EXIT_OK;
}

int
parse_id_command(int argc, char **argv, const char *usage, int64_t **ids,
    int *n)
{
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+:", longopts, NULL)) != -1)
		if (!global_option(ch, optarg, usage))
			return bad_option(ch, argv, usage);
	return take_ids(argc, argv, usage, ids, n);
}

void
recover_nowait(struct spool *sp, struct store *st)
{
	store_set_wait(st, false);
	recover_dead_workers(st, sp, NULL, NULL, NULL, NULL);
	store_set_wait(st, true);
}
