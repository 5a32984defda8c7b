/* src/util/termsafe.h - the one escape for strangers' text printed to a terminal or a log */
#ifndef MS_UTIL_TERMSAFE_H
#define MS_UTIL_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Every string a stranger wrote (a report's file name or field, a DNS
 * record, a zone file's line, a stored finding) goes through this before it
 * reaches a terminal or a log line, so it can neither move the cursor, set
 * the window title (OSC), ring the bell, rewrite a line (CR), start a line
 * of its own (LF) nor reorder text (bidirectional controls).
 *
 * Shown as \xHH, byte by byte: C0 controls (0x00-0x1F, newline and tab
 * included), DEL, the C1 controls U+0080-U+009F in UTF-8 (C2 80..C2 9F),
 * the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069) and every byte that is not part of valid UTF-8 (a raw
 * 0x9B is a C1 CSI on some terminals).  Everything else, valid UTF-8
 * included, is kept as it is.
 */

/* term_safe - escaped copy of s[0..n) as above; never NULL (caller frees) */
char *term_safe(const char *s, size_t n);
/* term_safe_str - term_safe of a C string; NULL gives "" (caller frees) */
char *term_safe_str(const char *s);
/* term_write - write s[0..n) (borrowed) escaped to fp */
void term_write(FILE *fp, const char *s, size_t n);
/* term_puts - term_write of a C string (borrowed; NULL-safe: NULL writes nothing) */
void term_puts(FILE *fp, const char *s);

#endif
