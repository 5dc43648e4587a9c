/* submitargs.c: submit's option parsers, for the command line and for
 * batch lines alike. */
#include <stdlib.h>
#include <string.h>

#include "submitargs.h"
#include "timefmt.h"
#include "util.h"

void
submit_args_init(struct submit_args *a)
{
	memset(a, 0, sizeof(*a));
	a->spec.queue = "default";
	a->spec.priority = PRIORITY_DEFAULT;
	a->spec.timeout_ms = DEFAULT_TIMEOUT_MS;
	a->spec.retry_delay_ms = RETRY_DELAY_DEFAULT_MS;
}

void
submit_args_free(struct submit_args *a)
{
	free(a->after);
	json_decref(a->tags);
	json_decref(a->meta);
	json_decref(a->env_sets);
	a->after = NULL;
	a->tags = a->meta = a->env_sets = NULL;
}

/* --tag T: once each, in the order given. */
static bool
add_tag(struct submit_args *a, const char *arg, char **cause)
{
	size_t i;
	json_t *v;

	if ((*cause = name_error("tag", arg)) != NULL)
		return false;
	if (a->tags == NULL)
		a->tags = json_array();
	json_array_foreach(a->tags, i, v)
		if (strcmp(json_string_value(v), arg) == 0)
			return true;
	json_array_append_new(a->tags, json_string(arg));
	return true;
}

static bool
utf8_text(const char *s)
{
	json_t *v = json_string(s);

	json_decref(v);
	return v != NULL;
}

/* NAME=VALUE into obj (made if NULL); what names the option in errors.
 * A later value of a key replaces an earlier one. */
static bool
add_pair(json_t **obj, const char *what, const char *arg, bool env,
    char **cause)
{
	const char *eq = strchr(arg, '=');
	char *key;
	json_t *v;

	if (eq == NULL) {
		*cause = xasprintf("bad %s '%s': use %s", what, arg,
		    env ? "NAME=VALUE" : "KEY=VALUE");
		return false;
	}
	key = xstrdup(arg);
	key[eq - arg] = '\0';
	if (env ? key[0] == '\0' : !valid_name(key)) {
		*cause = env ? xasprintf("bad %s '%s': the name before '=' is "
		    "empty", what, arg) : xasprintf("bad %s key '%s': use "
		    "letters, digits and _.- (at most %d bytes)", what, key,
		    NAME_MAX_LEN);
		free(key);
		return false;
	}
	if ((v = json_string(eq + 1)) == NULL || !utf8_text(key)) {
		json_decref(v);
		*cause = xasprintf("bad %s for '%s': not UTF-8 text", what,
		    key);
		free(key);
		return false;
	}
	if (*obj == NULL)
		*obj = json_object();
	json_object_set_new(*obj, key, v);
	free(key);
	return true;
}

/* --after ID[,ID...], added to those before. */
static bool
add_after(struct submit_args *a, const char *arg, char **cause)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	int64_t id;
	bool ok = arg[0] != '\0' && arg[strlen(arg) - 1] != ',' &&
	    arg[0] != ',' && strstr(arg, ",,") == NULL;

	for (tok = strtok_r(copy, ",", &save); tok != NULL && ok;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!parse_id(tok, &id)) {
			ok = false;
			break;
		}
		a->after = xrealloc(a->after, (a->nafter + 1) *
		    sizeof(*a->after));
		a->after[a->nafter++] = id;
	}
	free(copy);
	if (!ok)
		*cause = xasprintf("bad --after '%s': use job ids separated "
		    "by ','", arg);
	return ok;
}

/* --delay and --at both say when: one of them, once. */
static bool
set_when(struct submit_args *a, const char *opt, int64_t run_at,
    char **cause)
{
	if (a->when != NULL) {
		*cause = xasprintf("%s: the job's time is already set by %s; "
		    "give one --delay or --at", opt, a->when);
		return false;
	}
	a->when = opt;
	a->spec.run_at = run_at;
	return true;
}

bool
submit_check_type(const char *type, char **cause)
{
	if ((*cause = name_error("type", type)) != NULL)
		return false;
	if (strcmp(type, "exec") == 0) {
		*cause = xstrdup("type 'exec' is reserved: submit a command "
		    "with 'jobq submit -- COMMAND [ARG]...'");
		return false;
	}
	return true;
}

int64_t
submit_timeout(const struct submit_args *a, bool exec)
{
	if (a->timeout_set)
		return a->spec.timeout_ms;
	return exec ? 0 : DEFAULT_TIMEOUT_MS;
}

static bool
set_number(const char *arg, long long min, long long max, const char *what,
    long long *out, char **cause)
{
	if (parse_int(arg, min, max, out))
		return true;
	*cause = xasprintf("bad %s '%s': use a number from %lld to %lld",
	    what, arg, min, max);
	return false;
}

bool
submit_set(struct submit_args *a, int id, const char *arg, char **cause)
{
	long long n;
	int64_t ms;

	switch (id) {
	case 'q':
		if ((*cause = name_error("queue name", arg)) != NULL)
			return false;
		a->spec.queue = arg;
		return true;
	case 'p':
		if (!parse_priority(arg, &a->spec.priority)) {
			*cause = xasprintf("bad priority '%s': use critical, "
			    "high, normal, low or 0-99", arg);
			return false;
		}
		return true;
	case 't':
		/* "none" reads better than 0 where a timeout is meant. */
		if (strcmp(arg, "none") == 0)
			a->spec.timeout_ms = 0;
		else if (!parse_duration(arg, &a->spec.timeout_ms)) {
			*cause = xasprintf("bad timeout '%s': use %s, or 0 or "
			    "none for none", arg, DURATION_FORMS);
			return false;
		}
		a->timeout_set = true;
		return true;
	case OPT_RETRIES:
		if (!set_number(arg, 0, RETRIES_MAX, "retries", &n, cause))
			return false;
		a->spec.max_retries = (int)n;
		return true;
	case OPT_DELAY:
		if (!parse_duration(arg, &ms)) {
			*cause = xasprintf("bad delay '%s': use %s", arg,
			    DURATION_FORMS);
			return false;
		}
		return set_when(a, "--delay", now_ms() + ms, cause);
	case OPT_AT:
		if (!parse_time(arg, now_ms(), &ms)) {
			*cause = xasprintf("bad time '%s': use %s", arg,
			    TIME_FORMS);
			return false;
		}
		/* A time already past means now; 0 would too. */
		return set_when(a, "--at", ms > 0 ? ms : 1, cause);
	case OPT_AFTER:
		return add_after(a, arg, cause);
	case OPT_TAG:
		return add_tag(a, arg, cause);
	case OPT_META:
		return add_pair(&a->meta, "--meta", arg, false, cause);
	case OPT_ENV:
		return add_pair(&a->env_sets, "--env", arg, true, cause);
	case OPT_CLEAN_ENV:
		a->clean_env = true;
		return true;
	case OPT_KEY:
		if (arg[0] == '\0' || strlen(arg) > KEY_MAX_LEN) {
			*cause = xasprintf("bad key '%s': use 1 to %d bytes",
			    arg, KEY_MAX_LEN);
			return false;
		}
		a->spec.key = arg;
		return true;
	case OPT_RETRY_DELAY:
		if (!parse_duration(arg, &a->spec.retry_delay_ms) ||
		    a->spec.retry_delay_ms > RETRY_DELAY_MAX_MS) {
			*cause = xasprintf("bad retry delay '%s': use %s, at "
			    "most 1h, or 0 for none", arg, DURATION_FORMS);
			return false;
		}
		return true;
	}
	*cause = xasprintf("unknown option %d", id);
	return false;
}
