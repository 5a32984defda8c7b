/* src/util/tryalloc.h - allocation that may fail, and the test-build fault injector behind it */
#ifndef MS_UTIL_TRYALLOC_H
#define MS_UTIL_TRYALLOC_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/*
 * The pure parsers (SPF record and macro, DMARC record, DKIM signature and
 * tag list, zone files, ...) allocate through these instead of xmalloc():
 * running out of memory while reading a stranger's bytes is reported as
 * MS_ERR_NOMEM ("out of memory") and the caller decides, where xmalloc()
 * aborts the process (which stays right for the rest of the program).
 *
 * Each returns NULL on failure and sets nothing else; ms_try_realloc()
 * leaves p allocated and unchanged when it fails.  Sizes are checked for
 * multiplication overflow.  Every result is freed by the caller with free().
 *
 * Every call is one "allocation point" for the fault injector below
 * (arena_try_alloc() and each growth in buf_try_append() and the like count too).
 */

/* ms_try_malloc - n bytes (at least 1), or NULL; caller frees */
void *ms_try_malloc(size_t n);
/* ms_try_calloc - count zeroed elements of size bytes, or NULL; caller frees */
void *ms_try_calloc(size_t count, size_t size);
/* ms_try_realloc - p resized to n bytes, or NULL leaving p as it was (still the caller's) */
void *ms_try_realloc(void *p, size_t n);
/*
 * ms_try_reallocarray - ms_try_realloc of count * size bytes (NULL on
 * overflow too, p kept); caller frees
 */
void *ms_try_reallocarray(void *p, size_t count, size_t size);
/* ms_try_strdup - a copy of the string s (borrowed), or NULL; caller frees */
char *ms_try_strdup(const char *s);
/* ms_try_strndup - a copy of the first n bytes of s (fewer up to its NUL), or NULL; caller frees */
char *ms_try_strndup(const char *s, size_t n);
/* ms_try_memdup - a copy of n bytes of p (borrowed), or NULL; caller frees */
char *ms_try_memdup(const void *p, size_t n);
/* ms_try_asprintf - a formatted string, or NULL; caller frees */
char *ms_try_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ms_try_vasprintf - a formatted string from a va_list, or NULL; caller frees */
char *ms_try_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * ms_alloc_fail_point - called once by every fallible allocation before it
 * allocates: true means "fail this one".  Always false unless the build was
 * configured with -Dalloc_fail=true (meson option; it defines MS_ALLOC_FAIL).
 */
bool ms_alloc_fail_point(void);

/*
 * The fault injector (as SQLite's and curl's test builds): after
 * ms_allocfail_arm(n, false), the n-th fallible allocation made by this
 * thread fails, once; after ms_allocfail_arm(n, true) it and every later one
 * fail (SQLite's "persistent" mode); n = 0: none fails.  ms_allocfail_count() says how many
 * fallible allocations this thread made since the last arm, and
 * ms_allocfail_fired() whether the armed one has failed.  The state is
 * thread-local and exists only in -Dalloc_fail=true builds: elsewhere
 * ms_allocfail_available() is false, arming does nothing and the count is 0.
 */

/* ms_allocfail_available - whether this build has the fault injector */
bool ms_allocfail_available(void);
/* ms_allocfail_arm - fail the n-th fallible allocation from now (and every later one if persistent) */
void ms_allocfail_arm(unsigned long n, bool persistent);
/* ms_allocfail_count - fallible allocations this thread made since the last arm */
unsigned long ms_allocfail_count(void);
/* ms_allocfail_fired - whether the armed allocation has failed */
bool ms_allocfail_fired(void);

#endif
