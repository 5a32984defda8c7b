/* src/xml/xmlstream.c - streaming XML over libxml2 (SAX2 push parser): no entities, no DTD, no network */
#include "xml/xmlstream.h"
#include "util/buf.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The options, and the ones that must never be set. */
#define XS_OPTIONS	(XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | \
			 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)
#define XS_FORBIDDEN	(XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | \
			 XML_PARSE_DTDVALID | XML_PARSE_XINCLUDE | XML_PARSE_HUGE)

#if (XS_OPTIONS & XS_FORBIDDEN) != 0
#error "xmlstream: forbidden libxml2 option set"
#endif

#define XS_CHUNK	65536

static pthread_once_t xs_once = PTHREAD_ONCE_INIT;

/* deny_loader - the external entity loader: refuses every URI (XXE, file://, http://) */
static xmlParserInputPtr
deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* xs_init - process-wide libxml2 set-up, once */
static void
xs_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
}

#define XS_NAME_MAX	128	/* longer element names are truncated (no report uses one) */

/* One open element; frames are reused from element to element (no allocation per element). */
struct xs_frame {
	char name[XS_NAME_MAX];
	struct buf text;
	bool init;
};

struct xs {
	xmlParserCtxtPtr ctxt;
	const struct xml_limits *lim;
	const struct xml_handler *h;
	struct xml_error *err;
	struct xs_frame *stack;
	size_t depth, max_depth, nodes;
	size_t errors;
	bool seen_root;
	bool extra;		/* content after the root element */
	enum ms_status st;
};

/* set_err - fill err (if any) */
static void
set_err(struct xml_error *err, size_t off, const char *msg)
{
	if (err == NULL)
		return;
	err->offset = off;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

/* offset - bytes consumed so far */
static size_t
offset(struct xs *x)
{
	long n = x->ctxt ? xmlByteConsumed(x->ctxt) : 0;

	return n > 0 ? (size_t)n : 0;
}

/* stop - end the parse with st */
static void
stop(struct xs *x, enum ms_status st, const char *msg)
{
	if (x->st == MS_OK) {
		x->st = st;
		set_err(x->err, offset(x), msg);
	}
	xmlStopParser(x->ctxt);
}

/*
 * keep_entities - libxml2 2.9 drops every entity reference, even &amp; and
 * &lt;, once the document has been found not well-formed (xmlParseReference:
 * "if (!ctxt->wellFormed) return").  Recovered reports would lose their
 * escaped characters after the first error, so each SAX event sets the flag
 * back; errors are counted by on_error instead.
 */
static void
keep_entities(struct xs *x)
{
	if (x->ctxt)
		x->ctxt->wellFormed = 1;
}

static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
	struct xs *x = ctx;
	const char *name = local ? (const char *)local : "";
	enum ms_status st;

	keep_entities(x);
	(void)prefix;
	(void)nns;
	(void)nss;
	(void)nattr;
	(void)ndef;
	(void)attrs;
	if (x->st != MS_OK)
		return;
	if (x->depth >= x->max_depth) {
		stop(x, MS_ERR_LIMIT, "elements nested too deeply");
		return;
	}
	if (x->lim->max_nodes && ++x->nodes > x->lim->max_nodes) {
		stop(x, MS_ERR_LIMIT, "too many elements");
		return;
	}
	x->seen_root = true;
	if (x->h->start && (st = x->h->start(x->h->arg, x->depth, name, (const char *)uri)) != MS_OK) {
		stop(x, st, "stopped by the report parser");
		return;
	}
	{
		struct xs_frame *f = &x->stack[x->depth];

		size_t nl = strnlen(name, sizeof(f->name) - 1);

		memcpy(f->name, name, nl);
		f->name[nl] = '\0';
		if (!f->init) {
			buf_init(&f->text, x->lim->max_text ? x->lim->max_text : 65536);
			f->init = true;
		}
		f->text.len = 0;
		if (f->text.data)
			f->text.data[0] = '\0';
	}
	x->depth++;
}

/* pop - close the innermost open element */
static void
pop(struct xs *x)
{
	struct xs_frame *f = &x->stack[--x->depth];
	enum ms_status st = MS_OK;

	if (x->h->end && x->st == MS_OK)
		st = x->h->end(x->h->arg, x->depth, f->name, buf_cstr(&f->text), f->text.len);
	if (st != MS_OK)
		stop(x, st, "stopped by the report parser");
}

static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct xs *x = ctx;

	keep_entities(x);
	(void)local;
	(void)prefix;
	(void)uri;
	if (x->depth > 0 && x->st == MS_OK)
		pop(x);
}

