/* src/checks/reports/dmarc_agg.h - DMARC aggregate report parser (RFC 7489 App. C, RFC 9990) */
#ifndef MS_CHECKS_REPORTS_DMARC_AGG_H
#define MS_CHECKS_REPORTS_DMARC_AGG_H

#include <stddef.h>

#include "store/report.h"
#include "util/arena.h"
#include "util/status.h"

#define DMARC_NS_V2	"urn:ietf:params:xml:ns:dmarc-2.0"

struct report_limits {
	size_t max_bytes;	/* decompressed size of one report */
	size_t max_records;	/* <record> elements (DMARC) or failure-details (TLS-RPT) */
	size_t max_depth;	/* element / JSON nesting */
};

/* report_limits_default - 64 MiB, 200000 records, depth 32 */
void report_limits_default(struct report_limits *l);

struct report_error {
	size_t offset;		/* byte offset into the (decompressed) report */
	char why[200];
};

/*
 * dmarc_agg_parse - parse one aggregate report.  Pure: bytes in, struct out.
 * Lenient with what reporters send (recovered XML errors, missing optional
 * elements, upper-case result words are lower-cased, white space trimmed);
 * strict with limits.  Rejects (MS_ERR_SYNTAX, err says why) what is not a
 * <feedback> document or lacks org_name, report_id or the policy domain (the
 * storage key).  Everything is allocated from arena (the caller frees it).
 */
enum ms_status dmarc_agg_parse(const char *data, size_t len, const struct report_limits *lim,
    struct arena *arena, struct dmarc_report **out, struct report_error *err);

#endif
