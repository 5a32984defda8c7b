/* src/records/dates.h - calendar dates (UTC, YYYY-MM-DD) for plans and rotations */
#ifndef MS_RECORDS_DATES_H
#define MS_RECORDS_DATES_H

#include <stdbool.h>
#include <time.h>

#define DATE_STRLEN 11

/*
 * date_parse - "YYYY-MM-DD" (a real day, years 1970-9999; s borrowed) into the
 * caller's *out, midnight UTC
 */
bool date_parse(const char *s, time_t *out);
/* date_today - midnight UTC of the current day */
time_t date_today(void);
/* date_fmt - day + days as "YYYY-MM-DD" into out */
void date_fmt(time_t day, unsigned days, char out[DATE_STRLEN]);

#endif
