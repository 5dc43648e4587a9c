/* fuzz.h: what every libFuzzer target shares: a NUL-terminated copy of
 * the input, a property check that aborts with a message, and a way out
 * of code that calls exit(). */
#ifndef FUZZ_H
#define FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed property is a finding: libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(fuzz_err, "%s:%d: property failed: %s: ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(fuzz_err, __VA_ARGS__);				\
		fputc('\n', fuzz_err);					\
		abort();						\
	}								\
} while (0)

/* The real stderr, for findings; jobq's own messages go to /dev/null. */
extern FILE *fuzz_err;
void fuzz_quiet(void);

/* The input as a C string, cut at its first NUL as argv would be. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* main.c is built with exit() renamed to fuzz_exit(), which jumps back
 * here when fuzz_exit_armed is set (--help prints usage and exits). */
extern jmp_buf fuzz_exit_jmp;
extern int fuzz_exit_armed;
extern int fuzz_exit_status;
void fuzz_exit(int status) __attribute__((noreturn));
int fuzz_fclose(FILE *);

#endif
