/* fuzz_argv.c: the option parser of every command, with each command's
 * real entry, and the real parse of submit, list, wait and worker.  The
 * first input byte picks the command; the rest, split at NUL bytes, is
 * its argv.  A parse must end in success or a usage error (exit 2), never
 * exit otherwise (--help aside, which must exit 0); what it accepted
 * must come from the entry's table and argv; a second parse of the same
 * argv must give the same answer (getopt's state is reset); and what the
 * commands accepted must be valid.
 *
 * The commands' parse_args are static: this file includes their
 * sources. */
#include <getopt.h>
#include <string.h>

#include "fuzz.h"

#define parse_args submit_parse_args
#include "../src/cmd-submit.c"
#undef parse_args
#define parse_args list_parse_args
#include "../src/cmd-list.c"
#undef parse_args
#define parse_args wait_parse_args
#include "../src/cmd-wait.c"
#undef parse_args
#define parse_args worker_parse_args
#include "../src/cmd-worker.c"
#undef parse_args

#define MAX_ARGS 64

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* What one generic parse handed over, in order. */
struct record {
	int rc;
	int n;
	int id[MAX_ARGS + 1];
	const char *arg[MAX_ARGS + 1];
	int nops;
	char *ops[MAX_ARGS + 1];
	char **command;
};

static int
record_option(void *ctx, int id, const char *arg)
{
	struct record *r = ctx;

	FUZZ_CHECK(r->n <= MAX_ARGS, "more options than arguments");
	r->id[r->n] = id;
	r->arg[r->n++] = arg;
	return EXIT_OK;
}

static const struct cmd_option *
entry_option(const struct cmd_entry *e, int id)
{
	for (const struct cmd_option *o = e->options; o != NULL &&
	    o->name != NULL; o++)
		if (o->id == id)
			return o;
	return NULL;
}

