/* fuzz_exec.c: what a worker makes of an exec job's payload read from
 * the database (slot.c's parse_exec, reached by including slot.c).  The
 * payload need not come from jobq submit: any bytes may be there.  It
 * must give the argv and cwd the JSON says, exactly, or refuse with an
 * error: never a shortened string, never an empty argv. */
#include <string.h>

#include "fuzz.h"

#include "../src/slot.c"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* A string without NUL, as an argument or directory must be. */
static bool
whole(const json_t *s)
{
	return json_is_string(s) && strlen(json_string_value(s)) ==
	    json_string_length(s);
}

/* Whether the JSON is an exec payload, by a separate look at it. */
static bool
reference(const json_t *root)
{
	const json_t *argv = json_object_get(root, "argv");
	const json_t *cwd = json_object_get(root, "cwd");

	if (!json_is_array(argv) || json_array_size(argv) == 0)
		return false;
	for (size_t i = 0; i < json_array_size(argv); i++)
		if (!whole(json_array_get(argv, i)))
			return false;
	return cwd == NULL || whole(cwd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job j = { 0 };
	char **argv = NULL, *cwd = NULL, *error = NULL;
	json_t *root, *a, *c;
	bool ok, want;
	size_t n = 0;

	j.type = "exec";
	j.payload = fuzz_cstr(data, size);
	j.payload_len = size;
	root = json_loadb(j.payload, size, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL);
	want = reference(root);
	ok = parse_exec(&j, &argv, &cwd, &error);
	FUZZ_CHECK(ok == want, "'%s': parse_exec says %s (%s)", j.payload,
	    ok ? "yes" : "no", error ? error : "");
	if (ok) {
		a = json_object_get(root, "argv");
		c = json_object_get(root, "cwd");
		FUZZ_CHECK(error == NULL, "'%s': error set", j.payload);
		for (n = 0; argv[n] != NULL; n++)
			FUZZ_CHECK(n < json_array_size(a) && strcmp(argv[n],
			    json_string_value(json_array_get(a, n))) == 0,
			    "'%s': argv[%zu] '%s'", j.payload, n, argv[n]);
		FUZZ_CHECK(n == json_array_size(a) && n > 0,
		    "'%s': %zu arguments", j.payload, n);
		FUZZ_CHECK(c == NULL ? cwd == NULL : cwd != NULL &&
		    strcmp(cwd, json_string_value(c)) == 0, "'%s': cwd '%s'",
		    j.payload, cwd ? cwd : "(none)");
		free_strv(argv);
		free(cwd);
	} else
		FUZZ_CHECK(error != NULL && *error != '\0', "'%s': refused "
		    "without a reason", j.payload);
	free(error);
	json_decref(root);
	free(j.payload);
	return 0;
}
