/* cmd-submit.c: jobq submit: validate a job and store it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "escape.h"
#include "output.h"
#include "jobq.h"
#include "outcheck.h"
#include "timefmt.h"
#include "util.h"

#define DEFAULT_TIMEOUT_MS (300 * 1000)

static int
payload_too_big(void)
{
	cmd_warnx("payload is larger than %d MiB, the limit: pass big data "
	    "by reference (a path or URL in the payload)",
	    PAYLOAD_MAX / (1024 * 1024));
	return EXIT_DATAERR;
}

struct submit_args {
	struct job_spec spec;
	char **command;		/* exec job: argv, NULL-terminated */
	const char *type;
	const char *payload_arg;	/* NULL: {} */
	const char *when;	/* the --delay or --at given, if any */
	int64_t *after;		/* --after, malloc'd */
	size_t nafter;
	json_t *tags;		/* --tag: an array, NULL: none */
	json_t *meta;		/* --meta: an object, NULL: none */
};

/* --tag T: once each, in the order given. */
static int
add_tag(struct submit_args *a, const char *arg)
{
	size_t i;
	json_t *v;

	if (!valid_name(arg)) {
		cmd_warnx("bad tag '%s': use letters, digits and _.- (at most "
		    "%d bytes, starting with a letter or digit)", arg,
		    NAME_MAX_LEN);
		return EXIT_USAGE;
	}
	if (a->tags == NULL)
		a->tags = json_array();
	json_array_foreach(a->tags, i, v)
		if (strcmp(json_string_value(v), arg) == 0)
			return EXIT_OK;
	json_array_append_new(a->tags, json_string(arg));
	return EXIT_OK;
}

/* --meta KEY=VALUE: a later value of a key replaces an earlier one. */
static int
add_meta(struct submit_args *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *key;
	json_t *v;

	if (eq == NULL) {
		cmd_warnx("bad --meta '%s': use KEY=VALUE", arg);
		return EXIT_USAGE;
	}
	key = xstrdup(arg);
	key[eq - arg] = '\0';
	if (!valid_name(key)) {
		cmd_warnx("bad --meta key '%s': use letters, digits and _.- "
		    "(at most %d bytes)", key, NAME_MAX_LEN);
		free(key);
		return EXIT_USAGE;
	}
	if ((v = json_string(eq + 1)) == NULL) {
		cmd_warnx("bad --meta value for '%s': not UTF-8 text", key);
		free(key);
		return EXIT_USAGE;
	}
	if (a->meta == NULL)
		a->meta = json_object();
	json_object_set_new(a->meta, key, v);
	free(key);
	return EXIT_OK;
}

/* --after ID[,ID...], added to those before. */
static int
add_after(struct submit_args *a, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	int64_t id;
	int rc = EXIT_OK;

	if (arg[0] == '\0' || arg[strlen(arg) - 1] == ',')
		rc = EXIT_USAGE;
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == EXIT_OK;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!parse_id(tok, &id)) {
			rc = EXIT_USAGE;
			break;
		}
		a->after = xrealloc(a->after, (a->nafter + 1) *
		    sizeof(*a->after));
		a->after[a->nafter++] = id;
	}
	if (rc != EXIT_OK || strstr(arg, ",,") != NULL || arg[0] == ',') {
		cmd_warnx("bad --after '%s': use job ids separated by ','",
		    arg);
		rc = EXIT_USAGE;
	}
	free(copy);
	return rc;
}

/* --delay and --at both say when: one of them, once. */
static int
set_when(struct submit_args *a, const char *opt, int64_t run_at)
{
	if (a->when != NULL) {
		cmd_warnx("%s: the job's time is already set by %s; give "
		    "one --delay or --at", opt, a->when);
		return EXIT_USAGE;
	}
	a->when = opt;
	a->spec.run_at = run_at;
	return EXIT_OK;
}

