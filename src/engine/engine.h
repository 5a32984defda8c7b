/* src/engine/engine.h - the check engine: many domains in flight on one event loop */
#ifndef MS_ENGINE_ENGINE_H
#define MS_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "audit/audit.h"

struct event_base;
struct resolver;

/* One area's checks: the registry maps --only names to starters. */
struct check_def {
	const char *area;
	void (*start)(struct audit *a);
	const char *summary;
	const struct area_options *options;	/* what the area reads (audit/area_opts.h), or NULL */
};

/* check_registry - every check, in the order reports list their areas; NULL-terminated, static */
const struct check_def *check_registry(void);
/* check_area_rank - position of area (borrowed) in the registry (unknown areas sort last) */
int check_area_rank(const char *area);

/*
 * engine_option_find - the option named name (the option table's name) as
 * the first area that reads it declares it (borrowed, static), or NULL when
 * no area reads it.
 */
const struct area_option *engine_option_find(const char *name);

/* engine_option_by_config - likewise by the option's config file key ("dkim_selectors"): borrowed (static), or NULL */
const struct area_option *engine_option_by_config(const char *key);

/*
 * engine_option_set - option name takes value (borrowed; NULL forgets a
 * list's values) in s for every area that reads it (--dmarc-rules: dmarc and
 * bimi).  MS_ERR_NOTFOUND when no area reads it; otherwise the first failing
 * area's status with its message in why[0..whylen).  This is how a program
 * gives the areas their options without knowing them: check maps its
 * command line and config file onto it, lint its zone files' DKIM names and
 * zone cuts, and a long-running program may keep one struct area_settings
 * per domain.
 */
MS_MUST_CHECK enum ms_status engine_option_set(struct area_settings *s, const char *name, const char *value,
    char *why, size_t whylen);

struct session;
struct engine_run;

/*
 * ENGINE_MAX_INFLIGHT - the most audits a run keeps in flight, whatever
 * max_inflight (--concurrency) asks.  An audit asks up to about 40 DNS
 * questions at once (the 31 DKIM selectors, MX, SPF, DMARC, TLS-RPT,
 * MTA-STS, BIMI, NS ...) and libunbound serves at most 4,096 at once per
 * context (num-queries-per-thread in dns/resolver_unbound.c): past that it
 * refuses or drops queries, which come back as SERVFAIL or timeouts, so
 * findings turn unknown, while every audit waiting holds its arena, its
 * pending lookups and libunbound's state for them.  Measured on the bench
 * world (docs/performance.md): --concurrency 100,000 over 10,000 domains
 * timed out every one of 590,000 queries and grew past 7 GB; at 1,000,
 * 838 MB for 2,000 domains.  100 audits x 40 questions stay under the 4,096.
 */
#define ENGINE_MAX_INFLIGHT	100

/*
 * What one run asks for.  Everything here belongs to the run: two runs on
 * one session may differ in every field.  Pointers are borrowed until the
 * run's on_done has returned.
 */
struct engine_config {
	const struct check_options *opts;
	/*
	 * Per domain, by input position, or NULL: opts for every domain.  A
	 * long-running program gives each domain its own profile, --parked and
	 * area options (check_options.areas) in one run this way.  Borrowed
	 * like opts; a NULL entry means opts.
	 */
	const struct check_options *const *domain_opts;
	char *const *only;	/* areas to run, NULL-terminated; NULL for all */
	char *const *ignore;	/* ids/areas/prefixes to drop; NULL-terminated or NULL */
	size_t max_inflight;	/* domains audited at once (0: 64; at most ENGINE_MAX_INFLIGHT) */
	double deadline;	/* seconds for this run (0: none) */
	/*
	 * Called once per domain as its audit completes (completion order), with
	 * profile overrides and --ignore applied and findings grouped by area.
	 * The engine frees the audit after the callback returns.  Not called
	 * for the audits of a cancelled run.
	 */
	void (*on_result)(struct audit *a, void *arg);
	/*
	 * Called once, from the loop, when the run is over: every domain
	 * reported, or the run cancelled and its audits wound down.  The run is
	 * freed after it returns.  May be NULL.
	 */
	void (*on_done)(void *arg);
	void *arg;
	/* If set (borrowed until on_done returns): the most audits in flight at once. */
	size_t *max_active;
	/*
	 * The STARTTLS probes the run's audits share (smtp/smtp_probe_cache.h:
	 * one probe per address and settings), borrowed until on_done returns,
	 * so several runs can share one (a monitor round: one run per domain);
	 * or NULL: the run makes one of its own, freed with the run.  A
	 * deadline or engine_cancel ends only this run's waiting in it.
	 */
	struct smtp_probe_cache *probes;
	/*
	 * If set (borrowed until on_done returns): every finished audit's
	 * queries per area are added to it (engine_queries_print says them).
	 */
	struct engine_queries *queries;
};

/*
 * The DNS lookups of a run's audits by area: sent[i] reached the resolver,
 * shared[i] were answered from the audit's memo (asked again by the same or
 * another area, not sent again).  Index 0 is lookups made outside any
 * area's code.  Zero it before the run.
 */
struct engine_queries {
	const char *area[AUDIT_AREAS_MAX];	/* borrowed (the registry's); [0] NULL */
	uint64_t sent[AUDIT_AREAS_MAX];
	uint64_t shared[AUDIT_AREAS_MAX];
	size_t n;				/* entries used (0 or at least 1) */
	uint64_t audits;			/* audits counted */
};

/*
 * engine_queries_print - q as one line on f: "DNS queries per domain by
 * area: mx 2.00, ptr 1.00 ...; N lookups answered from the audits' memo"
 * (areas in registry order).  q and f are borrowed.
 */
void engine_queries_print(FILE *f, const struct engine_queries *q);

/*
 * engine_submit - start auditing domains (copied; they must be valid, see
 * dns_domain_normalise) on s's loop, which the caller runs.  Nothing is
 * called from inside this call.  A deadline in cfg ends this run's DNS
 * lookups, STARTTLS probes and HTTPS fetches as timeouts ("total deadline
 * reached") and leaves every other run's alone.  The handle is valid until
 * on_done returns.
 */
struct engine_run *engine_submit(struct session *s, const struct engine_config *cfg,
    char *const *domains, size_t n);

/*
 * engine_cancel - end run: domains not started are dropped, its lookups,
 * probes and fetches in flight end (from the loop) as timeouts, its audits
 * finish without on_result, then on_done runs from the loop and the run is
 * freed.  Other runs on the session are untouched.
 */
void engine_cancel(struct engine_run *run);

/*
 * engine_run - the blocking convenience for one-shot programs: submit, run
 * s's loop until the run is done.  cfg->on_done, if any, runs as usual.
 * cfg and domains are borrowed for the call (engine_submit copies them).
 */
void engine_run(struct session *s, const struct engine_config *cfg, char *const *domains,
    size_t n);

#endif
