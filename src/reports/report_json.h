/* src/reports/report_json.h - parsed reports as JSON (reports parse, golden tests) */
#ifndef MS_REPORTS_REPORT_JSON_H
#define MS_REPORTS_REPORT_JSON_H

#include <jansson.h>

#include "reports/report.h"

/*
 * dmarc_report_json, tlsrpt_report_json, failure_report_json - each returns
 * a new object (caller decrefs); absent fields are JSON null.
 */
json_t *dmarc_report_json(const struct dmarc_report *r);
json_t *tlsrpt_report_json(const struct tlsrpt_report *r);
json_t *failure_report_json(const struct failure_report *r);

#endif
