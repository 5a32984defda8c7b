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
 * plan_observe_start - look up the domain's mail records through res into
 * *seen (caller-owned, filled here and as answers arrive; free with
 * plan_seen_free once done has run).  selectors (NULL-terminated or NULL,
 * read during the call) are DKIM selectors to look at; they cannot be listed
 * from the DNS.  done runs once from res's event loop (never from inside this
 * call) when every answer is in; the caller runs the loop.
 */
void plan_observe_start(struct resolver *res, const char *domain, char **selectors,
    struct plan_seen *seen, void (*done)(void *arg), void *arg);
void plan_seen_free(struct plan_seen *seen);

/*
 * The DMARC record published at _dmarc.DOMAIN, looked up on the caller's loop:
 * status MS_OK with text (NULL when none is published: NXDOMAIN, NODATA, no
 * v=DMARC1 string); MS_ERR_IO when the lookup failed and MS_ERR_SYNTAX when
 * several records are published, each with why: never "none" when it could
 * not look.  Strings are owned by the struct (plan_dmarc_live_free).
 */
struct plan_dmarc_live {
	enum ms_status status;
	char *text;
	char *why;
	char *name;			/* _dmarc.DOMAIN */
	void (*done)(void *arg);
	void *arg;
};

/*
 * plan_dmarc_current_start - fill *l (the caller's, kept until done has run)
 * through res; done runs once from base's loop, never from inside this call.
 */
void plan_dmarc_current_start(struct resolver *res, struct event_base *base, const char *domain,
    struct plan_dmarc_live *l, void (*done)(void *arg), void *arg);
/* plan_dmarc_live_free - free what l holds (not l) */
void plan_dmarc_live_free(struct plan_dmarc_live *l);

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
/* plan_print_text - the checklist for people (plan borrowed) */
void plan_print_text(FILE *fp, const json_t *plan);

#endif
