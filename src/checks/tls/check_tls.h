/* src/checks/tls/check_tls.h - STARTTLS probe of every MX address: protocol, certificate, DANE */
#ifndef MS_CHECKS_TLS_CHECK_TLS_H
#define MS_CHECKS_TLS_CHECK_TLS_H

struct audit;

/*
 * check_tls_start - probe port 25 of every address of every MX host (unless
 * --no-smtp): STARTTLS, protocol (and whether TLS 1.0/1.1 is still accepted),
 * the certificate, the DANE verdict against DNSSEC-secure TLSA records, the
 * banner name; raises tls.* and the per-address dane.* findings and fills
 * facts.tls (docs/json.md).
 */
void check_tls_start(struct audit *a);

#endif
