/* src/dns/resolver_unbound.c - libunbound backend: real, DNSSEC-validating lookups on the libevent loop */
#include "dns/resolver_unbound.h"
#include "dns/insecure_cuts.h"
#include "dns/resolver_stub.h"
#include "dns/sysresolv.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <errno.h>
#include <event2/event.h>
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <event2/util.h>
#include <string.h>
#include <unbound-event.h>
#include <unbound.h>


/*
 * libunbound's built-in local zones (services/localzone.c and util/as112.c
 * of unbound 1.17, plus later additions, which are harmless when absent):
 * without a transparent override libunbound answers these itself.
 */
static const char *const local_zones[] = {
	"localhost.", "127.in-addr.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"onion.", "test.", "invalid.", "home.arpa.", "resolver.arpa.",
	/* RFC 1918 */
	"10.in-addr.arpa.", "16.172.in-addr.arpa.", "17.172.in-addr.arpa.",
	"18.172.in-addr.arpa.", "19.172.in-addr.arpa.", "20.172.in-addr.arpa.",
	"21.172.in-addr.arpa.", "22.172.in-addr.arpa.", "23.172.in-addr.arpa.",
	"24.172.in-addr.arpa.", "25.172.in-addr.arpa.", "26.172.in-addr.arpa.",
	"27.172.in-addr.arpa.", "28.172.in-addr.arpa.", "29.172.in-addr.arpa.",
	"30.172.in-addr.arpa.", "31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
	/* RFC 6303 / 5737 */
	"0.in-addr.arpa.", "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	/* RFC 6598 */
	"64.100.in-addr.arpa.", "65.100.in-addr.arpa.", "66.100.in-addr.arpa.",
	"67.100.in-addr.arpa.", "68.100.in-addr.arpa.", "69.100.in-addr.arpa.",
	"70.100.in-addr.arpa.", "71.100.in-addr.arpa.", "72.100.in-addr.arpa.",
	"73.100.in-addr.arpa.", "74.100.in-addr.arpa.", "75.100.in-addr.arpa.",
	"76.100.in-addr.arpa.", "77.100.in-addr.arpa.", "78.100.in-addr.arpa.",
	"79.100.in-addr.arpa.", "80.100.in-addr.arpa.", "81.100.in-addr.arpa.",
	"82.100.in-addr.arpa.", "83.100.in-addr.arpa.", "84.100.in-addr.arpa.",
	"85.100.in-addr.arpa.", "86.100.in-addr.arpa.", "87.100.in-addr.arpa.",
	"88.100.in-addr.arpa.", "89.100.in-addr.arpa.", "90.100.in-addr.arpa.",
	"91.100.in-addr.arpa.", "92.100.in-addr.arpa.", "93.100.in-addr.arpa.",
	"94.100.in-addr.arpa.", "95.100.in-addr.arpa.", "96.100.in-addr.arpa.",
	"97.100.in-addr.arpa.", "98.100.in-addr.arpa.", "99.100.in-addr.arpa.",
	"100.100.in-addr.arpa.", "101.100.in-addr.arpa.", "102.100.in-addr.arpa.",
	"103.100.in-addr.arpa.", "104.100.in-addr.arpa.", "105.100.in-addr.arpa.",
	"106.100.in-addr.arpa.", "107.100.in-addr.arpa.", "108.100.in-addr.arpa.",
	"109.100.in-addr.arpa.", "110.100.in-addr.arpa.", "111.100.in-addr.arpa.",
	"112.100.in-addr.arpa.", "113.100.in-addr.arpa.", "114.100.in-addr.arpa.",
	"115.100.in-addr.arpa.", "116.100.in-addr.arpa.", "117.100.in-addr.arpa.",
	"118.100.in-addr.arpa.", "119.100.in-addr.arpa.", "120.100.in-addr.arpa.",
	"121.100.in-addr.arpa.", "122.100.in-addr.arpa.", "123.100.in-addr.arpa.",
	"124.100.in-addr.arpa.", "125.100.in-addr.arpa.", "126.100.in-addr.arpa.",
	"127.100.in-addr.arpa.",
	/* RFC 4291, 4193, 3849 */
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
	NULL
};

const char *
unbound_lib_version(void)
{
	return ub_version();
}

const char *
unbound_ldns_version(void)
{
	return ldns_version();
}

const char *const *
unbound_local_zones(void)
{
	return local_zones;
}

/* ---- the backend ----------------------------------------------------------- */

/*
 * With the first query, the root's DNSKEY is asked for once.  If it arrives
 * but does not validate against the trust anchor, the upstream strips DNSSEC
 * records (or the anchor is stale): every answer would be bogus, so queries
 * go to a second, non-validating context instead, and r.unvalidated says why
 * (the DNSSEC and DANE checks then report unknown, not insecure).  Queries
 * are sent at once meanwhile; only a BOGUS answer that arrives before the
 * verdict is held: asked again without validation if the upstream strips,
 * delivered as it is otherwise.
 */
enum ub_mode { UB_PROBING, UB_VALIDATING, UB_PLAIN };

#define REACH_MAX	8	/* resolvers of resolv.conf probed */

/* One upstream resolver being asked ". NS" over a plain UDP socket of our own. */
struct reach_target {
	struct unbound_resolver *ur;
	char *label;		/* "ADDR" or "ADDR@PORT", for messages */
	evutil_socket_t fd;
	struct event *ev;
	uint8_t id[2];
	bool done;
	bool answered;
	char *err;		/* why not, once done */
};

struct unbound_resolver {
	struct resolver r;
	bool tcp;			/* unbound_config.tcp: both contexts ask over TCP */
	struct ub_ctx *ctx;		/* validating */
	struct ub_ctx *plain;		/* without a trust anchor, after the root failed */
	FILE *log;		/* libunbound's log goes here (/dev/null unless debugging) */
	enum ub_mode mode;
	int probe_id;
	bool probe_busy;
	struct event *probe_timer;
	struct ub_query *waiting;	/* BOGUS answers held until the probe is in */
	/*
	 * Queries the generic layer gave up on (timeout, deadline) that
	 * libunbound is still working on: kept until its callback comes, for
	 * an event context's ub_cancel() leaves its state behind until the
	 * context is deleted (measured: 1.3 GB after 118,000 timed-out
	 * queries).  r.stats.backlog counts them.
	 */
	struct ub_query *zombies;
	char *fwd, *rc_path, *ta;	/* to build the plain context */
	char *why;			/* r.unvalidated */
	/* the root DNSKEY probe's outcome, kept until both probes are in */
	bool keys_done;
	int keys_rcode, keys_sec;
	size_t keys_n;
	char *keys_why;
	/* the reachability probe: ". NS" to each upstream, bounded by the timeout */
	struct reach_target reach[REACH_MAX];
	size_t nreach;
	bool reach_unprobed;		/* resolv.conf names a server we cannot probe */
	size_t reach_pending;
	struct event *settle_ev;	/* decides from the loop once both probes are in */
	struct timeval probe_wait;	/* how long the probes wait (a little under the timeout) */
	char *unreachable;		/* r.unreachable */
	char max_rtt[16];		/* infra-cache-max-rtt: the per-query timeout, ms */
	/* the insecure shortcut (below): NULL cuts when off */
	struct insecure_cuts *cuts;
	struct resolver *stub;		/* made with the first question it takes */
	double timeout_s;		/* the per-query timeout, for the stub */
	struct walk *walks;		/* SOA questions of the walk in flight */
	size_t nwalks;
	struct unbound_shortcut_stats sc;
	char out_range[16];		/* outgoing-range: UDP sockets at once (outgoing_range()) */
};

