/* util.h: small parsers and I/O helpers shared by the commands. */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "jobq: CMD: message" on stderr; CMD is what util_set_progname() was
 * given, left out before a command is known. */
void util_set_progname(const char *name);
void cmd_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cmd_warnx of a malloc'd reason that quotes what was given: a control
 * byte in it is shown escaped, not sent to the terminal.  Frees it. */
void cmd_warnx_esc(char *cause);
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that cannot fail: out of memory is fatal (exit 70). */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
/* Frees a NULL-terminated array of strings and each of them; NULL is
 * nothing to free. */
void free_strv(char **v);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* A job id: [1-9][0-9]*, 1..INT64_MAX, nothing else.  False if
 * malformed. */
bool parse_id(const char *s, int64_t *id);

/* A decimal integer in [min, max], nothing else: -?[0-9]+, the '-' only
 * if min is negative. */
bool parse_int(const char *s, long long min, long long max, long long *out);

/* A type or queue name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 bytes. */
#define NAME_MAX_LEN 64
bool valid_name(const char *s);
/* Why valid_name() refuses s, as "bad WHAT 'S': use ..." (malloc'd), or
 * NULL if it does not. */
char *name_error(const char *what, const char *s);
/* valid_name(), saying why not on stderr. */
bool check_name(const char *what, const char *s);

/* critical, high, normal, low or 0..99. */
bool parse_priority(const char *s, int *prio);
#define PRIORITY_DEFAULT 20

/* Reads all of fd into a malloc'd buffer (NUL-terminated for
 * convenience, the NUL not counted).  Returns -1 with errno on error. */
int read_all(int fd, char **buf, size_t *len);

/* The same, but reads at most max + 1 bytes: more than max is -1 with
 * errno EFBIG. */
int read_max(int fd, size_t max, char **buf, size_t *len);

/* Writes all of buf to fd, retrying short writes.  -1 with errno. */
int write_all(int fd, const void *buf, size_t len);

/* Milliseconds since the epoch, wall clock. */
int64_t now_ms(void);
/* Milliseconds of a monotonic clock, for deadlines. */
int64_t mono_ms(void);

#endif
