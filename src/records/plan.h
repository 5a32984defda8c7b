/* src/records/plan.h - dated checklists for migrating or decommissioning a mail domain (seed 000) */
#ifndef MS_RECORDS_PLAN_H
#define MS_RECORDS_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "dns/dns.h"
#include "util/status.h"

struct resolver;
struct event_base;
struct profile;

#define PLAN_MAX_NAMES	64	/* names looked at (apex, _dmarc, selectors, ...) */

/* What was seen at one name and type: values in presentation form. */
struct plan_obs {
	char		*name;
	uint16_t	 type;
	enum dns_outcome status;
	uint32_t	 ttl;
	char		**values;	/* NULL-terminated or NULL */
	char		*why;		/* for failures */
};

struct plan_seen {
	struct plan_obs	*v;
	size_t		 n;
};

/*
 * plan_observe - look up the domain's mail records through res (running the
 * event loop base until every answer is in) into *seen (caller frees with
 * plan_seen_free).  selectors (NULL-terminated or NULL) are DKIM selectors to
 * look at; they cannot be listed from the DNS.
 */
enum ms_status plan_observe(struct resolver *res, struct event_base *base, const char *domain,
    char **selectors, struct plan_seen *seen);
void plan_seen_free(struct plan_seen *seen);

/*
 * plan_dmarc_current - the DMARC record published at _dmarc.domain, through
 * res (running base until the answer is in): MS_OK with *text (caller frees)
 * or NULL when none is published (NXDOMAIN, NODATA, no v=DMARC1 string);
 * MS_ERR_IO when the lookup failed and MS_ERR_SYNTAX when several records
 * are published, with *why (caller frees): never "none" when it could not look.
 */
enum ms_status plan_dmarc_current(struct resolver *res, struct event_base *base,
    const char *domain, char **text, char **why);

enum plan_kind { PLAN_MIGRATE, PLAN_DECOMMISSION };

struct plan_opts {
	enum plan_kind	 kind;
	const char	*domain;
	time_t		 start;		/* midnight UTC */
	uint32_t	 policy_max_age;	/* 0: unknown (assume the runbook's 1209600) */
	const char	*policy_url;	/* where policy_max_age was fetched, or NULL (given) */
	const char	*policy_why;	/* why it could not be fetched, or NULL */
	const struct plan_seen *seen;
	const struct profile *profile;	/* borrowed; NULL: generic (decommission: parked rua) */
};

/*
 * plan_build - the checklist as a mailsec-plan/1 JSON object (new
 * reference): what was seen, the assumptions made, and the dated steps.
 * *unknown is set when a lookup failed, so the plan rests on guesses.
 */
json_t *plan_build(const struct plan_opts *o, bool *unknown);
/* plan_print_text - the checklist for people */
void plan_print_text(FILE *fp, const json_t *plan);

#endif
