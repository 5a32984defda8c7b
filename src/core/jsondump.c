/* src/core/jsondump.c - jansson's json_dumps, byte for byte, without its per-value overhead */
#include "core/jsondump.h"
#include "core/jsonutil.h"
#include "util/fmt.h"
#include "util/str.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Why: json_dumps builds a hash table entry (with a printf of the pointer)
 * for every array and object to detect cycles, decodes every string one
 * code point at a time and calls a callback for every fragment: about 70
 * instructions per byte of output, a third of a replayed audit.  This
 * writer follows jansson 2.14's dump.c rules for the flags mailsec uses
 * (indentation, separators, escapes, reals through jansson itself), so the
 * output does not change; tests/unit/test_jsondump.c compares the two.
 */

#define DUMP_INDENT(f)	((f) & 0x1F)

#define out json_out

/* grow - room for need more bytes (failed set when memory runs out) */
static bool
grow(struct out *o, size_t need)
{
	size_t cap;
	char *np;

	if (o->failed)
		return false;
	if (o->n + need + 1 <= o->cap)
		return true;
	cap = o->cap ? o->cap : 256;
	while (cap < o->n + need + 1) {
		if (cap > SIZE_MAX / 2) {
			o->failed = true;
			return false;
		}
		cap *= 2;
	}
	if ((np = realloc(o->p, cap)) == NULL) {
		o->failed = true;
		return false;
	}
	o->p = np;
	o->cap = cap;
	return true;
}

/* room - whether need more bytes fit, growing the buffer when they do not */
static inline bool
room(struct out *o, size_t need)
{
	return (!o->failed && o->n + need + 1 <= o->cap) || grow(o, need);
}

/* put - append len bytes */
static inline void
put(struct out *o, const char *s, size_t len)
{
	if (!room(o, len))
		return;
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

/* indent - a newline and depth levels of indentation, or the separator's space (dump.c's dump_indent) */
static void
indent(struct out *o, size_t flags, int depth, bool space)
{
	size_t w = DUMP_INDENT(flags);

	if (w > 0) {
		size_t k = (size_t)depth * w;

		if (!room(o, k + 1))
			return;
		o->p[o->n++] = '\n';
		memset(o->p + o->n, ' ', k);
		o->n += k;
	} else if (space && !(flags & JSON_COMPACT)) {
		put(o, " ", 1);
	}
}

/*
 * PLAIN - whether byte c is written as it is with nothing to check: printable
 * ASCII other than '"' and '\\'.  Bytes from 0x80 are UTF-8 to validate.
 */
#define PLAIN(c)	((unsigned char)((c) - 0x20) < 0x5F && (c) != '"' && (c) != '\\')

/*
 * plain8 - whether all 8 bytes of x are PLAIN: none below 0x20, none from
 * 0x7F, no '"' and no '\\' (word-at-a-time tests that are exact as a yes/no:
 * "Bit Twiddling Hacks", determine if a word has a byte less than n / equal to n)
 */
static inline bool
plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7F);
	uint64_t bad = ((x - ones * 0x20) & ~x) |
	    ((q - ones) & ~q) | ((b - ones) & ~b) | ((d - ones) & ~d) | x;

	return (bad & highs) == 0;
}

/* one_byte - the byte at s[*i] of a string being written, and *i past it; false on invalid UTF-8 */
static bool
one_byte(struct out *o, const char *str, size_t len, size_t *i, size_t *run)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[*i];
	const char *esc;
	char u[8];
	size_t k;

	if (PLAIN(c) || c == 0x7F) {	/* DEL: written raw, as jansson does */
		(*i)++;
		return true;
	}
	if (c >= 0x80) {
		if ((k = json_utf8_len(s + *i, len - *i)) == 0)
			return false;
		*i += k;
		return true;
	}
	put(o, str + *run, *i - *run);
	switch (c) {
	case '\\': esc = "\\\\"; break;
	case '"': esc = "\\\""; break;
	case '\b': esc = "\\b"; break;
	case '\f': esc = "\\f"; break;
	case '\n': esc = "\\n"; break;
	case '\r': esc = "\\r"; break;
	case '\t': esc = "\\t"; break;
	default:
		snprintf(u, sizeof(u), "\\u%04X", (unsigned)c);
		esc = u;
		break;
	}
	put(o, esc, strlen(esc));
	*run = ++(*i);
	return true;
}

