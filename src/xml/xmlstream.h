/* src/xml/xmlstream.h - streaming XML over libxml2 (SAX2 push parser): no entities, no DTD, no network */
#ifndef MS_XML_XMLSTREAM_H
#define MS_XML_XMLSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * A safe, bounded, streaming walk over an XML document held in memory,
 * fed to libxml2's SAX2 push parser in 64 KiB chunks (no tree is built).
 * Options are XML_PARSE_RECOVER | XML_PARSE_NONET: entity substitution
 * (XML_PARSE_NOENT), DTD loading and validation stay off; on top of that the
 * SAX handler declares no entity, DTD or subset callbacks and its getEntity
 * answers "not declared" for every name, and the external entity loader
 * refuses every URI — so a document can neither fetch a file or URL nor
 * expand an entity (references other than the five predefined ones are
 * dropped).
 *
 * Why SAX and not xmlTextReader: libxml2 2.9's reader stops at the first
 * well-formedness error even with XML_PARSE_RECOVER, and real reporters send
 * unescaped '<', invalid UTF-8 and windows-1252; the SAX2 push parser
 * recovers from these.  libxml2 always hands back UTF-8.
 */
struct xml_limits {
	size_t max_depth;	/* element nesting; deeper is MS_ERR_LIMIT */
	size_t max_text;	/* bytes of text kept per element; the rest is dropped */
	size_t max_nodes;	/* elements in the document; more is MS_ERR_LIMIT */
	size_t max_attrs;	/* attributes of one tag (0: XML_ATTRS_MAX); more is MS_ERR_LIMIT */
	size_t max_tag;		/* bytes of one tag, '<' to '>' (0: XML_TAG_MAX); more is MS_ERR_LIMIT */
};

/*
 * libxml2 2.9.14 checks every attribute of a start tag against the ones
 * before it (quadratic: 600,000 attributes take minutes) and has no limit of
 * its own on their number, so xml_stream scans the document's tags before a
 * byte of it reaches libxml2 and refuses a tag with more attributes or
 * bytes than these.  Reports use attributes for namespace declarations only.
 */
#define XML_ATTRS_MAX	256
#define XML_TAG_MAX	65536

struct xml_error {
	size_t offset;		/* byte offset of the input where it was noticed */
	char msg[160];
};

struct xml_handler {
	/* start - an element opens at depth (root is 0); local name, namespace URI or NULL */
	enum ms_status (*start)(void *arg, size_t depth, const char *name, const char *ns);
	/*
	 * end - the element closes; text is what was directly inside it (child
	 * elements' text excluded), NUL-terminated, borrowed for the call.
	 */
	enum ms_status (*end)(void *arg, size_t depth, const char *name, const char *text,
	    size_t len);
	void *arg;
	/*
	 * unclosed - (may be NULL) the input ended with the element still open
	 * (a document cut short): called innermost first, instead of end, for
	 * each element recovery closes there.  With NULL, end is called.
	 */
	void (*unclosed)(void *arg, size_t depth, const char *name);
};

/*
 * xml_stream - walk data[0..len) calling h for every element.  A handler's
 * non-OK status stops the walk and is returned.  Returns MS_ERR_SYNTAX when
 * libxml2 cannot produce a document at all (empty input, no root element),
 * MS_ERR_LIMIT past a limit (tags are checked before parsing starts), and
 * MS_ERR_SYNTAX for content after the root element (a second document
 * concatenated to the first: it would be dropped); err says where and why.
 * *recovered counts
 * well-formedness errors libxml2 recovered from (may be NULL).  data, lim
 * and h are borrowed for the call; *recovered and *err are the caller's.
 */
MS_MUST_CHECK enum ms_status xml_stream(const char *data, size_t len, const struct xml_limits *lim,
    const struct xml_handler *h, size_t *recovered, struct xml_error *err);

/*
 * xml_raw_parse - parse data (borrowed) with the bare library (same options),
 * for the benchmark; 0 on success
 */
int xml_raw_parse(const char *data, size_t len);

#endif
