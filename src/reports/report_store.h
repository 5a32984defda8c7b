/* src/reports/report_store.h - a parsed report into the store: the model turned into the store's rows */
#ifndef MS_REPORTS_REPORT_STORE_H
#define MS_REPORTS_REPORT_STORE_H

#include "reports/report.h"
#include "store/store.h"
#include "util/status.h"

/*
 * The store (store/store.h, a layer below) knows only the columns it writes;
 * these turn the report model into them and put it: whole or not at all,
 * idempotently (store.h's contract), *res saying whether it was new.  r and
 * origin are borrowed for the call; on failure store_error(s) says why.
 */

/*
 * report_put_dmarc - r's reports row and its rows (auth results as JSON, the
 * domains that passed); r and origin borrowed, copied into the store
 */
MS_MUST_CHECK enum ms_status report_put_dmarc(struct store *s, const struct dmarc_report *r,
    const char *origin, enum store_put *res);
/*
 * report_put_tlsrpt - r keyed by its first policy's domain, its policies and
 * failure details; r and origin borrowed, copied into the store
 */
MS_MUST_CHECK enum ms_status report_put_tlsrpt(struct store *s, const struct tlsrpt_report *r,
    const char *origin, enum store_put *res);
/* report_put_failure - a failure report dated by its Date:, and its sample (r, origin borrowed) */
MS_MUST_CHECK enum ms_status report_put_failure(struct store *s, const struct failure_report *r,
    const char *origin, enum store_put *res);

#endif