/*
 * string - s[0..len) quoted and escaped as dump.c's dump_string without
 * ESCAPE_SLASH/ENSURE_ASCII.  Eight bytes at a time (the last, shorter
 * piece padded with plain bytes), a byte at a time only in a piece that
 * holds something to escape or to check.
 */
static void
string(struct out *o, const char *str, size_t len)
{
	const uint64_t pad = 0x6161616161616161ull;	/* "aaaaaaaa": plain */
	size_t i = 0, run = 0;

	if (!room(o, len + 2))
		return;
	o->p[o->n++] = '"';
	while (i < len) {
		size_t k = len - i < 8 ? len - i : 8, end;
		uint64_t w = pad;

		if (k == 8)
			memcpy(&w, str + i, 8);
		else
			memcpy(&w, str + i, k);
		if (plain8(w)) {
			i += k;
			continue;
		}
		for (end = i + k; i < end;)
			if (!one_byte(o, str, len, &i, &run)) {
				o->failed = true;
				return;
			}
	}
	put(o, str + run, len - run);
	put(o, "\"", 1);
}

/* value - one value at depth (dump.c's do_dump) */
static void
value(struct out *o, const json_t *v, size_t flags, int depth)
{
	char num[FMT_INT_MAX];

	if (o->failed)
		return;
	if (v == NULL || depth > JSON_DUMP_DEPTH_MAX) {
		o->failed = true;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_NULL:
		put(o, "null", 4);
		break;
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_INTEGER:
		put(o, num, fmt_int(num, (long long)json_integer_value(v)));
		break;
	case JSON_REAL: {
		/* jansson's own formatting (precision, ".0", exponent): rare enough to hand over */
		char *s = json_dumps(v, JSON_ENCODE_ANY | (flags & ~(size_t)0x1F));

		if (s == NULL)
			o->failed = true;
		else
			put(o, s, strlen(s));
		free(s);
		break;
	}
	case JSON_STRING:
		string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		put(o, "[", 1);
		if (n == 0) {
			put(o, "]", 1);
			break;
		}
		indent(o, flags, depth + 1, false);
		for (size_t i = 0; i < n; i++) {
			value(o, json_array_get(v, i), flags, depth + 1);
			if (i < n - 1) {
				put(o, ",", 1);
				indent(o, flags, depth + 1, true);
			} else {
				indent(o, flags, depth, false);
			}
		}
		put(o, "]", 1);
		break;
	}
	case JSON_OBJECT: {
		void *it = json_object_iter((json_t *)v);

		put(o, "{", 1);
		if (it == NULL) {
			put(o, "}", 1);
			break;
		}
		indent(o, flags, depth + 1, false);
		while (it) {
			void *next = json_object_iter_next((json_t *)v, it);

			string(o, json_object_iter_key(it), json_object_iter_key_len(it));
			if (flags & JSON_COMPACT)
				put(o, ":", 1);
			else
				put(o, ": ", 2);
			value(o, json_object_iter_value(it), flags, depth + 1);
			if (next) {
				put(o, ",", 1);
				indent(o, flags, depth + 1, true);
			} else {
				indent(o, flags, depth, false);
			}
			it = next;
		}
		put(o, "}", 1);
		break;
	}
	default:
		o->failed = true;
		break;
	}
}

/* json_dump_text - json_dumps(v, flags), the same bytes (jsondump.h) */
char *
json_dump_text(const json_t *v, size_t flags)
{
	const size_t mine = 0x1F | JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER;
	struct out o = { NULL, 0, 0, false };

	if ((flags & ~mine) != 0)
		return json_dumps(v, flags);
	if (v == NULL || (!(flags & JSON_ENCODE_ANY) && !json_is_array(v) && !json_is_object(v)))
		return NULL;
	value(&o, v, flags, 0);
	if (!grow(&o, 0) || o.failed) {
		free(o.p);
		return NULL;
	}
	o.p[o.n] = '\0';
	return o.p;
}

/* ---- the piecewise writer (jsondump.h) ---------------------------------- */

/* jw_init - an empty writer (jsondump.h) */
void
jw_init(struct json_writer *w, size_t flags)
{
	memset(w, 0, sizeof(*w));
	w->flags = flags;
}

/* jw_reserve - see jsondump.h */
bool
jw_reserve(struct json_writer *w, size_t bytes)
{
	return grow(&w->o, bytes);
}

