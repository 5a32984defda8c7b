/* src/core/finding.h - findings: what a check concluded, with evidence and advice */
#ifndef MS_CORE_FINDING_H
#define MS_CORE_FINDING_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

#include "core/catalog.h"
#include "core/severity.h"

struct profile;

/*
 * A finding is data: a stable id from the catalogue, a severity (the
 * catalogue default unless the check or the profile says otherwise), the
 * subject it is about (a name, an address), a one-line message, the evidence
 * as published and the advice (the exact record to publish, zone-file
 * syntax) where a record fixes it.  All strings are owned by the finding.
 */
struct finding {
	enum finding_id	 id;
	enum severity	 severity;
	char		*subject;
	char		*message;
	char		*evidence;	/* may be NULL */
	char		*advice;	/* may be NULL */
	char		*profile;	/* profile whose rule raised it, or NULL */
};

struct finding_list {
	struct finding	*v;
	size_t		 n;
	size_t		 cap;
};

#define FINDINGS_MAX	4096	/* per domain: a hostile zone cannot grow us past this */

void findings_init(struct finding_list *l);
void findings_free(struct finding_list *l);

/*
 * findings_add - append a finding with the catalogue's default severity and
 * a printf-style message.  Returns the finding (borrowed, valid until the
 * next add) so the caller can attach evidence and advice, or NULL when the
 * per-domain limit is reached (the list then ends in a limit finding).
 */
struct finding *findings_add(struct finding_list *l, enum finding_id id,
    const char *subject, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct finding *findings_vadd(struct finding_list *l, enum finding_id id,
    const char *subject, const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

void finding_set_evidence(struct finding *f, const char *evidence);
void finding_set_advice(struct finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void finding_set_severity(struct finding *f, enum severity s);
/* finding_prefix_message - put prefix (copied) before f's message, e.g. which record it is about */
void finding_prefix_message(struct finding *f, const char *prefix);
void finding_set_profile(struct finding *f, const char *profile);

const struct finding_def *finding_def(const struct finding *f);

/*
 * findings_apply - apply the profile's severity overrides, then drop ids
 * named in ignore (a NULL-terminated list; entries may also name an area, or
 * a prefix ending in '.', e.g. "spf." for every SPF id).
 */
void findings_apply(struct finding_list *l, const struct profile *p, char *const *ignore);

/* finding_clear - free what one finding owns (the list's slot stays) */
void finding_clear(struct finding *f);

/*
 * findings_drop_superseded - drop each finding whose page names another id
 * ("Superseded by") that is in the list too: the same point said once, by the
 * more precise check (e.g. the parked area's verdict on a domain's SPF)
 */
void findings_drop_superseded(struct finding_list *l);

/* findings_count - counts per severity into counts[SEV__COUNT] */
void findings_count(const struct finding_list *l, size_t counts[SEV__COUNT]);

/* finding_to_json - the finding as a JSON object (mailsec/1 contract); new reference */
json_t *finding_to_json(const struct finding *f);
json_t *findings_to_json(const struct finding_list *l);

#endif
