/* fuzz_argv.c: the option parsing of submit, list and wait, with the
 * real getopt_long loops, global options and error paths of main.c.
 * The first input byte picks the command; the rest, split at NUL bytes,
 * is its argv.  A parse must end in success or a usage error (exit 2),
 * never exit otherwise (--help aside, which must exit 0), and what it
 * accepted must be valid.
 *
 * submit's and list's parse_args are static: this file includes their
 * sources.  wait parses inside cmd_wait, so the store it would open
 * next is replaced by a stub that ends the call. */
#include <getopt.h>
#include <string.h>

#include "fuzz.h"

#define parse_args submit_parse_args
#include "../src/cmd-submit.c"
#undef parse_args
#define parse_args list_parse_args
#include "../src/cmd-list.c"
#undef parse_args

#define WAIT_PARSED 200	/* the stub's status: parsing succeeded */
static int64_t wait_ids[64];
static int wait_n;
static int fuzz_open_store(struct spool *, struct store **, bool);
static void fuzz_close_store(struct spool *, struct store *);
static int fuzz_take_ids(int, char **, const char *, int64_t **, int *);
#define open_store fuzz_open_store
#define close_store fuzz_close_store
#define take_ids fuzz_take_ids
#include "../src/cmd-wait.c"
#undef open_store
#undef close_store
#undef take_ids

#define MAX_ARGS 64

static int
fuzz_open_store(struct spool *sp, struct store **st, bool create)
{
	*st = NULL;
	return WAIT_PARSED;
}

static void
fuzz_close_store(struct spool *sp, struct store *st)
{
}

static int
fuzz_take_ids(int argc, char **argv, const char *usage, int64_t **ids,
    int *n)
{
	int rc = take_ids(argc, argv, usage, ids, n);

	wait_n = rc == EXIT_OK ? *n : -1;
	for (int i = 0; rc == EXIT_OK && i < *n && i < MAX_ARGS; i++)
		wait_ids[i] = (*ids)[i];
	return rc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static const char *const names[] = { "submit", "list", "wait" };

static void
check_submit(int rc, int argc, char **argv, const struct submit_args *a)
{
	int64_t max = (int64_t)100 * 365 * 86400000;

	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE, "submit: exit %d", rc);
	if (rc != EXIT_OK)
		return;
	FUZZ_CHECK((a->command == NULL) != (a->type == NULL),
	    "submit: a command and a type, or neither");
	FUZZ_CHECK(valid_name(a->spec.queue), "submit: queue '%s'",
	    a->spec.queue);
	FUZZ_CHECK(a->spec.priority >= 0 && a->spec.priority <= 99,
	    "submit: priority %d", a->spec.priority);
	FUZZ_CHECK(a->spec.timeout_ms >= 0 && a->spec.timeout_ms <= max,
	    "submit: timeout %lld", (long long)a->spec.timeout_ms);
	if (a->command != NULL) {
		/* Everything after a "--" that came before any operand. */
		ptrdiff_t k = a->command - argv;

		FUZZ_CHECK(k > 1 && k < argc && a->command[0] != NULL &&
		    strcmp(argv[k - 1], "--") == 0, "submit: command at %td",
		    k);
	} else {
		FUZZ_CHECK(valid_name(a->type) && strcmp(a->type, "exec") != 0,
		    "submit: type '%s'", a->type);
	}
}

static void
check_list(int rc, int argc, const struct list_filter *f)
{
	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE, "list: exit %d", rc);
	if (rc != EXIT_OK)
		return;
	FUZZ_CHECK((f->states & ~((1u << JOB_NSTATES) - 1)) == 0,
	    "list: states %#x", f->states);
	FUZZ_CHECK(f->limit >= 0, "list: limit %lld", (long long)f->limit);
	FUZZ_CHECK(f->queue == NULL || valid_name(f->queue), "list: queue");
	FUZZ_CHECK(f->type == NULL || valid_name(f->type), "list: type");
}

static void
check_wait(int rc)
{
	FUZZ_CHECK(rc == WAIT_PARSED || rc == EXIT_USAGE, "wait: exit %d", rc);
	if (rc != WAIT_PARSED)
		return;
	FUZZ_CHECK(wait_n >= 1, "wait: %d ids", wait_n);
	for (int i = 0; i < wait_n && i < MAX_ARGS; i++)
		FUZZ_CHECK(wait_ids[i] >= 1, "wait: id %lld",
		    (long long)wait_ids[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	const uint8_t *p = data + 1, *end = data + size, *z;
	struct submit_args sa;
	struct list_filter lf;
	volatile int cmd;
	int argc = 1, rc;

	if (size < 1)
		return 0;
	cmd = data[0] % 3;
	/* The argument strings, each its own allocation so that reading
	 * past one is an ASan report. */
	argv[0] = strdup(names[cmd]);
	while (p < end && argc <= MAX_ARGS) {
		if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			z = end;
		argv[argc++] = strndup((const char *)p, (size_t)(z - p));
		p = z + 1;
	}
	argv[argc] = NULL;
	memset(&sa, 0, sizeof(sa));
	memset(&lf, 0, sizeof(lf));
	memset(&g_opts, 0, sizeof(g_opts));
	g_cmdname = names[cmd];
	wait_n = -1;
	/* As main() does before a command. */
	opterr = 0;
	optind = 0;
	fuzz_exit_armed = 1;
	if (setjmp(fuzz_exit_jmp) != 0) {
		/* Only --help exits, and with 0. */
		FUZZ_CHECK(fuzz_exit_status == EXIT_OK, "%s exited %d",
		    names[cmd], fuzz_exit_status);
	} else {
		switch (cmd) {
		case 0:
			rc = submit_parse_args(argc, argv, &sa);
			check_submit(rc, argc, argv, &sa);
			break;
		case 1:
			rc = list_parse_args(argc, argv, &lf);
			check_list(rc, argc, &lf);
			break;
		default:
			rc = cmd_wait(argc, argv);
			check_wait(rc);
			break;
		}
	}
	fuzz_exit_armed = 0;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