/*
 * One query.  libunbound may answer from inside ub_resolve_event() (local
 * data, its cache): such an answer is parked in early and delivered from a
 * zero-delay event, so callers are never called back from resolver_query().
 */
struct ub_query {
	struct unbound_resolver *ur;
	struct resolver_pending *p;
	struct ub_ctx *ctx;	/* the context it was sent to */
	char *name;
	uint16_t type;
	int async_id;
	bool started;		/* ub_resolve_event() has returned */
	bool waiting;		/* held on ur->waiting (its answer in early) */
	bool zombie;		/* on ur->zombies: nobody waits for the answer */
	bool via_stub;		/* asked of ur->stub (the insecure shortcut), owner q */
	struct ub_query *wnext, **wprevp;
	struct dns_answer *early;
	struct event *defer;
};

static void
query_free(struct ub_query *q)
{
	if (q->zombie) {
		*q->wprevp = q->wnext;
		if (q->wnext)
			q->wnext->wprevp = q->wprevp;
		q->ur->r.stats.backlog--;
	}
	if (q->waiting) {
		*q->wprevp = q->wnext;
		if (q->wnext)
			q->wnext->wprevp = q->wprevp;
	}
	if (q->defer)
		event_free(q->defer);
	dns_answer_unref(q->early);
	free(q->name);
	free(q);
}

/* deliver_early - the zero-delay event for an answer given during ub_resolve_event() */
static void
deliver_early(evutil_socket_t fd, short what, void *arg)
{
	struct ub_query *q = arg;
	struct dns_answer *a = q->early;

	(void)fd;
	(void)what;
	q->early = NULL;
	resolver_deliver(q->p, a);
	query_free(q);
}

static int send_query(struct ub_query *q);
static void learn(struct unbound_resolver *ur, const char *name, const struct dns_answer *a);
static void walk_from(struct unbound_resolver *ur, const char *of);
static bool shortcut_applies(struct unbound_resolver *ur, const char *name);
static bool send_stub(struct ub_query *q);

/* no_answer - make a failed answer say that no resolver answered at all */
static void
no_answer(struct dns_answer *a)
{
	a->status = DNS_TIMEOUT;
	dns_answer_set_why(a, "no answer from the resolver");
}

/* ub_done - libunbound's callback (never called for a cancelled query) */
static void
ub_done(void *arg, int rcode, void *packet, int packet_len, int sec, char *why_bogus,
    int was_ratelimited)
{
	struct ub_query *q = arg;
	struct dns_answer *a;

	(void)was_ratelimited;
	if (q->zombie) {	/* given up on: libunbound is done with it now */
		query_free(q);
		return;
	}
	a = unbound_answer_from_wire(q->name, q->type, rcode, packet,
	    packet_len > 0 ? (size_t)packet_len : 0, sec, why_bogus);
	if (q->ur->mode == UB_PROBING &&
	    (a->status == DNS_BOGUS || a->status == DNS_SERVFAIL || a->status == DNS_TIMEOUT)) {
		struct unbound_resolver *ur = q->ur;

		/*
		 * Maybe only a stripping upstream, or one without the root's keys,
		 * or none at all: hold it until the probes say.
		 */
		q->early = a;
		q->async_id = -1;
		q->waiting = true;
		q->wnext = ur->waiting;
		if (ur->waiting)
			ur->waiting->wprevp = &q->wnext;
		q->wprevp = &ur->waiting;
		ur->waiting = q;
		return;
	}
	if (q->ur->mode == UB_PLAIN && q->ctx == q->ur->ctx && dns_answer_failed_status(a->status)) {
		/* Sent to the validating context before the fallback: ask again without. */
		dns_answer_unref(a);
		q->async_id = -1;
		send_query(q);
		return;
	}
	if (q->ur->unreachable && dns_answer_failed_status(a->status))
		no_answer(a);
	if (q->ur->cuts && q->ctx == q->ur->ctx && q->ur->mode == UB_VALIDATING && !a->secure &&
	    (a->status == DNS_OK || a->status == DNS_NODATA || a->status == DNS_NXDOMAIN))
		learn(q->ur, q->name, a);
	if (!q->started) {
		struct timeval now = { 0, 0 };

		q->early = a;
		q->defer = evtimer_new(q->ur->r.base, deliver_early, q);
		evtimer_add(q->defer, &now);
		return;
	}
	resolver_deliver(q->p, a);
	query_free(q);
}

/*
 * send_query - hand q to the context of the current mode; UB_SYNTAX (not a
 * name) is returned untouched, any other refusal becomes a SERVFAIL answer
 */
static int
send_query(struct ub_query *q)
{
	struct unbound_resolver *ur = q->ur;
	int rc;

	q->ctx = ur->mode == UB_PLAIN ? ur->plain : ur->ctx;
	if (ur->unreachable) {
		struct timeval now = { 0, 0 };

		/* Known: nobody answers.  Say so at once rather than after a timeout. */
		q->early = dns_answer_new(q->name, q->type);
		no_answer(q->early);
		q->async_id = -1;
		q->started = true;
		q->defer = evtimer_new(ur->r.base, deliver_early, q);
		evtimer_add(q->defer, &now);
		return 0;
	}
	q->started = false;
	rc = ub_resolve_event(q->ctx, q->name, q->type, LDNS_RR_CLASS_IN, q, ub_done, &q->async_id);
	q->started = true;
	if (rc == 0 || q->early || rc == UB_SYNTAX)
		return rc;
	/*
	 * libunbound could not take the query (out of memory, too many in
	 * flight): that is "could not tell", never "missing", so answer SERVFAIL
	 * from the loop rather than refuse the query.
	 */
	{
		struct timeval now = { 0, 0 };

		q->early = dns_answer_new(q->name, q->type);
		q->early->status = DNS_SERVFAIL;
		dns_answer_set_why(q->early, "libunbound could not start the query: %s",
		    ub_strerror(rc));
		q->async_id = -1;
		q->defer = evtimer_new(ur->r.base, deliver_early, q);
		evtimer_add(q->defer, &now);
	}
	return 0;
}

