/* src/engine/session.h - a session: the machinery every run on one event loop shares */
#ifndef MS_ENGINE_SESSION_H
#define MS_ENGINE_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "audit/audit.h"
#include "util/status.h"

struct event_base;
struct replay_data;

/*
 * A session owns only what is shared by everything that runs on one event
 * loop: the loop itself (or borrows the caller's), the resolver, the HTTPS
 * client (libcurl multi), the STARTTLS prober and the Public Suffix List.
 * What varies per domain or per run (profile, check options, --only,
 * --ignore, selectors, --parked, the deadline) is given with each run
 * (engine_submit, summary_start, plan_observe_start), so several runs with
 * different settings can share one session at once.  Nothing here is
 * process-wide: two sessions in one process are independent.
 */
struct session_config {
	struct event_base *base;	/* the caller's loop (borrowed), or NULL: the session's own */
	/* DNS: replay data, a replay file, or else libunbound. */
	const struct replay_data *replay;	/* borrowed; must outlive the session */
	const char	*replay_path;	/* a replay file the session loads, or NULL */
	const char	*resolver;	/* libunbound: --resolver ADDR[@PORT], or NULL: resolv.conf */
	const char	*trust_anchor;	/* libunbound: --trust-anchor FILE, or NULL */
	/*
	 * --resolver-validates: no libunbound; every query goes to resolver (which
	 * must be given) through the stub backend, and an answer is secure when
	 * that resolver set the AD bit.  trust_anchor and replay must be unset.
	 */
	bool		 resolver_validates;
	bool		 resolver_tcp;	/* libunbound: ask resolver over TCP (unbound_config.tcp) */
	/* libunbound: no insecure shortcut (unbound_config.insecure_shortcut; on by default) */
	bool		 no_insecure_shortcut;
	double		 timeout;	/* per DNS query, seconds (0: 5) */
	/* The Public Suffix List. */
	struct suffix_list *psl;	/* borrowed (must outlive the session), or NULL: */
	const char	*psl_path;	/* --psl FILE (loaded now), or NULL: the default */
	bool		 psl_now;	/* load the default list now, not on first use */
	bool		 http;		/* make an HTTPS client (MTA-STS policy fetches) */
	unsigned	 smtp_per_address;	/* SMTP connections at once per address (0: default) */
	unsigned	 smtp_per_network;	/* ... per IPv4 /24, IPv6 /48 (0: default) */
};

struct session {
	struct event_base	*base;
	struct resolver		*res;
	struct http_client	*http;	/* NULL unless asked for */
	struct smtp_prober	*smtp;
	struct suffix_list	*psl;
	struct providers	*providers;	/* the built-in provider names, parsed once */
	struct dkim_key_cache	*dkim_keys;	/* DKIM key records parsed, kept for the session */
	struct arena_pool	*chunks;	/* the audits' arena chunks, kept for reuse */
	struct audit_env	 env;	/* the above, for audits */
	struct replay_data	*replay;	/* loaded from replay_path, or NULL */
	FILE			*dns_log;	/* $MAILSEC_DNS_LOG opened, or NULL: res->log */
	bool			 own_base;
	bool			 own_psl;
};

/*
 * session_new - the machinery of cfg.  On failure returns the status, sets
 * *err (caller frees: an unreadable replay file or trust anchor, a bad
 * --resolver, an unloadable --psl) and *out to NULL.  The caller frees *out
 * with session_free() once every run on it is done.
 */
MS_MUST_CHECK enum ms_status session_new(const struct session_config *cfg, struct session **out, char **err);

/*
 * session_wait - run s's loop until *done is true (a completion callback
 * sets it) or nothing is left on the loop; returns *done.  For one-shot
 * programs; a server runs its own loop instead.
 */
bool session_wait(struct session *s, const bool *done);

/*
 * session_free - free the machinery (NULL is fine).  Runs must be finished
 * (or cancelled and their done callbacks run) first; lookups, probes and
 * fetches somebody else started on it are abandoned without callbacks.  A
 * borrowed base is left to its owner.
 */
void session_free(struct session *s);

#endif
