/* src/output/json.h - the mailsec/1 JSON of an audited domain, and documents streamed one member at a time */
#ifndef MAILSEC_OUTPUT_JSON_H
#define MAILSEC_OUTPUT_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "audit/audit.h"
#include "core/finding.h"

/*
 * out_json_domain - one domain of mailsec/1 (docs/json.md): domain,
 * summary (grades per area), findings, facts.  a is borrowed; new reference.
 */
json_t *out_json_domain(const struct audit *a);
/*
 * out_json_domain_text - the text json_dump_text(out_json_domain(a), flags)
 * gives (flags: JSON_INDENT(n) or JSON_COMPACT, with JSON_PRESERVE_ORDER),
 * with "schema": schema as a last member when schema is not NULL (what
 * doc_add_schema adds), written straight from the findings without building
 * their jansson tree.  a and schema are borrowed; the caller frees the text
 * with free().  NULL when the text cannot be written (memory, a string that
 * is not valid UTF-8, a facts tree too deep): the caller then renders
 * out_json_domain's tree, which says the same or nothing.
 */
char *out_json_domain_text(const struct audit *a, size_t flags, const char *schema);

/* out_grade - the letter grade of a domain's findings (docs/grades.md); static string */
const char *out_grade(const struct finding_list *l);

/*
 * out_json_stream_open - open a document on fp whose last member is an array
 * streamed element by element (check --json prints each domain when it is
 * ready): "{", each member of head (borrowed; the envelope and the rest, in
 * order) as "key": value one to a line, then "key": [.  Elements follow with
 * out_json_stream_element, then out_json_stream_close.
 */
void out_json_stream_open(FILE *fp, const json_t *head, const char *key);
/* out_json_stream_element - text (an element already rendered, borrowed) after a separator */
void out_json_stream_element(FILE *fp, const char *text, bool first);
/* out_json_stream_close - end the array and the document (fp borrowed) */
void out_json_stream_close(FILE *fp);

/* out_json_line - doc (borrowed) on fp as one compact line (JSON Lines), members in order */
void out_json_line(FILE *fp, const json_t *doc);

/* out_json_print - doc (borrowed) on fp, indented by 2 with members in order, and a newline */
void out_json_print(FILE *fp, const json_t *doc);

#endif
