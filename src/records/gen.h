/* src/records/gen.h - record-set generators: new domain, parked domain, MTA-STS and DMARC journeys */
#ifndef MS_RECORDS_GEN_H
#define MS_RECORDS_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "records/recset.h"
#include "util/status.h"

struct profile;

/* What the user asked for; every string borrowed.  Lists are NULL-terminated or NULL. */
struct gen_opts {
	const char *domain;		/* normalised: lower case, no trailing dot */
	const struct profile *profile;
	char **mx;			/* "host[:prio]" */
	char **spf_include, **spf_ip4, **spf_ip6;
	const char *dkim_selector;
	const char *dkim_record;	/* "v=DKIM1; k=rsa; p=..." when a key was given, else NULL */
	char **rua;
	const char *tlsrpt_rua;
	const char *mta_sts_host;
	char **report_for;		/* --authorise-reports-for */
	char **address;			/* "host=ip": A/AAAA of hosts inside the domain */
	const char *id;			/* MTA-STS id */
	const char *stage;
	/*
	 * records dmarc: the DMARC record published now (or --from-record),
	 * NULL when there is none: the stage's record keeps its tags.
	 */
	const char *current;
	uint32_t ttl;			/* 0: the defaults */
};

/*
 * gen_new, gen_parked, gen_mta_sts, gen_dmarc - the generators.  Each
 * validates its options (names, addresses, stage) and on success sets *out
 * (caller frees with recset_free); on failure *err says what is wrong (caller
 * frees) and nothing is allocated.
 */
MS_MUST_CHECK enum ms_status gen_new(const struct gen_opts *o, struct recset **out, char **err);
MS_MUST_CHECK enum ms_status gen_parked(const struct gen_opts *o, struct recset **out, char **err);
MS_MUST_CHECK enum ms_status gen_mta_sts(const struct gen_opts *o, struct recset **out, char **err);
MS_MUST_CHECK enum ms_status gen_dmarc(const struct gen_opts *o, struct recset **out, char **err);

/*
 * gen_dmarc_value - the DMARC record text of a stage ("none", "quarantine-10",
 * ...); caller frees.  NULL only when made from o->current (not for "parked")
 * and that record's rua= tags make it longer than BUF_MAX_DEFAULT.
 */
char *gen_dmarc_value(const struct gen_opts *o, const char *stage);
/* gen_policy_text - an MTA-STS policy file (RFC 8461 §3.2) for mode/max_age; caller frees */
char *gen_policy_text(char **mx, const char *mode, unsigned max_age);
/* gen_id_valid - an MTA-STS id: 1 to 32 letters and digits (RFC 8461 §3.1); id borrowed */
bool gen_id_valid(const char *id);

#endif
