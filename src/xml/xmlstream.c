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
	/* Past max_text the rest of the text is dropped, not an error. */
	if (x->depth > 0 && len > 0 && x->st == MS_OK)
		(void)buf_append(&x->stack[x->depth - 1].text, ch, (size_t)len);
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
	}
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
	if (x.st == MS_OK && !x.seen_root) {
		set_err(err, offset(&x), "not an XML document (no root element)");
		x.st = MS_ERR_SYNTAX;
	}
	/* Close what recovery left open (a truncated document), innermost first. */
	while (x.depth > 0) {
		if (x.st == MS_OK)
			x.errors++;
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