/* before_value - the separator and indentation before a value in an array */
static bool
before_value(struct json_writer *w)
{
	int d = w->depth;

	if (w->o.failed)
		return false;
	if (d == 0 || w->object[d - 1])
		return true;	/* the top, or after a key */
	if (w->first[d - 1]) {
		indent(&w->o, w->flags, d, false);
		w->first[d - 1] = false;
	} else {
		put(&w->o, ",", 1);
		indent(&w->o, w->flags, d, true);
	}
	return !w->o.failed;
}

/* jw_open - "{" or "[" (jsondump.h) */
void
jw_open(struct json_writer *w, bool object)
{
	if (!before_value(w))
		return;
	if (w->depth >= JSON_WRITER_DEPTH_MAX) {
		w->o.failed = true;
		return;
	}
	put(&w->o, object ? "{" : "[", 1);
	w->object[w->depth] = object;
	w->first[w->depth] = true;
	w->depth++;
}

/* jw_close - "}" or "]" (jsondump.h) */
void
jw_close(struct json_writer *w)
{
	int d = w->depth;

	if (w->o.failed)
		return;
	if (d == 0) {
		w->o.failed = true;
		return;
	}
	if (!w->first[d - 1])
		indent(&w->o, w->flags, d - 1, false);
	put(&w->o, w->object[d - 1] ? "}" : "]", 1);
	w->depth--;
}

/* jw_key - a member's key and its separator (jsondump.h) */
void
jw_key(struct json_writer *w, const char *key)
{
	int d = w->depth;

	if (w->o.failed)
		return;
	if (d == 0 || !w->object[d - 1] || key == NULL) {
		w->o.failed = true;
		return;
	}
	if (w->first[d - 1]) {
		indent(&w->o, w->flags, d, false);
		w->first[d - 1] = false;
	} else {
		put(&w->o, ",", 1);
		indent(&w->o, w->flags, d, true);
	}
	string(&w->o, key, strlen(key));
	if (w->flags & JSON_COMPACT)
		put(&w->o, ":", 1);
	else
		put(&w->o, ": ", 2);
}

/* jw_string - a string value (jsondump.h) */
void
jw_string(struct json_writer *w, const char *s)
{
	if (!before_value(w))
		return;
	if (s == NULL)
		put(&w->o, "null", 4);
	else
		string(&w->o, s, strlen(s));
}

/*
 * text_plain - whether s (NUL-terminated) is written by json_text as it is:
 * valid UTF-8 (what json_stringn accepts) holding no DEL and no C1 control
 * (core/jsonutil.c's json_raw_control); its length in *len.  One pass.
 */
static bool
text_plain(const char *str, size_t *len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	for (;;) {
		unsigned char c = s[i];
		size_t k;

		if (c == 0)
			break;
		if (c < 0x7F) {
			i++;
			continue;
		}
		if (c == 0x7F)
			return false;
		if (c == 0xC2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
			return false;	/* C1 */
		/* utf8_len reads at most 4 bytes and stops at the NUL: not a continuation byte */
		if ((k = json_utf8_len(s + i, 4)) == 0)
			return false;
		i += k;
	}
	*len = i;
	return true;
}

/* jw_text - json_text(s) as dumped (jsondump.h; core/jsonutil.c's json_textn) */
void
jw_text(struct json_writer *w, const char *s)
{
	size_t n;
	char *p;

	if (!before_value(w))
		return;
	if (s == NULL) {
		put(&w->o, "null", 4);
		return;
	}
	if (text_plain(s, &n)) {
		string(&w->o, s, n);
		return;
	}
	n = strlen(s);
	p = str_printable(s, n);
	string(&w->o, p, strlen(p));
	free(p);
}

/* jw_int - an integer value (jsondump.h) */
void
jw_int(struct json_writer *w, long long n)
{
	char num[FMT_INT_MAX];

	if (!before_value(w))
		return;
	put(&w->o, num, fmt_int(num, n));
}

/* jw_value - a jansson value (jsondump.h) */
void
jw_value(struct json_writer *w, const json_t *v)
{
	if (!before_value(w))
		return;
	value(&w->o, v, w->flags, w->depth);
}

/* jw_finish - the text, or NULL (jsondump.h) */
char *
jw_finish(struct json_writer *w)
{
	if (w->depth != 0 || !grow(&w->o, 0) || w->o.failed) {
		free(w->o.p);
		w->o.p = NULL;
		return NULL;
	}
	w->o.p[w->o.n] = '\0';
	return w->o.p;
}
