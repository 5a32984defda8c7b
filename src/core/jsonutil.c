/* src/core/jsonutil.c - building JSON from untrusted strings */
#include "core/jsonutil.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *
json_textn(const char *s, size_t n)
{
	json_t *j;
	char *p;

	if (s == NULL)
		return json_null();
	if (memchr(s, '\0', n) == NULL && (j = json_stringn(s, n)) != NULL)
		return j;
	p = str_printable(s, n);
	j = json_string(p);
	free(p);
	return j;
}

json_t *
json_text(const char *s)
{
	return s ? json_textn(s, strlen(s)) : json_null();
}

json_t *
json_rfc3339(time_t t)
{
	char tbuf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(tbuf);
}

json_t *
json_rfc3339_now(void)
{
	return json_rfc3339(time(NULL));
}
