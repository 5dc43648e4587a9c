/* batchline.c: one line of submit --batch: a JSON object whose fields
 * are submit's options, checked by the same parsers, into a job. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "escape.h"
#include "execenv.h"
#include "util.h"

/* The fields a line may have, with the option each stands for. */
static const struct field {
	const char *name;
	int opt;		/* submit_set()'s id; 0: handled here */
} fields[] = {
	{ "type", 0 }, { "payload", 0 }, { "argv", 0 }, { "cwd", 0 },
	{ "env", 0 }, { "after", 0 }, { "tags", 0 }, { "meta", 0 },
	{ "queue", 'q' }, { "priority", 'p' }, { "timeout", 't' },
	{ "delay", OPT_DELAY }, { "at", OPT_AT }, { "retries", OPT_RETRIES },
	{ "retry_delay", OPT_RETRY_DELAY }, { "key", OPT_KEY },
};

void
batch_job_free(struct batch_job *j)
{
	free(j->type);
	free(j->queue);
	free(j->key);
	free(j->payload);
	free(j->tags);
	free(j->meta);
	free(j->env);
	free(j->after);
	memset(j, 0, sizeof(*j));
}

/* A number or a string as the text the option would take; durations
 * given as numbers are seconds, fractions kept to the millisecond. */
static char *
option_text(const char *name, int opt, const json_t *v, char **cause)
{
	bool duration = opt == 't' || opt == OPT_DELAY ||
	    opt == OPT_RETRY_DELAY;

	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			*cause = xasprintf("field '%s' has a NUL byte", name);
			return NULL;
		}
		return xstrdup(json_string_value(v));
	}
	if (json_is_integer(v) && opt != OPT_KEY && opt != 'q') {
		if (opt == OPT_AT)
			return xasprintf("@%lld", (long long)
			    json_integer_value(v));
		return xasprintf("%lld", (long long)json_integer_value(v));
	}
	if (json_is_real(v) && duration) {
		double s = json_real_value(v);

		/* NaN fails both; no libm for a rounding.  A positive
		 * duration below half a millisecond is refused as the
		 * option refuses it, not rounded to 0, which is "none". */
		if (s == 0 || (s >= 0.0005 && s < 1e12))
			return xasprintf("%lldms", (long long)(s * 1000 +
			    0.5));
		return xasprintf("%g", s);
	}
	if (json_is_real(v) && opt == OPT_AT) {
		double s = json_real_value(v);
		long long t;

		/* As from time.time(): up to the next whole second, so
		 * that the job still runs no sooner than asked. */
		if (s < 0 || s >= 1e15)
			return xasprintf("@%g", s);
		t = (long long)s;
		return xasprintf("@%lld", t + (s > (double)t));
	}
	*cause = xasprintf("field '%s' must be %s", name, opt == OPT_KEY ||
	    opt == 'q' ? "a string" : duration ? "a number of seconds or "
	    "a duration string" : "an integer or a string");
	return NULL;
}

static bool
set_option(struct submit_args *la, struct batch_job *j, const char *name,
    int opt, const json_t *v, char **cause)
{
	char *arg = option_text(name, opt, v, cause);
	bool ok;

	if (arg == NULL)
		return false;
	ok = submit_set(la, opt, arg, cause);
	/* Kept: the spec points at them. */
	if (ok && opt == 'q') {
		free(j->queue);
		j->queue = arg;
	} else if (ok && opt == OPT_KEY) {
		free(j->key);
		j->key = arg;
	} else
		free(arg);
	return ok;
}

static bool
set_after(struct batch_job *j, int lineno, const json_t *v, char **cause)
{
	size_t i;
	json_t *e;
	long long n;
	int64_t id;

	if (!json_is_array(v)) {
		*cause = xstrdup("field 'after' must be an array of job ids "
		    "or \"$N\" (the job of line N)");
		return false;
	}
	j->after = xcalloc(json_array_size(v) + 1, sizeof(int64_t));
	json_array_foreach(v, i, e) {
		const char *s = json_is_string(e) ? json_string_value(e) : "";

		if (json_is_integer(e) && json_integer_value(e) > 0)
			id = json_integer_value(e);
		else if (s[0] == '$' && parse_int(s + 1, 1, INT32_MAX, &n)) {
			if (n >= lineno) {
				*cause = xasprintf("bad after '%s': line %lld "
				    "is not an earlier line", s, n);
				return false;
			}
			id = -n;
		} else if (!json_is_string(e) || !parse_id(s, &id)) {
			*cause = xstrdup("bad after: use job ids, or \"$N\" "
			    "for the job of an earlier line N");
			return false;
		}
		j->after[j->nafter++] = id;
	}
	return true;
}

