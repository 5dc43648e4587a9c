/* cmd-submit.c: jobq submit: validate a job and store it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "batch.h"
#include "common.h"
#include "escape.h"
#include "execenv.h"
#include "handlers.h"
#include "output.h"
#include "jobq.h"
#include "outcheck.h"
#include "timefmt.h"
#include "submitargs.h"
#include "util.h"

static int
payload_too_big(void)
{
	cmd_warnx("payload is larger than %d MiB, the limit: pass big data "
	    "by reference (a path or URL in the payload)",
	    PAYLOAD_MAX / (1024 * 1024));
	return EXIT_DATAERR;
}

/* What the command line says: the job, or the batch. */
struct submit_cmd {
	struct submit_args a;
	char **command;		/* exec job: argv, NULL-terminated */
	const char *type;
	const char *payload_arg;	/* NULL: {} */
	bool batch;		/* --batch */
	const char *batch_file;	/* NULL or "-": stdin */
};

static int
submit_option(void *ctx, int id, const char *arg)
{
	struct submit_cmd *c = ctx;
	char *cause;

	if (id == OPT_BATCH) {
		c->batch = true;
		c->batch_file = arg;	/* --batch=FILE; else an operand */
		return EXIT_OK;
	}
	if (!submit_set(&c->a, id, arg, &cause)) {
		cmd_warnx_esc(cause);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static const struct cmd_option submit_options[] = {
	{ "queue", 'q', "QUEUE", "put the job on QUEUE (default: default)",
	  'q' },
	{ "priority", 'p', "PRIORITY",
	  "critical, high, normal (default), low or 0-99", 'p' },
	{ "timeout", 't', "DURATION",
	  "stop a start after DURATION (default 300s, commands none; "
	  "0|none: none)", 't' },
	{ "delay", 0, "DURATION", "run no sooner than DURATION from now",
	  OPT_DELAY },
	{ "at", 0, "TIME", "run no sooner than TIME (see jobq(1))", OPT_AT },
	{ "after", 0, "ID[,ID]...", "run once these jobs completed "
	  "(repeatable)", OPT_AFTER },
	{ "key", 0, "KEY", "submit nothing while a job with KEY waits or "
	  "runs", OPT_KEY },
	{ "tag", 0, "TAG", "tag the job (repeatable)", OPT_TAG },
	{ "meta", 0, "KEY=VALUE", "attach a value to the job (repeatable)",
	  OPT_META },
	{ "retries", 0, "N", "start a failed job again up to N times "
	  "(default 0)", OPT_RETRIES },
	{ "retry-delay", 0, "DURATION", "wait before the first retry, "
	  "doubling (default 10s)", OPT_RETRY_DELAY },
	{ "env", 0, "NAME=VALUE", "a command: run it with NAME set to VALUE "
	  "(repeatable)", OPT_ENV },
	{ "clean-env", 0, NULL, "a command: run it without your environment",
	  OPT_CLEAN_ENV },
	{ "batch", 0, "[=FILE]", "one job per JSON line of FILE or stdin, all or "
	  "none", OPT_BATCH },
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_submit(int, char **);

/* A payload that starts with '-' would read as an option: it comes
 * through '-' (stdin) or @FILE, or after "--" and the type. */
const struct cmd_entry cmd_submit_entry = {
	.name = "submit",
	.summary = "add a job and print its id",
	.usage = "TYPE [PAYLOAD|-|@FILE]\n-- COMMAND [ARG]...\n"
	    "--batch [FILE|-]",
	.options = submit_options,
	.flags = CMD_EXEC_AFTER_DASHDASH,
	.exec = cmd_submit,
};

static int
batch_args(struct submit_cmd *c, const struct cmd_args *ca)
{
	const struct cmd_entry *e = &cmd_submit_entry;

	if (ca->command != NULL) {
		cmd_warnx("--batch takes no command: give commands as "
		    "{\"argv\": [...]} lines");
		return cmd_usage_error(e);
	}
	if (ca->n > (c->batch_file == NULL ? 1 : 0)) {
		cmd_warnx("unexpected argument '%s' after the batch file",
		    ca->operands[ca->n - 1]);
		return cmd_usage_error(e);
	}
	if (ca->n == 1)
		c->batch_file = ca->operands[0];
	return EXIT_OK;
}

/* The operands point into argv, which outlives the job's submission. */
static int
parse_args(int argc, char **argv, struct submit_cmd *c)
{
	const struct cmd_entry *e = &cmd_submit_entry;
	struct cmd_args ca;
	char *cause;
	int rc = EXIT_OK;

	submit_args_init(&c->a);
	if ((rc = cmd_parse(e, argc, argv, submit_option, c, &ca)) !=
	    EXIT_OK)
		return rc;
	if (c->batch)
		rc = batch_args(c, &ca);
	else if (ca.command != NULL) {
		c->command = ca.command;
		if (c->command[0] == NULL) {
			cmd_warnx("no command after '--'");
			rc = cmd_usage_error(e);
		}
	} else if (ca.n < 1) {
		cmd_warnx("no job type given (or '--' and a command)");
		rc = cmd_usage_error(e);
	} else if (ca.n > 2) {
		/* Three words or more: most likely a command. */
		char *line = shell_line((const char *const *)ca.operands,
		    ca.n);

		cmd_warnx_esc(xasprintf("unexpected argument '%s' after the "
		    "payload; to run a command, use: jobq submit -- %s",
		    ca.operands[2], line));
		free(line);
		rc = cmd_usage_error(e);
	} else if (c->a.env_sets != NULL || c->a.clean_env) {
		cmd_warnx("%s applies to commands only ('jobq submit -- "
		    "COMMAND'), not to handler jobs", c->a.clean_env ?
		    "--clean-env" : "--env");
		rc = cmd_usage_error(e);
	} else {
		c->type = ca.operands[0];
		c->payload_arg = ca.n == 2 ? ca.operands[1] : NULL;
		if (!submit_check_type(c->type, &cause)) {
			cmd_warnx_esc(cause);
			rc = EXIT_USAGE;
		}
	}
	cmd_args_free(&ca);
	return rc;
}

/* Reads the payload from fd, refusing one over the limit after reading at
 * most one byte more than it: a runaway pipe must not fill memory. */
static int
read_payload_fd(int fd, const char *from, char **buf, size_t *len)
{
	if (read_max(fd, PAYLOAD_MAX, buf, len) == 0)
		return EXIT_OK;
	if (errno == EFBIG)
		return payload_too_big();
	cmd_warn("cannot read the payload from %s", from);
	return EXIT_DATAERR;
}

/* The payload's bytes: inline, from stdin, or from a file. */
static int
read_payload(const char *arg, char **buf, size_t *len)
{
	int fd, rc;

	if (arg == NULL) {
		*buf = xstrdup("{}");
		*len = 2;
		return EXIT_OK;
	}
	if (strcmp(arg, "-") == 0)
		return read_payload_fd(STDIN_FILENO, "stdin", buf, len);
	if (arg[0] == '@') {
		if ((fd = open(arg + 1, O_RDONLY | O_CLOEXEC)) < 0) {
			cmd_warn("cannot read payload file %s", arg + 1);
			return EXIT_DATAERR;
		}
		rc = read_payload_fd(fd, arg + 1, buf, len);
		close(fd);
		return rc;
	}
	*len = strlen(arg);
	if (*len > PAYLOAD_MAX)
		return payload_too_big();
	*buf = xstrdup(arg);
	return EXIT_OK;
}

/* "jobq submit make test": words, not JSON, as a command would be. */
static bool
looks_like_words(const char *arg)
{
	if (arg == NULL || arg[0] == '@' || strcmp(arg, "-") == 0 ||
	    strchr("{[\"-0123456789", arg[0]) != NULL)
		return false;
	return strcmp(arg, "true") != 0 && strcmp(arg, "false") != 0 &&
	    strcmp(arg, "null") != 0;
}

/* hint: what to suggest after the error, or "". */
static bool
validate_payload(const char *buf, size_t len, const char *hint)
{
	const char *nul = memchr(buf, '\0', len);
	enum json_error_code code;
	json_error_t jerr;
	json_t *v;

	/* No JSON text holds a NUL byte (in a string it is written
	 * \u0000), but jansson 2.14 skips one that follows a number or a
	 * literal: "[4<NUL>]" loads as [4]. */
	if (nul != NULL) {
		cmd_warnx("payload is not JSON: a NUL byte at offset %zu",
		    (size_t)(nul - buf));
		return false;
	}
	/* Any JSON value; NUL in strings and integers of any size are
	 * valid JSON, so jansson must accept them too.  The bytes are
	 * stored as given, not as jansson would print them. */
	v = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL |
	    JSON_DECODE_INT_AS_REAL, &jerr);
	if (v == NULL) {
		/* Valid JSON that jansson cannot hold is not "not JSON". */
		char *text, *h;

		/* jansson quotes the payload near the error, and the hint
		 * repeats it: escaped, as the payload may hold any byte. */
		code = json_error_code(&jerr);
		text = esc_text(jerr.text);
		h = esc_text(hint);
		cmd_warnx("payload is %s: line %d, column %d: %s%s",
		    code == json_error_numeric_overflow ||
		    code == json_error_null_byte_in_key ||
		    code == json_error_stack_overflow ?
		    "JSON beyond jobq's limits" : "not JSON",
		    jerr.line, jerr.column, text, h);
		free(text);
		free(h);
		return false;
	}
	json_decref(v);
	return true;
}

/* {"argv": [...], "cwd": "..."} for an exec job. */
static int
exec_payload(char **command, char **buf, size_t *len)
{
	json_t *o = json_object(), *argv = json_array(), *s;
	char *cwd = getcwd(NULL, 0);

	if (cwd == NULL) {
		cmd_warn("cannot get the current directory");
		json_decref(o);
		json_decref(argv);
		return EXIT_SOFTWARE;
	}
	for (int i = 0; command[i] != NULL; i++) {
		if ((s = json_string(command[i])) == NULL) {
			cmd_warnx("argument %d of the command is not valid "
			    "UTF-8", i + 1);
			goto bad;
		}
		json_array_append_new(argv, s);
	}
	json_object_set_new(o, "argv", argv);
	argv = NULL;
	if ((s = json_string(cwd)) == NULL) {
		cmd_warnx("the current directory is not valid UTF-8");
		goto bad;
	}
	json_object_set_new(o, "cwd", s);
	*buf = json_dumps(o, JSON_COMPACT);
	*len = strlen(*buf);
	json_decref(o);
	free(cwd);
	return EXIT_OK;
bad:
	json_decref(argv);
	json_decref(o);
	free(cwd);
	return EXIT_DATAERR;
}

/* The job is stored: if its id cannot reach the caller, say which it is,
 * so that it can be found, waited for or cancelled. */
static int
check_id_written(int64_t id)
{
	int e = out_error();

	if (e == 0 || e == EPIPE)
		return EXIT_OK;
	cmd_warnx("job %lld was submitted but its id could not be written: "
	    "%s", (long long)id, strerror(e));
	out_reported();
	return EXIT_IOERR;
}

static int submit(struct submit_cmd *);

static int
cmd_submit(int argc, char **argv)
{
	struct submit_cmd c = { 0 };
	char *tags = NULL, *meta = NULL;
	int rc, fd;

	if ((rc = parse_args(argc, argv, &c)) != EXIT_OK)
		;
	else if (c.batch) {
		fd = STDIN_FILENO;
		if (c.batch_file != NULL && strcmp(c.batch_file, "-") != 0 &&
		    (fd = open(c.batch_file, O_RDONLY | O_CLOEXEC)) < 0) {
			cmd_warn("cannot read batch file %s", c.batch_file);
			rc = EXIT_DATAERR;
		} else
			rc = batch_submit(fd, c.batch_file != NULL ?
			    c.batch_file : "stdin", &c.a);
	} else {
		if (c.a.tags != NULL)
			c.a.spec.tags = tags = json_dumps(c.a.tags,
			    JSON_COMPACT);
		if (c.a.meta != NULL)
			c.a.spec.meta = meta = json_dumps(c.a.meta,
			    JSON_COMPACT);
		rc = submit(&c);
	}
	submit_args_free(&c.a);
	free(tags);
	free(meta);
	return rc;
}

/* The command's environment: the submitter's (or none with
 * --clean-env), with --env on top, as JSON text. */
static char *
exec_env(const struct submit_args *a)
{
	json_t *env = a->clean_env ? json_object() : exec_env_current(), *v;
	const char *k;
	char *text;

	if (a->env_sets != NULL)
		json_object_foreach(a->env_sets, k, v)
			json_object_set(env, k, v);
	text = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	return text;
}

/* On a terminal, a type that no handler serves yet is most likely a
 * typo, or a command meant for 'submit --'.  The job is still
 * submitted: a handler may come later, or a worker sees other
 * directories. */
static void
warn_no_handler(const char *type, const char *spool_dir)
{
	struct handler_path hp;
	char *cause = NULL, *path;

	if (!isatty(STDERR_FILENO))
		return;
	/* A handler that is there but cannot run (not executable, in a
	 * directory a worker refuses) is no better than none. */
	if (handler_path_init(&hp, NULL, 0, spool_dir, &cause) != HP_OK)
		cmd_warnx("warning: %s; no worker starts until that is "
		    "fixed", cause);
	else if ((path = handler_find(&hp, type, &cause)) != NULL)
		free(path);
	else if (strncmp(cause, "no handler", 10) == 0)
		cmd_warnx("warning: %s; the job waits until a worker finds "
		    "one (to run a command: jobq submit -- COMMAND)", cause);
	else
		cmd_warnx("warning: %s; a worker fails the job unless that "
		    "is fixed first", cause);
	free(cause);
	handler_path_free(&hp);
}

static int
job_payload(struct submit_cmd *c, char **payload, size_t *len)
{
	char *hint;
	int rc;

	if (c->command != NULL) {
		c->a.spec.type = "exec";
		c->a.spec.timeout_ms = submit_timeout(&c->a, true);
		return exec_payload(c->command, payload, len);
	}
	c->a.spec.type = c->type;
	c->a.spec.timeout_ms = submit_timeout(&c->a, false);
	if ((rc = read_payload(c->payload_arg, payload, len)) != EXIT_OK)
		return rc;
	hint = xstrdup("");
	if (looks_like_words(c->payload_arg)) {
		/* Quoted, so that the line can be pasted as it is. */
		const char *w[] = { c->type, c->payload_arg };
		char *line = shell_line(w, 2);

		free(hint);
		hint = xasprintf("; to run a command, use: jobq submit -- %s",
		    line);
		free(line);
	}
	if (!validate_payload(*payload, *len, hint))
		rc = EXIT_DATAERR;
	free(hint);
	return rc;
}

static int
submit(struct submit_cmd *c)
{
	struct submit_args a;
	struct spool sp;
	struct store *st;
	char *payload = NULL, *env = NULL;
	size_t len = 0;
	int64_t id;
	int rc;

	rc = job_payload(c, &payload, &len);
	a = c->a;
	if (rc == EXIT_OK && len > PAYLOAD_MAX)
		rc = payload_too_big();
	if (rc != EXIT_OK) {
		free(payload);
		return rc;
	}
	a.spec.payload = payload;
	a.spec.payload_len = len;
	if (c->command != NULL)
		a.spec.env = env = exec_env(&a);

	if ((rc = open_store(&sp, &st, true)) != EXIT_OK) {
		free(payload);
		free(env);
		return rc;
	}
	if (c->command == NULL)
		warn_no_handler(a.spec.type, sp.dir);
	a.spec.after = a.after;
	a.spec.nafter = a.nafter;
	enum store_rc src = store_submit(st, &a.spec, &id);
	if (src == STORE_NOTFOUND) {
		cmd_warnx("--after: %s", store_error(st));
		rc = EXIT_NOJOB;
	} else if (src == STORE_CONFLICT) {
		/* Not an error: what cron wanted is there.  The id of the
		 * job that has the key is the answer. */
		char *key = esc_text(a.spec.key);

		cmd_warnx("job %lld has key '%s' and has not ended: nothing "
		    "submitted", (long long)id, key);
		free(key);
		src = STORE_OK;
	} else if (src != STORE_OK)
		rc = store_failure(st, src);
	if (src == STORE_OK) {
		if (g_opts.json)
			print_json_line(json_pack("{s:I}", "id",
			    (json_int_t)id));
		else
			printf("%lld\n", (long long)id);
		rc = check_id_written(id);
	}
	close_store(&sp, st);
	free(payload);
	free(env);
	return rc;
}
