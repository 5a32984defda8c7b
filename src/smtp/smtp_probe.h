/* src/smtp/smtp_probe.h - STARTTLS probe of one SMTP server address on the libevent loop */
#ifndef MS_SMTP_SMTP_PROBE_H
#define MS_SMTP_SMTP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "smtp/smtp_reply.h"
#include "util/ipaddr.h"
#include "util/status.h"

struct event_base;
struct smtp_prober;

#define SMTP_PROBE_TLSA_MAX	16
#define SMTP_PROBE_INFLIGHT_MAX	32	/* probes connected at once per prober; more wait */

/* One TLSA record to hand to OpenSSL's DANE verifier (borrowed). */
struct smtp_tlsa {
	uint8_t		 usage, selector, mtype;
	const uint8_t	*data;
	size_t		 len;
};

struct smtp_probe_config {
	const void	*owner;		/* whose probe (a run), for smtp_probe_cancel_owned; or NULL */
	struct ipaddr	 addr;
	unsigned	 port;		/* 25 */
	const char	*host;		/* MX host name: SNI and the DANE base domain (copied) */
	const char	*ehlo_name;	/* what we announce (copied) */
	double		 timeout;	/* each step: connect, banner, each command, handshake */
	bool		 legacy_only;	/* offer only TLS 1.0/1.1 at @SECLEVEL=0: "still accepted?" */
	size_t		 ntlsa;		/* > 0: enable DANE with these records */
	struct smtp_tlsa tlsa[SMTP_PROBE_TLSA_MAX];
};

/* Where a probe stopped. */
enum smtp_stage {
	SMTP_ST_QUEUED = 0, SMTP_ST_CONNECT, SMTP_ST_BANNER, SMTP_ST_EHLO, SMTP_ST_STARTTLS,
	SMTP_ST_HANDSHAKE, SMTP_ST_DONE
};

/*
 * The result, borrowed by the callback.  cert and chain are the peer's (leaf
 * first); take references (X509_up_ref / sk_X509_dup + up_ref) to keep them.
 */
struct smtp_probe_result {
	enum smtp_stage	 stage;		/* SMTP_ST_DONE: the handshake completed */
	bool		 timed_out;	/* stage timed out */
	bool		 refused;	/* the server answered with a 4xx/5xx (banner or command) */
	bool		 busy;		/* refused with "too many connections" on every try */
	unsigned	 tries;		/* connections made (more than 1 after busy replies) */
	char		 why[256];	/* for anything short of DONE */
	struct smtp_reply banner;	/* valid when stage > SMTP_ST_BANNER or refused there */
	struct smtp_reply ehlo;		/* valid when stage > SMTP_ST_EHLO */
	bool		 starttls_offered;
	char		 protocol[16];	/* "TLSv1.3" */
	char		 cipher[64];
	X509		*cert;
	STACK_OF(X509)	*chain;
	bool		 dane_enabled;
	bool		 dane_ok;	/* OpenSSL's DANE verification succeeded */
	int		 dane_depth;	/* depth of the matching certificate, -1 if none */
	uint8_t		 dane_usage, dane_selector, dane_mtype;	/* the record that matched */
	char		 dane_why[128];
	double		 seconds;	/* wall time of the probe from connect on */
};

typedef void (*smtp_probe_callback)(const struct smtp_probe_result *r, void *arg);

/*
 * smtp_prober_new - the shared state of the probes on one event loop: the
 * connection limit, the queue, the client TLS contexts.  One per session;
 * free with smtp_prober_free().
 */
struct smtp_prober *smtp_prober_new(struct event_base *base);
/* smtp_prober_base - the loop sp runs on (borrowed) */
struct event_base *smtp_prober_base(const struct smtp_prober *sp);
/*
 * smtp_prober_set_limits - at most per_addr connections at once to one
 * address and per_net to one IPv4 /24 or IPv6 /48 (0: the defaults of
 * smtp/smtp_polite.h; more than SMTP_POLITE_LIMIT_MAX: that).  Set before
 * the first probe; the in-flight limit SMTP_PROBE_INFLIGHT_MAX stays.  sp is
 * borrowed.
 */
void smtp_prober_set_limits(struct smtp_prober *sp, unsigned per_addr, unsigned per_net);

/*
 * smtp_prober_free - free the prober and abandon every probe still queued or
 * running (their callbacks do not run).
 */
void smtp_prober_free(struct smtp_prober *sp);

/*
 * smtp_probe_start - connect, read the banner, EHLO, STARTTLS if offered,
 * TLS handshake, then close, on sp's loop.  cb runs exactly once from the
 * event loop, never from inside this call, unless sp is freed first.  At
 * most SMTP_PROBE_INFLIGHT_MAX probes of sp run at once, and no more than
 * the per-address and per-network limits to one destination; the rest
 * queue, in order.  A "too many connections" reply (smtp_reply_busy) closes
 * the connection and tries again later on the schedule of smtp_polite.h;
 * when the server stays busy the result is refused and busy, never "no
 * STARTTLS".
 * Never verifies or refuses a certificate itself: the result carries what
 * was presented (and the DANE verdict when enabled).  cfg is copied.
 */
MS_MUST_CHECK enum ms_status smtp_probe_start(struct smtp_prober *sp, const struct smtp_probe_config *cfg,
    smtp_probe_callback cb, void *arg);

/*
 * smtp_probe_cancel_all - end every probe of sp started and not yet finished:
 * each callback runs from the loop with timed_out set and why (copied).
 */
void smtp_probe_cancel_all(struct smtp_prober *sp, const char *why);
/* smtp_probe_cancel_owned - the same for owner's probes only (owner NULL: all) */
void smtp_probe_cancel_owned(struct smtp_prober *sp, const void *owner, const char *why);
/*
 * smtp_probe_abandon_owned - drop owner's probes (owner not NULL) at once,
 * queued or connected, without running their callbacks (a probe whose
 * callback is running is left to finish), and let the queue move on.  For a
 * caller that no longer wants the result, such as the probe cache when its
 * last waiter leaves.
 */
void smtp_probe_abandon_owned(struct smtp_prober *sp, const void *owner);

#endif