static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct xs *x = ctx;

	keep_entities(x);
	/* Past max_text the rest of the text is dropped, not an error: what fits is kept. */
	if (x->depth > 0 && len > 0 && x->st == MS_OK) {
		struct buf *t = &x->stack[x->depth - 1].text;
		size_t n = (size_t)len, room = t->max - t->len;

		if (buf_append(t, ch, n < room ? n : room) != MS_OK)
			return;	/* never: at most the room left is appended */
	}
}

/*
 * no_entity - every entity other than the five predefined ones resolves to
 * an empty, already-expanded text: nothing is ever expanded, loaded or
 * fetched, whatever the DTD declares.  (Answering "undeclared" instead would
 * be an error, after which libxml2 2.9 also drops &amp; and &lt;.)  Counted
 * as a recovered error.
 */
static xmlEntity empty_entity = {
	.type = XML_ENTITY_DECL,
	.name = (const xmlChar *)"mailsec-empty",
	.content = (xmlChar *)"",
	.length = 0,
	.etype = XML_INTERNAL_PREDEFINED_ENTITY,
};

static xmlEntityPtr
no_entity(void *ctx, const xmlChar *name)
{
	struct xs *x = ctx;

	(void)name;
	if (x)
		x->errors++;
	return &empty_entity;
}

/* The parse in progress on this thread, for on_error (whose argument varies). */
static __thread struct xs *xs_current;

/* on_error - count recoverable errors silently */
static void
on_error(void *arg, xmlErrorPtr e)
{
	struct xs *x = xs_current;

	(void)arg;
	if (x && e && e->level >= XML_ERR_ERROR) {
		x->errors++;
		/* an undeclared entity is reported; the reference after it must still work */
		if (e->code == XML_ERR_UNDECLARED_ENTITY || e->code == XML_WAR_UNDECLARED_ENTITY)
			keep_entities(x);
		/* libxml2 also says "extra content" for a document cut short: only after the root counts */
		if (e->code == XML_ERR_DOCUMENT_END && x->seen_root && x->depth == 0)
			x->extra = true;
	}
}

/* skip_to - index just past the first occurrence of end at or after i, or len */
static size_t
skip_to(const char *d, size_t len, size_t i, const char *end)
{
	size_t el = strlen(end);
	const char *p = i < len ? memmem(d + i, len - i, end, el) : NULL;

	return p ? (size_t)(p - d) + el : len;
}

/*
 * tags_ok - the pre-scan: every tag '<' name ... '>' has at most max_attrs
 * attributes (counted by '=' outside quotes) and max_tag bytes.  Comments,
 * CDATA sections, processing instructions and the DOCTYPE are skipped; a '<'
 * that cannot start a tag is text.  Linear in len.
 */
static bool
tags_ok(const char *d, size_t len, size_t max_attrs, size_t max_tag, size_t *at, const char **why)
{
	size_t i = 0;

	while (i < len) {
		const char *lt = memchr(d + i, '<', len - i);
		size_t j, attrs = 0;
		char q = 0;

		if (lt == NULL)
			break;
		i = (size_t)(lt - d);
		if (len - i >= 4 && memcmp(d + i, "<!--", 4) == 0) {
			i = skip_to(d, len, i + 4, "-->");
			continue;
		}
		if (len - i >= 9 && memcmp(d + i, "<![CDATA[", 9) == 0) {
			i = skip_to(d, len, i + 9, "]]>");
			continue;
		}
		if (len - i >= 2 && d[i + 1] == '?') {
			i = skip_to(d, len, i + 2, "?>");
			continue;
		}
		if (len - i >= 2 && d[i + 1] == '!') {
			/* <!DOCTYPE ... [ internal subset ] >: '>' inside brackets does not end it */
			size_t depth = 0;

			for (j = i + 2; j < len; j++) {
				if (q) {
					if (d[j] == q)
						q = 0;
				} else if (d[j] == '"' || d[j] == '\'')
					q = d[j];
				else if (d[j] == '[')
					depth++;
				else if (d[j] == ']' && depth)
					depth--;
				else if (d[j] == '>' && depth == 0)
					break;
			}
			i = j + 1;
			continue;
		}
		for (j = i + 1; j < len; j++) {
			if (q) {
				if (d[j] == q)
					q = 0;
			} else if (d[j] == '"' || d[j] == '\'')
				q = d[j];
			else if (d[j] == '=')
				attrs++;
			else if (d[j] == '>' || (d[j] == '<' && attrs == 0))
				break;
			if (attrs > max_attrs) {
				*at = i;
				*why = "a tag with too many attributes";
				return false;
			}
			if (j - i > max_tag) {
				*at = i;
				*why = "a tag too long";
				return false;
			}
		}
		i = j < len && d[j] == '<' ? j : j + 1;
	}
	return true;
}

