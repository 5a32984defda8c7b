/* src/output/csv.h - findings as CSV rows (RFC 4180), one row per finding (docs/csv.md) */
#ifndef MAILSEC_OUTPUT_CSV_H
#define MAILSEC_OUTPUT_CSV_H

#include "core/finding.h"

#include <stdio.h>

/*
 * The columns, in order, as the header row names them:
 *	domain,area,id,severity,subject,message,evidence,advice
 * Every row, the header's included, ends in CRLF. A field holding a comma, a
 * double quote, CR or LF is quoted and its quotes doubled (RFC 4180 §2). A
 * field whose first byte is '=', '+', '-', '@', TAB or CR would be read as a
 * formula by a spreadsheet: it gets a leading apostrophe (and is quoted when
 * it needs to be), as OWASP advises against CSV injection. Absent evidence or
 * advice is an empty field. Bytes are written as they are (no re-encoding):
 * the text is UTF-8 when the published data was.
 */

/* csv_write_header - the header row on fp (fp borrowed) */
void csv_write_header(FILE *fp);

/* csv_write_field - one field on fp (no separator); s borrowed, NULL is empty */
void csv_write_field(FILE *fp, const char *s);

/*
 * csv_write_findings - one row per finding of l on fp, in the list's order,
 * with domain in the first column; everything borrowed
 */
void csv_write_findings(FILE *fp, const char *domain, const struct finding_list *l);

#endif
