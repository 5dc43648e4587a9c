/* fuzz_id.c: parse_id accepts exactly [1-9][0-9]* up to INT64_MAX, and
 * the value it gives prints back as the same digits. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static bool
reference(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] < '1' || s[0] > '9')
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	/* Same length as INT64_MAX: digit strings compare as numbers. */
	return n < 19 || (n == 19 && strcmp(s, "9223372036854775807") <= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), back[32];
	int64_t id = -1;
	bool ok = parse_id(s, &id), want = reference(s);

	FUZZ_CHECK(ok == want, "'%s': parse_id says %s", s, ok ? "yes" : "no");
	if (ok) {
		snprintf(back, sizeof(back), "%lld", (long long)id);
		FUZZ_CHECK(id >= 1 && strcmp(back, s) == 0, "'%s' gave %s", s,
		    back);
	}
	free(s);
	return 0;
}
