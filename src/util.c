/* util.c: small parsers and I/O helpers shared by the commands. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <time.h>
#include <unistd.h>

#include "jobq.h"
#include "escape.h"
#include "util.h"

/* The running command's name, set by main() once it knows it. */
static const char *progname;

void
util_set_progname(const char *name)
{
	progname = name;
}

static void
vcmd_warn(bool with_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	fprintf(stderr, "jobq: ");
	if (progname != NULL)
		fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
}

void
cmd_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcmd_warn(false, fmt, ap);
	va_end(ap);
}

void
cmd_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcmd_warn(true, fmt, ap);
	va_end(ap);
}

static void *
oom(void *p)
{
	if (p == NULL)
		errx(EXIT_SOFTWARE, "out of memory");
	return p;
}

void *
xmalloc(size_t n)
{
	return oom(malloc(n ? n : 1));
}

void *
xcalloc(size_t n, size_t m)
{
	return oom(calloc(n ? n : 1, m ? m : 1));
}

void *
xrealloc(void *p, size_t n)
{
	return oom(realloc(p, n ? n : 1));
}

char *
xstrdup(const char *s)
{
	return oom(strdup(s));
}

void
free_strv(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		errx(EXIT_SOFTWARE, "out of memory");
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

bool
parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll accepts leading blanks and signs; a user's number is
	 * digits, with a '-' only where negatives make sense ("-0" is no
	 * priority). */
	if (*s == '\0' || !((*s == '-' && min < 0) ||
	    (*s >= '0' && *s <= '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
parse_id(const char *s, int64_t *id)
{
	long long v;

	/* No leading zero: in a shell 010 may mean 8. */
	if (*s == '0' || !parse_int(s, 1, INT64_MAX, &v))
		return false;
	*id = v;
	return true;
}

bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

char *
name_error(const char *what, const char *s)
{
	if (valid_name(s))
		return NULL;
	return xasprintf("bad %s '%s': use letters, digits and _.- (at most "
	    "%d bytes, starting with a letter or digit)", what, s,
	    NAME_MAX_LEN);
}

bool
check_name(const char *what, const char *s)
{
	char *e = name_error(what, s);

	if (e == NULL)
		return true;
	cmd_warnx_esc(e);
	return false;
}

void
cmd_warnx_esc(char *cause)
{
	char *e = esc_text(cause);

	cmd_warnx("%s", e);
	free(e);
	free(cause);
}

bool
parse_priority(const char *s, int *prio)
{
	static const struct { const char *name; int value; } names[] = {
		{ "critical", 0 }, { "high", 10 }, { "normal", 20 },
		{ "low", 30 },
	};
	long long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*prio = names[i].value;
			return true;
		}
	}
	if (!parse_int(s, 0, 99, &v))
		return false;
	*prio = (int)v;
	return true;
}

int
read_all(int fd, char **bufp, size_t *lenp)
{
	return read_max(fd, SIZE_MAX / 2, bufp, lenp);
}

int
read_max(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t cap = 8192, len = 0;
	char *buf = xmalloc(cap);
	ssize_t n;

	for (;;) {
		if (cap - len < 4096) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		/* One byte past max tells a payload at the limit from one
		 * over it. */
		n = read(fd, buf + len, MIN(cap - len - 1, max + 1 - len));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			errno = EFBIG;
			return -1;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int64_t
clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t
mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}
