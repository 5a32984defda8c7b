/* src/core/jsondump.h - jansson's json_dumps, byte for byte, without its per-value overhead */
#ifndef MS_CORE_JSONDUMP_H
#define MS_CORE_JSONDUMP_H

#include <stddef.h>

#include <jansson.h>

/*
 * json_dump_text - what json_dumps(v, flags) returns, the same bytes: for
 * flags made of JSON_INDENT(n), JSON_COMPACT, JSON_ENCODE_ANY and
 * JSON_PRESERVE_ORDER (a no-op: objects keep their order) it writes the text
 * itself into one growing buffer, with no cycle check (a document that
 * contains itself is a broken invariant; past JSON_DUMP_DEPTH_MAX levels the
 * dump fails), a table for the characters that need escaping and jansson's
 * own formatting of reals; any other flag is handed to json_dumps.  NULL
 * when json_dumps would return NULL (invalid UTF-8 in a string, a scalar
 * without JSON_ENCODE_ANY) or memory runs out.  v is borrowed; the caller
 * frees the result with free().
 */
#define JSON_DUMP_DEPTH_MAX	512
char *json_dump_text(const json_t *v, size_t flags);

#endif
