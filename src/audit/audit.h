/* src/audit/audit.h - one domain's audit: its findings, facts, lookups and memory */
#ifndef MS_AUDIT_AUDIT_H
#define MS_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "audit/area_opts.h"
#include "core/finding.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "util/arena.h"

struct profile;
struct audit;
struct http_client;
struct smtp_prober;
struct smtp_probe_cache;
struct suffix_list;
struct providers;
struct dkim_key_cache;

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
	/*
	 * The probes shared by the audits of one run or monitor round
	 * (smtp/smtp_probe_cache.h), or NULL: every probe on its own.  The
	 * engine sets it per run; borrowed.
	 */
	struct smtp_probe_cache	*probes;
	/* provider names (policy/providers.h), parsed once per session, or NULL: parse per use */
	const struct providers	*providers;
	/* DKIM key records parsed (checks/dkim/dkim_key_cache.h), one per session, or NULL: parse each */
	struct dkim_key_cache	*dkim_keys;
	/* the audits' arena chunks kept for reuse (util/arena.h), one per session, or NULL: malloc each */
	struct arena_pool	*chunks;
};

/*
 * What the user asked for that checks need to know.  Owned by the caller
 * (the engine's user); every audit borrows it.  What only one area reads is
 * that area's option (audit/area_opts.h), kept in areas; what is here is
 * read across areas: the profile, what the domain is, the network rules
 * the shared probes and fetches follow, and why the run is offline.
 */
struct check_options {
	const struct profile *profile;	/* never NULL when checks run */
	bool parked;			/* --parked: the domain sends and receives no mail */
	/*
	 * Every area's own option values (engine_option_set), borrowed, or
	 * NULL: every area's defaults.
	 */
	const struct area_settings *areas;
	/* The network (the STARTTLS probes and the MTA-STS policy fetch): */
	bool no_smtp;			/* --no-smtp: never connect to port 25 */
	const char *ca_file;		/* --ca-file: extra trusted CAs (PEM), or NULL */
	double net_timeout;		/* seconds per SMTP step / HTTPS fetch (0: 10) */
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
struct audit_once;

/*
 * AUDIT_AREAS_MAX - the most areas an audit counts queries for (the
 * registry has fewer; an area past it is counted with the unattributed).
 */
#define AUDIT_AREAS_MAX	24

/*
 * What one area of an audit asked: queries sent to the resolver (the first
 * asker of a name and type pays) and lookups answered from the audit's memo
 * or joined to one in flight (asked again, not sent again).
 */
struct audit_area_queries {
	const char	*area;		/* borrowed (the registry's), NULL: unattributed */
	uint32_t	 sent;
	uint32_t	 shared;
};

struct audit {
	char			*domain;	/* lower case, no trailing dot */
	size_t			 index;		/* position in the input */
	const struct check_options *opts;
	struct resolver		*res;		/* the session's (audit_env) */
	struct http_client	*http;
	struct smtp_prober	*smtp;
	struct smtp_probe_cache	*probes;	/* the run's shared probes, or NULL (audit_env) */
	struct suffix_list	*psl;
	const struct providers	*providers;	/* the session's (audit_env), or NULL */
	struct dkim_key_cache	*dkim_keys;	/* the session's (audit_env), or NULL */
	const void		*owner;		/* the run: tags lookups, probes, fetches */
	struct finding_list	 findings;
	json_t			*facts;		/* {"<area>": {...}} */
	struct arena		 arena;		/* freed with the audit: per-check state */
	int			 pending;	/* lookups (and starters) in flight */
	bool			 finished;
	struct audit_memo	*memo;
	void			(*on_done)(struct audit *a, void *arg);
	void			*done_arg;
	struct audit_once	*once;		/* what this audit's checks share: audit_once */
	/*
	 * The area whose code runs now (audit_set_area; restored around every
	 * memo and audit_once callback to the area that registered it), and
	 * the queries counted per area: queries[0] is the unattributed.
	 */
	const char		*area;
	struct audit_area_queries queries[AUDIT_AREAS_MAX];
	size_t			 nqueries;
	/*
	 * The areas this audit runs, as its starter said (the engine: its
	 * --only list, borrowed, NULL-terminated, or NULL for every area);
	 * areas_known false: not said, audit_area_runs answers false.
	 */
	char *const		*areas;
	bool			 areas_known;
};

/*
 * audit_area_runs - area (borrowed) is known to run in this audit: a check
 * may then ask a question of that area's ahead of it, shared through the
 * memo, knowing it costs nothing more.  False when not known.
 */
bool audit_area_runs(const struct audit *a, const char *area);

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
 * audit_set_area - the area whose code runs from now on (borrowed: a string
 * that outlives the audit, the registry's), for the query counts; returns
 * the previous one so a caller can restore it.  NULL: none.
 */
const char *audit_set_area(struct audit *a, const char *area);

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
 * audit_memo_peek - the answer already memoised for name/type (borrowed: valid
 * while the audit lives; take a reference to keep it past that), counted as
 * shared by the current area, or NULL when it was never asked or is still in
 * flight.  For code that must know whether audit_lookup would call back at
 * once (policy/spf_eval's lookup hook).  name is borrowed.
 */
struct dns_answer *audit_memo_peek(struct audit *a, const char *name, uint16_t type);

/*
 * audit_once - something computed once per audit and handed to every check
 * that asks (the MTA-STS state the mta-sts and tls checks judge, the
 * STARTTLS probes of the tls and dane checks).  The first call for key
 * allocates size zeroed bytes from a's arena (the value, owned by the audit)
 * and calls start(a, value), which begins the work; whoever completes it
 * calls audit_once_done(a, key).  Every call registers cb(a, value, arg):
 * while the work is in flight the audit is held and cb waits (waiters run
 * newest first); once done, cb runs at once, inside this call.  key is
 * borrowed for the audit's life (a string literal).
 */
typedef void (*audit_once_cb)(struct audit *a, void *value, void *arg);
void audit_once(struct audit *a, const char *key, size_t size,
    void (*start)(struct audit *a, void *value), audit_once_cb cb, void *arg);

/*
 * audit_once_done - key's value is complete: run its waiters (each then
 * releases the audit).  a and key are borrowed; the value stays the
 * audit's.  The last release may finish the audit, so a caller that touches
 * the value afterwards holds the audit around this call.
 */
void audit_once_done(struct audit *a, const char *key);

/*
 * audit_area_opts - the option values of area def for this audit (borrowed,
 * valid for the audit's life): the run's or the domain's settings, or def's
 * defaults.  A check casts it to its own settings struct.
 */
const void *audit_area_opts(const struct audit *a, const struct area_options *def);

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
