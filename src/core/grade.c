/* src/core/grade.c - the letter grade of a set of findings (docs/grades.md) */
#include "core/grade.h"

#include <string.h>

/* grade_from_counts - the letter of findings counted per severity (docs/grades.md) */
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

/* grade_findings - grade_from_counts() over a whole finding list */
const char *
grade_findings(const struct finding_list *l)
{
	size_t c[SEV__COUNT];

	findings_count(l, c);
	return grade_from_counts(c);
}

/* grade_is_none - true when g says nothing could be determined */
bool
grade_is_none(const char *g)
{
	return g != NULL && strcmp(g, GRADE_NONE) == 0;
}

/* grade_count_area - counts per severity of one area's findings; returns their number */
size_t
grade_count_area(const struct finding_list *l, const char *area, size_t c[SEV__COUNT])
{
	size_t n = 0;

	memset(c, 0, sizeof(size_t) * SEV__COUNT);
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(finding_def(&l->v[i])->area, area) != 0)
			continue;
		c[l->v[i].severity]++;
		n++;
	}
	return n;
}

/* grade_area - one area's grade, NULL when the area has no finding */
const char *
grade_area(const struct finding_list *l, const char *area)
{
	size_t c[SEV__COUNT];

	if (grade_count_area(l, area, c) == 0)
		return NULL;
	return grade_from_counts(c);
}

/* counts_json - {"pass": n, ..., "grade": g} for counts c; new reference or NULL */
static json_t *
counts_json(const size_t c[SEV__COUNT])
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	for (int i = 0; i < SEV__COUNT; i++)
		if (json_object_set_new(o, severity_name((enum severity)i),
		    json_integer((json_int_t)c[i])) != 0)
			goto fail;
	if (json_object_set_new(o, "grade", json_string(grade_from_counts(c))) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* grade_summary_json - the domain's summary with per-area counts and grades */
json_t *
grade_summary_json(const struct finding_list *l)
{
	size_t c[SEV__COUNT];
	json_t *sum, *areas;

	findings_count(l, c);
	if ((sum = counts_json(c)) == NULL)
		return NULL;
	if ((areas = json_object()) == NULL ||
	    json_object_set_new(sum, "areas", areas) != 0)
		goto fail;
	for (size_t i = 0; i < l->n; i++) {
		const char *area = finding_def(&l->v[i])->area;

		if (json_object_get(areas, area) != NULL)
			continue;
		grade_count_area(l, area, c);
		if (json_object_set_new(areas, area, counts_json(c)) != 0)
			goto fail;
	}
	return sum;
fail:
	json_decref(sum);
	return NULL;
}
