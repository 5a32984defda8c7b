/* src/reports/tlsrpt_parse.h - TLS-RPT aggregate report parser (RFC 8460 §4, JSON) */
#ifndef MS_REPORTS_TLSRPT_PARSE_H
#define MS_REPORTS_TLSRPT_PARSE_H

#include <stddef.h>

#include "reports/dmarc_agg.h"
#include "reports/report.h"
#include "util/arena.h"
#include "util/status.h"

/*
 * tlsrpt_parse - parse one RFC 8460 JSON report.  Pure.  Unknown fields are
 * ignored; mx-host may be a string (RFC 8460 text) or an array (some
 * senders).  Rejects what is not a JSON object with organization-name,
 * report-id and at least one policy with a policy-domain (the storage key).
 * Allocates from arena (the caller frees it); MS_ERR_NOMEM with err->why
 * "out of memory" when an arena allocation fails (util/tryalloc.h; jansson's
 * own allocations are not ours: one failing there reads as "not JSON").
 *
 * Memory: jansson builds the whole document as a tree, a few hundred bytes
 * per value whatever its text (an empty {} is three bytes of text), so
 * before jansson sees the text a linear pre-scan counts its values and
 * nesting and rejects (MS_ERR_LIMIT) more than one value per
 * TLSRPT_BYTES_PER_VALUE bytes of lim->max_bytes (524,288 values at the
 * default 64 MiB) or nesting deeper than lim->max_depth.  Peak memory for
 * one report then stays below four times max_bytes.  Counts are strict
 * (REPORT_COUNT_MAX), as are the date range (report_dates_check) and the
 * policy domains (report_domain_normalise).
 */
#define TLSRPT_BYTES_PER_VALUE	128
MS_MUST_CHECK enum ms_status tlsrpt_parse(const char *data, size_t len, const struct report_limits *lim,
    struct arena *arena, struct tlsrpt_report **out, struct report_error *err);

/*
 * rfc3339_to_epoch - "2016-04-01T00:00:00Z" (or with an offset; borrowed) to
 * seconds; -1 if invalid
 */
int64_t rfc3339_to_epoch(const char *s);

#endif
