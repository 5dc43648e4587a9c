/* fuzz_name.c: valid_name accepts exactly [A-Za-z0-9][A-Za-z0-9_.-]* of
 * at most 64 bytes: never a path, never "." or "..", never an option. */
#include <regex.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

static regex_t grammar;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	/* The C locale: ranges are ASCII. */
	if (regcomp(&grammar, "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
	    REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	bool ok = valid_name(s);
	bool want = regexec(&grammar, s, 0, NULL, 0) == 0;

	FUZZ_CHECK(ok == want, "'%s': valid_name says %s", s, ok ? "yes" :
	    "no");
	if (ok)
		FUZZ_CHECK(strchr(s, '/') == NULL && s[0] != '.' &&
		    s[0] != '-' && strlen(s) <= NAME_MAX_LEN, "'%s'", s);
	free(s);
	return 0;
}
