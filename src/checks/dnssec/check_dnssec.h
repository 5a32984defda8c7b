/* src/checks/dnssec/check_dnssec.h - DNSSEC status of the domain and of each MX host: secure, insecure, bogus */
#ifndef MS_CHECKS_DNSSEC_CHECK_DNSSEC_H
#define MS_CHECKS_DNSSEC_CHECK_DNSSEC_H

struct audit;

/*
 * check_dnssec_start - judge from the validator's verdict on the domain's MX
 * answer and each MX host's A answer (the secure flag and BOGUS outcomes,
 * with the validator's reason); fills facts.dnssec.
 * a is borrowed (the engine owns the audit).
 */
void check_dnssec_start(struct audit *a);

#endif
