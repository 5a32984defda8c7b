/* tests/unit/vectors.c - reading the third-party vector files of $MAILSEC_TESTDATA in unit tests */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"

/* vec_path - REL under $MAILSEC_TESTDATA, or NULL (then the test skips; CI fails in tests/run) */
char *
vec_path(const char *rel)
{
	const char *d = getenv("MAILSEC_TESTDATA");
	char *p;
	size_t n;

	if (d == NULL || *d == '\0')
		return NULL;
	n = strlen(d) + strlen(rel) + 2;
	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%s/%s", d, rel);
	return p;
}

/* vec_open - the vector file, or NULL */
FILE *
vec_open(const char *rel)
{
	char *path = vec_path(rel);
	FILE *fp = path ? fopen(path, "r") : NULL;

	free(path);
	return fp;
}

/* vec_unescape - C escapes of the TSV vectors (\t \n \r \\ \xNN) in place; returns length */
size_t
vec_unescape(char *s)
{
	size_t o = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '\\' || s[i + 1] == '\0') {
			s[o++] = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 't': s[o++] = '\t'; break;
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 'x': {
			char hex[3] = { s[i + 1], s[i + 1] ? s[i + 2] : 0, 0 };

			s[o++] = (char)strtol(hex, NULL, 16);
			i += hex[1] ? 2 : 1;
			break;
		}
		default: s[o++] = s[i]; break;
		}
	}
	s[o] = '\0';
	return o;
}

/* vec_split_tabs - the TAB-separated columns of line (in place, newline dropped) */
size_t
vec_split_tabs(char *line, char **cols, size_t max)
{
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		char *t = strchr(p, '\t');

		cols[n++] = p;
		if (t == NULL)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}
