/* src/output/json.c - the mailsec/1 JSON of an audited domain, and documents streamed one member at a time */
#include "output/json.h"
#include "core/grade.h"
#include "core/jsondump.h"
#include "core/jsonutil.h"

#include <stdlib.h>
#include <string.h>

/* out_json_domain - see json.h */
json_t *
out_json_domain(const struct audit *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", json_text(a->domain));
	json_object_set_new(o, "summary", grade_summary_json(&a->findings));
	json_object_set_new(o, "findings", findings_to_json(&a->findings));
	json_object_set(o, "facts", a->facts);
	return o;
}

/*
 * A domain's document is 7 KB (MX, SPF, DMARC, TLS-RPT) to 15 KB (every area)
 * in the bench world: room for that at once spares the buffer six copies.
 */
#define DOMAIN_TEXT_TYPICAL	16384

#define AREAS_SEEN_MAX	64	/* more areas than the catalogue has: the tree is rendered instead */

/* counts_write - {"pass": n, ..., "grade": g}, as core/grade.c's counts_json */
static void
counts_write(struct json_writer *w, const size_t c[SEV__COUNT])
{
	jw_open(w, true);
	for (int i = 0; i < SEV__COUNT; i++) {
		jw_key(w, severity_name((enum severity)i));
		jw_int(w, (long long)c[i]);
	}
	jw_key(w, "grade");
	jw_string(w, grade_from_counts(c));
	jw_close(w);
}

/* summary_write - grade_summary_json(l) as written; false when it cannot be (too many areas) */
static bool
summary_write(struct json_writer *w, const struct finding_list *l)
{
	const char *seen[AREAS_SEEN_MAX];
	size_t nseen = 0, c[SEV__COUNT];

	findings_count(l, c);
	jw_open(w, true);
	for (int i = 0; i < SEV__COUNT; i++) {
		jw_key(w, severity_name((enum severity)i));
		jw_int(w, (long long)c[i]);
	}
	jw_key(w, "grade");
	jw_string(w, grade_from_counts(c));
	jw_key(w, "areas");
	jw_open(w, true);
	for (size_t i = 0; i < l->n; i++) {
		const char *area = finding_def(&l->v[i])->area;
		size_t j;

		for (j = 0; j < nseen; j++)
			if (seen[j] == area || strcmp(seen[j], area) == 0)
				break;
		if (j < nseen)
			continue;
		if (nseen == AREAS_SEEN_MAX)
			return false;
		seen[nseen++] = area;
		grade_count_area(l, area, c);
		jw_key(w, area);
		counts_write(w, c);
	}
	jw_close(w);
	jw_close(w);
	return true;
}

/* finding_write - core/finding.c's finding_to_json(f) as written */
static void
finding_write(struct json_writer *w, const struct finding *f)
{
	const struct finding_def *d = &finding_defs[f->id];

	jw_open(w, true);
	jw_key(w, "id");
	jw_string(w, d->id);
	jw_key(w, "severity");
	jw_string(w, severity_name(f->severity));
	jw_key(w, "area");
	jw_string(w, d->area);
	jw_key(w, "subject");
	jw_text(w, f->subject);
	jw_key(w, "message");
	jw_text(w, f->message);
	jw_key(w, "evidence");
	jw_text(w, f->evidence);
	jw_key(w, "advice");
	jw_text(w, f->advice);
	jw_key(w, "rfc");
	jw_text(w, d->rfc);
	jw_key(w, "profile");
	jw_text(w, f->profile);
	jw_close(w);
}

/* out_json_domain_text - see json.h */
char *
out_json_domain_text(const struct audit *a, size_t flags, const char *schema)
{
	struct json_writer w;

	jw_init(&w, flags);
	jw_reserve(&w, DOMAIN_TEXT_TYPICAL);
	jw_open(&w, true);
	jw_key(&w, "domain");
	jw_text(&w, a->domain);
	jw_key(&w, "summary");
	if (!summary_write(&w, &a->findings)) {
		free(jw_finish(&w));
		return NULL;
	}
	jw_key(&w, "findings");
	jw_open(&w, false);
	for (size_t i = 0; i < a->findings.n; i++)
		finding_write(&w, &a->findings.v[i]);
	jw_close(&w);
	if (a->facts) {
		jw_key(&w, "facts");
		jw_value(&w, a->facts);
	}
	if (schema) {
		jw_key(&w, "schema");
		jw_string(&w, schema);
	}
	jw_close(&w);
	return jw_finish(&w);
}

/* out_grade - the grade of a domain's findings (core/grade.c) */
const char *
out_grade(const struct finding_list *l)
{
	return grade_findings(l);
}

/* out_json_stream_open - "{", head's members one to a line, then "key": [ */
void
out_json_stream_open(FILE *fp, const json_t *head, const char *key)
{
	const char *k;
	json_t *v;

	fputs("{", fp);
	json_object_foreach((json_t *)head, k, v) {
		json_t *name = json_string(k);
		char *ks = json_dumps(name, JSON_ENCODE_ANY);
		char *vs = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(fp, "\n%s: %s,", ks ? ks : "\"\"", vs ? vs : "null");
		free(ks);
		free(vs);
		json_decref(name);
	}
	{
		json_t *name = json_string(key);
		char *ks = json_dumps(name, JSON_ENCODE_ANY);

		fprintf(fp, "\n%s: [", ks ? ks : "\"\"");
		free(ks);
		json_decref(name);
	}
}

/* out_json_stream_element - one element, after "\n" or ",\n" */
void
out_json_stream_element(FILE *fp, const char *text, bool first)
{
	fprintf(fp, "%s%s", first ? "\n" : ",\n", text);
}

/* out_json_stream_close - "]" and "}" */
void
out_json_stream_close(FILE *fp)
{
	fputs("\n]\n}\n", fp);
}

/* out_json_print - the document, indented, in order, and a newline */
void
out_json_print(FILE *fp, const json_t *doc)
{
	char *s = json_dump_text(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		fprintf(fp, "%s\n", s);
	free(s);
}

/* out_json_line - the document on one line */
void
out_json_line(FILE *fp, const json_t *doc)
{
	char *s = json_dump_text(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s)
		fprintf(fp, "%s\n", s);
	free(s);
}
