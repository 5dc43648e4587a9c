/* jobjson.c: the JSON form of a job.  jansson builds the object, so the
 * escaping is right by construction; only the payload, which jansson
 * would re-encode (0.1 as 0.10000000000000001), is spliced in as the
 * bytes that were submitted. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escape.h"
#include "jobjson.h"
#include "supervise.h"
#include "timefmt.h"
#include "util.h"

static json_t *
time_or_null(int64_t ms)
{
	char buf[TIMEBUF];

	if (ms <= 0)
		return json_null();
	format_rfc3339(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
string_or_null(const char *s)
{
	json_t *v;

	if (s == NULL)
		return json_null();
	/* json_string refuses bytes that are not UTF-8; show each of them
	 * as the replacement character rather than drop the key, and keep
	 * the rest of the text as it is. */
	if ((v = json_string(s)) != NULL)
		return v;
	size_t len = strlen(s), n;
	char *copy = xmalloc(len * 3 + 1), *o = copy;
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i += n) {
		if ((n = utf8_len(p + i, len - i)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			n = 1;
		} else {
			memcpy(o, p + i, n);
			o += n;
		}
	}
	*o = '\0';
	v = json_string(copy);
	free(copy);
	return v != NULL ? v : json_null();
}

static json_t *
int_or_null(int64_t v, bool present)
{
	return present ? json_integer(v) : json_null();
}

static json_t *
signal_or_null(int sig)
{
	char buf[32];

	if (sig <= 0)
		return json_null();
	return json_string(signal_name(sig, buf, sizeof(buf)));
}

static json_t *
seconds_or_null(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	if (ms % 1000 == 0)
		return json_integer(ms / 1000);
	return json_real((double)ms / 1000.0);
}

static json_t *
progress_json(const struct job *j)
{
	double percent = j->progress_percent;

	if (!j->has_progress)
		return json_null();
	if (percent < 0 && j->progress_total > 0)
		percent = 100.0 * (double)j->progress_done /
		    (double)j->progress_total;
	return json_pack("{s:o, s:o, s:o, s:o}",
	    "percent", percent >= 0 ? json_real(percent) : json_null(),
	    "done", int_or_null(j->progress_done, j->progress_total > 0),
	    "total", int_or_null(j->progress_total, j->progress_total > 0),
	    "message", string_or_null(j->progress_message));
}

static json_t *
attempts_json(const struct attempt *a, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack(
		    "{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "attempt", a[i].attempt,
		    "worker", string_or_null(a[i].worker),
		    "started_at", time_or_null(a[i].started_at),
		    "finished_at", time_or_null(a[i].finished_at),
		    "outcome", string_or_null(a[i].outcome),
		    "exit_code", int_or_null(a[i].exit_code,
		    a[i].exit_code >= 0),
		    "signal", signal_or_null(a[i].signal),
		    "error", string_or_null(a[i].error)));
	return arr;
}

/* A marker no stored string can contain: the payload goes where it is. */
static const char *
payload_marker(void)
{
	static char marker[64];

	if (marker[0] == '\0')
		snprintf(marker, sizeof(marker), "\x01jobq-payload-%08x%08x",
		    arc4random(), arc4random());
	return marker;
}

/* JSON that submit built and stored; none, or unreadable, is empty. */
static json_t *
stored_json(const char *text, json_t *empty)
{
	json_t *v;

	if (text == NULL ||
	    (v = json_loads(text, JSON_DECODE_ANY, NULL)) == NULL)
		return empty;
	json_decref(empty);
	return v;
}

static json_t *
deps_json(const struct dep *d, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_integer(d[i].id));
	return arr;
}

