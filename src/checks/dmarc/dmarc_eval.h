/* src/checks/dmarc/dmarc_eval.h - DMARC evaluation: identifier alignment, result and disposition (RFC 7489 §3.1, §6.6; RFC 9989 §4.4, §4.10, §5.3) */
#ifndef MS_CHECKS_DMARC_DMARC_EVAL_H
#define MS_CHECKS_DMARC_DMARC_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "policy/dmarc_discover.h"

/* One authentication result as a receiver saw it: SPF (MAIL FROM/HELO domain) or DKIM (d=). */
struct dmarc_auth {
	const char *domain;
	const char *result;	/* pass fail softfail neutral none temperror permerror (lower case) */
	const char *org9989;	/* its organizational domain by the RFC 9989 tree walk, or NULL */
};

struct dmarc_eval {
	const char	*result;	/* pass, fail, none, temperror */
	const char	*why;		/* one line */
	const char	*policy_domain;	/* NULL when no record applies */
	const char	*org_domain;
	char		 adkim, aspf;
	bool		 spf_aligned, dkim_aligned;
	/*
	 * Alignment could not be determined: policy discovery (or the tree walk
	 * to the organizational domain) failed, so the alignment mode or an
	 * organizational domain is unknown, and a passing identifier that is
	 * not the From domain itself may or may not align.  *_aligned is false.
	 */
	bool		 spf_align_unknown, dkim_align_unknown;
	const char	*spf_aligned_domain, *dkim_aligned_domain;
	enum dmarc_policy policy;	/* what the record asks for this From domain */
	const char	*policy_source;	/* "p", "sp", "np" or NULL */
	enum dmarc_policy disposition;	/* what the receiver does with this (failing) message */
	unsigned	 pct;		/* RFC 7489: the sampling rate; 100 otherwise */
	bool		 testing;	/* RFC 9989: t=y made the disposition one step milder */
};

struct suffix_list;

/*
 * dmarc_evaluate - the DMARC verdict for a message from d->domain with the
 * given SPF and DKIM results, as a receiver of rules (7489 or 9989) reaches
 * it.  Pure: d holds the discovery; the DKIM/SPF domains' RFC 9989
 * organizational domains come in dmarc_auth.org9989, their RFC 7489 ones
 * from psl (the session's list, borrowed).  Strings in out are borrowed from
 * d, the inputs, or arena.
 */
void dmarc_evaluate(struct arena *ar, struct suffix_list *psl, const struct dmarc_discovery *d,
    enum dmarc_rules rules,
    const struct dmarc_auth *spf, size_t nspf, const struct dmarc_auth *dkim, size_t ndkim,
    struct dmarc_eval *out);

/*
 * dmarc_aligned - whether auth domain x aligns with from (mode 'r' or 's',
 * given both org domains); all borrowed
 */
bool dmarc_aligned(const char *from, const char *from_org, const char *x, const char *x_org,
    char mode);

/* dmarc_eval_to_json - the verdict as JSON (docs/json.md, mailsec-dmarc/1); new reference */
json_t *dmarc_eval_to_json(const struct dmarc_eval *e);

#endif
