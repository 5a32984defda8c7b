/* src/util/str.h - small string helpers with explicit bounds */
#ifndef MS_UTIL_STR_H
#define MS_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* str_nz - s, or "" for NULL (a NULL column or field read as empty text; s borrowed) */
static inline const char *
str_nz(const char *s)
{
	return s ? s : "";
}

/* str_casecmp - ASCII-only case-insensitive compare (locale independent; a, b borrowed) */
int str_casecmp(const char *a, const char *b);
/* str_ncasecmp - str_casecmp of at most n bytes (a, b borrowed) */
int str_ncasecmp(const char *a, const char *b, size_t n);
/* str_caseeq - str_casecmp(a, b) == 0 (borrowed) */
bool str_caseeq(const char *a, const char *b);
/* str_has_prefix_case - s starts with prefix, ASCII case-insensitive (borrowed) */
bool str_has_prefix_case(const char *s, const char *prefix);
/* str_has_suffix_case - s ends with suffix, ASCII case-insensitive (borrowed) */
bool str_has_suffix_case(const char *s, const char *suffix);
/* str_lower - lower-case ASCII letters in place; returns s */
char *str_lower(char *s);
/*
 * str_lower_copy - the n bytes at src (borrowed) lower-cased (ASCII letters)
 * into dst and a NUL after them (the caller's, n + 1 bytes); returns dst
 */
char *str_lower_copy(char *dst, const char *src, size_t n);
/* str_trim - strip leading and trailing ASCII white space in place */
char *str_trim(char *s);
/*
 * str_to_u64 - parse a decimal number that must fill [s, s+len) entirely and
 * be at most max.  No sign, no white space, no leading '+'.  s is borrowed,
 * *out the caller's (set only on MS_OK).
 */
MS_MUST_CHECK enum ms_status str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* str_split - split s at sep into a NULL-terminated vector; caller frees with strv_free */
char **str_split(const char *s, char sep, size_t *count);
/* strv_free - free v and its strings; NULL-safe */
void strv_free(char **v);
/*
 * str_printable - copy of n bytes of s with control and non-ASCII bytes shown
 * as \xHH, for evidence and messages about hostile data.  Caller frees.
 */
char *str_printable(const char *s, size_t n);

/*
 * str_edit_distance - Damerau-Levenshtein distance (insertions, deletions,
 * substitutions, adjacent transpositions), ASCII case-insensitive, for short
 * words: either longer than 15 bytes gives 99.  Pure, no allocation; a and
 * b are borrowed.
 */
int str_edit_distance(const char *a, size_t la, const char *b, size_t lb);

/*
 * str_nearest - the one word of the NULL-terminated list closest to w (n
 * bytes) for a "did you mean" hint: within 1 edit for words of up to 5
 * bytes, 2 up to 7, half the length beyond; NULL when none is that close,
 * when w is itself in the list, or when two are equally close.  Returns a
 * pointer into the list (borrowed).
 */
const char *str_nearest(const char *w, size_t n, const char *const *words);

/*
 * str_fix_tag_list - a tag=value list as it was meant when it was pasted from
 * a document or written by hand (DMARC, DKIM): typographic quotes (U+2018,
 * U+2019, U+201C, U+201D) and straight quotes around the whole are removed;
 * a ',' followed by one of tags (NULL-terminated, case-insensitive) and '='
 * or '-' becomes "; "; "tag-value" where a tag is expected becomes
 * "tag=value"; white space around the whole is trimmed.  *what (may be NULL)
 * gets STR_FIX_QUOTES and/or STR_FIX_SEPARATORS for what was changed.  Pure;
 * s is n bytes (at most 4096, else NULL); caller frees the result.
 */
#define STR_FIX_QUOTES		1
#define STR_FIX_SEPARATORS	2
char *str_fix_tag_list(const char *s, size_t n, const char *const *tags, int *what);

#endif