int
print_job_json(FILE *fp, const struct job *j, const struct job_extra *x)
{
	json_t *o;
	char *text, *at, *encoded_marker, *command;
	bool ended = job_state_ended(j->state);

	o = json_object();
	json_object_set_new(o, "id", json_integer(j->id));
	json_object_set_new(o, "type", string_or_null(j->type));
	json_object_set_new(o, "queue", string_or_null(j->queue));
	json_object_set_new(o, "priority", json_integer(j->priority));
	json_object_set_new(o, "state", json_string(job_state_name(j->state)));
	json_object_set_new(o, "payload", json_string(payload_marker()));
	command = job_command_line(j);
	json_object_set_new(o, "command", string_or_null(command));
	free(command);
	json_object_set_new(o, "created_at", time_or_null(j->created_at));
	json_object_set_new(o, "run_at", time_or_null(j->run_at));
	json_object_set_new(o, "started_at", time_or_null(j->started_at));
	json_object_set_new(o, "finished_at", time_or_null(j->finished_at));
	json_object_set_new(o, "timeout_s", seconds_or_null(j->timeout_ms));
	json_object_set_new(o, "attempt", json_integer(j->attempt));
	json_object_set_new(o, "retries", json_integer(j->max_retries));
	json_object_set_new(o, "failures", json_integer(j->failures));
	json_object_set_new(o, "exit_code", int_or_null(j->exit_code,
	    j->exit_code >= 0));
	json_object_set_new(o, "signal", signal_or_null(j->signal));
	json_object_set_new(o, "error", string_or_null(j->error));
	json_object_set_new(o, "result_bytes", int_or_null(j->result_bytes,
	    ended));
	json_object_set_new(o, "result_truncated", ended ?
	    json_boolean(j->result_truncated) : json_null());
	json_object_set_new(o, "worker", string_or_null(j->worker));
	json_object_set_new(o, "progress", progress_json(j));
	json_object_set_new(o, "attempts", attempts_json(x->attempts,
	    x->nattempts));
	json_object_set_new(o, "depends_on", deps_json(x->deps, x->ndeps));
	json_object_set_new(o, "key", string_or_null(j->key));
	json_object_set_new(o, "tags", stored_json(j->tags, json_array()));
	json_object_set_new(o, "meta", stored_json(j->meta, json_object()));
	/* Only where it was read (status): list leaves it in the store. */
	if (j->env_loaded)
		json_object_set_new(o, "env", stored_json(j->env,
		    json_null()));

	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (text == NULL)
		return -1;
	json_t *marker = json_string(payload_marker());
	encoded_marker = json_dumps(marker, JSON_ENCODE_ANY |
	    JSON_ENSURE_ASCII);
	json_decref(marker);
	at = strstr(text, encoded_marker);
	fwrite(text, 1, (size_t)(at - text), fp);
	/* Line breaks can only be whitespace between JSON tokens (inside
	 * strings they are escaped): dropping them keeps one object per
	 * line and every value as submitted. */
	for (size_t i = 0; i < j->payload_len; i++)
		if (j->payload[i] != '\n' && j->payload[i] != '\r')
			fputc(j->payload[i], fp);
	fputs(at + strlen(encoded_marker), fp);
	fputc('\n', fp);
	free(encoded_marker);
	free(text);
	return ferror(fp) ? -1 : 0;
}

int
print_log_json(FILE *fp, int64_t id, const struct attempt *a, int64_t bytes,
    const char *path)
{
	json_t *o = json_pack("{s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
	    "id", (json_int_t)id, "attempt", a->attempt,
	    "started_at", time_or_null(a->started_at),
	    "finished_at", time_or_null(a->finished_at),
	    "outcome", string_or_null(a->outcome),
	    "exit_code", int_or_null(a->exit_code, a->exit_code >= 0),
	    "signal", signal_or_null(a->signal),
	    "log_bytes", (json_int_t)bytes,
	    "log", string_or_null(path));
	int rc;

	if (o == NULL)
		return -1;
	rc = json_dumpf(o, fp, JSON_COMPACT) < 0 ? -1 : 0;
	if (rc == 0)
		fputc('\n', fp);
	json_decref(o);
	return rc;
}
