/* src/fleet/worker.h - the monitor's worker: rounds of claimed domains audited on a session's loop */
#ifndef MS_FLEET_WORKER_H
#define MS_FLEET_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "engine/engine.h"
#include "smtp/smtp_probe_cache.h"

struct fleet;
struct fleet_claim;
struct session;
struct fleet_worker;

#define FLEET_COMMIT_EVERY	32	/* finished domains per transaction, by default */
#define FLEET_COMMIT_DELAY	0.5	/* seconds the first of them waits for the rest, by default */
#define FLEET_FULL_SCAN_EVERY	(7 * 86400)	/* a domain's full DKIM scan, by default */

/* What storing one domain's result came to (the caller's put callback says). */
enum fleet_put {
	FLEET_PUT_STORED,	/* kept as the domain's result for the round */
	FLEET_PUT_DUPLICATE,	/* the round already had one (another worker's): nothing kept */
	FLEET_PUT_FAILED,	/* not kept: the domain is released and retried later */
	FLEET_PUT_PENDING	/* sent, not answered yet: fleet_put_settle says it later */
};

/* A finished domain's place in its commit batch, handed to the put (owned by the worker). */
struct fleet_put_ticket;

enum fleet_event_kind {
	FLEET_EV_ROUND,		/* a round is being worked: round, n (marked now), total */
	FLEET_EV_CLAIMED,	/* n domains claimed */
	FLEET_EV_CHECKED,	/* domain's result stored (n: FLEET_PUT_STORED or _DUPLICATE) */
	FLEET_EV_ROUND_DONE,	/* round finished: total domains */
	FLEET_EV_WAITING,	/* others hold the rest of the round: until */
	FLEET_EV_IDLE,		/* nothing due: until (0: nothing registered) */
	FLEET_EV_ERROR,		/* msg; domain when it concerns one */
	FLEET_EV_STOPPING,	/* asked to stop: n domains in flight, released the rest */
};

/* One thing that happened, for logs and progress (strings borrowed for the call). */
struct fleet_event {
	enum fleet_event_kind kind;
	int64_t round;
	const char *domain;
	const char *msg;
	uint64_t n, total;
	uint64_t done;		/* domains this worker finished in the round */
	int64_t until;
	/* FLEET_EV_ROUND_DONE: this worker's STARTTLS probes in the round */
	uint64_t probes_made, probes_saved;
};

/*
 * What a worker does.  Everything is borrowed for the worker's life.  The
 * network settings (timeouts, --ca-file, --no-smtp, offline, --helo, the
 * DMARC rules) come from base; the profile, --parked, DKIM selectors and
 * sending hosts of each domain come from its workspaces (fleet_claim).
 */
struct fleet_worker_config {
	struct fleet *fleet;
	struct session *session;	/* its loop runs the worker: the caller runs it */
	const struct check_options *base;
	const char *owner;		/* this worker's name on its leases: unique per process */
	size_t concurrency;		/* audits in flight at once (0: 64; at most ENGINE_MAX_INFLIGHT) */
	size_t batch;			/* domains claimed at a time (0: concurrency) */
	int64_t lease;			/* seconds a claim holds without a heartbeat (0: 120) */
	double deadline;		/* seconds per domain's audit (0: none) */
	/*
	 * Finished domains are kept in one transaction (fleet_begin): their
	 * results, grades and completions, plus claims and releases made
	 * meanwhile, committed once commit_every domains are in it or
	 * commit_delay seconds after the first, and before the round's state
	 * is read or the worker stops.  A crash loses the batch, never more:
	 * its domains are claimed again after their lease.  0: the defaults
	 * (FLEET_COMMIT_EVERY, FLEET_COMMIT_DELAY); commit_every 1: each
	 * domain commits on its own.  commit_delay is at most a third of
	 * the lease (heartbeats made inside a batch are seen once it commits).
	 */
	size_t commit_every;
	double commit_delay;
	bool once;			/* one round, then done */
	bool all;			/* the first round takes every domain, due or not */
	/*
	 * Each round shares one STARTTLS probe of an address (with the same
	 * settings) between every domain of the round this worker audits
	 * (smtp/smtp_probe_cache.h); true: each domain probes alone.
	 */
	bool no_probe_sharing;
	/*
	 * Known selectors (docs/monitor.md): a domain whose DKIM selectors are
	 * known (the keys its last full scan found, its workspaces' selectors,
	 * its DMARC reports') is asked only at those until its last full scan
	 * is full_scan_every seconds old; then the common selectors are
	 * scanned too.  0: FLEET_FULL_SCAN_EVERY; negative: a full scan every
	 * round (as check does).
	 */
	int64_t full_scan_every;
	/*
	 * put - store a's result for its claim c (c->round; c's hints say
	 * which lookups it may skip) (called from the loop, once per audited
	 * domain; a borrowed for the call); what it comes to decides whether
	 * the domain leaves the round (stored or duplicate) or is released for
	 * a later claim.  It returns that, or FLEET_PUT_PENDING when the
	 * statement was sent without waiting (store_put_history_send, undone
	 * to the fleet_mark by the driver if it fails): then it calls
	 * fleet_put_settle(t, ...) exactly once later, from the loop, before
	 * the batch commits (the commit waits for it: fleet_async_pump); c
	 * stays valid until then.
	 */
	enum fleet_put (*put)(void *arg, struct audit *a, const struct fleet_claim *c,
	    struct fleet_put_ticket *t);
	void *put_arg;			/* put's arg (NULL: arg) */
	/* event - a thing that happened (may be NULL) */
	void (*event)(void *arg, const struct fleet_event *ev);
	/* done - the worker has finished (once: the round is over; or stopped): from the loop, once */
	void (*done)(void *arg);
	void *arg;
};

/*
 * fleet_worker_start - a worker on cfg's session loop; nothing runs before
 * the caller runs the loop.  Free it with fleet_worker_free once done has
 * been called (or to abandon it: its leases then expire).
 */
struct fleet_worker *fleet_worker_start(const struct fleet_worker_config *cfg);

/*
 * fleet_worker_stop - stop claiming (SIGTERM): domains claimed but not
 * started are released at once, those in flight finish and are stored, then
 * every lease left is released and done is called.  Safe to call twice.
 */
void fleet_worker_stop(struct fleet_worker *w);

/*
 * fleet_worker_poke - something became due (a domain added, "check now"):
 * an idle worker looks again at once instead of at its next wake-up
 */
void fleet_worker_poke(struct fleet_worker *w);

/*
 * fleet_put_settle - what the put that returned FLEET_PUT_PENDING for t
 * came to (FLEET_PUT_STORED, _DUPLICATE or _FAILED); t is the worker's and
 * may be gone after the call
 */
void fleet_put_settle(struct fleet_put_ticket *t, enum fleet_put r);

/* fleet_worker_failures - results not stored and database errors so far */
size_t fleet_worker_failures(const struct fleet_worker *w);
/* fleet_worker_checked - domains whose result this worker stored */
size_t fleet_worker_checked(const struct fleet_worker *w);
/*
 * fleet_worker_probe_stats - the STARTTLS probes of every round so far,
 * summed into *out (the caller's)
 */
void fleet_worker_probe_stats(const struct fleet_worker *w, struct smtp_probe_cache_stats *out);
/*
 * fleet_worker_queries - the DNS lookups per area of every audit so far
 * (engine_queries_print says them) and how many of those audits asked only
 * the known DKIM selectors (*narrowed); borrowed from w
 */
const struct engine_queries *fleet_worker_queries(const struct fleet_worker *w, uint64_t *narrowed);

void fleet_worker_free(struct fleet_worker *w);

#endif