static bool
set_tags(struct submit_args *la, const json_t *v, char **cause)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		*cause = xstrdup("field 'tags' must be an array of names");
		return false;
	}
	la->tags = json_array();
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || strlen(json_string_value(e)) !=
		    json_string_length(e)) {
			*cause = xstrdup("field 'tags' must be an array of "
			    "names");
			return false;
		}
		if (!submit_set(la, OPT_TAG, json_string_value(e), cause))
			return false;
	}
	return true;
}

/* meta and env: an object of strings.  meta keys are names; env names
 * anything but empty or with '='. */
static bool
check_strings(const char *field, const json_t *v, bool env, char **cause)
{
	const char *k;
	json_t *e;

	if (!json_is_object(v)) {
		*cause = xasprintf("field '%s' must be an object of strings",
		    field);
		return false;
	}
	json_object_foreach((json_t *)v, k, e) {
		if (!json_is_string(e)) {
			*cause = xasprintf("field '%s': the value of '%s' is "
			    "not a string", field, k);
			return false;
		}
		/* Text, as the options give it: a NUL would cut a
		 * variable short, and status could not show the meta. */
		if (strlen(json_string_value(e)) != json_string_length(e)) {
			*cause = xasprintf("field '%s': the value of '%s' has "
			    "a NUL byte", field, k);
			return false;
		}
		if (env ? !exec_env_name_ok(k, strlen(k)) : !valid_name(k)) {
			*cause = xasprintf("field '%s': bad name '%s'%s",
			    field, k, env ? ": not empty, no '='" :
			    ": use letters, digits and _.-");
			return false;
		}
	}
	return true;
}

/* {"argv": [...], "cwd": "..."}: argv strings, at least one; cwd
 * absolute. */
static bool
exec_payload(const json_t *argv, const json_t *cwd, const char *dcwd,
    char **out, char **cause)
{
	size_t i;
	json_t *e, *o;
	const char *dir = dcwd;

	if (!json_is_array(argv) || json_array_size(argv) == 0) {
		*cause = xstrdup("field 'argv' must be a non-empty array of "
		    "strings");
		return false;
	}
	json_array_foreach(argv, i, e)
		if (!json_is_string(e) || strlen(json_string_value(e)) !=
		    json_string_length(e) || (i == 0 &&
		    json_string_length(e) == 0)) {
			*cause = xasprintf("field 'argv': element %zu is not "
			    "a%s string without NUL", i + 1, i == 0 ?
			    " non-empty" : "");
			return false;
		}
	if (cwd != NULL) {
		if (!json_is_string(cwd) || json_string_value(cwd)[0] != '/' ||
		    strlen(json_string_value(cwd)) != json_string_length(cwd)) {
			*cause = xstrdup("field 'cwd' must be an absolute "
			    "path");
			return false;
		}
		dir = json_string_value(cwd);
	}
	o = json_pack("{s:O,s:s}", "argv", argv, "cwd", dir);
	*out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (*out == NULL) {
		*cause = xstrdup("cannot encode the command");
		return false;
	}
	return true;
}

static const struct field *
find_field(const char *name)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* The line's object, field by field, into la and j. */
static bool
apply_fields(json_t *o, int lineno, struct submit_args *la,
    struct batch_job *j, json_t **meta, char **cause)
{
	const struct field *f;
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if ((f = find_field(k)) == NULL) {
			char *e = esc_text(k);

			*cause = xasprintf("unknown field '%s'", e);
			free(e);
			return false;
		}
		if (f->opt != 0) {
			if (!set_option(la, j, k, f->opt, v, cause))
				return false;
		} else if (strcmp(k, "after") == 0) {
			if (!set_after(j, lineno, v, cause))
				return false;
		} else if (strcmp(k, "tags") == 0) {
			if (!set_tags(la, v, cause))
				return false;
		} else if (strcmp(k, "meta") == 0) {
			if (!check_strings("meta", v, false, cause))
				return false;
			*meta = v;
		} else if (strcmp(k, "env") == 0) {
			if (!check_strings("env", v, true, cause))
				return false;
		}
	}
	return true;
}

