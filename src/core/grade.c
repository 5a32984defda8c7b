/* src/core/grade.c - the letter grade of a set of findings (docs/grades.md) */
#include "core/grade.h"

#include <string.h>

const char *
grade_from_counts(const size_t c[SEV__COUNT])
{
	static const char *const grades[] = { "A", "B", "C", "D", "F" };
	static const char *const incomplete[] = { "A?", "B?", "C?", "D?", "F?" };
	int g;

	if (c[SEV_UNKNOWN] > 0 && c[SEV_PASS] + c[SEV_INFO] + c[SEV_WARNING] + c[SEV_ERROR] == 0)
		return GRADE_NONE;
	if (c[SEV_ERROR] >= 2)
		g = 4;
	else if (c[SEV_ERROR] == 1)
		g = 3;
	else if (c[SEV_WARNING] >= 3)
		g = 2;
	else if (c[SEV_WARNING] >= 1)
		g = 1;
	else
		g = 0;
	return c[SEV_UNKNOWN] ? incomplete[g] : grades[g];
}

const char *
grade_findings(const struct finding_list *l)
{
	size_t c[SEV__COUNT];

	findings_count(l, c);
	return grade_from_counts(c);
}

bool
grade_is_none(const char *g)
{
	return g != NULL && strcmp(g, GRADE_NONE) == 0;
}
