/* src/checks/tls/check_tls.h - STARTTLS of every MX address: protocol, certificate, banner */
#ifndef MS_CHECKS_TLS_CHECK_TLS_H
#define MS_CHECKS_TLS_CHECK_TLS_H

struct audit;

/*
 * check_tls_start - judge the STARTTLS probes (tls_probes.h) of every
 * address of every MX host (unless --no-smtp): STARTTLS, protocol (and
 * whether TLS 1.0/1.1 is still accepted), the certificate (stricter under an
 * enforced MTA-STS policy or published DANE), the banner name; raises tls.*
 * findings and fills facts.tls (docs/json.md), including each address's DANE
 * verdict (the dane check raises the dane.* findings).
 * a is borrowed (the engine owns the audit).
 */
void check_tls_start(struct audit *a);

#endif