static enum ms_status
unbound_start(struct resolver *r, struct resolver_pending *p, const char *name, uint16_t type)
{
	struct unbound_resolver *ur = r->impl;
	struct ub_query *q;

	q = xcalloc(1, sizeof(*q));
	q->ur = ur;
	q->p = p;
	q->name = xstrdup(name);
	q->type = type;
	q->async_id = -1;
	resolver_pending_set_handle(p, q);
	if (shortcut_applies(ur, name) && send_stub(q))
		return MS_OK;
	if (send_query(q) == UB_SYNTAX) {	/* not a name: the caller's "invalid name" path */
		resolver_pending_set_handle(p, NULL);
		query_free(q);
		return MS_ERR_ARG;
	}
	return MS_OK;
}

static void
unbound_cancel(struct resolver *r, struct resolver_pending *p, void *handle)
{
	struct ub_query *q = handle;

	(void)r;
	(void)p;
	if (q == NULL)
		return;
	if (q->via_stub) {
		/* stub_done() sees nobody waits, and frees q */
		q->p = NULL;
		resolver_cancel_owned(q->ur->stub, q, "cancelled");
		return;
	}
	if (!q->waiting && q->early == NULL && q->async_id >= 0 && q->started) {
		struct unbound_resolver *ur = q->ur;

		/* Still in libunbound: its callback frees it (see ur->zombies). */
		q->p = NULL;
		q->zombie = true;
		q->wnext = ur->zombies;
		if (ur->zombies)
			ur->zombies->wprevp = &q->wnext;
		q->wprevp = &ur->zombies;
		ur->zombies = q;
		ur->r.stats.backlog++;
		return;
	}
	query_free(q);
}

/* ---- the insecure shortcut ------------------------------------------------- */

/*
 * Once libunbound has proven a zone insecure, nothing at or below it can
 * validate to anything but insecure (RFC 4035 §4.3, §5), so validating its
 * names buys nothing but CPU (libunbound's own work was most of an audit's:
 * issue 23, docs/performance.md "The insecure shortcut").  So, when on
 * (unbound_config.insecure_shortcut; libunbound here always forwards, to
 * --resolver or the nameservers of resolv.conf):
 *
 *  - Learning.  Every answer libunbound's validating context gives that is
 *    neither secure nor bogus nor failed, about the name N asked itself (no
 *    CNAME followed), marks N at once (learn(): an audit's next questions
 *    below it take the shortcut; the walk alone came too late for most of
 *    them).  It also starts (or continues) a walk for N (the CNAME target
 *    when one was followed), to find a higher cut: the SOA of N's
 *    ancestors-or-self is asked of libunbound, from the top label down
 *    (test., example.test., ...; at most INSECURE_CUTS_LABELS), one at a
 *    time, each once per lifetime.  An answer for the SOA of A that is
 *    insecure and about A itself (records owned by A, or NXDOMAIN/NODATA for
 *    A, no CNAME followed) marks A (insecure_cuts.h; never a name with a
 *    trust anchor at or below it) and ends the walk; a secure one goes on
 *    down; a bogus or failed one ends it and marks nothing.  Neither marks
 *    nor asks about the apex of a built-in local zone (libunbound answers
 *    its SOA and NS itself, unvalidated: "test." is never marked).  The walk's
 *    questions go straight to libunbound (not the generic layer: not
 *    logged, not counted, no budget), at most WALK_MAX_INFLIGHT at once;
 *    nobody waits for them.
 *
 *  - Routing.  A question for a name at or below a mark, while validating
 *    (not probing the root's keys, not fallen back to the plain context,
 *    upstream reachable), goes to a stub backend (resolver_stub.h: pooled
 *    UDP sockets, TCP when truncated) for the same upstream, owner the
 *    ub_query.  Its answer is delivered as insecure whatever the AD bit;
 *    timeouts as they are.  An answer that followed a CNAME or DNAME is
 *    asked again through libunbound, which delivers its own verdict: a
 *    chain is as strong as its weakest link, and the stub's answer does not
 *    say which zones the links were in.  So is a SERVFAIL or BOGUS (an
 *    upstream that validates fails a chain into a bogus zone, where
 *    libunbound would say BOGUS and why): failures are rare, and the
 *    verdict stays libunbound's.
 */
#define WALK_MAX_INFLIGHT	32
#define CUT_LIFETIME		900.0	/* seconds at most a mark (or a secure "not") is kept */
#define CUT_RETRY		30.0	/* after a failed or bogus SOA answer */

/* One SOA question of the walk. */
struct walk {
	struct unbound_resolver *ur;
	struct walk *next, **prevp;
	char *name;		/* asked: SOA of it */
	char *of;		/* the name whose ancestors are walked */
	int async_id;
	bool started;		/* ub_resolve_event() has returned */
	bool finished;		/* answered from inside ub_resolve_event() */
	bool go_on;		/* then: whether the walk goes on */
};

