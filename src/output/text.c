/* src/output/text.c - one audited domain as text: areas with their grades, findings, a summary line */
#include "output/text.h"
#include "core/grade.h"
#include "util/termsafe.h"

#include <string.h>

/* Colours only on a terminal (or --color); severities keep their words either way. */
static const char *const sev_color[SEV__COUNT] = {
	[SEV_PASS] = "\033[32m",
	[SEV_INFO] = "\033[36m",
	[SEV_WARNING] = "\033[33m",
	[SEV_ERROR] = "\033[1;31m",
	[SEV_UNKNOWN] = "\033[35m",
};

/* safe_write - published data to a terminal: through the one escape (util/termsafe.h) */
static void
safe_write(FILE *fp, const char *s, size_t n)
{
	term_write(fp, s, n);
}

/* safe_puts - safe_write of a C string */
static void
safe_puts(FILE *fp, const char *s)
{
	safe_write(fp, s, strlen(s));
}

/* indent_block - print a labelled block, each line on its own, indented */
static void
indent_block(FILE *fp, const char *label, const char *text)
{
	const char *p = text;
	int width = 15 + (int)strlen(label);

	fprintf(fp, "%14s%s ", "", label);
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		safe_write(fp, p, len);
		fputc('\n', fp);
		if (nl == NULL || nl[1] == '\0')
			return;
		p = nl + 1;
		fprintf(fp, "%*s", width, "");
	}
}

/* out_text_domain - see text.h */
void
out_text_domain(FILE *fp, const struct audit *a, bool color)
{
	const struct finding_list *l = &a->findings;
	const char *area = NULL;
	size_t c[SEV__COUNT];

	fputs(color ? "\033[1m" : "", fp);
	safe_puts(fp, a->domain);
	fputs(color ? "\033[0m\n" : "\n", fp);
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->v[i];
		const struct finding_def *d = finding_def(f);
		char tag[16];

		if (area == NULL || strcmp(area, d->area) != 0) {
			const char *g;

			area = d->area;
			g = grade_area(l, area);
			fprintf(fp, "  %s  %s%s\n", area, grade_is_none(g) ?
			    "no grade: nothing could be determined" : "grade ", grade_is_none(g) ? "" : g);
		}
		snprintf(tag, sizeof(tag), "[%s]", severity_name(f->severity));
		if (color)
			fprintf(fp, "    %s%-10s\033[0m", sev_color[f->severity], tag);
		else
			fprintf(fp, "    %-10s", tag);
		safe_puts(fp, f->message);
		if (f->severity != SEV_PASS)
			fprintf(fp, "  (%s)", d->id);
		fputc('\n', fp);
		if (f->evidence && f->severity != SEV_PASS)
			indent_block(fp, "published:", f->evidence);
		if (f->advice && f->severity != SEV_PASS)
			indent_block(fp, "publish:", f->advice);
		if (f->profile)
			fprintf(fp, "%14sprofile: %s\n", "", f->profile);
	}
	findings_count(l, c);
	fprintf(fp, "  summary: %zu pass, %zu info, %zu warning%s, %zu error%s, %zu unknown; "
	    "%s%s\n\n", c[SEV_PASS], c[SEV_INFO], c[SEV_WARNING], c[SEV_WARNING] == 1 ? "" : "s",
	    c[SEV_ERROR], c[SEV_ERROR] == 1 ? "" : "s", c[SEV_UNKNOWN],
	    grade_is_none(grade_findings(l)) ? "no grade: nothing could be determined" : "grade ",
	    grade_is_none(grade_findings(l)) ? "" : grade_findings(l));
}
