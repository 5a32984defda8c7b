/* src/checks/parked/check_parked.h - parked domains: the defensive record set and what is missing */
#ifndef MS_CHECKS_PARKED_CHECK_PARKED_H
#define MS_CHECKS_PARKED_CHECK_PARKED_H

struct audit;

/*
 * check_parked_start - when --parked is given or the domain publishes only a
 * null MX, judge the defensive set: null MX, "v=spf1 -all", DMARC p=reject
 * with sp=reject, an empty wildcard DKIM key.  Raises parked.* findings (one
 * per missing piece, with the record to publish) and fills facts.parked.
 * a is borrowed (the engine owns the audit).
 */
void check_parked_start(struct audit *a);

#endif
