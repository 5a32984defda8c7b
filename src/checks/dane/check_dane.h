/* src/checks/dane/check_dane.h - DANE TLSA records of the MX hosts (RFC 7672): presence and DNSSEC */
#ifndef MS_CHECKS_DANE_CHECK_DANE_H
#define MS_CHECKS_DANE_CHECK_DANE_H

struct audit;

/*
 * check_dane_start - look up _25._tcp.<mx> TLSA for every MX host: absent,
 * unsigned (error: not usable), unusable usages, or could not tell; fills
 * facts.dane.  Matching against the certificate is done by the tls check.
 */
void check_dane_start(struct audit *a);

#endif
