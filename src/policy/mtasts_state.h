/* src/policy/mtasts_state.h - what one audit learns about a domain's MTA-STS (RFC 8461), shared by the mta-sts and tls checks */
#ifndef MS_POLICY_MTASTS_STATE_H
#define MS_POLICY_MTASTS_STATE_H

#include <stdbool.h>

#include "http/http_fetch.h"
#include "policy/mtasts_parse.h"

struct audit;
struct dns_answer;

/* What was learnt about the domain's MTA-STS, shared by the checks of one audit. */
struct mtasts_state {
	/* the _mta-sts TXT record */
	bool		 txt_failed;	/* lookup SERVFAIL/TIMEOUT/BOGUS */
	const char	*txt_why;
	int		 nsts;		/* TXT records that start v=STSv1 */
	const char	*txt_text;	/* the (first) STS record as published */
	bool		 txt_valid;
	struct mtasts_record rec;
	struct mtasts_error rec_err;
	/* the policy host and fetch */
	bool		 host_failed;	/* A/AAAA lookup failed */
	bool		 host_missing;	/* no address at all */
	bool		 fetched;	/* an HTTPS fetch was made */
	bool		 fetch_skipped;	/* offline: the policy host was not contacted */
	enum http_outcome outcome;
	long		 status;
	const char	*content_type, *location, *why, *ip;
	size_t		 body_len;
	const char	*body;		/* printable copy for evidence (may be cut) */
	bool		 policy_valid;	/* parsed, and the fetch was acceptable */
	bool		 policy_parsed;	/* parsed (whatever the fetch said) */
	struct mtasts_policy *policy;
	struct mtasts_error policy_err;
	/* internals */
	int		 pending;
	struct dns_answer *a4, *a6;
};

typedef void (*mtasts_state_cb)(struct audit *a, const struct mtasts_state *st, void *arg);

/*
 * mtasts_state_get - learn the domain's MTA-STS state once per audit (TXT,
 * policy host, HTTPS fetch unless offline, parse: audit_once) and call cb
 * with it (borrowed: it lives in the audit's arena); cb runs from the loop
 * or at once when the state is already known.  The audit is held meanwhile.
 */
void mtasts_state_get(struct audit *a, mtasts_state_cb cb, void *arg);

/* mtasts_policy_enforced - the policy is valid and in enforce mode (st borrowed) */
bool mtasts_policy_enforced(const struct mtasts_state *st);

/* mtasts_content_type_ok - a policy's Content-Type is "text/plain", parameters allowed (RFC 8461 §3.3); ct borrowed, NULL is false */
bool mtasts_content_type_ok(const char *ct);

#endif
