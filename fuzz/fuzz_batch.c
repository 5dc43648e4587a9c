/* fuzz_batch.c: batch_parse_line, the parser of submit --batch lines.
 * Whatever the bytes, it skips, fails with a reason, or gives a job that
 * the store may take: a type that is a name (or exec with an argv), a
 * payload that is JSON, values within the options' bounds, and "$N"
 * references only to earlier lines. */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "fuzz.h"
#include "submitargs.h"
#include "util.h"

static struct submit_args args;
static struct batch_defaults defaults;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	submit_args_init(&args);
	defaults.args = &args;
	defaults.cwd = "/fuzz";
	defaults.env = "{\"PATH\":\"/bin\"}";
	return 0;
}

static bool
is_json(const char *s, size_t len)
{
	json_t *v = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL);

	json_decref(v);
	return v != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int lineno = 5;
	struct batch_job j;
	char *cause = NULL;
	int r;

	r = batch_parse_line((const char *)data, size, lineno, &defaults, &j,
	    &cause);
	FUZZ_CHECK(r >= -1 && r <= 1, "result %d", r);
	if (r < 0) {
		FUZZ_CHECK(cause != NULL && cause[0] != '\0', "no reason");
		free(cause);
		return 0;
	}
	if (r == 0)
		return 0;
	FUZZ_CHECK(memchr(data, '\0', size) == NULL, "a NUL byte accepted");
	FUZZ_CHECK(strcmp(j.spec.type, "exec") == 0 ||
	    valid_name(j.spec.type), "type '%s'", j.spec.type);
	FUZZ_CHECK(valid_name(j.spec.queue), "queue '%s'", j.spec.queue);
	FUZZ_CHECK(j.spec.priority >= 0 && j.spec.priority <= 99,
	    "priority %d", j.spec.priority);
	FUZZ_CHECK(j.spec.timeout_ms >= 0, "timeout %lld",
	    (long long)j.spec.timeout_ms);
	FUZZ_CHECK(j.spec.max_retries >= 0 && j.spec.max_retries <= 1000,
	    "retries %d", j.spec.max_retries);
	FUZZ_CHECK(j.spec.payload_len == strlen(j.spec.payload) &&
	    is_json(j.spec.payload, j.spec.payload_len), "payload '%s'",
	    j.spec.payload);
	if (strcmp(j.spec.type, "exec") == 0) {
		json_t *p = json_loads(j.spec.payload, 0, NULL);

		FUZZ_CHECK(p != NULL && json_array_size(json_object_get(p,
		    "argv")) > 0 && json_string_value(json_object_get(p,
		    "cwd"))[0] == '/', "exec payload '%s'", j.spec.payload);
		json_decref(p);
		FUZZ_CHECK(j.spec.env != NULL, "exec without env");
	}
	for (size_t i = 0; i < j.nafter; i++)
		FUZZ_CHECK(j.after[i] > 0 || (j.after[i] < 0 &&
		    -j.after[i] < lineno), "after %lld",
		    (long long)j.after[i]);
	batch_job_free(&j);
	return 0;
}
