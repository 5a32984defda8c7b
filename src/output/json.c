/* src/output/json.c - the mailsec/1 JSON of an audited domain, and documents streamed one member at a time */
#include "output/json.h"
#include "core/grade.h"
#include "core/jsondump.h"
#include "core/jsonutil.h"

#include <stdlib.h>

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
