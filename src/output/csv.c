/* src/output/csv.c - findings as CSV rows: RFC 4180 quoting, spreadsheet formulas neutralised */
#include "output/csv.h"

#include <string.h>

static const char *const csv_columns[] = {
	"domain", "area", "id", "severity", "subject", "message", "evidence", "advice",
};

/* csv_formula_start - whether a spreadsheet would read a field starting so as a formula */
static int
csv_formula_start(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

/* csv_write_field - one field, quoted when it must be, a formula start neutralised */
void
csv_write_field(FILE *fp, const char *s)
{
	int quote;

	if (s == NULL)
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', fp);
	if (csv_formula_start(s))
		fputc('\'', fp);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', fp);
		fputc(*p, fp);
	}
	if (quote)
		fputc('"', fp);
}

/* csv_write_header - the header row naming the columns */
void
csv_write_header(FILE *fp)
{
	for (size_t i = 0; i < sizeof(csv_columns) / sizeof(csv_columns[0]); i++) {
		if (i)
			fputc(',', fp);
		csv_write_field(fp, csv_columns[i]);
	}
	fputs("\r\n", fp);
}

/* csv_write_findings - one row per finding, CRLF-terminated */
void
csv_write_findings(FILE *fp, const char *domain, const struct finding_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->v[i];
		const struct finding_def *d = finding_def(f);
		const char *row[] = {
			domain, d->area, d->id, severity_name(f->severity), f->subject,
			f->message, f->evidence, f->advice,
		};

		for (size_t k = 0; k < sizeof(row) / sizeof(row[0]); k++) {
			if (k)
				fputc(',', fp);
			csv_write_field(fp, row[k]);
		}
		fputs("\r\n", fp);
	}
}
