/* src/util/fmt.h - the printf formats most of mailsec's text uses, without printf's machinery */
#ifndef MS_UTIL_FMT_H
#define MS_UTIL_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * fmt_simple_len - the length vsnprintf(NULL, 0, fmt, ap) gives when fmt
 * holds no conversion but %s, %d, %u, %zu and %%, else -1: the caller then
 * formats with vsnprintf.  A NULL %s is "(null)", as glibc prints it.  ap
 * is read through a copy: the caller's is unchanged.
 */
long fmt_simple_len(const char *fmt, va_list ap);

/*
 * fmt_simple_write - the text fmt_simple_len measured and a NUL into out
 * (the caller's, at least that length + 1 bytes); ap read through a copy
 */
void fmt_simple_write(char *out, const char *fmt, va_list ap);

#endif
