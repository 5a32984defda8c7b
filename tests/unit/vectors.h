/* tests/unit/vectors.h - reading the third-party vector files of $MAILSEC_TESTDATA in unit tests */
#ifndef TESTS_UNIT_VECTORS_H
#define TESTS_UNIT_VECTORS_H

#include <stddef.h>
#include <stdio.h>

/* vec_path - REL under $MAILSEC_TESTDATA (malloc'd, the caller frees), or NULL when it is unset */
char *vec_path(const char *rel);

/* vec_open - the vector file REL opened for reading (the caller fcloses), or NULL when absent (the caller skips) */
FILE *vec_open(const char *rel);

/* vec_unescape - the C escapes of a TSV cell (\t \n \r \\ \xNN) undone in place; returns the new length */
size_t vec_unescape(char *s);

/* vec_split_tabs - LINE cut in place at TABs (its newline dropped) into at most MAX columns; returns their number */
size_t vec_split_tabs(char *line, char **cols, size_t max);

#endif
