/* cmd.c: the option parser every command shares, built from its entry's
 * table, and the help, usage and "did you mean" that come from it. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jobq.h"
#include "outcheck.h"
#include "util.h"

/* Options every command takes besides its own; see GLOBAL OPTIONS in
 * jobq(1). */
enum { GOPT_DIR = -1, GOPT_JSON = -2, GOPT_HELP = -3, GOPT_COLOR = -4,
	GOPT_DB = -5 };
static const struct cmd_option global_options[] = {
	{ "dir", 0, "DIR", "use the spool DIR", GOPT_DIR },
	{ "db", 0, "URL", "keep jobs in the PostgreSQL database URL",
	    GOPT_DB },
	{ "json", 0, NULL, "print JSON for programs", GOPT_JSON },
	{ "color", 0, "[=WHEN]", "escape codes: auto, always (alone), never",
	    GOPT_COLOR },
	{ "help", 'h', NULL, "show this help", GOPT_HELP },
	{ NULL, 0, NULL, NULL, 0 }
};

/* getopt_long's value for option i of the combined table: above any
 * letter, so a letter and an index never meet. */
#define OPT_INDEX 0x100

/* An option whose argument name starts with "[" takes an optional
 * value, given as --NAME=VALUE. */
static bool
optional_value(const struct cmd_option *o)
{
	return o->arg != NULL && o->arg[0] == '[';
}

/* The entry's options followed by the global ones. */
struct opt_table {
	const struct cmd_option **opt;
	size_t n;
	struct option *longopts;
	char *shortopts;
};

static size_t
count_options(const struct cmd_option *o)
{
	size_t n = 0;

	while (o != NULL && o[n].name != NULL)
		n++;
	return n;
}

static void
table_build(const struct cmd_entry *e, struct opt_table *t)
{
	size_t ne = count_options(e->options), ng = count_options(
	    global_options), k = 0;
	char *s;

	t->n = ne + ng;
	t->opt = xcalloc(t->n, sizeof(*t->opt));
	for (size_t i = 0; i < ne; i++)
		t->opt[i] = &e->options[i];
	for (size_t i = 0; i < ng; i++)
		t->opt[ne + i] = &global_options[i];
	t->longopts = xcalloc(t->n + 1, sizeof(*t->longopts));
	/* "-": operands come back in order as option 1, so "--" is seen
	 * where it stands; ":": a missing value is ':', not '?'. */
	s = t->shortopts = xcalloc(2 * t->n + 3, 1);
	*s++ = '-';
	*s++ = ':';
	for (size_t i = 0; i < t->n; i++) {
		const struct cmd_option *o = t->opt[i];

		t->longopts[k].name = o->name;
		t->longopts[k].has_arg = optional_value(o) ?
		    optional_argument : o->arg != NULL ? required_argument :
		    no_argument;
		t->longopts[k].val = OPT_INDEX + (int)i;
		k++;
		if (o->letter != 0) {
			*s++ = (char)o->letter;
			if (o->arg != NULL)
				*s++ = ':';
		}
	}
}

static void
table_free(struct opt_table *t)
{
	free(t->opt);
	free(t->longopts);
	free(t->shortopts);
}

static const struct cmd_option *
table_option(const struct opt_table *t, int ch)
{
	if (ch >= OPT_INDEX && (size_t)(ch - OPT_INDEX) < t->n)
		return t->opt[ch - OPT_INDEX];
	for (size_t i = 0; i < t->n; i++)
		if (t->opt[i]->letter == ch)
			return t->opt[i];
	return NULL;
}

/* Edits between a and b, a swap of neighbours counting as one (optimal
 * string alignment), for "did you mean". */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), w = lb + 1, *d, r;

	d = xcalloc((la + 1) * w, sizeof(*d));
	for (size_t i = 0; i <= la; i++)
		d[i * w] = i;
	for (size_t j = 0; j <= lb; j++)
		d[j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[(i - 1) * w + j - 1] +
			    (a[i - 1] != b[j - 1]);

			if (d[(i - 1) * w + j] + 1 < best)
				best = d[(i - 1) * w + j] + 1;
			if (d[i * w + j - 1] + 1 < best)
				best = d[i * w + j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    d[(i - 2) * w + j - 2] + 1 < best)
				best = d[(i - 2) * w + j - 2] + 1;
			d[i * w + j] = best;
		}
	}
	r = d[la * w + lb];
	free(d);
	return r;
}

/* How close typed is to name: at most two edits, and fewer than the
 * word's length, so that "x" suggests nothing.  SIZE_MAX: not close. */
