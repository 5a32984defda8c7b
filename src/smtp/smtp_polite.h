/* src/smtp/smtp_polite.h - politeness per destination: address and network keys, the busy reply, the backoff schedule */
#ifndef MS_SMTP_SMTP_POLITE_H
#define MS_SMTP_SMTP_POLITE_H

/*
 * Pure code (no I/O, no clock): the prober (smtp_probe.c) asks it which
 * network an address belongs to, whether a reply means "too many
 * connections", and how long to wait before trying again.
 *
 * The schedule: after the n-th connection met a busy reply, wait
 * SMTP_BACKOFF_FIRST * 2^(n-1) seconds (at most one step timeout), stretched
 * by up to 25% from a salt so probes refused together do not come back
 * together; give up after SMTP_BUSY_TRIES_MAX connections or when the wait
 * would end later than SMTP_BACKOFF_BUDGET step timeouts after the first
 * connection.  A probe therefore still ends within 6 step timeouts in all.
 */

#include <stdbool.h>

#include "smtp/smtp_reply.h"
#include "util/ipaddr.h"

#define SMTP_POLITE_PER_ADDR_DEFAULT	2	/* connections at once per server address */
#define SMTP_POLITE_PER_NET_DEFAULT	4	/* ... per IPv4 /24 or IPv6 /48 */
#define SMTP_POLITE_LIMIT_MAX		64	/* the largest either may be set to */
#define SMTP_BUSY_TRIES_MAX		4	/* connections to a server that keeps saying busy */
#define SMTP_BACKOFF_FIRST		0.5	/* seconds before the second connection */
#define SMTP_BACKOFF_BUDGET		3.0	/* step timeouts from the first connection */

/*
 * smtp_net_key - the network of a for politeness: its /24 (IPv4) or /48
 * (IPv6), the other bits zero, into the caller's *net (a borrowed)
 */
void smtp_net_key(const struct ipaddr *a, struct ipaddr *net);
/* smtp_same_net - whether a and b (borrowed) share that network */
bool smtp_same_net(const struct ipaddr *a, const struct ipaddr *b);
/*
 * smtp_reply_busy - whether r (borrowed) says "too many connections, come
 * back later": any 421 at the banner; a 450 at the banner, or a 421/450 to
 * EHLO, whose text says so ("too many", "connection limit", "busy")
 */
bool smtp_reply_busy(const struct smtp_reply *r, bool banner);
/*
 * smtp_backoff_next - after `tries` connections (>= 1) all met a busy reply,
 * `elapsed` seconds after the first began, with this step timeout: true and
 * the wait in *delay when one more try fits the schedule above, false when
 * the probe should give up (*delay 0).  salt: any number (the address's
 * bytes, say).  delay is the caller's.
 */
bool smtp_backoff_next(unsigned tries, double elapsed, double step_timeout, unsigned salt,
    double *delay);

#endif