enum ms_status
xml_stream(const char *data, size_t len, const struct xml_limits *lim,
    const struct xml_handler *h, size_t *recovered, struct xml_error *err)
{
	xmlSAXHandler sax;
	struct xs x;
	size_t off;

	pthread_once(&xs_once, xs_init);
	if (recovered)
		*recovered = 0;
	if (len == 0 || len > (size_t)0x7fffffff) {
		set_err(err, 0, len ? "document too large" : "empty document");
		return len ? MS_ERR_LIMIT : MS_ERR_SYNTAX;
	}
	{
		size_t at = 0, ma = lim->max_attrs ? lim->max_attrs : XML_ATTRS_MAX;
		size_t mt = lim->max_tag ? lim->max_tag : XML_TAG_MAX;
		const char *why = NULL;

		if (!tags_ok(data, len, ma, mt, &at, &why)) {
			char m[160];

			snprintf(m, sizeof(m), "%s (at most %zu attributes and %zu bytes per tag)",
			    why, ma, mt);
			set_err(err, at, m);
			return MS_ERR_LIMIT;
		}
	}
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.cdataBlock = on_chars;
	sax.getEntity = no_entity;
	sax.getParameterEntity = no_entity;
	sax.serror = on_error;
	/* internalSubset, externalSubset, entityDecl, resolveEntity: NULL on purpose */

	memset(&x, 0, sizeof(x));
	x.lim = lim;
	x.h = h;
	x.err = err;
	x.max_depth = lim->max_depth ? lim->max_depth : 32;
	x.stack = calloc(x.max_depth + 1, sizeof(*x.stack));
	if (x.stack == NULL)
		return MS_ERR_NOMEM;
	/*
	 * userData is our struct, not the context: libxml2 falls back to its own
	 * entity table (filled "for expat compatibility" from the internal
	 * subset) only when userData is the context, and that would expand.
	 */
	x.ctxt = xmlCreatePushParserCtxt(&sax, &x, data, (int)(len < 4 ? len : 4), NULL);
	if (x.ctxt == NULL) {
		free(x.stack);
		set_err(err, 0, "libxml2 could not create a parser");
		return MS_ERR_INTERNAL;
	}
	xs_current = &x;
	xmlCtxtUseOptions(x.ctxt, XS_OPTIONS);
	x.ctxt->replaceEntities = 0;
	x.ctxt->loadsubset = 0;
	x.ctxt->validate = 0;
	for (off = len < 4 ? len : 4; off < len && x.st == MS_OK && !x.ctxt->disableSAX; ) {
		size_t n = len - off > XS_CHUNK ? XS_CHUNK : len - off;

		xmlParseChunk(x.ctxt, data + off, (int)n, 0);
		off += n;
		if (x.ctxt->instate == XML_PARSER_EOF)
			break;
	}
	if (x.st == MS_OK && x.ctxt->instate != XML_PARSER_EOF)
		xmlParseChunk(x.ctxt, NULL, 0, 1);
	if (x.st == MS_OK && x.extra) {
		set_err(err, offset(&x), "content after the root element (a second document "
		    "in the same file?)");
		x.st = MS_ERR_SYNTAX;
	}
	if (x.st == MS_OK && !x.seen_root) {
		set_err(err, offset(&x), "not an XML document (no root element)");
		x.st = MS_ERR_SYNTAX;
	}
	/* Close what recovery left open (a truncated document), innermost first. */
	while (x.depth > 0) {
		if (x.st == MS_OK)
			x.errors++;
		if (h->unclosed) {
			x.depth--;
			if (x.st == MS_OK)
				h->unclosed(h->arg, x.depth, x.stack[x.depth].name);
		} else
			pop(&x);
	}
	if (recovered)
		*recovered = x.errors;
	for (size_t i = 0; i < x.max_depth; i++)
		if (x.stack[i].init)
			buf_free(&x.stack[i].text);
	free(x.stack);
	xs_current = NULL;
	if (x.ctxt->myDoc)
		xmlFreeDoc(x.ctxt->myDoc);	/* the "SAX compat" document of a DTD */
	x.ctxt->myDoc = NULL;
	xmlFreeParserCtxt(x.ctxt);
	return x.st;
}

int
xml_raw_parse(const char *data, size_t len)
{
	xmlDocPtr d;

	pthread_once(&xs_once, xs_init);
	d = xmlReadMemory(data, (int)len, NULL, NULL, XS_OPTIONS);
	if (d == NULL)
		return -1;
	xmlFreeDoc(d);
	return 0;
}