/* p points at an argument or into one. */
static bool
in_argv(const char *p, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void
generic_parse(const struct cmd_entry *e, int argc, char **argv,
    struct record *r)
{
	struct cmd_args a;

	memset(r, 0, sizeof(*r));
	memset(&g_opts, 0, sizeof(g_opts));
	r->rc = cmd_parse(e, argc, argv, record_option, r, &a);
	if (r->rc != EXIT_OK)
		return;
	FUZZ_CHECK(a.n <= MAX_ARGS && a.operands[a.n] == NULL,
	    "%s: %d operands", e->name, a.n);
	r->nops = a.n;
	memcpy(r->ops, a.operands, (size_t)a.n * sizeof(*r->ops));
	r->command = a.command;
	cmd_args_free(&a);
}

static void
check_generic(const struct cmd_entry *e, int argc, char **argv,
    const struct record *r)
{
	int last = 0;

	FUZZ_CHECK(r->rc == EXIT_OK || r->rc == EXIT_USAGE, "%s: exit %d",
	    e->name, r->rc);
	if (r->rc != EXIT_OK)
		return;
	for (int i = 0; i < r->n; i++) {
		const struct cmd_option *o = entry_option(e, r->id[i]);

		FUZZ_CHECK(o != NULL, "%s: option id %d", e->name, r->id[i]);
		/* An optional value ("[=FILE]") may be absent. */
		FUZZ_CHECK(o->arg == NULL ? r->arg[i] == NULL :
		    o->arg[0] == '[' || r->arg[i] != NULL,
		    "%s: --%s and its value", e->name, o->name);
		FUZZ_CHECK(r->arg[i] == NULL || in_argv(r->arg[i], argc, argv),
		    "%s: --%s value not from argv", e->name, o->name);
	}
	/* Operands are arguments themselves, in their order. */
	for (int i = 0; i < r->nops; i++) {
		int k = last + 1;

		while (k < argc && argv[k] != r->ops[i])
			k++;
		FUZZ_CHECK(k < argc, "%s: operand %d not in argv after %d",
		    e->name, i, last);
		last = k;
	}
	if (r->command != NULL) {
		ptrdiff_t k = r->command - argv;

		FUZZ_CHECK(e->flags & CMD_EXEC_AFTER_DASHDASH,
		    "%s: a command", e->name);
		FUZZ_CHECK(r->nops == 0 && k >= 2 && k <= argc &&
		    strcmp(argv[k - 1], "--") == 0, "%s: command at %td",
		    e->name, k);
	}
}

static void
check_same(const struct cmd_entry *e, const struct record *a,
    const struct record *b)
{
	FUZZ_CHECK(a->rc == b->rc && a->n == b->n && a->nops == b->nops &&
	    a->command == b->command, "%s: a second parse differs", e->name);
	for (int i = 0; i < a->n; i++)
		FUZZ_CHECK(a->id[i] == b->id[i] && a->arg[i] == b->arg[i],
		    "%s: option %d differs", e->name, i);
	for (int i = 0; i < a->nops; i++)
		FUZZ_CHECK(a->ops[i] == b->ops[i], "%s: operand %d differs",
		    e->name, i);
}

static void
check_submit(int rc, int argc, char **argv, const struct submit_cmd *c)
{
	const struct submit_args *a = &c->a;
	int64_t max = (int64_t)100 * 365 * 86400000;

	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE, "submit: exit %d", rc);
	if (rc != EXIT_OK)
		return;
	FUZZ_CHECK(c->batch ? c->command == NULL && c->type == NULL :
	    (c->command == NULL) != (c->type == NULL),
	    "submit: a command and a type, or neither");
	FUZZ_CHECK(c->command != NULL || c->batch ||
	    (a->env_sets == NULL && !a->clean_env),
	    "submit: --env or --clean-env with a handler job");
	FUZZ_CHECK(valid_name(a->spec.queue), "submit: queue '%s'",
	    a->spec.queue);
	FUZZ_CHECK(a->spec.priority >= 0 && a->spec.priority <= 99,
	    "submit: priority %d", a->spec.priority);
	FUZZ_CHECK(a->spec.timeout_ms >= 0 && a->spec.timeout_ms <= max,
	    "submit: timeout %lld", (long long)a->spec.timeout_ms);
	FUZZ_CHECK(a->spec.max_retries >= 0 &&
	    a->spec.max_retries <= RETRIES_MAX, "submit: retries %d",
	    a->spec.max_retries);
	FUZZ_CHECK(a->spec.retry_delay_ms >= 0 &&
	    a->spec.retry_delay_ms <= RETRY_DELAY_MAX_MS,
	    "submit: retry delay %lld", (long long)a->spec.retry_delay_ms);
	for (size_t i = 0; i < a->nafter; i++)
		FUZZ_CHECK(a->after[i] >= 1, "submit: --after %lld",
		    (long long)a->after[i]);
	FUZZ_CHECK(a->spec.key == NULL || (a->spec.key[0] != '\0' &&
	    strlen(a->spec.key) <= KEY_MAX_LEN), "submit: key");
	if (c->batch)
		return;
	if (c->command != NULL) {
		/* Everything after a "--" that came before any operand. */
		ptrdiff_t k = c->command - argv;

		FUZZ_CHECK(k > 1 && k < argc && c->command[0] != NULL &&
		    strcmp(argv[k - 1], "--") == 0, "submit: command at %td",
		    k);
	} else {
		FUZZ_CHECK(valid_name(c->type) && strcmp(c->type, "exec") != 0,
		    "submit: type '%s'", c->type);
	}
}

static void
check_list(int rc, const struct list_filter *f)
{
	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE, "list: exit %d", rc);
	if (rc != EXIT_OK)
		return;
	FUZZ_CHECK((f->states & ~((1u << JOB_NSTATES) - 1)) == 0,
	    "list: states %#x", f->states);
	FUZZ_CHECK(f->limit >= 0, "list: limit %lld", (long long)f->limit);
	FUZZ_CHECK(f->queue == NULL || valid_name(f->queue), "list: queue");
	FUZZ_CHECK(f->type == NULL || valid_name(f->type), "list: type");
	FUZZ_CHECK(f->tag == NULL || valid_name(f->tag), "list: tag");
	FUZZ_CHECK(f->offset >= 0, "list: offset %lld",
	    (long long)f->offset);
	FUZZ_CHECK(f->priority >= -1 && f->priority <= 99,
	    "list: priority %d", f->priority);
}

