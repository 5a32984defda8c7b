/* src/checks/dane/check_dane.h - DANE TLSA records of the MX hosts (RFC 7672): presence and DNSSEC */
#ifndef MS_CHECKS_DANE_CHECK_DANE_H
#define MS_CHECKS_DANE_CHECK_DANE_H

struct audit;

/*
 * check_dane_start - look up _25._tcp.<mx> TLSA for every MX host: absent,
 * unsigned (error: not usable), unusable usages, or could not tell; and,
 * from the STARTTLS probes it shares with the tls check (tls_probes_get),
 * whether OpenSSL's DANE verification accepts each address.  Fills
 * facts.dane.  a is borrowed (the engine owns the audit).
 */
void check_dane_start(struct audit *a);

#endif