/* Options without a short form. */
enum { OPT_RETRIES = 256, OPT_RETRY_DELAY, OPT_DELAY, OPT_AT, OPT_AFTER,
	OPT_KEY, OPT_TAG, OPT_META };

/* A key is text of the user's; this keeps it to a line's worth. */
#define KEY_MAX_LEN 1024

static int
submit_option(void *ctx, int id, const char *arg)
{
	struct submit_args *a = ctx;
	long long n;
	int64_t ms;

	switch (id) {
	case 'q':
		if (!valid_name(arg)) {
			cmd_warnx("bad queue name '%s': use letters, digits "
			    "and _.- (at most %d bytes)", arg, NAME_MAX_LEN);
			return EXIT_USAGE;
		}
		a->spec.queue = arg;
		break;
	case 'p':
		if (!parse_priority(arg, &a->spec.priority)) {
			cmd_warnx("bad priority '%s': use critical, high, "
			    "normal, low or 0-99", arg);
			return EXIT_USAGE;
		}
		break;
	case 't':
		if (!parse_duration(arg, &a->spec.timeout_ms)) {
			cmd_warnx("bad timeout '%s': use %s, or 0 for none",
			    arg, DURATION_FORMS);
			return EXIT_USAGE;
		}
		break;
	case OPT_RETRIES:
		if (!parse_int(arg, 0, RETRIES_MAX, &n)) {
			cmd_warnx("bad retries '%s': use a number from 0 to %d",
			    arg, RETRIES_MAX);
			return EXIT_USAGE;
		}
		a->spec.max_retries = (int)n;
		break;
	case OPT_DELAY:
		if (!parse_duration(arg, &ms)) {
			cmd_warnx("bad delay '%s': use %s", arg,
			    DURATION_FORMS);
			return EXIT_USAGE;
		}
		return set_when(a, "--delay", now_ms() + ms);
	case OPT_AT:
		if (!parse_time(arg, now_ms(), &ms)) {
			cmd_warnx("bad time '%s': use %s", arg, TIME_FORMS);
			return EXIT_USAGE;
		}
		/* A time already past means now; 0 would too. */
		return set_when(a, "--at", ms > 0 ? ms : 1);
	case OPT_AFTER:
		return add_after(a, arg);
	case OPT_TAG:
		return add_tag(a, arg);
	case OPT_META:
		return add_meta(a, arg);
	case OPT_KEY:
		if (arg[0] == '\0' || strlen(arg) > KEY_MAX_LEN) {
			cmd_warnx("bad key '%s': use 1 to %d bytes", arg,
			    KEY_MAX_LEN);
			return EXIT_USAGE;
		}
		a->spec.key = arg;
		break;
	case OPT_RETRY_DELAY:
		if (!parse_duration(arg, &a->spec.retry_delay_ms) ||
		    a->spec.retry_delay_ms > RETRY_DELAY_MAX_MS) {
			cmd_warnx("bad retry delay '%s': use %s, at most 1h, "
			    "or 0 for none", arg, DURATION_FORMS);
			return EXIT_USAGE;
		}
		break;
	}
	return EXIT_OK;
}

static const struct cmd_option submit_options[] = {
	{ "queue", 'q', "QUEUE", "put the job on QUEUE (default: default)",
	  'q' },
	{ "priority", 'p', "PRIORITY",
	  "critical, high, normal (default), low or 0-99", 'p' },
	{ "timeout", 't', "DURATION",
	  "stop a start after DURATION (default 300s, 0: none)", 't' },
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
	{ NULL, 0, NULL, NULL, 0 }
};

static int cmd_submit(int, char **);

/* A payload that starts with '-' would read as an option: it comes
 * through '-' (stdin) or @FILE, or after "--" and the type. */
const struct cmd_entry cmd_submit_entry = {
	.name = "submit",
	.summary = "add a job and print its id",
	.usage = "TYPE [PAYLOAD|-|@FILE]\n-- COMMAND [ARG]...",
	.options = submit_options,
	.flags = CMD_EXEC_AFTER_DASHDASH,
	.exec = cmd_submit,
};

