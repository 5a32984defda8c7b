/* src/output/lint.h - mailsec lint's report: the mailsec-lint/1 document and the text report's head */
#ifndef MAILSEC_OUTPUT_LINT_H
#define MAILSEC_OUTPUT_LINT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* What a lint run read and could not check, as both report forms show it (all borrowed). */
struct lint_report {
	const char		*profile;	/* the profile's name */
	json_t			*files;		/* [{path, format, origin, records, notes, role}] */
	json_t			*policies;	/* [{path, valid, findings}]; left out when empty */
	const char *const	*not_offline;	/* what lint cannot know offline, NULL-terminated */
};

/*
 * lint_report_json - the mailsec-lint/1 document (docs/json.md): envelope,
 * profile, files, policies, not_checked_offline, then domains from doms[0..n)
 * (mailsec/1 domain objects, stolen; NULL slots skipped).  New reference.
 */
json_t *lint_report_json(const struct lint_report *r, json_t **doms, size_t n);

/*
 * lint_report_text_files - each file read ("PATH: zone ORIGIN, N records")
 * and its notes, on fp; both borrowed
 */
void lint_report_text_files(FILE *fp, const struct lint_report *r);

/*
 * lint_report_text_not_offline - the list of what lint cannot check, then a
 * blank line, on fp; both borrowed
 */
void lint_report_text_not_offline(FILE *fp, const struct lint_report *r);

#endif
