/* src/checks/mx/check_mx.h - MX records: presence, null MX, targets and their addresses */
#ifndef MS_CHECKS_MX_CHECK_MX_H
#define MS_CHECKS_MX_CHECK_MX_H

struct audit;

/*
 * check_mx_start - look up the domain's MX RRset and every target's A/AAAA,
 * raising mx.* findings and filling facts.mx (see docs/json.md).
 */
void check_mx_start(struct audit *a);

#endif
