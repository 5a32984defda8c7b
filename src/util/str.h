/* src/util/str.h - small string helpers with explicit bounds */
#ifndef MS_UTIL_STR_H
#define MS_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* str_casecmp - ASCII-only case-insensitive compare (locale independent) */
int str_casecmp(const char *a, const char *b);
int str_ncasecmp(const char *a, const char *b, size_t n);
bool str_caseeq(const char *a, const char *b);
bool str_has_prefix_case(const char *s, const char *prefix);
bool str_has_suffix_case(const char *s, const char *suffix);
/* str_lower - lower-case ASCII letters in place; returns s */
char *str_lower(char *s);
/* str_trim - strip leading and trailing ASCII white space in place */
char *str_trim(char *s);
/*
 * str_to_u64 - parse a decimal number that must fill [s, s+len) entirely and
 * be at most max.  No sign, no white space, no leading '+'.
 */
enum ms_status str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* str_split - split s at sep into a NULL-terminated vector; caller frees with strv_free */
char **str_split(const char *s, char sep, size_t *count);
void strv_free(char **v);
/*
 * str_printable - copy of n bytes of s with control and non-ASCII bytes shown
 * as \xHH, for evidence and messages about hostile data.  Caller frees.
 */
char *str_printable(const char *s, size_t n);

#endif
