/* src/util/xalloc.c - allocation wrappers that treat memory exhaustion as fatal */
#include "util/xalloc.h"
#include "util/fmt.h"
#include "util/status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* oom - report exhaustion and abort */
static void
oom(size_t n)
{
	fprintf(stderr, "mailsec: out of memory (%zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		oom(count * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

void *
xreallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, count * size);
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *
xmemdup(const void *p, size_t n)
{
	char *d = xmalloc(n);

	if (n)
		memcpy(d, p, n);
	return d;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	long len;
	char *s, tmp[512];

	/* Plain strings and integers (most formats) copied, not formatted (util/fmt.h). */
	if ((len = fmt_simple_len(fmt, ap)) >= 0) {
		s = xmalloc((size_t)len + 1);
		fmt_simple_write(s, fmt, ap);
		return s;
	}
	/* Formatted once into tmp; a second time only when longer (most text is short). */
	va_copy(cp, ap);
	n = vsnprintf(tmp, sizeof(tmp), fmt, cp);
	va_end(cp);
	if (n < 0)
		oom(0);
	s = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof(tmp))
		memcpy(s, tmp, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, fmt, ap);
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

/* xnomem - st unchanged, except MS_ERR_NOMEM, which aborts as xmalloc() does */
enum ms_status
xnomem(enum ms_status st)
{
	if (st == MS_ERR_NOMEM)
		oom(0);
	return st;
}

/* ms_status_str - name of a status code, for messages */
const char *
ms_status_str(enum ms_status st)
{
	switch (st) {
	case MS_OK: return "ok";
	case MS_ERR_NOMEM: return "out of memory";
	case MS_ERR_SYNTAX: return "syntax error";
	case MS_ERR_LIMIT: return "limit exceeded";
	case MS_ERR_IO: return "I/O error";
	case MS_ERR_ARG: return "invalid argument";
	case MS_ERR_NOTFOUND: return "not found";
	case MS_ERR_INTERNAL: return "internal error";
	}
	return "unknown status";
}