/* type and payload, or argv, cwd and env. */
static bool
job_kind(json_t *o, const struct batch_defaults *d, struct batch_job *j,
    char **cause)
{
	json_t *type = json_object_get(o, "type"),
	    *argv = json_object_get(o, "argv"),
	    *payload = json_object_get(o, "payload"),
	    *cwd = json_object_get(o, "cwd"), *env = json_object_get(o, "env");

	if ((type == NULL) == (argv == NULL)) {
		*cause = xstrdup("give either 'type' (and 'payload') or "
		    "'argv' (and 'cwd', 'env')");
		return false;
	}
	if (argv != NULL) {
		if (payload != NULL) {
			*cause = xstrdup("a command ('argv') takes no "
			    "'payload'");
			return false;
		}
		if (!exec_payload(argv, cwd, d->cwd, &j->payload, cause))
			return false;
		j->type = xstrdup("exec");
		j->env = env != NULL ? json_dumps(env, JSON_COMPACT) : NULL;
		j->spec.env = env != NULL ? j->env : d->env;
		return true;
	}
	if (cwd != NULL || env != NULL) {
		*cause = xasprintf("'%s' is for commands ('argv'), not "
		    "handler jobs", cwd != NULL ? "cwd" : "env");
		return false;
	}
	if (!json_is_string(type)) {
		*cause = xstrdup("field 'type' must be a string");
		return false;
	}
	/* In a batch, a command is an "argv" line, not submit --. */
	if (strcmp(json_string_value(type), "exec") == 0) {
		*cause = xstrdup("type 'exec' is reserved: give a command as "
		    "{\"argv\": [...]}");
		return false;
	}
	if (!submit_check_type(json_string_value(type), cause))
		return false;
	j->type = xstrdup(json_string_value(type));
	/* The payload as jansson writes it: a line holds the document,
	 * not its bytes. */
	j->payload = payload != NULL ? json_dumps(payload, JSON_COMPACT |
	    JSON_ENCODE_ANY) : xstrdup("{}");
	if (j->payload == NULL) {
		*cause = xstrdup("cannot encode the payload");
		return false;
	}
	return true;
}

static bool
blank_or_comment(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
		i++;
	return i == len || buf[i] == '#';
}

int
batch_parse_line(const char *buf, size_t len, int lineno,
    const struct batch_defaults *d, struct batch_job *j, char **cause)
{
	struct submit_args la = *d->args;
	json_t *o, *meta = NULL;
	json_error_t jerr;
	bool ok;

	memset(j, 0, sizeof(*j));
	j->line = lineno;
	if (blank_or_comment(buf, len))
		return 0;
	if (memchr(buf, '\0', len) != NULL) {
		*cause = xstrdup("a NUL byte in the line");
		return -1;
	}
	if ((o = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL |
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		*cause = xasprintf("bad JSON: column %d: %s", jerr.column,
		    jerr.text);
		return -1;
	}
	/* The line's own lists start empty: they replace the defaults. */
	la.tags = la.meta = la.env_sets = NULL;
	la.after = NULL;
	la.nafter = 0;
	la.when = NULL;
	ok = json_is_object(o);
	if (!ok)
		*cause = xstrdup("not a JSON object");
	ok = ok && apply_fields(o, lineno, &la, j, &meta, cause) &&
	    job_kind(o, d, j, cause);
	if (ok && strlen(j->payload) > PAYLOAD_MAX) {
		*cause = xasprintf("payload is larger than %d MiB, the limit",
		    PAYLOAD_MAX / (1024 * 1024));
		ok = false;
	}
	if (ok) {
		bool exec = strcmp(j->type, "exec") == 0;

		j->spec.type = j->type;
		j->spec.queue = la.spec.queue;
		j->spec.priority = la.spec.priority;
		j->spec.payload = j->payload;
		j->spec.payload_len = strlen(j->payload);
		j->spec.timeout_ms = submit_timeout(&la, exec);
		j->spec.run_at = la.spec.run_at;
		j->spec.max_retries = la.spec.max_retries;
		j->spec.retry_delay_ms = la.spec.retry_delay_ms;
		j->spec.key = la.spec.key;
		if (la.tags != NULL)
			j->spec.tags = j->tags = json_dumps(la.tags,
			    JSON_COMPACT);
		else
			j->spec.tags = d->tags;
		if (meta != NULL)
			j->spec.meta = j->meta = json_dumps(meta,
			    JSON_COMPACT);
		else
			j->spec.meta = d->meta;
		if (j->after == NULL && d->args->nafter > 0) {
			j->after = xcalloc(d->args->nafter, sizeof(int64_t));
			memcpy(j->after, d->args->after, d->args->nafter *
			    sizeof(int64_t));
			j->nafter = d->args->nafter;
		}
	}
	json_decref(la.tags);
	json_decref(o);
	if (!ok) {
		batch_job_free(j);
		return -1;
	}
	return 1;
}
