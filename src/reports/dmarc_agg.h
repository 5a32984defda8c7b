/* src/reports/dmarc_agg.h - DMARC aggregate report parser (RFC 7489 App. C, RFC 9990) */
#ifndef MS_REPORTS_DMARC_AGG_H
#define MS_REPORTS_DMARC_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/report.h"
#include "util/arena.h"
#include "util/status.h"

#define DMARC_NS_V2	"urn:ietf:params:xml:ns:dmarc-2.0"

struct report_limits {
	size_t max_bytes;	/* decompressed size of one report */
	size_t max_records;	/* <record> elements (DMARC) or failure-details (TLS-RPT) */
	size_t max_depth;	/* element / JSON nesting */
	int64_t received;	/* when the report arrived (epoch seconds), 0: unknown */
};

/*
 * report_limits_default - 64 MiB, 200000 records, depth 32, received unknown;
 * into the caller's *l
 */
void report_limits_default(struct report_limits *l);

/*
 * What strangers' numbers and dates may be (docs/reports.md, "Limits"):
 * a message or session count is a non-negative decimal of at most
 * REPORT_COUNT_MAX (10^12; report totals then cannot overflow); a date
 * range may not end before it begins, span more than REPORT_SPAN_MAX (31
 * days), or begin or end more than REPORT_FUTURE_MAX (a day) after the
 * report was received (when that is known), nor after the year 9999.
 * A report that breaks one is rejected, saying which.
 */
#define REPORT_COUNT_MAX	UINT64_C(1000000000000)
#define REPORT_SPAN_MAX		(31 * 86400)
#define REPORT_FUTURE_MAX	86400
#define REPORT_TIME_MAX		INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */

/*
 * report_dates_check - the rules above for begin..end (-1: absent, not
 * checked); NULL when they hold, else why (static text).
 */
const char *report_dates_check(int64_t begin, int64_t end, int64_t received);

/*
 * report_domain_normalise - a policy domain as check takes it: lower case,
 * one trailing dot removed, in place; false when what remains is not a
 * host name (empty, a label over 63 or a name over 253 octets, characters
 * other than letters, digits, '-', '_' and '.', or an empty label).
 */
bool report_domain_normalise(char *d);

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
 * storage key).  Everything is allocated from arena (the caller frees it);
 * MS_ERR_NOMEM with err->why "out of memory" when an arena allocation fails
 * (util/tryalloc.h; libxml2's own allocations are not ours).
 */
MS_MUST_CHECK enum ms_status dmarc_agg_parse(const char *data, size_t len, const struct report_limits *lim,
    struct arena *arena, struct dmarc_report **out, struct report_error *err);

#endif