static size_t
closeness(const char *typed, const char *name)
{
	size_t d;

	if (strlen(typed) > strlen(name) + 2)
		return SIZE_MAX;
	d = distance(typed, name);
	return d <= 2 && d < strlen(typed) ? d : SIZE_MAX;
}

/* Picks the closest of the names offered to it, if only one is. */
struct suggest {
	const char *typed;
	const char *best;
	size_t dist;
	int ties;
};

static void
suggest_init(struct suggest *sg, const char *typed)
{
	sg->typed = typed;
	sg->best = NULL;
	sg->dist = SIZE_MAX;
	sg->ties = 0;
}

static void
suggest_offer(struct suggest *sg, const char *name)
{
	size_t d = closeness(sg->typed, name);

	if (d == SIZE_MAX || d > sg->dist)
		return;
	if (d < sg->dist) {
		sg->dist = d;
		sg->best = name;
		sg->ties = 0;
	} else
		sg->ties++;
}

static const char *
suggest_result(const struct suggest *sg)
{
	return sg->ties == 0 ? sg->best : NULL;
}

/* The one long option closest to what was typed (without "--" and any
 * "=value"), or NULL. */
static const char *
suggest_option(const struct opt_table *t, const char *arg)
{
	size_t len = strcspn(arg, "=");
	char *typed = xcalloc(len + 1, 1);
	struct suggest sg;

	memcpy(typed, arg, len);
	suggest_init(&sg, typed);
	for (size_t i = 0; i < t->n; i++)
		suggest_offer(&sg, t->opt[i]->name);
	free(typed);
	return suggest_result(&sg);
}

/* getopt_long refused an option: says why.  optopt is the option that
 * lacks its value (':') or has one it takes not, an unknown letter, or 0
 * for an unknown or ambiguous long option, then argv[optind - 1]. */
static int
bad_option(const struct cmd_entry *e, const struct opt_table *t, int ch,
    char **argv)
{
	const struct cmd_option *o;
	const char *arg, *near;
	size_t len, n = 0;

	if (ch == ':' && (o = table_option(t, optopt)) != NULL) {
		if (optopt < OPT_INDEX)
			cmd_warnx("option '-%c' needs a value", optopt);
		else
			cmd_warnx("option '--%s' needs a value", o->name);
		return cmd_usage_error(e);
	}
	if (optopt >= OPT_INDEX && (o = table_option(t, optopt)) != NULL) {
		cmd_warnx("option '--%s' takes no value", o->name);
		return cmd_usage_error(e);
	}
	if (optopt != 0) {
		cmd_warnx("unknown option '-%c'", optopt);
		return cmd_usage_error(e);
	}
	arg = argv[optind - 1];
	len = strcspn(arg + 2, "=");
	/* glibc takes a unique prefix of a long option: several fit. */
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->opt[i]->name, arg + 2, len) == 0)
			n++;
	if (n > 1)
		cmd_warnx("option '%s' is ambiguous", arg);
	else if ((near = suggest_option(t, arg + 2)) != NULL)
		cmd_warnx("unknown option '%s'; did you mean '--%s'?", arg,
		    near);
	else
		cmd_warnx("unknown option '%s'", arg);
	return cmd_usage_error(e);
}

/* parse_loop()'s answers besides an exit status. */
#define PARSE_DASHDASH	(-1)	/* stopped at a "--" */
#define PARSE_HELP	(-2)	/* --help or -h */

/* The options, and the operands in order into a->operands. */
static int
parse_loop(const struct cmd_entry *e, const struct opt_table *t, int argc,
    char **argv, cmd_option_fn *fn, void *ctx, struct cmd_args *a)
{
	const struct cmd_option *o;
	int ch, rc, at = optind;

	while ((ch = getopt_long(argc, argv, t->shortopts, t->longopts,
	    NULL)) != -1) {
		if (ch == 1)
			a->operands[a->n++] = optarg;
		else if ((o = table_option(t, ch)) == NULL)
			return bad_option(e, t, ch, argv);
		else if (o->id == GOPT_HELP)
			return PARSE_HELP;
		else if (o->id == GOPT_DIR)
			g_opts.dir = optarg;
		else if (o->id == GOPT_DB)
			g_opts.db = optarg;
		else if (o->id == GOPT_JSON)
			g_opts.json = true;
		else if (o->id == GOPT_COLOR) {
			if (!parse_color_when(optarg, &g_opts.color)) {
				cmd_warnx("--color: '%s' is not auto, always "
				    "or never", optarg);
				return cmd_usage_error(e);
			}
		}
		else if ((rc = fn(ctx, o->id, optarg)) != EXIT_OK)
			return rc;
		at = optind;
	}
	/* Stopped at a "--" of its own, not one that was a value? */
	return optind > at && strcmp(argv[optind - 1], "--") == 0 ?
	    PARSE_DASHDASH : EXIT_OK;
}

