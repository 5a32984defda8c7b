/* src/checks/mtasts/check_mtasts.h - MTA-STS (RFC 8461): record, HTTPS policy fetch, MX coverage */
#ifndef MS_CHECKS_MTASTS_CHECK_MTASTS_H
#define MS_CHECKS_MTASTS_CHECK_MTASTS_H


struct audit;

/*
 * check_mtasts_start - raise the mta-sts.* findings and fill
 * facts["mta-sts"].  a is borrowed (the engine owns the audit).
 */
void check_mtasts_start(struct audit *a);

#endif