static double
now_s(struct unbound_resolver *ur)
{
	struct timeval tv;

	if (event_base_gettimeofday_cached(ur->r.base, &tv) != 0)
		gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void
walk_free(struct walk *w)
{
	*w->prevp = w->next;
	if (w->next)
		w->next->prevp = w->prevp;
	w->ur->nwalks--;
	free(w->name);
	free(w->of);
	free(w);
}

/* walk_record - the SOA answer for w->name into the table; whether the walk goes on down */
static bool
walk_record(struct walk *w, int rcode, void *packet, int packet_len, int sec)
{
	struct unbound_resolver *ur = w->ur;
	struct dns_answer *a = unbound_answer_from_wire(w->name, DNS_T_SOA, rcode, packet,
	    packet_len > 0 ? (size_t)packet_len : 0, sec, NULL);
	double now = now_s(ur);
	bool go_on = false;

	if (ur->mode != UB_VALIDATING || dns_answer_failed_status(a->status)) {
		MS_IGNORE(insecure_cuts_set(ur->cuts, w->name, CUT_NOT, now + CUT_RETRY));
	} else if (a->secure) {
		MS_IGNORE(insecure_cuts_set(ur->cuts, w->name, CUT_NOT, now + CUT_LIFETIME));
		go_on = true;
	} else if (a->canon == NULL && a->ttl > 0) {
		double life = a->ttl < CUT_LIFETIME ? (double)a->ttl : CUT_LIFETIME;

		if (insecure_cuts_set(ur->cuts, w->name, CUT_INSECURE, now + life) &&
		    insecure_cuts_get(ur->cuts, w->name, now) == CUT_INSECURE)
			ur->sc.marked++;
		else
			go_on = true;	/* an anchor at or below it: look further down */
	} else {
		/* insecure but through a CNAME, or not to be kept: nothing proven about w->name */
		MS_IGNORE(insecure_cuts_set(ur->cuts, w->name, CUT_NOT, now + CUT_RETRY));
	}
	dns_answer_unref(a);
	return go_on;
}

/* walk_done - libunbound's callback for a walk's SOA question */
static void
walk_done(void *arg, int rcode, void *packet, int packet_len, int sec, char *why_bogus,
    int was_ratelimited)
{
	struct walk *w = arg;
	struct unbound_resolver *ur = w->ur;
	bool go_on;
	char *of;

	(void)why_bogus;
	(void)was_ratelimited;
	go_on = walk_record(w, rcode, packet, packet_len, sec);
	if (!w->started) {	/* from inside ub_resolve_event(): walk_from() goes on */
		w->finished = true;
		w->go_on = go_on;
		return;
	}
	of = go_on ? xstrdup(w->of) : NULL;
	walk_free(w);
	if (of)
		walk_from(ur, of);
	free(of);
}

/* is_local_zone - whether name (any case, trailing dot or not) is the apex of a built-in local zone */
static bool
is_local_zone(const char *name)
{
	for (const char *const *z = local_zones; *z; z++)
		if (dns_name_equal(*z, name))
			return true;
	return false;
}

/* walk_from - ask the next SOA question of the walk for of (borrowed), if any is due */
static void
walk_from(struct unbound_resolver *ur, const char *of)
{
	char cand[DNS_NAME_MAX];

	while (ur->nwalks < WALK_MAX_INFLIGHT && insecure_cuts_next(ur->cuts, of, now_s(ur), cand)) {
		struct walk *w;
		bool go_on;
		int rc;

		if (is_local_zone(cand)) {
			/*
			 * libunbound answers the apex of its built-in local zones from
			 * its own data (the SOA and NS of "test." are its own, made
			 * transparent or not), unvalidated: that proves nothing.
			 */
			if (!insecure_cuts_set(ur->cuts, cand, CUT_NOT, now_s(ur) + CUT_LIFETIME))
				return;
			continue;
		}
		w = xcalloc(1, sizeof(*w));
		if (!insecure_cuts_set(ur->cuts, cand, CUT_ASKING,
		    now_s(ur) + ur->timeout_s + CUT_RETRY)) {
			free(w);
			return;
		}
		w->ur = ur;
		w->name = xstrdup(cand);
		w->of = xstrdup(of);
		w->async_id = -1;
		w->next = ur->walks;
		if (ur->walks)
			ur->walks->prevp = &w->next;
		w->prevp = &ur->walks;
		ur->walks = w;
		ur->nwalks++;
		ur->sc.walked++;
		rc = ub_resolve_event(ur->ctx, cand, DNS_T_SOA, LDNS_RR_CLASS_IN, w, walk_done,
		    &w->async_id);
		w->started = true;
		if (rc != 0 && !w->finished) {
			MS_IGNORE(insecure_cuts_set(ur->cuts, cand, CUT_NOT, now_s(ur) + CUT_RETRY));
			walk_free(w);
			return;
		}
		if (!w->finished)
			return;		/* walk_done() goes on */
		go_on = w->go_on;
		walk_free(w);
		if (!go_on)
			return;
	}
}

/*
 * learn - an insecure answer a (borrowed) from the validating context for
 * name: about name itself (no CNAME followed), it marks name at once (the
 * audit's next questions below it take the shortcut); then the walk looks
 * for a higher cut from the name the answer is about
 */
static void
learn(struct unbound_resolver *ur, const char *name, const struct dns_answer *a)
{
	double now = now_s(ur);

	/* the table normalises the name (case, trailing dot) and refuses what it cannot keep */
	if (a->canon == NULL && a->ttl > 0 && !insecure_cuts_covers(ur->cuts, name, now) &&
	    !is_local_zone(name) &&	/* libunbound answers the apex of a local zone itself */
	    insecure_cuts_set(ur->cuts, name, CUT_INSECURE,
	    now + (a->ttl < CUT_LIFETIME ? (double)a->ttl : CUT_LIFETIME)) &&
	    insecure_cuts_get(ur->cuts, name, now) == CUT_INSECURE)
		ur->sc.marked++;
	walk_from(ur, a->canon ? a->canon : name);
}

/* shortcut_applies - whether a question for name goes to the stub */
static bool
shortcut_applies(struct unbound_resolver *ur, const char *name)
{
	return ur->cuts && ur->mode == UB_VALIDATING && !ur->unreachable &&
	    insecure_cuts_covers(ur->cuts, name, now_s(ur));
}

/* stub_done - the stub's answer (borrowed) for q */
static void
stub_done(struct dns_answer *a, void *arg)
{
	struct ub_query *q = arg;

	q->via_stub = false;
	if (q->p == NULL) {	/* cancelled */
		query_free(q);
		return;
	}
	if (a->canon || a->status == DNS_SERVFAIL || a->status == DNS_BOGUS) {
		/*
		 * A chain: libunbound's verdict (the links may be in signed
		 * zones).  A failure: libunbound's own (a validating upstream
		 * fails a chain into a bogus zone where libunbound says BOGUS
		 * with its reason).  A timeout is delivered as it is.
		 */
		q->ur->sc.reasked++;
		if (send_query(q) == UB_SYNTAX) {
			struct dns_answer *f = dns_answer_new(q->name, q->type);

			f->status = DNS_SERVFAIL;
			dns_answer_set_why(f, "libunbound refused the name");
			resolver_deliver(q->p, f);
			query_free(q);
		}
		return;
	}
	a->secure = false;	/* whatever the AD bit said: below a proven-insecure cut */
	resolver_deliver(q->p, dns_answer_ref(a));
	query_free(q);
}

/* send_stub - ask q of the stub; false (q untouched) when the stub cannot be had */
static bool
send_stub(struct ub_query *q)
{
	struct unbound_resolver *ur = q->ur;

	if (ur->stub == NULL) {
		/*
		 * The same upstream: the normalised --resolver, or resolv.conf's
		 * nameservers (the stub takes the first 3, 127.0.0.1 when none, as
		 * libunbound forwards to 127.0.0.1 then).  A second longer timeout,
		 * so the generic layer's own timer always speaks first.
		 */
		struct stub_config sc = { .forward = ur->fwd, .resolv_conf = ur->rc_path };
		char *err = NULL;

		if (resolver_stub_new(ur->r.base, &sc, ur->timeout_s + 1, &ur->stub, &err) != MS_OK) {
			free(err);
			insecure_cuts_free(ur->cuts);	/* off for good */
			ur->cuts = NULL;
			return false;
		}
		/*
		 * The stub's pooled sockets keep their source port for many
		 * queries (only the 16-bit ID is random): fine where nobody
		 * off the host can forge a reply, not toward a resolver across
		 * a network, where libunbound's random port per query stays.
		 */
		if (!resolver_stub_on_loopback(ur->stub)) {
			ur->sc.not_loopback = true;
			insecure_cuts_free(ur->cuts);	/* off for good */
			ur->cuts = NULL;
			return false;
		}
	}
	q->via_stub = true;
	if (resolver_query_owned(ur->stub, q, q->name, q->type, stub_done, q) != MS_OK) {
		q->via_stub = false;
		return false;
	}
	ur->sc.routed++;
	return true;
}

/*
 * ta_owners - the owner names of the DS and DNSKEY records in the trust
 * anchor file path (caller frees each and the array); false when the file
 * cannot be read or parsed (the shortcut then stays off)
 */
static bool
ta_owners(const char *path, char ***out, size_t *n)
{
	FILE *fp = fopen(path, "r");
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	int line = 0;
	bool ok = fp != NULL;

	*out = NULL;
	*n = 0;
	while (ok && !feof(fp)) {
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);

		if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (s != LDNS_STATUS_OK) {
			ok = false;
			break;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS || ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY) {
			char *o = ldns_rdf2str(ldns_rr_owner(rr));

			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			(*out)[(*n)++] = xstrdup(o ? o : ".");
			free(o);
		}
		ldns_rr_free(rr);
	}
	if (origin)
		ldns_rdf_deep_free(origin);
	if (prev)
		ldns_rdf_deep_free(prev);
	if (fp)
		fclose(fp);
	return ok && *n > 0;
}

