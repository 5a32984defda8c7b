/* src/checks/tlsrpt/check_tlsrpt.h - TLS-RPT: the _smtp._tls policy record (RFC 8460) */
#ifndef MS_CHECKS_TLSRPT_CHECK_TLSRPT_H
#define MS_CHECKS_TLSRPT_CHECK_TLSRPT_H

#include <stddef.h>

#include "checks/tlsrpt/tlsrpt_record.h"
#include "core/finding.h"

struct audit;

/*
 * check_tlsrpt_start - look up _smtp._tls.<domain> TXT, judge the record
 * senders would use, and apply the profile's tls-rpt.required_rua; raise
 * tls-rpt.* findings and fill facts["tls-rpt"] (docs/json.md).
 * a is borrowed (the engine owns the audit).
 */
void check_tlsrpt_start(struct audit *a);

/*
 * tlsrpt_record_report - findings for one parsed record published at name
 * (its problems, or tls-rpt.present).  Used by the check and by
 * 'mailsec tlsrpt lint'.  record/len borrowed.
 */
void tlsrpt_record_report(struct finding_list *l, const char *name, const char *record,
    size_t len, const struct tlsrpt_record *r);

#endif
