/* cmd-complete.c: jobq complete WHAT: the candidates the bash, zsh and
 * fish completions offer, one "value<TAB>description" a line, so that
 * what the spool holds is read in one place.  It never creates a spool,
 * never waits on a writer, and prints nothing where there is nothing. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "escape.h"
#include "handlers.h"
#include "jobq.h"
#include "outcheck.h"
#include "util.h"

static int cmd_complete(int, char **);

const struct cmd_entry cmd_complete_entry = {
	.name = "complete",
	.summary = "candidates for shell completion (commands, queues, ...)",
	.usage = "commands|states|priorities|queues|types|ids",
	.exec = cmd_complete,
};

/* At most this many ids: those not ended, newest first, then the newest
 * ended ones up to the same total. */
#define COMPLETE_IDS 200
/* Descriptions are cut to this many characters. */
#define DESC_MAX 48

/* value<TAB>description, the description escaped and shortened. */
static void
candidate(const char *value, const char *desc)
{
	char *e = esc_text(desc != NULL ? desc : "");
	size_t i = 0, chars = 0, len = strlen(e);

	while (i < len && chars < DESC_MAX) {
		size_t n = utf8_len((const unsigned char *)e + i, len - i);

		i += n > 0 ? n : 1;
		chars++;
	}
	if (i < len)
		printf("%s\t%.*s...\n", value, (int)i, e);
	else if (len > 0)
		printf("%s\t%s\n", value, e);
	else
		printf("%s\n", value);
	free(e);
}

static void
complete_commands(void)
{
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		candidate(cmd_table[i]->name, cmd_table[i]->summary);
}

static void
complete_states(void)
{
	for (int s = 0; s < JOB_NSTATES; s++)
		candidate(job_state_name(s), job_state_ended(s) ? "ended" :
		    "not ended");
}

static void
complete_priorities(void)
{
	candidate("critical", "0");
	candidate("high", "10");
	candidate("normal", "20 (default)");
	candidate("low", "30");
}

static int
complete_queues(struct store *st)
{
	struct queue_info *q = NULL;
	enum store_rc src;
	size_t n = 0;

	if ((src = store_queues(st, &q, &n)) != STORE_OK)
		return store_failure(st, src);
	for (size_t i = 0; i < n; i++) {
		char desc[160];
		size_t len = 0;

		desc[0] = '\0';
		if (q[i].paused)
			len += (size_t)snprintf(desc, sizeof(desc), "paused");
		for (int s = 0; s < JOB_NSTATES && len < sizeof(desc); s++)
			if (!job_state_ended(s) && q[i].count[s] > 0)
				len += (size_t)snprintf(desc + len,
				    sizeof(desc) - len, "%s%lld %s",
				    len > 0 ? ", " : "",
				    (long long)q[i].count[s],
				    job_state_name(s));
		candidate(q[i].name, desc);
	}
	queue_info_free(q, n);
	return EXIT_OK;
}

/* The executables in the handler directories, first directory first. */
static int
complete_types(const char *spool_dir)
{
	struct handler_path hp;
	char *cause = NULL, **seen = NULL;
	size_t nseen = 0;

	/* No spool: its handlers directory cannot exist either. */
	if (handler_path_init(&hp, NULL, 0, spool_dir != NULL ? spool_dir :
	    "/dev/null", &cause) != HP_OK) {
		free(cause);
		handler_path_free(&hp);
		return EXIT_OK;
	}
	for (size_t i = 0; i < hp.ndirs; i++) {
		struct dirent **names;
		int n = scandir(hp.dirs[i], &names, NULL, alphasort);

		for (int k = 0; k < n; k++) {
			const char *name = names[k]->d_name;
			char *path = xasprintf("%s/%s", hp.dirs[i], name);
			struct stat sb;
			bool dup = false;

			for (size_t d = 0; d < nseen && !dup; d++)
				dup = strcmp(seen[d], name) == 0;
			if (!dup && valid_name(name) && stat(path, &sb) == 0 &&
			    S_ISREG(sb.st_mode) && access(path, X_OK) == 0) {
				candidate(name, hp.dirs[i]);
				seen = xrealloc(seen, (nseen + 1) *
				    sizeof(*seen));
				seen[nseen++] = xstrdup(name);
			}
			free(path);
			free(names[k]);
		}
		if (n >= 0)
			free(names);
	}
	for (size_t d = 0; d < nseen; d++)
		free(seen[d]);
	free(seen);
	handler_path_free(&hp);
	return EXIT_OK;
}