static int
check_type(const char *type)
{
	if (!valid_name(type)) {
		cmd_warnx("bad type '%s': use letters, digits and _.- "
		    "(at most %d bytes, starting with a letter or digit)",
		    type, NAME_MAX_LEN);
		return EXIT_USAGE;
	}
	if (strcmp(type, "exec") == 0) {
		cmd_warnx("type 'exec' is reserved: submit a command with "
		    "'jobq submit -- COMMAND [ARG]...'");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The operands point into argv, which outlives the job's submission. */
static int
parse_args(int argc, char **argv, struct submit_args *a)
{
	const struct cmd_entry *e = &cmd_submit_entry;
	struct cmd_args ca;
	int rc;

	a->spec.queue = "default";
	a->spec.priority = PRIORITY_DEFAULT;
	a->spec.timeout_ms = DEFAULT_TIMEOUT_MS;
	a->spec.retry_delay_ms = RETRY_DELAY_DEFAULT_MS;
	if ((rc = cmd_parse(e, argc, argv, submit_option, a, &ca)) !=
	    EXIT_OK)
		return rc;
	if (ca.command != NULL) {
		a->command = ca.command;
		if (a->command[0] == NULL) {
			cmd_warnx("no command after '--'");
			rc = cmd_usage_error(e);
		}
	} else if (ca.n < 1) {
		cmd_warnx("no job type given (or '--' and a command)");
		rc = cmd_usage_error(e);
	} else if (ca.n > 2) {
		cmd_warnx("unexpected argument '%s' after the payload",
		    ca.operands[2]);
		rc = cmd_usage_error(e);
	} else {
		a->type = ca.operands[0];
		a->payload_arg = ca.n == 2 ? ca.operands[1] : NULL;
		rc = check_type(a->type);
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

static bool
validate_payload(const char *buf, size_t len)
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
		code = json_error_code(&jerr);
		cmd_warnx("payload is %s: line %d, column %d: %s",
		    code == json_error_numeric_overflow ||
		    code == json_error_null_byte_in_key ||
		    code == json_error_stack_overflow ?
		    "JSON beyond jobq's limits" : "not JSON",
		    jerr.line, jerr.column, jerr.text);
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

static int submit(struct submit_args *);

static int
cmd_submit(int argc, char **argv)
{
	struct submit_args a = { 0 };
	char *tags = NULL, *meta = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) == EXIT_OK) {
		if (a.tags != NULL)
			a.spec.tags = tags = json_dumps(a.tags, JSON_COMPACT);
		if (a.meta != NULL)
			a.spec.meta = meta = json_dumps(a.meta, JSON_COMPACT);
		rc = submit(&a);
	}
	free(a.after);
	free(tags);
	free(meta);
	json_decref(a.tags);
	json_decref(a.meta);
	return rc;
}

static int
submit(struct submit_args *ap)
{
	struct submit_args a = *ap;
	struct spool sp;
	struct store *st;
	char *payload = NULL;
	size_t len = 0;
	int64_t id;
	int rc;

	if (a.command != NULL) {
		a.spec.type = "exec";
		rc = exec_payload(a.command, &payload, &len);
	} else {
		a.spec.type = a.type;
		rc = read_payload(a.payload_arg, &payload, &len);
		if (rc == EXIT_OK && !validate_payload(payload, len))
			rc = EXIT_DATAERR;
	}
	if (rc == EXIT_OK && len > PAYLOAD_MAX)
		rc = payload_too_big();
	if (rc != EXIT_OK) {
		free(payload);
		return rc;
	}
	a.spec.payload = payload;
	a.spec.payload_len = len;

	if ((rc = open_store(&sp, &st, true)) != EXIT_OK) {
		free(payload);
		return rc;
	}
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
	return rc;
}