int
cmd_parse(const struct cmd_entry *e, int argc, char **argv,
    cmd_option_fn *fn, void *ctx, struct cmd_args *a)
{
	struct opt_table t;
	int rc;

	memset(a, 0, sizeof(*a));
	a->operands = xcalloc((size_t)argc + 1, sizeof(*a->operands));
	table_build(e, &t);
	opterr = 0;
	optind = 0;	/* glibc's full reset (optreset does nothing) */
	rc = parse_loop(e, &t, argc, argv, fn, ctx, a);
	table_free(&t);
	if (rc > 0 || rc == PARSE_HELP)
		cmd_args_free(a);
	if (rc == PARSE_HELP) {
		cmd_print_help(e);
		exit(out_close(EXIT_OK));
	}
	if (rc > 0)
		return rc;
	if (rc == PARSE_DASHDASH && a->n == 0 &&
	    (e->flags & CMD_EXEC_AFTER_DASHDASH)) {
		a->command = argv + optind;
		return EXIT_OK;
	}
	/* After "--", the rest are operands, whatever they look like. */
	while (optind < argc)
		a->operands[a->n++] = argv[optind++];
	return EXIT_OK;
}

void
cmd_args_free(struct cmd_args *a)
{
	free(a->operands);
	memset(a, 0, sizeof(*a));
}

static void
print_usage(FILE *fp, const struct cmd_entry *e)
{
	const char *u = e->usage, *nl;
	const char *lead = "usage:";
	const char *opts = e->options != NULL && e->options[0].name != NULL ?
	    " [OPTION]..." : "";

	do {
		nl = strchr(u, '\n');
		fprintf(fp, "%s jobq %s%s%s%.*s\n", lead, e->name, opts,
		    *u != '\0' ? " " : "", nl != NULL ? (int)(nl - u) :
		    (int)strlen(u), u);
		lead = "      ";
		if (nl != NULL)
			u = nl + 1;
	} while (nl != NULL);
}

int
cmd_usage_error(const struct cmd_entry *e)
{
	print_usage(stderr, e);
	fprintf(stderr, "Run 'jobq help %s' for its options.\n", e->name);
	return EXIT_USAGE;
}

static int
option_width(const struct cmd_option *o)
{
	return 10 + (int)strlen(o->name) +
	    (o->arg != NULL ? !optional_value(o) + (int)strlen(o->arg) : 0);
}

static void
print_options(const char *title, const struct cmd_option *o, int width)
{
	printf("\n%s:\n", title);
	for (; o->name != NULL; o++) {
		char lead[4] = { '-', (char)o->letter, ',', '\0' };

		printf("  %-4s--%s%s%s%*s%s\n", o->letter != 0 ? lead : "",
		    o->name, o->arg != NULL && !optional_value(o) ? " " : "",
		    o->arg != NULL ? o->arg : "",
		    width - option_width(o) + 2, "", o->help);
	}
}

void
cmd_print_help(const struct cmd_entry *e)
{
	int width = 0;

	for (const struct cmd_option *o = e->options; o != NULL &&
	    o->name != NULL; o++)
		if (option_width(o) > width)
			width = option_width(o);
	for (const struct cmd_option *o = global_options; o->name != NULL;
	    o++)
		if (option_width(o) > width)
			width = option_width(o);
	print_usage(stdout, e);
	printf("\n%s.\n", e->summary);
	if (e->options != NULL && e->options[0].name != NULL)
		print_options("options", e->options, width);
	print_options("global options", global_options, width);
	printf("\nSee jobq(1), section %s.\n", e->name);
}

void
cmd_print_commands(FILE *fp)
{
	fprintf(fp, "usage: jobq [--dir DIR] [--db URL] [--json] "
	    "[--color[=WHEN]] COMMAND [ARGS]\n"
	    "       jobq --help | --version\n\ncommands:\n");
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		fprintf(fp, "  %-8s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(fp, "\nRun 'jobq help COMMAND' for a command's options; "
	    "see jobq(1).\n");
}

const struct cmd_entry *
cmd_find(const char *name)
{
	const char *near;
	struct suggest sg;

	for (size_t i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	suggest_init(&sg, name);
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		suggest_offer(&sg, cmd_table[i]->name);
	if ((near = suggest_result(&sg)) != NULL)
		cmd_warnx("unknown command '%s'; did you mean '%s'?", name,
		    near);
	else
		cmd_warnx("unknown command '%s'; see 'jobq --help'", name);
	return NULL;
}
