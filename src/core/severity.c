/* src/core/severity.c - how bad a finding is */
#include "core/severity.h"

#include <string.h>

static const char *const names[SEV__COUNT] = {
	[SEV_PASS] = "pass",
	[SEV_INFO] = "info",
	[SEV_WARNING] = "warning",
	[SEV_ERROR] = "error",
	[SEV_UNKNOWN] = "unknown",
};

const char *
severity_name(enum severity s)
{
	return (unsigned)s < SEV__COUNT ? names[s] : "unknown";
}

bool
severity_parse(const char *s, enum severity *out)
{
	for (int i = 0; i < SEV__COUNT; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum severity)i;
			return true;
		}
	}
	return false;
}
