/* src/cli/monitor_put.h - where the monitor's results go, shared by mailsec monitor and mailsec serve */
#ifndef MS_CLI_MONITOR_PUT_H
#define MS_CLI_MONITOR_PUT_H

#include <stdbool.h>
#include <stdint.h>

#include "fleet/worker.h"

struct fleet;
struct progress;

/* What cli_monitor_put needs (all borrowed for the worker's life). */
struct cli_monitor_log {
	struct fleet *fleet;
	struct progress *progress;	/* cleared before a log line; may be NULL */
	bool tty;			/* stderr is a terminal: no per-domain lines */
	const char *prog;		/* "monitor", "serve": the log lines' prefix */
	/*
	 * stored - the result of c's domain is kept (or was already): e.g. look
	 * at its ownership proof when c->proof_pending; may be NULL
	 */
	void (*stored)(void *arg, const struct fleet_claim *c);
	void *stored_arg;
};

/* cli_lease_owner - "host:pid:random", the name on this process's leases; the caller frees it */
char *cli_lease_owner(void);

/*
 * cli_monitor_put - the worker's put callback (fleet/worker.h), arg a
 * struct cli_monitor_log: store a's result through history_put with its
 * claim's round (history's (domain, round) uniqueness makes a second one a
 * duplicate), with its notifications when c->notify_targets, and log it; a
 * is borrowed for the call, c until the put is settled.  With t (the
 * worker's ticket) the put may be sent without waiting for the server
 * (FLEET_PUT_PENDING: fleet_put_settle(t, ...) follows from the loop);
 * t NULL: always stored at once.
 */
enum fleet_put cli_monitor_put(void *arg, struct audit *a, const struct fleet_claim *c,
    struct fleet_put_ticket *t);

/* Where notifications go (docs/notify.md); all borrowed for the call. */
struct cli_notify_opts {
	const char *smtp_relay;		/* --smtp-relay, or NULL: email waits in the outbox */
	const char *mail_from;		/* --mail-from, or NULL: mailsec@ this host */
	const char *ca_file;		/* --ca-file, or NULL */
	double timeout;			/* each delivery's bound, seconds */
};

/*
 * cli_notify_drain - after a round: queue the notifications the DMARC reports
 * and digests call for, then send the outbox once (blocking), logging each
 * delivery as "mailsec PROG: event=notify ..."; f, o and progress (may be
 * NULL) borrowed.  False, doing nothing, while f's store is inside a
 * transaction (the worker's open batch): try again later.
 */
bool cli_notify_drain(struct fleet *f, const struct cli_notify_opts *o, const char *prog,
    struct progress *progress);

#endif
