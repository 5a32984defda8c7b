/* src/audit/audit.h - one domain's audit: its findings, facts, lookups and memory */
#ifndef MS_AUDIT_AUDIT_H
#define MS_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/finding.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "util/arena.h"

struct profile;
struct audit;
struct http_client;
struct smtp_prober;
struct suffix_list;

/*
 * The shared machinery every audit borrows from its session
 * (engine/session.h): one resolver, HTTPS client, SMTP prober and Public
 * Suffix List per event loop, whatever runs on it.
 */
struct audit_env {
	struct resolver		*res;
	struct http_client	*http;	/* HTTPS client on the loop, or NULL: no fetches */
	struct smtp_prober	*smtp;	/* STARTTLS probes on the loop, or NULL: no probes */
	struct suffix_list	*psl;	/* for RFC 7489 organizational domains, or NULL */
};

/*
 * What the user asked for that checks need to know.  Owned by the caller
 * (the engine's user); every audit borrows it.
 */
struct check_options {
	const struct profile *profile;	/* never NULL when checks run */
	bool parked;			/* --parked: the domain sends and receives no mail */
	/* Transport checks (mta-sts, tls, dane, sending): */
	bool no_smtp;			/* --no-smtp: never connect to port 25 */
	const char *ca_file;		/* --ca-file: extra trusted CAs (PEM), or NULL */
	char *const *sending_hosts;	/* --sending-host NAME|IP list, NULL-terminated, or NULL */
	double net_timeout;		/* seconds per SMTP step / HTTPS fetch (0: 10) */
	int dmarc_rules;		/* --dmarc-rules: enum dmarc_rules (0: both RFC 7489 and 9989) */
	char *const *dkim_selectors;	/* --dkim-selector: NULL-terminated, or NULL */
	/*
	 * Full names "SELECTOR._domainkey.DOMAIN" known to hold records (lint:
	 * every one in its files), NULL-terminated or NULL: the DKIM check tries
	 * those under its domain like the common selectors (not required).
	 */
	char *const *dkim_names;
	/*
	 * Names with NS records below their zone's origin (lint: every
	 * delegation in its files), NULL-terminated or NULL: the NS check
	 * judges those under its domain like the mail names.
	 */
	char *const *zone_cuts;
	const char *helo;		/* --helo: a HELO name to check too, or NULL */
	/*
	 * offline: the records come from files (mailsec lint) or a replay
	 * (--replay without --replay-connect), not the world.  Checks must then
	 * do no I/O beyond audit_lookup (no HTTPS policy fetch, no SMTP/TLS
	 * probe) and may raise a finding saying what they could not check
	 * offline.
	 */
	bool offline;
	/*
	 * Why offline, in the user's terms, for the findings that say what was
	 * not checked: lint says its records come from zone files, check
	 * --replay names its options.  NULL: "offline".
	 */
	const char *offline_why;
	/*
	 * The records are zone files as they will be published (mailsec lint):
	 * nothing can be said about their DNSSEC signatures.
	 */
	bool zone_files;
};

/*
 * Lookup callbacks get the answer borrowed for the call, as with the
 * resolver.  Answers are memoised per audit: the MX check and the PTR check
 * asking for the same name and type cause one query.
 */
typedef void (*audit_dns_cb)(struct audit *a, struct dns_answer *ans, void *arg);

struct audit_memo;
struct audit_slot;

struct audit {
	char			*domain;	/* lower case, no trailing dot */
	size_t			 index;		/* position in the input */
	const struct check_options *opts;
	struct resolver		*res;		/* the session's (audit_env) */
	struct http_client	*http;
	struct smtp_prober	*smtp;
	struct suffix_list	*psl;
	const void		*owner;		/* the run: tags lookups, probes, fetches */
	struct finding_list	 findings;
	json_t			*facts;		/* {"<area>": {...}} */
	struct arena		 arena;		/* freed with the audit: per-check state */
	int			 pending;	/* lookups (and starters) in flight */
	bool			 finished;
	struct audit_memo	*memo;
	void			(*on_done)(struct audit *a, void *arg);
	void			*done_arg;
	struct audit_slot	*slots;		/* state shared between this audit's checks */
};

/*
 * audit_new - an audit of domain (already validated) with env's machinery
 * (copied pointers, borrowed: env's parts outlive the audit) and opts
 * (borrowed).  owner (compared only, may be NULL) tags every lookup, probe
 * and fetch the audit's checks start, so a run can cancel its own.  on_done
 * runs once, from the event loop, when the last lookup has completed.
 */
struct audit *audit_new(const char *domain, size_t index, const struct check_options *opts,
    const struct audit_env *env, const void *owner, void (*on_done)(struct audit *, void *),
    void *done_arg);
void audit_free(struct audit *a);

/*
 * audit_hold / audit_release - keep the audit open while a check starts a
 * batch of work; the engine holds it around starting every check.
 */
void audit_hold(struct audit *a);
void audit_release(struct audit *a);

/*
 * audit_lookup - memoised lookup of name/type.  cb runs from the event loop
 * when the answer arrives, or at once (inside this call) when the answer is
 * already memoised: set up any state cb needs before calling.  A name that
 * cannot exist is answered NXDOMAIN with a why; past the per-domain lookup
 * limit, SERVFAIL with a why (so the finding is "unknown", not "missing").
 * name is copied; arg is kept until cb runs; the answer cb gets is borrowed.
 */
void audit_lookup(struct audit *a, const char *name, uint16_t type, audit_dns_cb cb, void *arg);

/*
 * audit_slot - a named pointer shared by the checks of one audit (for
 * example the MTA-STS policy the TLS check judges certificates by); *slot is
 * NULL until a check sets it.  The slot lives as long as the audit; what it
 * points to should come from a->arena.  key is borrowed (copied when new).
 */
void **audit_slot(struct audit *a, const char *key);

/* audit_facts - the facts object of an area, created on first use (borrowed) */
json_t *audit_facts(struct audit *a, const char *area);

/*
 * audit_finding - a shorthand for findings_add on the audit's list (borrowed
 * result, valid until the next add)
 */
struct finding *audit_finding(struct audit *a, enum finding_id id, const char *subject,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * audit_lookup_failed - the standard "could not tell" finding for an answer
 * that is SERVFAIL, TIMEOUT or BOGUS: severity unknown, message naming the
 * name, type and the resolver's why.  Returns whether ans was such a failure.
 * subject and ans are borrowed.
 */
bool audit_lookup_failed(struct audit *a, enum finding_id id, const char *subject,
    const struct dns_answer *ans);

/* dns_answer_failed - SERVFAIL, TIMEOUT or BOGUS: nothing can be concluded (ans borrowed) */
bool dns_answer_failed(const struct dns_answer *ans);

/*
 * audit_fresh_id - an MTA-STS id for advice: the UTC time as
 * YYYYMMDDTHHMMSS (from SOURCE_DATE_EPOCH when set, for reproducible
 * output); from a's arena (owned by the audit: valid until it is freed)
 */
const char *audit_fresh_id(struct audit *a);

#endif