/* ---- the reachability probe ------------------------------------------------ */

/*
 * libunbound makes up SERVFAIL when nothing answers, so "the resolver is
 * down" and "the resolver failed this name" look alike.  At start, every
 * upstream (--resolver, or the nameservers of resolv.conf) is asked ". NS"
 * over a connected UDP socket of our own, so the socket error (ICMP
 * unreachable as ECONNREFUSED, ENETUNREACH from send) or the timeout can be
 * named.  One answer of any kind from any of them is enough.
 */

static void schedule_settle(struct unbound_resolver *ur);

/* reach_close - close the probe sockets and free the targets */
static void
reach_close(struct unbound_resolver *ur)
{
	for (size_t i = 0; i < ur->nreach; i++) {
		struct reach_target *t = &ur->reach[i];

		if (t->ev)
			event_free(t->ev);
		if (t->fd >= 0)
			evutil_closesocket(t->fd);
		free(t->label);
		free(t->err);
		t->ev = NULL;
		t->fd = -1;
		t->label = t->err = NULL;
	}
	ur->nreach = 0;
}

/* reach_finish - t has its verdict: answered, or err (taken over) */
static void
reach_finish(struct reach_target *t, bool answered, char *err)
{
	if (t->done) {
		free(err);
		return;
	}
	t->done = true;
	t->answered = answered;
	t->err = err;
	if (t->ev)
		event_del(t->ev);
	if (--t->ur->reach_pending == 0)
		schedule_settle(t->ur);
}

/* errno_text - strerror with a lower-case first letter, for mid-sentence use; caller frees */
static char *
errno_text(int e)
{
	char *s = xstrdup(strerror(e));

	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

/* reach_read - a reply (any rcode counts) or a socket error on one probe */
static void
reach_read(evutil_socket_t fd, short what, void *arg)
{
	struct reach_target *t = arg;
	uint8_t buf[512];
	ssize_t n;

	(void)what;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		reach_finish(t, false, errno_text(errno));
		return;
	}
	if (n >= 12 && buf[0] == t->id[0] && buf[1] == t->id[1] && (buf[2] & 0x80))
		reach_finish(t, true, NULL);
}

/* probe_sockaddr - ip and port as a socket address in *ss; its length */
static socklen_t
probe_sockaddr(const struct ipaddr *ip, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip->b, 4);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, ip->b, 16);
		return sizeof(*sin6);
	}
}

/* reach_add - start probing spec ("ADDR@PORT"); a failure to send is a verdict at once */
static void
reach_add(struct unbound_resolver *ur, const char *spec)
{
	struct reach_target *t;
	const char *at = strrchr(spec, '@');
	char *addr = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
	uint64_t port = 53;
	struct ipaddr ip;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t q[17] = { 0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1 };

	if (ur->nreach >= REACH_MAX || ipaddr_parse(addr, &ip) != MS_OK ||
	    (at && str_to_u64(at + 1, strlen(at + 1), 65535, &port) != MS_OK)) {
		free(addr);
		return;
	}
	t = &ur->reach[ur->nreach++];
	memset(t, 0, sizeof(*t));
	t->ur = ur;
	t->fd = -1;
	t->label = port == 53 ? xstrdup(addr) : xasprintf("%s@%u", addr, (unsigned)port);
	free(addr);
	ur->reach_pending++;
	sl = probe_sockaddr(&ip, (uint16_t)port, &ss);
	evutil_secure_rng_get_bytes(t->id, sizeof(t->id));
	q[0] = t->id[0];
	q[1] = t->id[1];
	t->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&ss, sl) != 0 ||
	    send(t->fd, q, sizeof(q), 0) != (ssize_t)sizeof(q)) {
		reach_finish(t, false, errno_text(errno));
		return;
	}
	t->ev = event_new(ur->r.base, t->fd, EV_READ | EV_PERSIST, reach_read, t);
	event_add(t->ev, NULL);
}

/* reach_start - probe the forwarder, or every nameserver of resolv.conf (127.0.0.1 if none) */
static void
reach_start(struct unbound_resolver *ur)
{
	if (ur->fwd) {
		reach_add(ur, ur->fwd);
	} else {
		FILE *fp = fopen(ur->rc_path, "r");
		char line[512];

		while (fp && fgets(line, sizeof(line), fp)) {
			char *p = line, *e;

			while (*p == ' ' || *p == '\t')
				p++;
			if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
				continue;
			p += 10;
			while (*p == ' ' || *p == '\t')
				p++;
			for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '#'; e++)
				;
			*e = '\0';
			if (strchr(p, '%'))
				ur->reach_unprobed = true;	/* a scoped (link-local) server: cannot tell */
			else if (*p)
				reach_add(ur, p);
		}
		if (fp)
			fclose(fp);
		if (ur->nreach == 0 && !ur->reach_unprobed)
			reach_add(ur, "127.0.0.1");
	}
}

/* reach_verdict - once every target is done: NULL (someone answered) or why not (caller frees) */
static char *
reach_verdict(struct unbound_resolver *ur)
{
	struct buf b;
	char *out;

	for (size_t i = 0; i < ur->nreach; i++)
		if (ur->reach[i].answered)
			return NULL;
	if (ur->nreach == 0 || ur->reach_unprobed)
		return NULL;	/* nothing probed, or a server we could not probe may answer */
	buf_init(&b, 4096);
	for (size_t i = 0; i < ur->nreach; i++)
		buf_addf(&b, "%sno answer from %s: %s", i ? "; " : "", ur->reach[i].label,
		    ur->reach[i].err ? ur->reach[i].err : "no reply");
	out = buf_steal_text(&b);	/* a cut says so */
	return out;
}

