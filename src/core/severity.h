/* src/core/severity.h - how bad a finding is */
#ifndef MS_CORE_SEVERITY_H
#define MS_CORE_SEVERITY_H

#include <stdbool.h>

/*
 * Ordered so that a larger value needs more attention, except UNKNOWN, which
 * stands apart: it means "could not be determined" and is never merged with
 * a verdict of missing or wrong.
 */
enum severity {
	SEV_PASS = 0,
	SEV_INFO,
	SEV_WARNING,
	SEV_ERROR,
	SEV_UNKNOWN,
	SEV__COUNT
};

/* severity_name - "info", "warning", ... (static text) */
const char *severity_name(enum severity s);
/* severity_parse - the severity named s (borrowed) into the caller's *out; false if none */
bool severity_parse(const char *s, enum severity *out);

#endif
