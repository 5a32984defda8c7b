/* src/core/grade.h - the letter grade of a set of findings (docs/grades.md): pure */
#ifndef MS_CORE_GRADE_H
#define MS_CORE_GRADE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/finding.h"
#include "core/severity.h"

/*
 * GRADE_NONE is what a domain gets when nothing about it is known: every
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

/* grade_is_none - true when g says nothing could be determined */
bool grade_is_none(const char *g);

#endif
