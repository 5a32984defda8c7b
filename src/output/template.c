/* src/output/template.c - parsing and rendering the Mustache subset of template.h */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/html.h"
#include "output/template.h"
#include "util/xalloc.h"

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_kind	 kind;
	size_t		 off, len;	/* N_TEXT: the span of text */
	size_t		 end;		/* sections: the index after their last node */
	char		 name[TMPL_MAX_NAME + 1];
};

struct tmpl {
	char		*name;
	char		*text;
	size_t		 len;
	struct node	*nodes;
	size_t		 n, cap;
};

/* render_ctx - one tmpl_render: the names in scope, innermost last */
struct render_ctx {
	const json_t	*scope[TMPL_MAX_DEPTH * (TMPL_MAX_PARTIALS + 1) + 1];
	size_t		 depth;
	unsigned	 partials;
	tmpl_lookup_fn	 lookup;
	void		*arg;
	struct buf	*out;
	enum ms_status	 err;
};

/* tmpl_name - t's name (template.h) */
const char *
tmpl_name(const struct tmpl *t)
{
	return t->name;
}

/* tmpl_free - free t (template.h) */
void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->text);
	free(t->nodes);
	free(t);
}

/* push - a new node of kind at the end of t's list */
static struct node *
push(struct tmpl *t, enum node_kind kind)
{
	struct node *nd;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->nodes = xreallocarray(t->nodes, t->cap, sizeof(*t->nodes));
	}
	nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	return nd;
}

/* line_of - the 1-based line of offset off in t's text */
static unsigned
line_of(const struct tmpl *t, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off && i < t->len; i++)
		line += t->text[i] == '\n';
	return line;
}

/* name_ok - "." or dotted names of [A-Za-z0-9_-], no empty part */
static bool
name_ok(const char *s)
{
	size_t i;
	bool part = false;

	if (strcmp(s, ".") == 0)
		return true;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (c == '.') {
			if (!part)
				return false;
			part = false;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-')
			part = true;
		else
			return false;
	}
	return part;
}

/* raw_ok - the last part of name starts with "html_" */
static bool
raw_ok(const char *name)
{
	const char *last = strrchr(name, '.');

	return strncmp(last ? last + 1 : name, "html_", 5) == 0;
}

/* fail - set why to "NAME:LINE: what" and return st */
static enum ms_status
fail(const struct tmpl *t, size_t off, enum ms_status st, const char *what, char *why, size_t whylen)
{
	if (whylen > 0)
		snprintf(why, whylen, "%s:%u: %s", t->name, line_of(t, off), what);
	return st;
}

/* tmpl_parse - parse a template (template.h) */
enum ms_status
tmpl_parse(const char *name, const char *text, size_t len, struct tmpl **out, char *why, size_t whylen)
{
	struct tmpl *t;
	size_t open[TMPL_MAX_DEPTH], depth = 0, i = 0;
	enum ms_status st = MS_OK;

	*out = NULL;
	if (whylen > 0)
		why[0] = '\0';
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name ? name : "template");
	if (len > TMPL_MAX_SIZE) {
		st = fail(t, 0, MS_ERR_LIMIT, "template larger than 1 MiB", why, whylen);
		goto out;
	}
	t->text = xmalloc(len + 1);
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->len = len;
	while (i < len) {
		const char *tag = memmem(t->text + i, len - i, "{{", 2), *close;
		size_t start, inner, innerlen, k;
		bool raw;
		char kind;
		struct node *nd;

		if (tag == NULL) {
			nd = push(t, N_TEXT);
			nd->off = i;
			nd->len = len - i;
			break;
		}
		start = (size_t)(tag - t->text);
		if (start > i) {
			nd = push(t, N_TEXT);
			nd->off = i;
			nd->len = start - i;
		}
		raw = start + 2 < len && t->text[start + 2] == '{';
		inner = start + (raw ? 3 : 2);
		close = strstr(t->text + inner, raw ? "}}}" : "}}");
		if (close == NULL) {
			st = fail(t, start, MS_ERR_SYNTAX, "tag not closed", why, whylen);
			goto out;
		}
		innerlen = (size_t)(close - (t->text + inner));
		i = (size_t)(close - t->text) + (raw ? 3 : 2);
		while (innerlen > 0 && t->text[inner] == ' ') {
			inner++;
			innerlen--;
		}
		kind = raw ? '{' : innerlen > 0 ? t->text[inner] : '\0';
		if (kind == '!')
			continue;
		if (strchr("#^/>", kind) != NULL && kind != '\0') {
			inner++;
			innerlen--;
		}
		while (innerlen > 0 && t->text[inner] == ' ') {
			inner++;
			innerlen--;
		}
		while (innerlen > 0 && t->text[inner + innerlen - 1] == ' ')
			innerlen--;
		if (innerlen == 0 || innerlen > TMPL_MAX_NAME) {
			st = fail(t, start, MS_ERR_SYNTAX, "empty or overlong name in a tag", why, whylen);
			goto out;
		}
		if (kind == '/') {
			char closing[TMPL_MAX_NAME + 1];

			memcpy(closing, t->text + inner, innerlen);
			closing[innerlen] = '\0';
			if (depth == 0 || strcmp(t->nodes[open[depth - 1]].name, closing) != 0) {
				st = fail(t, start, MS_ERR_SYNTAX, "section closed that is not open", why, whylen);
				goto out;
			}
			t->nodes[open[--depth]].end = t->n;
			continue;
		}
		nd = push(t, kind == '#' ? N_SECTION : kind == '^' ? N_INVERTED : kind == '>' ? N_PARTIAL :
		    raw ? N_RAW : N_VAR);
		memcpy(nd->name, t->text + inner, innerlen);
		nd->name[innerlen] = '\0';
		for (k = 0; k < innerlen; k++)
			if (nd->name[k] == ' ')
				break;
		if (k < innerlen || !name_ok(nd->name)) {
			st = fail(t, start, MS_ERR_SYNTAX, "bad name in a tag", why, whylen);
			goto out;
		}
		if (nd->kind == N_RAW && !raw_ok(nd->name)) {
			st = fail(t, start, MS_ERR_SYNTAX, "{{{...}}} is only for names starting html_", why, whylen);
			goto out;
		}
		if (nd->kind == N_SECTION || nd->kind == N_INVERTED) {
			if (depth == TMPL_MAX_DEPTH) {
				st = fail(t, start, MS_ERR_LIMIT, "sections nested too deep", why, whylen);
				goto out;
			}
			open[depth++] = t->n - 1;
		}
	}
	if (depth > 0)
		st = fail(t, len, MS_ERR_SYNTAX, "section left open at the end", why, whylen);