static void
check_wait(int rc, const struct wait_opts *o, const int64_t *ids, int n)
{
	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE, "wait: exit %d", rc);
	if (rc != EXIT_OK)
		return;
	/* Ids, or a group: a tag, a queue or every job. */
	FUZZ_CHECK(n >= 1 || o->tag != NULL || o->queue != NULL || o->all,
	    "wait: nothing to wait for");
	FUZZ_CHECK(o->timeout_ms >= 0, "wait: timeout %lld",
	    (long long)o->timeout_ms);
	FUZZ_CHECK(o->queue == NULL || valid_name(o->queue),
	    "wait: queue '%s'", o->queue);
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(ids[i] >= 1, "wait: id %lld", (long long)ids[i]);
}

static void
check_worker(int rc, const struct worker_args *a)
{
	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE, "worker: exit %d", rc);
	if (rc != EXIT_OK)
		return;
	FUZZ_CHECK(a->opts.jobs >= 1 && a->opts.jobs <= MAX_JOBS,
	    "worker: -j %d", a->opts.jobs);
	FUZZ_CHECK(a->opts.grace_ms >= 0, "worker: grace %lld",
	    (long long)a->opts.grace_ms);
	FUZZ_CHECK(a->opts.queues == a->queues, "worker: queues");
	for (size_t i = 0; i < a->opts.nqueues; i++)
		FUZZ_CHECK(valid_name(a->queues[i]), "worker: queue '%s'",
		    a->queues[i]);
}

/* Static: a --help in the middle of a parse longjmps out of it. */
static struct submit_cmd sa;
static struct list_filter lf;
static struct worker_args wa;
static int64_t *wait_ids;
static struct record r1, r2;

/* The real parse of the commands that have options of their own. */
static void
command_parse(const char *name, int argc, char **argv)
{
	int rc;

	memset(&g_opts, 0, sizeof(g_opts));
	if (strcmp(name, "submit") == 0) {
		rc = submit_parse_args(argc, argv, &sa);
		check_submit(rc, argc, argv, &sa);
	} else if (strcmp(name, "list") == 0) {
		rc = list_parse_args(argc, argv, &lf);
		check_list(rc, &lf);
	} else if (strcmp(name, "wait") == 0) {
		struct wait_opts wo = { 0 };
		struct waited ww = { 0 };

		rc = wait_parse_args(argc, argv, &wo, &ww);
		wait_ids = ww.ids;
		check_wait(rc, &wo, wait_ids, rc == EXIT_OK ? ww.n : 0);
	} else if (strcmp(name, "worker") == 0) {
		rc = worker_parse_args(argc, argv, &wa);
		check_worker(rc, &wa);
	}
}

static void
reset(void)
{
	free(wa.queues);
	free(wa.handler_dirs);
	free(wait_ids);
	submit_args_free(&sa.a);
	memset(&sa, 0, sizeof(sa));
	memset(&lf, 0, sizeof(lf));
	memset(&wa, 0, sizeof(wa));
	wait_ids = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	const uint8_t *p = data + 1, *end = data + size, *z;
	const struct cmd_entry *e;
	size_t ncmd = 0;
	int argc = 1;

	if (size < 1)
		return 0;
	while (cmd_table[ncmd] != NULL)
		ncmd++;
	e = cmd_table[data[0] % ncmd];
	/* The argument strings, each its own allocation so that reading
	 * past one is an ASan report. */
	argv[0] = strdup(e->name);
	while (p < end && argc <= MAX_ARGS) {
		if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			z = end;
		argv[argc++] = strndup((const char *)p, (size_t)(z - p));
		p = z + 1;
	}
	argv[argc] = NULL;
	reset();
	util_set_progname(e->name);
	fuzz_exit_armed = 1;
	if (setjmp(fuzz_exit_jmp) != 0) {
		/* Only --help exits, and with 0 (its check of stdout
		 * leaves it open here: fuzz_fclose). */
		FUZZ_CHECK(fuzz_exit_status == EXIT_OK, "%s exited %d",
		    e->name, fuzz_exit_status);
	} else {
		generic_parse(e, argc, argv, &r1);
		check_generic(e, argc, argv, &r1);
		generic_parse(e, argc, argv, &r2);
		check_same(e, &r1, &r2);
		command_parse(e->name, argc, argv);
	}
	fuzz_exit_armed = 0;
	reset();
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
