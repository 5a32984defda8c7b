/* src/output/summary_csv.h - the report summary as CSV (reports summary --format csv) */
#ifndef MAILSEC_OUTPUT_SUMMARY_CSV_H
#define MAILSEC_OUTPUT_SUMMARY_CSV_H

#include <stdio.h>

#include "reports/summary.h"

/*
 * csv_write_summary - a header row naming summary_csv_columns, then one row
 * per source of s, with csv_write_field's quoting (RFC 4180, CRLF, a field
 * that a spreadsheet would read as a formula neutralised: the PTR names and
 * DKIM domains are strangers' text).  s is borrowed.
 */
void csv_write_summary(FILE *fp, const struct summary *s);

#endif
