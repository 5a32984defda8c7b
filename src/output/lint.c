/* src/output/lint.c - mailsec lint's report: the mailsec-lint/1 document and the text report's head */
#include "output/lint.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "util/termsafe.h"

#include <stdlib.h>
#include <string.h>

/* lint_report_json - see lint.h */
json_t *
lint_report_json(const struct lint_report *r, json_t **doms, size_t n)
{
	json_t *doc = doc_new(DOC_LINT), *arr = json_array(), *no = json_array();

	doc_add_generated(doc);
	doc_add_version(doc);
	json_object_set_new(doc, "profile", json_text(r->profile));
	json_object_set(doc, "files", r->files);
	if (json_array_size(r->policies))
		json_object_set(doc, "policies", r->policies);
	for (const char *const *p = r->not_offline; *p; p++)
		json_array_append_new(no, json_string(*p));
	json_object_set_new(doc, "not_checked_offline", no);
	for (size_t i = 0; i < n; i++)
		if (doms[i])
			json_array_append_new(arr, doms[i]);
	json_object_set_new(doc, "domains", arr);
	return doc;
}

/* lint_report_text_files - see lint.h */
void
lint_report_text_files(FILE *fp, const struct lint_report *r)
{
	size_t k;
	json_t *f;

	json_array_foreach(r->files, k, f) {
		const char *role = json_string_value(json_object_get(f, "role"));
		json_t *note;
		size_t m;

		fprintf(fp, "%s: zone %s, %lld records%s\n",
		    json_string_value(json_object_get(f, "path")),
		    json_string_value(json_object_get(f, "origin")),
		    (long long)json_integer_value(json_object_get(f, "records")),
		    role && strcmp(role, "context") == 0 ? " (context: answers lookups, not linted)" : "");
		json_array_foreach(json_object_get(f, "notes"), m, note) {
			char *shown = term_safe_str(json_string_value(note));	/* quotes the file */

			fprintf(fp, "  note: %s\n", shown);
			free(shown);
		}
	}
}

/* lint_report_text_not_offline - see lint.h */
void
lint_report_text_not_offline(FILE *fp, const struct lint_report *r)
{
	fprintf(fp, "not checked offline:\n");
	for (const char *const *p = r->not_offline; *p; p++)
		fprintf(fp, "  - %s\n", *p);
	fprintf(fp, "\n");
}