static void
unbound_destroy(struct resolver *r)
{
	struct unbound_resolver *ur = r->impl;

	while (ur->waiting)
		query_free(ur->waiting);	/* the generic layer cancelled them first */
	while (ur->zombies) {		/* libunbound never calls back after this */
		struct ub_query *z = ur->zombies;

		(void)ub_cancel(z->ctx, z->async_id);
		query_free(z);
	}
	if (ur->probe_busy)
		(void)ub_cancel(ur->ctx, ur->probe_id);
	while (ur->walks) {
		struct walk *w = ur->walks;

		(void)ub_cancel(ur->ctx, w->async_id);
		walk_free(w);
	}
	resolver_free(ur->stub);	/* nothing in flight: the generic layer cancelled our queries */
	insecure_cuts_free(ur->cuts);
	if (ur->probe_timer)
		event_free(ur->probe_timer);
	if (ur->settle_ev)
		event_free(ur->settle_ev);
	reach_close(ur);
	ub_ctx_delete(ur->ctx);
	if (ur->plain)
		ub_ctx_delete(ur->plain);
	if (ur->log)
		fclose(ur->log);
	free(ur->fwd);
	free(ur->rc_path);
	free(ur->ta);
	free(ur->why);
	free(ur->keys_why);
	free(ur->unreachable);
	free(ur);
}

static const struct resolver_ops unbound_ops = {
	.name = "unbound",
	.start = unbound_start,
	.cancel = unbound_cancel,
	.destroy = unbound_destroy,
};

enum ms_status
unbound_parse_forward(const char *spec, char **out)
{
	const char *at = strrchr(spec, '@');
	char *addr = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
	struct ipaddr ip;
	uint64_t port = 53;
	char buf[IPADDR_STRLEN];
	enum ms_status st = MS_ERR_SYNTAX;

	if (ipaddr_parse(addr, &ip) != MS_OK)
		goto out;
	if (at && (str_to_u64(at + 1, strlen(at + 1), 65535, &port) != MS_OK || port == 0))
		goto out;
	ipaddr_format(&ip, buf);
	*out = xasprintf("%s@%u", buf, (unsigned)port);
	st = MS_OK;
out:
	free(addr);
	return st;
}

/* ms_until - milliseconds left until deadline (CLOCK_MONOTONIC), at least 0 */
static int
ms_until(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

/* wait_fd - poll fd for events until deadline; true when ready */
static bool
wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, ms_until(deadline));
	} while (n < 0 && errno == EINTR);
	return n == 1 && (pfd.revents & events);
}

bool
unbound_tcp_answers(const char *forward, double timeout_seconds)
{
	char *norm = NULL, *at;
	struct ipaddr ip;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timespec deadline;
	unsigned long port;
	/* length prefix, then ". NS" with RD set (as reach_add's probe) */
	uint8_t q[19] = { 0, 17, 0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1 };
	uint8_t reply[4];
	size_t got = 0;
	int fd = -1, soerr = 0;
	socklen_t elen = sizeof(soerr);
	bool ok = false;

	if (unbound_parse_forward(forward, &norm) != MS_OK)
		return false;
	at = strrchr(norm, '@');
	*at = '\0';
	port = strtoul(at + 1, NULL, 10);
	if (ipaddr_parse(norm, &ip) != MS_OK)
		goto out;
	sl = probe_sockaddr(&ip, (uint16_t)port, &ss);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	{
		double t = timeout_seconds > 0 ? timeout_seconds : 1;
		long long ns = (long long)(t * 1e9) + deadline.tv_nsec;

		deadline.tv_sec += (time_t)(ns / 1000000000);
		deadline.tv_nsec = (long)(ns % 1000000000);
	}
	evutil_secure_rng_get_bytes(q + 2, 2);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 &&
	    (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, &deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) != 0 || soerr != 0))
		goto out;
	if (send(fd, q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q))
		goto out;
	/* the reply's length and ID: enough to know the server answers over TCP */
	while (got < sizeof(reply) && wait_fd(fd, POLLIN, &deadline)) {
		ssize_t n = recv(fd, reply + got, sizeof(reply) - got, 0);

		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			goto out;
		if (n > 0)
			got += (size_t)n;
	}
	ok = got == sizeof(reply) && reply[2] == q[2] && reply[3] == q[3];
out:
	if (fd >= 0)
		close(fd);
	free(norm);
	return ok;
}

/* ub_err - a libunbound error as text for *err */
static enum ms_status
ub_err(char **err, const char *what, const char *arg, int rc)
{
	*err = xasprintf("%s %s: %s%s%s", what, arg, ub_strerror(rc),
	    rc == UB_READFILE ? ": " : "", rc == UB_READFILE ? strerror(errno) : "");
	return rc == UB_READFILE ? MS_ERR_IO : MS_ERR_ARG;
}

/*
 * UNBOUND_OUTGOING_RANGE - the most queries libunbound has out to the
 * resolver at once (one UDP socket, one random source port each).  As a
 * library it keeps 16 and queues the rest in the process.  Measured cold
 * (docs/performance.md, issue 23): 128 gave the most domains/s; with 256 and
 * more, a cold resolver under load answered some queries after libunbound's
 * first retransmission timeout (376 ms unknown, then the measured RTT), so
 * it sent them again: 53 queries a domain became 70 at 1,024.
 */
#define UNBOUND_OUTGOING_RANGE	128

/*
 * outgoing_range - UNBOUND_OUTGOING_RANGE, but at most half the descriptors
 * the process may open, and at least libunbound's own 16
 */
static unsigned
outgoing_range(void)
{
	struct rlimit rl;
	rlim_t n = UNBOUND_OUTGOING_RANGE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < n)
		n = rl.rlim_cur / 2;
	return n < 16 ? 16 : (unsigned)n;
}

/*
 * ctx_new - a libunbound context on base that forwards as configured; with
 * ta, validating against it.  NULL with *err on failure.
 */
static struct ub_ctx *
ctx_new(struct unbound_resolver *ur, struct event_base *base, const char *ta, enum ms_status *st,
    char **err)
{
	struct ub_ctx *ctx = ub_ctx_create_event(base);
	int rc;

	if (ctx == NULL) {
		*err = xstrdup("cannot create a libunbound context");
		return NULL;
	}
	if (ur->log)
		(void)ub_ctx_debugout(ctx, ur->log);
	/* Many audits share one context: room for their queries in flight. */
	(void)ub_ctx_set_option(ctx, "num-queries-per-thread:", "4096");
	/*
	 * And room for them on the wire: as a library, libunbound keeps at most
	 * 16 UDP queries outstanding (config_create_forlib()) and queues the
	 * rest, so a cold resolver had 16 of our queries at a time while
	 * hundreds waited in the process (issue 23, docs/performance.md).
	 */
	(void)ub_ctx_set_option(ctx, "outgoing-range:", ur->out_range);
	/*
	 * Give up on the upstream when we do: by default libunbound backs off to
	 * 120 s per try and keeps every query given up on (a zombie, below)
	 * that long, so a resolver that stops answering grew the process by
	 * thousands of queries' state and stalled the run (issue 23 item 4).
	 * With the per-query timeout as the most a try may take, an upstream
	 * silent for a few tries is held down and queries fail at once
	 * (SERVFAIL: unknown, never missing) until a probe finds it back.
	 */
	if (ur->max_rtt[0])
		(void)ub_ctx_set_option(ctx, "infra-cache-max-rtt:", ur->max_rtt);
	if (ur->tcp && (rc = ub_ctx_set_option(ctx, "tcp-upstream:", "yes")) != 0) {
		*st = ub_err(err, "cannot set", "tcp-upstream", rc);
		goto fail;
	}
	if (ur->fwd) {
		if ((rc = ub_ctx_set_fwd(ctx, ur->fwd)) != 0) {
			*st = ub_err(err, "cannot forward to", ur->fwd, rc);
			goto fail;
		}
	} else if ((rc = ub_ctx_resolvconf(ctx, ur->rc_path)) != 0) {
		*st = ub_err(err, "cannot read", ur->rc_path, rc);
		goto fail;
	}
	if (ta && (rc = ub_ctx_add_ta_file(ctx, ta)) != 0) {
		*st = ub_err(err, "cannot use the trust anchor", ta, rc);
		goto fail;
	}
	/*
	 * We always forward (resolv.conf without servers means 127.0.0.1), so the
	 * server answers everything.  The first ub_ctx_zone_add() finalises the
	 * context (it reads the trust anchor then); no option can be set after.
	 */
	for (const char *const *z = local_zones; *z; z++) {
		if ((rc = ub_ctx_zone_add(ctx, *z, "transparent")) != 0) {
			*err = xasprintf("cannot set up libunbound: %s%s%s%s", ub_strerror(rc),
			    ta ? " (is the trust anchor " : "", ta ? ta : "", ta ? " valid?)" : "");
			*st = MS_ERR_INTERNAL;
			goto fail;
		}
	}
	return ctx;
fail:
	ub_ctx_delete(ctx);
	return NULL;
}

