/* src/output/summary_csv.c - the report summary as CSV (reports summary --format csv) */
#include "output/summary_csv.h"
#include "output/csv.h"

/* csv_row - n fields, comma-separated, CRLF-terminated */
static void
csv_row(FILE *fp, const char *const *field, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputc(',', fp);
		csv_write_field(fp, field[k]);
	}
	fputs("\r\n", fp);
}

/* csv_write_summary - the header, then a row per source */
void
csv_write_summary(FILE *fp, const struct summary *s)
{
	struct summary_csv_row r;
	size_t n = summary_csv_rows(s);

	csv_row(fp, summary_csv_columns, SUMMARY_CSV_COLUMNS);
	for (size_t i = 0; i < n; i++) {
		summary_csv_row(s, i, &r);
		csv_row(fp, r.field, SUMMARY_CSV_COLUMNS);
	}
}
