/* src/records/dates.c - calendar dates (UTC, YYYY-MM-DD) for plans and rotations */
#include "records/dates.h"
#include "util/str.h"

#include <string.h>

bool
date_parse(const char *s, time_t *out)
{
	uint64_t y, m, d;
	struct tm tm, back;
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (str_to_u64(s, 4, 9999, &y) != MS_OK || str_to_u64(s + 5, 2, 12, &m) != MS_OK ||
	    str_to_u64(s + 8, 2, 31, &d) != MS_OK || y < 1970 || m < 1 || d < 1)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	t = timegm(&tm);
	/* 2026-02-30 normalises to March: refuse it. */
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != (int)d || back.tm_mon != (int)m - 1)
		return false;
	*out = t;
	return true;
}

time_t
date_today(void)
{
	time_t now = time(NULL);

	return now - now % 86400;
}

void
date_fmt(time_t day, unsigned days, char out[DATE_STRLEN])
{
	time_t t = day + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, DATE_STRLEN, "%Y-%m-%d", &tm);
}