/*
 * release_waiting - the probe is settled: ask the held queries again without
 * validation, or deliver their BOGUS answers as they are
 */
static void
release_waiting(struct unbound_resolver *ur)
{
	struct timeval now = { 0, 0 };

	while (ur->waiting) {
		struct ub_query *q = ur->waiting;

		ur->waiting = q->wnext;
		if (q->wnext)
			q->wnext->wprevp = &ur->waiting;
		q->waiting = false;
		if (ur->unreachable && dns_answer_failed_status(q->early->status))
			no_answer(q->early);
		if (ur->mode == UB_PLAIN) {
			dns_answer_unref(q->early);
			q->early = NULL;
			send_query(q);
		} else {
			q->defer = evtimer_new(ur->r.base, deliver_early, q);
			evtimer_add(q->defer, &now);
		}
	}
}

/* dnskey_count - DNSKEY records in the answer section of a reply packet */
static size_t
dnskey_count(const void *packet, int len)
{
	ldns_pkt *pkt = NULL;
	size_t n = 0;

	if (packet == NULL || len <= 0 || ldns_wire2pkt(&pkt, packet, (size_t)len) != LDNS_STATUS_OK)
		return 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(pkt)); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(pkt), i)) == LDNS_RR_TYPE_DNSKEY)
			n++;
	ldns_pkt_free(pkt);
	return n;
}

/*
 * settle - both probes are in (or timed out): decide the mode from the loop.
 * Nobody answered: keep validating (nothing would help), fail every query at
 * once with "no answer from the resolver", and say so once on stderr.  The
 * resolver answered but gave no validated root keys (keys that do not
 * validate, or NXDOMAIN, NODATA, SERVFAIL, REFUSED for ". DNSKEY"): fall back
 * to the context without a trust anchor, say why once.  Then release what
 * was held.
 */
static void
settle(evutil_socket_t fd, short what, void *arg)
{
	struct unbound_resolver *ur = arg;
	enum ms_status st = MS_OK;
	char *err = NULL;
	char *down;

	(void)fd;
	(void)what;
	if (ur->mode != UB_PROBING || ur->reach_pending > 0)
		return;
	down = reach_verdict(ur);
	if (down == NULL && ur->probe_busy)
		return;		/* the resolver is there: wait for the keys */
	if (ur->probe_busy) {	/* nobody answers: no need to wait for the keys */
		(void)ub_cancel(ur->ctx, ur->probe_id);
		ur->probe_busy = false;
	}
	if (ur->probe_timer)
		evtimer_del(ur->probe_timer);
	ur->mode = UB_VALIDATING;
	if ((ur->unreachable = down) != NULL) {
		ur->r.unreachable = ur->unreachable;
		fprintf(stderr, "mailsec: %s\n", ur->unreachable);
	} else if (ur->keys_done && (ur->keys_sec == 1 || ur->keys_n == 0)) {
		/*
		 * Keys that do not validate, or no keys at all (NXDOMAIN, NODATA,
		 * SERVFAIL, REFUSED): every answer would be BOGUS.  Keys that came
		 * insecure (a trust anchor for some other zone) change nothing.
		 */
		ur->plain = ctx_new(ur, ur->r.base, NULL, &st, &err);
		if (ur->plain) {
			const char *from = ur->fwd ? ur->fwd : ur->rc_path;

			ur->mode = UB_PLAIN;
			if (ur->keys_n > 0)
				ur->why = xasprintf("the root zone's keys from %s%s do not validate against "
				    "the trust anchor %s (%s): the resolver strips DNSSEC records, or the "
				    "anchor is out of date; answers are not validated",
				    ur->fwd ? "" : "the resolvers of ", from, ur->ta,
				    ur->keys_why ? ur->keys_why : "bogus");
			else
				ur->why = xasprintf("the root zone's keys are not available from %s%s (%s): "
				    "the resolver filters DNSSEC queries, so nothing can be validated "
				    "against the trust anchor %s; answers are not validated",
				    ur->fwd ? "" : "the resolvers of ", from,
				    ur->keys_why ? ur->keys_why : "no DNSKEY records", ur->ta);
			ur->r.unvalidated = ur->why;
			fprintf(stderr, "mailsec: warning: %s\n", ur->why);
		}
		free(err);
	}
	release_waiting(ur);
	reach_close(ur);
	if (ur->unreachable)
		resolver_cancel_all(&ur->r, "no answer from the resolver");
}

/* schedule_settle - run settle() from the loop (never from inside a libunbound callback) */
static void
schedule_settle(struct unbound_resolver *ur)
{
	struct timeval now = { 0, 0 };

	if (ur->settle_ev)
		evtimer_add(ur->settle_ev, &now);
}

/* probe_done - the root's DNSKEY: validated, present but bogus, or absent (kept for settle) */
static void
probe_done(void *arg, int rcode, void *packet, int packet_len, int sec, char *why_bogus,
    int was_ratelimited)
{
	struct unbound_resolver *ur = arg;

	(void)was_ratelimited;
	ur->probe_busy = false;
	ur->keys_done = true;
	ur->keys_sec = sec;
	ur->keys_n = dnskey_count(packet, packet_len);
	if (rcode == 0 && packet && packet_len > 0) {
		ldns_pkt *pkt = NULL;

		if (ldns_wire2pkt(&pkt, packet, (size_t)packet_len) == LDNS_STATUS_OK) {
			rcode = (int)ldns_pkt_get_rcode(pkt);
			ldns_pkt_free(pkt);
		}
	}
	free(ur->keys_why);
	if (why_bogus && *why_bogus)
		ur->keys_why = xstrdup(why_bogus);
	else if (rcode == LDNS_RCODE_NOERROR)
		ur->keys_why = xstrdup(ur->keys_n ? "bogus" : "no DNSKEY records (NODATA)");
	else
		ur->keys_why = xasprintf("%s for . DNSKEY", dns_wire_rcode_name(rcode));
	schedule_settle(ur);
}

