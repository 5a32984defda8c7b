/* src/cli/output.c - rendering one audited domain as text or as a mailsec/1 JSON object */
#include "cli/cli.h"
#include "core/jsonutil.h"

#include <string.h>

/* Colours only on a terminal (or --color); severities keep their words either way. */
static const char *const sev_color[SEV__COUNT] = {
	[SEV_PASS] = "\033[32m",
	[SEV_INFO] = "\033[36m",
	[SEV_WARNING] = "\033[33m",
	[SEV_ERROR] = "\033[1;31m",
	[SEV_UNKNOWN] = "\033[35m",
};

/*
 * out_grade - A: nothing to change; B: one or two warnings; C: three or more
 * warnings; D: one error; F: two or more errors.  A trailing '?' says some
 * things could not be determined (docs/grades.md).
 */
const char *
out_grade(const struct finding_list *l)
{
	static const char *const grades[] = { "A", "B", "C", "D", "F" };
	static const char *const incomplete[] = { "A?", "B?", "C?", "D?", "F?" };
	size_t c[SEV__COUNT];
	int g;

	findings_count(l, c);
	if (c[SEV_ERROR] >= 2)
		g = 4;
	else if (c[SEV_ERROR] == 1)
		g = 3;
	else if (c[SEV_WARNING] >= 3)
		g = 2;
	else if (c[SEV_WARNING] >= 1)
		g = 1;
	else
		g = 0;
	return c[SEV_UNKNOWN] ? incomplete[g] : grades[g];
}

/*
 * utf8_seq - length of the valid UTF-8 sequence at s[0..n), 0 when the byte
 * there starts none (a stray continuation byte, an overlong form, a
 * surrogate, past U+10FFFF or cut short).
 * (Local until src/util/termsafe lands on main; then safe_write is term_write.)
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned c = s[0], min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	return c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ? 0 : len;
}

/*
 * safe_write - write published data to a terminal: C0 and C1 control
 * characters (a hostile TXT record or SMTP banner can carry escape
 * sequences) and every byte that is not part of valid UTF-8 (a raw 0x9B is
 * a C1 CSI on some terminals) are shown as \xHH; valid UTF-8 goes through.
 */
static void
safe_write(FILE *fp, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(u + i, n - i);

		if (l == 0 || u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 && u[i + 1] <= 0x9f)) {
			l = l ? l : 1;
			for (size_t k = 0; k < l; k++)
				fprintf(fp, "\\x%02X", u[i + k]);
		} else {
			fwrite(u + i, 1, l, fp);
		}
		i += l;
	}
}

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
			area = d->area;
			fprintf(fp, "  %s\n", area);
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
	    "grade %s\n\n", c[SEV_PASS], c[SEV_INFO], c[SEV_WARNING], c[SEV_WARNING] == 1 ? "" : "s",
	    c[SEV_ERROR], c[SEV_ERROR] == 1 ? "" : "s", c[SEV_UNKNOWN], out_grade(l));
}

json_t *
out_json_domain(const struct audit *a)
{
	json_t *o = json_object(), *sum = json_object();
	size_t c[SEV__COUNT];

	findings_count(&a->findings, c);
	for (int i = 0; i < SEV__COUNT; i++)
		json_object_set_new(sum, severity_name((enum severity)i), json_integer((json_int_t)c[i]));
	json_object_set_new(sum, "grade", json_string(out_grade(&a->findings)));
	json_object_set_new(o, "domain", json_text(a->domain));
	json_object_set_new(o, "summary", sum);
	json_object_set_new(o, "findings", findings_to_json(&a->findings));
	json_object_set(o, "facts", a->facts);
	return o;
}
