/* src/checks/bimi/check_bimi.h - BIMI: the default._bimi record and the DMARC enforcement it needs */
#ifndef MS_CHECKS_BIMI_CHECK_BIMI_H
#define MS_CHECKS_BIMI_CHECK_BIMI_H

struct audit;
struct area_options;

/*
 * check_bimi_start - look up default._bimi.<domain> TXT; when a record is
 * published, read _dmarc.<domain> minimally (p, sp, pct) because mailbox
 * providers show a BIMI logo only under an enforced DMARC policy.  Raises
 * bimi.* findings and fills facts.bimi (docs/json.md).  No logo or VMC
 * validation.  a is borrowed (the engine owns the audit).
 */
void check_bimi_start(struct audit *a);

/* check_bimi_options - the options the bimi area reads (--dmarc-rules, as the dmarc area) */
extern const struct area_options check_bimi_options;

#endif
