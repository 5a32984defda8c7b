/* src/core/jsondump.h - jansson's json_dumps, byte for byte, without its per-value overhead */
#ifndef MS_CORE_JSONDUMP_H
#define MS_CORE_JSONDUMP_H

#include <stdbool.h>
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

/*
 * A JSON text written piece by piece, in json_dump_text's layout for the
 * same flags (JSON_INDENT(n) or JSON_COMPACT): for a document whose members
 * are known in advance (a domain's findings), without building a jansson
 * tree only to free it again.  Writing into a json_writer never fails at
 * once: an error (memory, invalid UTF-8 in jw_string, more than
 * JSON_WRITER_DEPTH_MAX open containers, a key outside an object) is kept
 * and jw_finish returns NULL.  The struct is the caller's; its fields are
 * private.
 */
#define JSON_WRITER_DEPTH_MAX	32

struct json_out {
	char	*p;
	size_t	 n, cap;
	bool	 failed;
};

struct json_writer {
	struct json_out	 o;
	size_t		 flags;
	int		 depth;		/* open containers */
	bool		 object[JSON_WRITER_DEPTH_MAX];	/* level's container is an object */
	bool		 first[JSON_WRITER_DEPTH_MAX];	/* nothing written in it yet */
};

/* jw_init - an empty writer with json_dumps flags (w is the caller's) */
void jw_init(struct json_writer *w, size_t flags);

/*
 * jw_reserve - room for bytes of text before it grows again (a hint: a
 * document of known typical size is then copied fewer times); false when
 * memory ran out, which jw_finish reports too
 */
bool jw_reserve(struct json_writer *w, size_t bytes);
/* jw_open - "{" (object true) or "[" as the next value (w borrowed) */
void jw_open(struct json_writer *w, bool object);
/* jw_close - the innermost open container's "}" or "]" (w borrowed) */
void jw_close(struct json_writer *w);
/* jw_key - the next member's key (borrowed) in the innermost object */
void jw_key(struct json_writer *w, const char *key);
/* jw_string - s (borrowed, valid UTF-8) as the next value; NULL writes null */
void jw_string(struct json_writer *w, const char *s);
/* jw_text - s (borrowed) as json_text(s) would be dumped: bytes jansson refuses or writes raw become printable escapes; NULL writes null */
void jw_text(struct json_writer *w, const char *s);
/* jw_int - n as the next value (w borrowed) */
void jw_int(struct json_writer *w, long long n);
/* jw_value - v (borrowed) as the next value, as json_dump_text writes it */
void jw_value(struct json_writer *w, const json_t *v);
/* jw_finish - the text (the caller frees it with free()), or NULL after any error; w is spent */
char *jw_finish(struct json_writer *w);

#endif