out:
	if (st != MS_OK) {
		tmpl_free(t);
		return st;
	}
	*out = t;
	return MS_OK;
}

/* resolve - name's value in ctx's scope, innermost first; NULL when missing */
static const json_t *
resolve(const struct render_ctx *ctx, const char *name)
{
	char first[TMPL_MAX_NAME + 1];
	const char *dot, *rest;
	const json_t *v = NULL;
	size_t i;

	if (strcmp(name, ".") == 0)
		return ctx->depth > 0 ? ctx->scope[ctx->depth - 1] : NULL;
	dot = strchr(name, '.');
	i = dot ? (size_t)(dot - name) : strlen(name);
	memcpy(first, name, i);
	first[i] = '\0';
	for (i = ctx->depth; i-- > 0 && v == NULL;)
		if (json_is_object(ctx->scope[i]))
			v = json_object_get(ctx->scope[i], first);
	for (rest = dot; v != NULL && rest != NULL; rest = dot) {
		size_t n;

		rest++;
		dot = strchr(rest, '.');
		n = dot ? (size_t)(dot - rest) : strlen(rest);
		memcpy(first, rest, n);
		first[n] = '\0';
		v = json_is_object(v) ? json_object_get(v, first) : NULL;
	}
	return v;
}

/* truthy - whether {{#name}} shows for v */
static bool
truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT: return true;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return true;
	default: return false;
	}
}

/* put_value - v as text: escaped, or copied when raw */
static void
put_value(struct render_ctx *ctx, const json_t *v, bool raw)
{
	char num[64];

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		if (raw)
			buf_add(ctx->out, json_string_value(v), json_string_length(v));
		else
			html_escape_n(ctx->out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		buf_adds(ctx->out, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		buf_adds(ctx->out, num);
		break;
	case JSON_TRUE:
		buf_adds(ctx->out, "true");
		break;
	default:
		break;
	}
}

static void render_range(struct render_ctx *ctx, const struct tmpl *t, size_t from, size_t to);

/* scoped - render t's nodes from..to with v on top of the names */
static void
scoped(struct render_ctx *ctx, const struct tmpl *t, size_t from, size_t to, const json_t *v)
{
	ctx->scope[ctx->depth++] = v;
	render_range(ctx, t, from, to);
	ctx->depth--;
}

/* render_range - render t's nodes from..to */
static void
render_range(struct render_ctx *ctx, const struct tmpl *t, size_t from, size_t to)
{
	size_t i = from, k;

	while (i < to && ctx->err == MS_OK) {
		const struct node *nd = &t->nodes[i];
		const json_t *v;
		const struct tmpl *p;

		switch (nd->kind) {
		case N_TEXT:
			buf_add(ctx->out, t->text + nd->off, nd->len);
			i++;
			break;
		case N_VAR:
		case N_RAW:
			put_value(ctx, resolve(ctx, nd->name), nd->kind == N_RAW);
			i++;
			break;
		case N_SECTION:
			v = resolve(ctx, nd->name);
			if (json_is_array(v)) {
				for (k = 0; k < json_array_size(v) && ctx->err == MS_OK; k++)
					scoped(ctx, t, i + 1, nd->end, json_array_get(v, k));
			} else if (truthy(v))
				scoped(ctx, t, i + 1, nd->end, v);
			i = nd->end;
			break;
		case N_INVERTED:
			if (!truthy(resolve(ctx, nd->name)))
				render_range(ctx, t, i + 1, nd->end);
			i = nd->end;
			break;
		case N_PARTIAL:
			p = ctx->lookup ? ctx->lookup(ctx->arg, nd->name) : NULL;
			if (p == NULL) {
				ctx->err = MS_ERR_NOTFOUND;
				break;
			}
			if (ctx->partials == TMPL_MAX_PARTIALS) {
				ctx->err = MS_ERR_LIMIT;
				break;
			}
			ctx->partials++;
			render_range(ctx, p, 0, p->n);
			ctx->partials--;
			i++;
			break;
		}
	}
}

/* tmpl_render - t over data into out (template.h) */
enum ms_status
tmpl_render(const struct tmpl *t, const json_t *data, tmpl_lookup_fn lookup, void *arg, struct buf *out)
{
	struct render_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.lookup = lookup;
	ctx.arg = arg;
	ctx.out = out;
	ctx.scope[ctx.depth++] = data;
	render_range(&ctx, t, 0, t->n);
	return ctx.err != MS_OK ? ctx.err : buf_status(out);
}