/*
 * probe_timeout - no verdict in time: a probe still waiting has failed
 * (the upstream is silent; the DNSKEY question unanswered means keep
 * validating)
 */
static void
probe_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct unbound_resolver *ur = arg;

	(void)fd;
	(void)what;
	if (ur->probe_busy) {
		(void)ub_cancel(ur->ctx, ur->probe_id);
		ur->keys_done = false;	/* no verdict on the keys: keep validating */
	}
	ur->probe_busy = false;
	for (size_t i = 0; i < ur->nreach; i++)
		if (!ur->reach[i].done)
			reach_finish(&ur->reach[i], false,
			    xasprintf("no reply within %ld.%03ld s", (long)ur->probe_wait.tv_sec,
			    (long)(ur->probe_wait.tv_usec / 1000)));
	settle(-1, 0, ur);
}

bool
resolver_unbound_shortcut_stats(struct resolver *r, struct unbound_shortcut_stats *out)
{
	struct unbound_resolver *ur;

	memset(out, 0, sizeof(*out));
	if (r == NULL || r->ops != &unbound_ops)
		return false;
	ur = r->impl;
	*out = ur->sc;
	return ur->cuts != NULL || ur->sc.routed > 0 || ur->sc.not_loopback;
}

char *
resolver_unbound_option(struct resolver *r, const char *name)
{
	struct unbound_resolver *ur;
	char *v = NULL, *out;

	if (r == NULL || r->ops != &unbound_ops)
		return NULL;
	ur = r->impl;
	if (ub_ctx_get_option(ur->ctx, name, &v) != 0 || v == NULL)
		return NULL;
	out = xstrdup(v);	/* libunbound's own allocation: free() it there */
	free(v);
	return out;
}

enum ms_status
resolver_unbound_new(struct event_base *base, const struct unbound_config *cfg,
    double timeout_seconds, struct resolver **out, char **err)
{
	struct unbound_resolver *ur = xcalloc(1, sizeof(*ur));
	const char *ta = cfg->trust_anchor ? cfg->trust_anchor : UNBOUND_DEFAULT_TRUST_ANCHOR;
	enum ms_status st = MS_ERR_INTERNAL;
	int rc;

	*out = NULL;
	*err = NULL;
	ur->rc_path = xstrdup(cfg->resolv_conf ? cfg->resolv_conf : UNBOUND_DEFAULT_RESOLV_CONF);
	ur->ta = xstrdup(ta);
	ur->tcp = cfg->tcp;
	/* libunbound logs to stderr; keep it quiet unless asked (MAILSEC_UNBOUND_LOG=1). */
	if (getenv("MAILSEC_UNBOUND_LOG") == NULL)
		ur->log = fopen("/dev/null", "w");
	if (cfg->forward && unbound_parse_forward(cfg->forward, &ur->fwd) != MS_OK) {
		*err = xasprintf("--resolver %s: want ADDR or ADDR@PORT with an IP address",
		    cfg->forward);
		st = MS_ERR_ARG;
		goto fail;
	}
	if (ur->fwd == NULL && dns_system_resolver_forbidden()) {
		/* Nothing was sent yet; the first query would. */
		*err = xasprintf("MAILSEC_FORBID_SYSTEM_RESOLVER is set and this network has interfaces "
		    "other than loopback: refusing to use the system's resolver (%s); give "
		    "--resolver or --replay", ur->rc_path);
		st = MS_ERR_ARG;
		goto fail;
	}
	/* Read here so a missing file is named, not reported as a failed first query. */
	{
		FILE *fp = fopen(ta, "r");

		if (fp == NULL) {
			*err = xasprintf("cannot read the trust anchor %s: %s%s", ta, strerror(errno),
			    cfg->trust_anchor ? "" :
			    " (install dns-root-data, or give --trust-anchor FILE)");
			st = MS_ERR_IO;
			goto fail;
		}
		fclose(fp);
	}
	{
		double ms = timeout_seconds > 0 ? timeout_seconds * 1000 : 5000;

		if (ms > 0)
			(void)snprintf(ur->max_rtt, sizeof(ur->max_rtt), "%.0f",
			    ms < 50 ? 50 : ms > 120000 ? 120000 : ms);
	}
	(void)snprintf(ur->out_range, sizeof(ur->out_range), "%u", outgoing_range());
	if ((ur->ctx = ctx_new(ur, base, ta, &st, err)) == NULL)
		goto fail;
	ur->timeout_s = timeout_seconds > 0 ? timeout_seconds : 5;
	if (cfg->insecure_shortcut) {
		char **owners;
		size_t n;

		/* the anchors' owners: no name with one at or below it is marked */
		if (ta_owners(ta, &owners, &n))
			ur->cuts = insecure_cuts_new(0, (const char *const *)owners, n);
		for (size_t i = 0; i < n; i++)
			free(owners[i]);
		free(owners);
	}
	resolver_init(&ur->r, &unbound_ops, ur, base, timeout_seconds);
	ur->r.max_outstanding = RESOLVER_MAX_OUTSTANDING;
	/*
	 * The probes: the root's DNSKEY through libunbound and ". NS" to each
	 * upstream over our own socket, both bounded by one query's timeout.
	 */
	ur->mode = UB_PROBING;
	ur->probe_busy = true;
	ur->probe_timer = evtimer_new(base, probe_timeout, ur);
	ur->settle_ev = evtimer_new(base, settle, ur);
	{
		/*
		 * A tenth (at most 100 ms) before the queries' own timers, so a
		 * silent upstream is named before they expire, however the loop
		 * orders timers that fall due together.
		 */
		int64_t us = (int64_t)ur->r.timeout.tv_sec * 1000000 + ur->r.timeout.tv_usec;
		int64_t early = us / 10 < 100000 ? us / 10 : 100000;
		struct timeval pt = { (time_t)((us - early) / 1000000),
		    (suseconds_t)((us - early) % 1000000) };

		ur->probe_wait = pt;
		evtimer_add(ur->probe_timer, &pt);
	}
	rc = ub_resolve_event(ur->ctx, ".", LDNS_RR_TYPE_DNSKEY, LDNS_RR_CLASS_IN, ur, probe_done,
	    &ur->probe_id);
	if (rc != 0)
		ur->probe_busy = false;
	reach_start(ur);
	schedule_settle(ur);
	*out = &ur->r;
	return MS_OK;
fail:
	if (ur->ctx)
		ub_ctx_delete(ur->ctx);
	if (ur->log)
		fclose(ur->log);
	free(ur->fwd);
	free(ur->rc_path);
	free(ur->ta);
	free(ur);
	return st;
}
