/* fuzz.c: helpers shared by the fuzz targets (see fuzz.h). */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

FILE *fuzz_err;
jmp_buf fuzz_exit_jmp;
int fuzz_exit_armed;
int fuzz_exit_status;

void
fuzz_quiet(void)
{
	int fd;

	if (fuzz_err != NULL)
		return;
	/* libFuzzer and the sanitizers keep writing to descriptor 2 (a
	 * copy is kept for our findings); jobq's stdio goes nowhere. */
	if ((fd = dup(STDERR_FILENO)) < 0 ||
	    (fuzz_err = fdopen(fd, "w")) == NULL)
		fuzz_err = stderr;
	setvbuf(fuzz_err, NULL, _IONBF, 0);
	stdout = fopen("/dev/null", "we");
	stderr = stdout;
	if (stdout == NULL)
		abort();
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzz_exit(int status)
{
	if (!fuzz_exit_armed) {
		fprintf(fuzz_err != NULL ? fuzz_err : stderr,
		    "exit(%d) outside a fuzzed call\n", status);
		abort();
	}
	fuzz_exit_armed = 0;
	fuzz_exit_status = status;
	longjmp(fuzz_exit_jmp, 1);
}

/* What jobq's sources call for fclose(): stdout stays open (flushed,
 * as the close would), so a command's output check can run again on the
 * next input. */
int
fuzz_fclose(FILE *f)
{
	if (f == stdout)
		return fflush(f);
	return fclose(f);
}
