/* src/policy/tls_probes.h - the STARTTLS probes of one audit, shared by the tls and dane checks */
#ifndef MS_POLICY_TLS_PROBES_H
#define MS_POLICY_TLS_PROBES_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_probe.h"
#include "util/ipaddr.h"

struct audit;
struct dns_answer;
struct mtasts_state;
struct tls_probes;

/* One probed address of an MX host. */
struct tls_addr {
	struct tls_addr		*next;
	struct tls_host		*h;
	struct ipaddr		 ip;
	char			 ipstr[IPADDR_STRLEN];
	struct smtp_probe_result *main;		/* NULL once the waiters have run */
	struct smtp_probe_result *legacy;	/* TLS 1.0/1.1-only retry, or NULL */
	struct dns_answer	*ptr;		/* PTR answer of the address */
};

/* One MX host, in MX preference order. */
struct tls_host {
	struct tls_host		*next;
	struct tls_probes	*set;
	const char		*name;		/* lower case */
	struct dns_answer	*a4, *a6, *tlsa;	/* tlsa: _25._tcp.<name> */
	int			 pending;
	struct tls_addr		*addrs;
};

/* All probes of the audit, with the MTA-STS state that judging needs. */
struct tls_probes {
	struct audit		*a;
	bool			 probed;	/* false with --no-smtp or without MX hosts */
	int			 pending;
	struct tls_host		*hosts, **tail;
	size_t			 nhosts;
	const struct mtasts_state *sts;	/* NULL when no MX host was probed */
	char			 ehlo[256];
};

typedef void (*tls_probes_cb)(struct audit *a, struct tls_probes *p, void *arg);

/*
 * tls_probes_get - probe every address of every MX host once per audit
 * (unless --no-smtp), look up each host's TLSA (handed to OpenSSL's DANE
 * verifier when DNSSEC-secure) and each address's PTR, and learn the MTA-STS
 * state; then call cb.  The probe results (certificates) are freed after the
 * waiters registered before completion have run; a later caller sees
 * main == NULL.  p (borrowed) lives in the audit's arena: audit_once.  The
 * audit is held meanwhile.
 */
void tls_probes_get(struct audit *a, tls_probes_cb cb, void *arg);

/* tls_tlsa_usable - a TLSA answer (borrowed) DANE may use: DNSSEC-secure, with records */
bool tls_tlsa_usable(const struct dns_answer *t);

/*
 * tls_dane_verdict - "none", "insecure", "unusable", "verified" or "mismatch"
 * for one probed address; *matching counts the usable TLSA records that match
 * the presented chain (into the caller's *matching).  Static text; ad
 * borrowed.
 */
const char *tls_dane_verdict(const struct tls_addr *ad, size_t *matching);

#endif
