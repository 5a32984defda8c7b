/* src/util/tryalloc.c - allocation that may fail, and the test-build fault injector behind it */
#include "util/tryalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef MS_ALLOC_FAIL
/*
 * Test builds only (-Dalloc_fail=true): which fallible allocation of this
 * thread fails.  Thread-local, so parallel parsers in one test program do
 * not disturb each other's count; absent from production builds.
 */
struct allocfail_state {
	unsigned long count;	/* fallible allocations since the last arm */
	unsigned long fail_at;	/* the one that fails (0: none) */
	bool persistent;	/* and every one after it */
	bool fired;		/* it has failed */
};
static _Thread_local struct allocfail_state allocfail;
#endif

/* ms_alloc_fail_point - true when the injector fails this allocation (test builds) */
bool
ms_alloc_fail_point(void)
{
#ifdef MS_ALLOC_FAIL
	allocfail.count++;
	if (allocfail.fail_at != 0 && (allocfail.count == allocfail.fail_at ||
	    (allocfail.persistent && allocfail.count > allocfail.fail_at))) {
		allocfail.fired = true;
		return true;
	}
#endif
	return false;
}

/* ms_allocfail_available - whether this build has the fault injector */
bool
ms_allocfail_available(void)
{
#ifdef MS_ALLOC_FAIL
	return true;
#else
	return false;
#endif
}

/* ms_allocfail_arm - fail the n-th fallible allocation from now (and later ones if persistent; 0: none) */
void
ms_allocfail_arm(unsigned long n, bool persistent)
{
#ifdef MS_ALLOC_FAIL
	allocfail.count = 0;
	allocfail.fail_at = n;
	allocfail.persistent = persistent;
	allocfail.fired = false;
#else
	(void)n;
	(void)persistent;
#endif
}

/* ms_allocfail_count - fallible allocations made by this thread since the last arm */
unsigned long
ms_allocfail_count(void)
{
#ifdef MS_ALLOC_FAIL
	return allocfail.count;
#else
	return 0;
#endif
}

/* ms_allocfail_fired - whether the armed allocation has failed */
bool
ms_allocfail_fired(void)
{
#ifdef MS_ALLOC_FAIL
	return allocfail.fired;
#else
	return false;
#endif
}

/* ms_try_malloc - n bytes (at least 1), or NULL; the caller frees */
void *
ms_try_malloc(size_t n)
{
	if (ms_alloc_fail_point())
		return NULL;
	return malloc(n ? n : 1);
}

/* ms_try_calloc - count zeroed elements of size bytes, or NULL; the caller frees */
void *
ms_try_calloc(size_t count, size_t size)
{
	if (ms_alloc_fail_point())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

/* ms_try_realloc - p resized to n bytes, or NULL leaving p as it was (still the caller's) */
void *
ms_try_realloc(void *p, size_t n)
{
	if (ms_alloc_fail_point())
		return NULL;
	return realloc(p, n ? n : 1);
}

/* ms_try_reallocarray - ms_try_realloc for count * size bytes, NULL on overflow too */
void *
ms_try_reallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	return ms_try_realloc(p, count * size);
}

/* ms_try_strdup - a copy of s, or NULL; the caller frees */
char *
ms_try_strdup(const char *s)
{
	return ms_try_memdup(s, strlen(s) + 1);
}

/* ms_try_strndup - the first n bytes of s (or fewer, up to its NUL) as a new string, or NULL */
char *
ms_try_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = ms_try_malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* ms_try_memdup - a copy of n bytes, or NULL; the caller frees */
char *
ms_try_memdup(const void *p, size_t n)
{
	char *d = ms_try_malloc(n);

	if (d != NULL && n)
		memcpy(d, p, n);
	return d;
}

/* ms_try_vasprintf - a formatted new string, or NULL; the caller frees */
char *
ms_try_vasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *s;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	if ((s = ms_try_malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* ms_try_asprintf - a formatted new string, or NULL; the caller frees */
char *
ms_try_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = ms_try_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}
