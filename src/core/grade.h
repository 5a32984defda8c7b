/* src/core/grade.h - the letter grade of a set of findings (docs/grades.md): pure */
#ifndef MS_CORE_GRADE_H
#define MS_CORE_GRADE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/finding.h"
#include "core/severity.h"

/*
 * A grade is a letter for a whole domain and one for each area of it (mx,
 * spf, dmarc ...), computed the same way from that domain's or that area's
 * findings after profile overrides and --ignore.  Everything here is pure:
 * no I/O, no state.
 *
 * GRADE_NONE is what a domain (or an area) gets when nothing about it is known: every
 * finding is unknown (no resolver answered, every lookup failed).  A letter
 * would claim a verdict nobody reached.
 */
#define GRADE_NONE	"?"

/*
 * grade_from_counts - the grade of findings counted per severity: "A".."F",
 * with a trailing '?' when some are unknown, or GRADE_NONE when there is
 * nothing but unknowns (or nothing at all and something unknown).  Returns a
 * static string.  Per-area grades can call this with one area's counts.
 */
const char *grade_from_counts(const size_t counts[SEV__COUNT]);

/* grade_findings - grade_from_counts() over a finding list (borrowed); static string */
const char *grade_findings(const struct finding_list *l);

/* grade_is_none - true when g (borrowed) says nothing could be determined */
bool grade_is_none(const char *g);

/*
 * grade_count_area - count the findings of one area (catalogue area name,
 * e.g. "spf") per severity into counts[SEV__COUNT]; l and area are borrowed.
 * Returns how many findings the area has.
 */
size_t grade_count_area(const struct finding_list *l, const char *area,
    size_t counts[SEV__COUNT]);

/*
 * grade_area - the grade of one area's findings (l and area borrowed): as
 * grade_from_counts(), so GRADE_NONE when the area has only unknown
 * findings; NULL when the area has no finding at all (it did not run, or was
 * ignored).  Returns a static string.
 */
const char *grade_area(const struct finding_list *l, const char *area);

/*
 * grade_summary_json - the mailsec/1 `summary` object of a domain's findings
 * (l borrowed): the counts per severity and `grade`, and `areas`: one object
 * per area that has findings, in the order the findings list them, with that
 * area's counts and grade (docs/json.md, docs/grades.md).  Returns a new
 * reference the caller owns, or NULL when out of memory.
 */
json_t *grade_summary_json(const struct finding_list *l);

#endif
