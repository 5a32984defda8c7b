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

/* findings_init - an empty list in l (the caller's struct); allocates nothing */
void findings_init(struct finding_list *l);
/* findings_free - free every finding of l and its strings; l is empty and usable again */
void findings_free(struct finding_list *l);

/*
 * findings_add - append a finding with the catalogue's default severity and
 * a printf-style message.  Returns the finding (borrowed, valid until the
 * next add) so the caller can attach evidence and advice, or NULL when the
 * per-domain limit is reached (the list then ends in a limit finding).
 * subject and the formatted message are copied into the list, which owns them.
 */
struct finding *findings_add(struct finding_list *l, enum finding_id id,
    const char *subject, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct finding *findings_vadd(struct finding_list *l, enum finding_id id,
    const char *subject, const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/*
 * finding_set_evidence - f's evidence becomes a copy of evidence (NULL clears
 * it); NULL-safe for f
 */
void finding_set_evidence(struct finding *f, const char *evidence);
/* finding_set_advice - f's advice, formatted (owned by f); NULL-safe for f */
void finding_set_advice(struct finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* finding_set_severity - override f's severity (f borrowed; NULL-safe) */
void finding_set_severity(struct finding *f, enum severity s);
/* finding_prefix_message - put prefix (copied) before f's message, e.g. which record it is about */
void finding_prefix_message(struct finding *f, const char *prefix);
/*
 * finding_set_profile - name the profile whose rule raised f (copied; NULL
 * clears); NULL-safe for f
 */
void finding_set_profile(struct finding *f, const char *profile);

/* finding_def - f's catalogue entry (static, never NULL) */
const struct finding_def *finding_def(const struct finding *f);

/*
 * findings_apply - apply the profile's severity overrides, then drop ids
 * named in ignore (a NULL-terminated list; entries may also name an area, or
 * a prefix ending in '.', e.g. "spf." for every SPF id).  l is changed in
 * place; p and ignore are borrowed.
 */
void findings_apply(struct finding_list *l, const struct profile *p, char *const *ignore);

/* finding_clear - free what one finding owns (the list's slot stays) */
void finding_clear(struct finding *f);

/*
 * findings_drop_superseded - drop each finding whose page names another id
 * ("Superseded by") that is in the list too: the same point said once, by the
 * more precise check (e.g. the parked area's verdict on a domain's SPF);
 * the dropped ones are freed, l is changed in place
 */
void findings_drop_superseded(struct finding_list *l);

/* findings_count - counts per severity into the caller's counts[SEV__COUNT] (l borrowed) */
void findings_count(const struct finding_list *l, size_t counts[SEV__COUNT]);

/* finding_to_json - the finding as a JSON object (mailsec/1 contract); new reference */
json_t *finding_to_json(const struct finding *f);
json_t *findings_to_json(const struct finding_list *l);

#endif
