/* src/policy/dmarc_discover.h - DMARC policy discovery by both methods: PSL (RFC 7489 §6.6.3) and tree walk (RFC 9989 §4.10) */
#ifndef MS_POLICY_DMARC_DISCOVER_H
#define MS_POLICY_DMARC_DISCOVER_H

#include <stdbool.h>

#include <jansson.h>

#include "policy/dmarc_org.h"
#include "policy/dmarc_record.h"
#include "dns/dns.h"

struct audit;

/* What one _dmarc.<name> TXT lookup held. */
enum dmarc_lookup_state {
	DMARC_L_NONE = 0,	/* NXDOMAIN, NODATA, or only non-DMARC TXT records */
	DMARC_L_ONE,		/* exactly one v=DMARC1 record */
	DMARC_L_MULTIPLE,	/* several: all discarded */
	DMARC_L_FAILED		/* SERVFAIL, TIMEOUT, BOGUS: could not tell */
};

struct dmarc_lookup {
	const char		*name;		/* the domain (without _dmarc.) */
	enum dns_outcome	 outcome;
	const char		*why;		/* the resolver's reason for a failure (arena) */
	bool			 answered;
	enum dmarc_lookup_state	 state;
	const char		*text;		/* the one record, NUL-terminated (arena) */
	size_t			 len;
	struct dmarc_record	*record;	/* parsed (arena), when state is ONE */
};

/* The outcome of one method for one name. */
struct dmarc_method {
	const char		*org_domain;	/* organizational domain by this method */
	const char		*policy_domain;	/* where the applicable record is, or NULL */
	struct dmarc_lookup	*policy;	/* that lookup, or NULL */
	bool			 temperror;	/* a lookup it needed for the policy failed */
	/*
	 * A lookup above the record that sets the policy failed: the policy
	 * stands, the organizational domain (relaxed alignment, external
	 * report destinations) is unknown.  The failed lookup, or NULL.
	 */
	const struct dmarc_lookup *org_failed;
	bool			 multiple;	/* discovery ended at a name with several records */
	char			 psd_stop;	/* 'y'/'n' when a psd tag ended the walk, else 0 */
	const char		*queries[DMARC_WALK_MAX + 1];	/* domains queried, in order */
	size_t			 nqueries;
};

struct dmarc_discovery {
	const char		*domain;	/* lower case, no trailing dot */
	bool			 exists;	/* the name exists (its MX, or when that failed its A, was not NXDOMAIN) */
	bool			 exists_known;
	struct dmarc_method	 m7489, m9989;
	struct dmarc_lookup	 look[DMARC_WALK_MAX + 2];
	size_t			 nlook;
	int			 pending;
	void			(*done)(struct audit *a, struct dmarc_discovery *d, void *arg);
	void			*arg;
};

/*
 * dmarc_discover - look up everything both methods need for domain (every
 * _dmarc name of the tree walk and the PSL organizational domain, queried at
 * once and read in the RFCs' order, and an MX query telling whether the name
 * exists, its A when the MX lookup fails) and call done from the loop.  d lives in the audit's arena and
 * keeps copies of what it needs from the answers.
 */
struct dmarc_discovery *dmarc_discover(struct audit *a, const char *domain,
    void (*done)(struct audit *a, struct dmarc_discovery *d, void *arg), void *arg);

/*
 * dmarc_method_get - the method's outcome for rules 7489 or 9989 (BOTH gives
 * 9989); borrowed from d
 */
const struct dmarc_method *dmarc_method_get(const struct dmarc_discovery *d,
    enum dmarc_rules rules);

/*
 * dmarc_applied_policy - the policy a receiver of that rule set applies to
 * mail from d->domain (p, sp or np of the record found); *source is "p",
 * "sp" or "np" (static text, into the caller's *source); DMARC_P_UNSET when
 * no record applies (no DMARC processing).  d is borrowed.
 */
enum dmarc_policy dmarc_applied_policy(const struct dmarc_discovery *d, enum dmarc_rules rules,
    const char **source);

/*
 * dmarc_discovery_to_json - both methods, the queries and the outcome
 * (docs/json.md); new reference
 */
json_t *dmarc_discovery_to_json(const struct dmarc_discovery *d, enum dmarc_rules rules);

/*
 * dmarc_discovery_parsed - the "parsed" object doc (a document of
 * dmarc_discovery_to_json(d), or one being built) shows for lookup l, when a
 * method found its policy there: borrowed from doc (json_incref to keep it
 * elsewhere; nobody changes it once built), or NULL.  So a record's JSON is
 * built once however many places show it.
 */
json_t *dmarc_discovery_parsed(json_t *doc, const struct dmarc_discovery *d,
    const struct dmarc_lookup *l);

/*
 * dmarc_lookup_classify - what a _dmarc TXT answer (borrowed) holds, into the
 * caller's l (pure; record parsed into arena)
 */
void dmarc_lookup_classify(struct arena *ar, struct dmarc_lookup *l, const struct dns_answer *ans);

#endif