struct id_list {
	struct job *jobs;
	size_t n;
};

static int
collect(const struct job *j, void *arg)
{
	struct id_list *l = arg;
	struct job *c;

	l->jobs = xrealloc(l->jobs, (l->n + 1) * sizeof(*l->jobs));
	c = &l->jobs[l->n++];
	memset(c, 0, sizeof(*c));
	c->id = j->id;
	c->state = j->state;
	c->type = xstrdup(j->type);
	c->queue = xstrdup(j->queue);
	c->payload = j->payload != NULL ? xstrdup(j->payload) : NULL;
	c->payload_len = j->payload_len;
	return 0;
}

/* The jobs of states (a bit per state), the newest limit of them, newest
 * first. */
static int
print_ids(struct store *st, unsigned states, int64_t limit, size_t *printed)
{
	struct list_filter f = { .states = states, .limit = limit,
	    .priority = -1 };
	struct id_list l = { NULL, 0 };
	enum store_rc src;
	int rc = EXIT_OK;

	if ((src = store_list(st, &f, collect, &l)) != STORE_OK)
		rc = store_failure(st, src);
	for (size_t i = l.n; i-- > 0;) {
		struct job *j = &l.jobs[i];
		char id[24], *cmd = job_command_line(j), *desc;

		snprintf(id, sizeof(id), "%lld", (long long)j->id);
		if (cmd != NULL)
			desc = xasprintf("%s: %s", job_state_name(j->state),
			    cmd);
		else
			desc = xasprintf("%s %s (%s)", job_state_name(j->state),
			    j->type, j->queue);
		if (rc == EXIT_OK)
			candidate(id, desc);
		free(desc);
		free(cmd);
		job_clear(j);
	}
	free(l.jobs);
	*printed += l.n;
	return rc;
}

static int
complete_ids(struct store *st)
{
	unsigned waiting = 0, ended = 0;
	size_t n = 0;
	int rc;

	for (int s = 0; s < JOB_NSTATES; s++)
		if (job_state_ended(s))
			ended |= 1u << s;
		else
			waiting |= 1u << s;
	rc = print_ids(st, waiting, COMPLETE_IDS, &n);
	if (rc == EXIT_OK && n < COMPLETE_IDS)
		rc = print_ids(st, ended, COMPLETE_IDS - (int64_t)n, &n);
	return rc;
}

static int
cmd_complete(int argc, char **argv)
{
	static const char *const whats[] = { "commands", "states",
	    "priorities", "queues", "types", "ids" };
	struct cmd_args a;
	struct spool sp;
	struct store *st;
	const char *what;
	int rc;

	if ((rc = cmd_parse(&cmd_complete_entry, argc, argv, NULL, NULL,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n != 1) {
		cmd_args_free(&a);
		return cmd_usage_error(&cmd_complete_entry);
	}
	what = NULL;
	for (size_t i = 0; i < sizeof(whats) / sizeof(whats[0]); i++)
		if (strcmp(a.operands[0], whats[i]) == 0)
			what = whats[i];
	if (what == NULL) {
		cmd_warnx("cannot complete '%s': use commands, states, "
		    "priorities, queues, types or ids", a.operands[0]);
		cmd_args_free(&a);
		return EXIT_USAGE;
	}
	cmd_args_free(&a);
	if (strcmp(what, "commands") == 0) {
		complete_commands();
		return EXIT_OK;
	}
	if (strcmp(what, "states") == 0) {
		complete_states();
		return EXIT_OK;
	}
	if (strcmp(what, "priorities") == 0) {
		complete_priorities();
		return EXIT_OK;
	}
	if ((rc = open_store(&sp, &st, false)) != EXIT_OK)
		return rc;
	if (st != NULL)
		store_set_wait(st, false);
	if (strcmp(what, "types") == 0)
		rc = complete_types(sp.dir);
	else if (st == NULL)
		;
	else if (strcmp(what, "queues") == 0)
		rc = complete_queues(st);
	else
		rc = complete_ids(st);
	close_store(&sp, st);
	return rc;
}
