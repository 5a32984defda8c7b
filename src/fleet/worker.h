/* src/fleet/worker.h - the monitor's worker: rounds of claimed domains audited on a session's loop */
#ifndef MS_FLEET_WORKER_H
#define MS_FLEET_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "smtp/smtp_probe_cache.h"

struct fleet;
struct session;
struct fleet_worker;

/* What storing one domain's result came to (the caller's put callback says). */
enum fleet_put {
	FLEET_PUT_STORED,	/* kept as the domain's result for the round */
	FLEET_PUT_DUPLICATE,	/* the round already had one (another worker's): nothing kept */
	FLEET_PUT_FAILED	/* not kept: the domain is released and retried later */
};

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
	bool once;			/* one round, then done */
	bool all;			/* the first round takes every domain, due or not */
	/*
	 * Each round shares one STARTTLS probe of an address (with the same
	 * settings) between every domain of the round this worker audits
	 * (smtp/smtp_probe_cache.h); true: each domain probes alone.
	 */
	bool no_probe_sharing;
	/*
	 * put - store a's result for round (called from the loop, once per
	 * audited domain); what it returns decides whether the domain leaves
	 * the round (stored or duplicate) or is released for a later claim.
	 */
	enum fleet_put (*put)(void *arg, struct audit *a, int64_t round);
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

/* fleet_worker_failures - results not stored and database errors so far */
size_t fleet_worker_failures(const struct fleet_worker *w);
/* fleet_worker_checked - domains whose result this worker stored */
size_t fleet_worker_checked(const struct fleet_worker *w);
/*
 * fleet_worker_probe_stats - the STARTTLS probes of every round so far,
 * summed into *out (the caller's)
 */
void fleet_worker_probe_stats(const struct fleet_worker *w, struct smtp_probe_cache_stats *out);

void fleet_worker_free(struct fleet_worker *w);

#endif
