/* src/checks/mx/check_mx.h - MX records: presence, null MX, targets and their addresses */
#ifndef MS_CHECKS_MX_CHECK_MX_H
#define MS_CHECKS_MX_CHECK_MX_H

struct audit;

/*
 * check_mx_start - look up the domain's MX RRset and every target's A/AAAA,
 * raising mx.* findings and filling facts.mx (see docs/json.md).
 * a is borrowed (the engine owns the audit).
 */
void check_mx_start(struct audit *a);

#endif
