/* src/checks/dmarc/check_dmarc.h - the DMARC check: record, policy discovery, report authorisation */
#ifndef MS_CHECKS_DMARC_CHECK_DMARC_H
#define MS_CHECKS_DMARC_CHECK_DMARC_H

struct audit;
struct area_options;

/*
 * check_dmarc_start - look up _dmarc.<domain> and every name both policy
 * discovery methods need (RFC 7489 PSL, RFC 9989 tree walk), records at
 * misspelt names, and for each external report destination its
 * _report._dmarc authorisation and MX; raise dmarc.* findings and fill
 * facts.dmarc (docs/json.md).  Reads its option --dmarc-rules and the profile.
 * a is borrowed (the engine owns the audit).
 */
void check_dmarc_start(struct audit *a);

/* check_dmarc_options - the options the dmarc area reads (--dmarc-rules) */
extern const struct area_options check_dmarc_options;

#endif
