/* src/util/xalloc.h - allocation wrappers that treat memory exhaustion as fatal */
#ifndef MS_UTIL_XALLOC_H
#define MS_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "util/status.h"

/*
 * xmalloc, xcalloc, xrealloc - like Postfix's mymalloc(): running out of memory is not something a
 * command-line audit can recover from meaningfully, so these print a message
 * and abort.  Sizes are checked for multiplication overflow.  Every result is
 * freed by the caller with free().
 */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * xnomem - st unchanged, except MS_ERR_NOMEM, which aborts as xmalloc() does.
 * The pure parsers report running out of memory (util/tryalloc.h); callers
 * in the rest of the program wrap them in this to keep its one policy, so a
 * half-built result is never mistaken for a syntax error or used.
 */
MS_MUST_CHECK enum ms_status xnomem(enum ms_status st);

#endif
