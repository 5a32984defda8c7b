/* src/zone/zone_yaml.c - octoDNS zone YAML read with libyaml into records with wire RDATA */
#include "zone/zone.h"
#include "zone/zone_int.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_WORK	200000	/* nodes visited: aliases cannot make us walk forever */
#define YAML_MAX_FLOW	64	/* [ { nesting: libyaml's scanner is quadratic in it */
#define YAML_MAX_DEPTH	64	/* any nesting: a zone file needs 5 levels */

struct yctx {
	yaml_document_t *doc;
	struct zone_file *z;
	ldns_rdf *origin;
	const char *origin_name;	/* no trailing dot */
	size_t work;
	char *err;
};

/*
 * flow_depth_ok - refuse flow collections nested deeper than YAML_MAX_FLOW
 * before libyaml sees them: its scanner rechecks every open level for each
 * token, so a megabyte of '[' takes minutes.  Quoted text and comments are
 * skipped; brackets in plain scalars count too (refusing a little too much).
 */
static bool
flow_depth_ok(const char *t, size_t len, size_t *line)
{
	size_t depth = 0;
	char quote = 0;

	*line = 1;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];

		if (c == '\n')
			(*line)++;
		if (quote) {
			if (c == quote && !(quote == '"' && i > 0 && t[i - 1] == '\\'))
				quote = 0;
			continue;
		}
		if (c == '#' && (i == 0 || t[i - 1] == ' ' || t[i - 1] == '\t' || t[i - 1] == '\n')) {
			while (i < len && t[i] != '\n')
				i++;
			(*line)++;
			continue;
		}
		if (c == '\'' || c == '"')
			quote = c;
		else if (c == '[' || c == '{') {
			if (++depth > YAML_MAX_FLOW)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return true;
}

/*
 * depth_ok - a streaming pass over the events, stopping at the first
 * collection nested deeper than YAML_MAX_DEPTH, so that loading the document
 * (which keeps every level) never meets one; syntax errors are left for the
 * loader to report.
 */
static bool
depth_ok(const char *text, size_t len, size_t *line)
{
	yaml_parser_t p;
	yaml_event_t ev;
	size_t depth = 0;
	bool ok = true, done = false;

	*line = 1;
	if (!yaml_parser_initialize(&p))
		return false;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev))
			break;
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAML_MAX_DEPTH) {
				ok = false;
				done = true;
				*line = ev.start_mark.line + 1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth)
				depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ok;
}

/* scalar - the node's text if it is a scalar, else NULL */
static const char *
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* map_get - the value of key in a mapping node, or NULL */
static yaml_node_t *
map_get(struct yctx *c, yaml_node_t *m, const char *key)
{
	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(c->doc, p->key));

		c->work++;
		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(c->doc, p->value);
	}
	return NULL;
}

/* txt_presentation - octoDNS TXT text ("\;" for ";") as quoted strings of at most 255 bytes */
static enum ms_status
txt_presentation(const char *v, struct buf *out)
{
	size_t n = strlen(v), chunk = 0;
	enum ms_status st = MS_OK;

	st = buf_try_putc(out, '"');
	for (size_t i = 0; i < n && st == MS_OK; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '\\' && i + 1 < n && v[i + 1] == ';') {
			ch = ';';
			i++;
		}
		if (chunk == 255) {
			st = buf_try_puts(out, "\" \"");
			chunk = 0;
		}
		if (ch == '"' || ch == '\\')
			st = buf_try_printf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			st = buf_try_printf(out, "\\%03u", ch);
		else
			st = buf_try_putc(out, (int)ch);
		chunk++;
	}
	if (st == MS_OK)
		st = buf_try_putc(out, '"');
	return st;
}

/* field - a scalar field of a value mapping, or "" */
static const char *
field(struct yctx *c, yaml_node_t *v, const char *k1, const char *k2)
{
	const char *s = scalar(map_get(c, v, k1));

	if (s == NULL && k2)
		s = scalar(map_get(c, v, k2));
	return s ? s : "";
}

/* rdata_text - presentation RDATA of one octoDNS value, or MS_ERR_NOTFOUND for an unsupported type */
static enum ms_status
rdata_text(struct yctx *c, const char *type, yaml_node_t *v, struct buf *out)
{
	const char *s = scalar(v);

	if (str_caseeq(type, "TXT") || str_caseeq(type, "SPF"))
		return s ? txt_presentation(s, out) : MS_ERR_SYNTAX;
	if (str_caseeq(type, "A") || str_caseeq(type, "AAAA") || str_caseeq(type, "CNAME") ||
	    str_caseeq(type, "NS") || str_caseeq(type, "PTR") || str_caseeq(type, "DNAME"))
		return s ? buf_try_puts(out, s) : MS_ERR_SYNTAX;
	if (s != NULL)
		return MS_ERR_SYNTAX;
	if (str_caseeq(type, "MX"))
		return buf_try_printf(out, "%s %s", field(c, v, "preference", "priority"),
		    field(c, v, "exchange", "value"));
	if (str_caseeq(type, "SRV"))
		return buf_try_printf(out, "%s %s %s %s", field(c, v, "priority", NULL),
		    field(c, v, "weight", NULL), field(c, v, "port", NULL), field(c, v, "target", NULL));
	if (str_caseeq(type, "CAA")) {
		enum ms_status st = buf_try_printf(out, "%s %s ", field(c, v, "flags", NULL),
		    field(c, v, "tag", NULL));

		return st == MS_OK ? txt_presentation(field(c, v, "value", NULL), out) : st;
	}
	if (str_caseeq(type, "TLSA"))
		return buf_try_printf(out, "%s %s %s %s", field(c, v, "certificate_usage", NULL),
		    field(c, v, "selector", NULL), field(c, v, "matching_type", NULL),
		    field(c, v, "certificate_association_data", NULL));
	return MS_ERR_NOTFOUND;
}

/*
 * yfail - set the reader's error message and return st; MS_ERR_NOMEM instead
 * when the message cannot be allocated (so no failure goes without its text)
 */
static enum ms_status yfail(struct yctx *c, enum ms_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum ms_status
yfail(struct yctx *c, enum ms_status st, const char *fmt, ...)
{
	va_list ap;

	free(c->err);
	va_start(ap, fmt);
	c->err = ms_try_vasprintf(fmt, ap);
	va_end(ap);
	return c->err ? st : MS_ERR_NOMEM;
}

/* one_value - one record of name/type from one octoDNS value */
static enum ms_status
one_value(struct yctx *c, const char *owner, const char *type, uint32_t ttl, yaml_node_t *v)
{
	struct buf line;
	ldns_rr *rr = NULL;
	ldns_status ls;
	enum ms_status st;

	buf_init(&line, 70000);
	st = buf_try_printf(&line, "%s %u IN %s ", owner, ttl, type);
	if (st == MS_OK)
		st = rdata_text(c, type, v, &line);
	if (st == MS_ERR_NOTFOUND) {
		st = zone_note(c->z, "%s %s: octoDNS type not read by lint (skipped)", owner, type);
		buf_free(&line);
		return st;
	}
	if (st == MS_ERR_NOMEM) {
		buf_free(&line);
		return st;
	}
	if (st != MS_OK) {
		buf_free(&line);
		return yfail(c, MS_ERR_SYNTAX, "%s %s: malformed value", owner, type);
	}
	ls = ldns_rr_new_frm_str(&rr, buf_cstr(&line), ttl, c->origin, NULL);
	if (ls != LDNS_STATUS_OK) {
		buf_free(&line);
		return yfail(c, MS_ERR_SYNTAX, "%s %s: %s", owner, type, ldns_get_errorstr_by_id(ls));
	}
	st = zone_add_ldns_rr(c->z, rr, v ? (unsigned)v->start_mark.line + 1 : 0);
	if (st != MS_OK && st != MS_ERR_NOMEM)
		st = yfail(c, st, "%s %s: %s", owner, type,
		    st == MS_ERR_LIMIT ? "too many records" : "cannot convert to wire form");
	ldns_rr_free(rr);
	buf_free(&line);
	return st;
}

/* one_record - one octoDNS record object {type, ttl, value|values} at name */
static enum ms_status
one_record(struct yctx *c, const char *name, yaml_node_t *rec)
{
	const char *type = scalar(map_get(c, rec, "type"));
	const char *ttls = scalar(map_get(c, rec, "ttl"));
	yaml_node_t *values = map_get(c, rec, "values"), *value = map_get(c, rec, "value");
	uint64_t ttl = 3600;
	char *owner;
	enum ms_status st = MS_OK;

	if (rec == NULL || rec->type != YAML_MAPPING_NODE || type == NULL ||
	    strlen(type) > 16 || strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != strlen(type)) {
		return yfail(c, MS_ERR_SYNTAX, "\"%s\": each record needs a mapping with a type", name);
	}
	if (ttls && str_to_u64(ttls, strlen(ttls), 2147483647u, &ttl) != MS_OK) {
		return yfail(c, MS_ERR_SYNTAX, "\"%s\" %s: ttl is not a number", name, type);
	}
	if (str_caseeq(type, "ALIAS"))
		return zone_note(c->z, "%s ALIAS: a provider feature with no DNS record; not checked",
		    *name ? name : "@");
	if (*name == '\0')
		owner = ms_try_asprintf("%s.", c->origin_name);
	else if (strcmp(name, "@") == 0)
		owner = ms_try_asprintf("%s.", c->origin_name);
	else
		owner = ms_try_asprintf("%s.%s.", name, c->origin_name);
	if (owner == NULL)
		return MS_ERR_NOMEM;
	if (values && values->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = values->data.sequence.items.start;
		    i < values->data.sequence.items.top && st == MS_OK; i++) {
			if (++c->work > YAML_MAX_WORK) {
				st = yfail(c, MS_ERR_LIMIT, "too much work (aliases?)");
				break;
			}
			st = one_value(c, owner, type, (uint32_t)ttl, yaml_document_get_node(c->doc, *i));
		}
	} else if (value || values) {
		st = one_value(c, owner, type, (uint32_t)ttl, value ? value : values);
	} else {
		st = yfail(c, MS_ERR_SYNTAX, "\"%s\" %s: no value or values", name, type);
	}
	free(owner);
	return st;
}

enum ms_status
zone_read_octodns(const char *text, size_t len, const char *origin, struct zone_file **out,
    char **err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct yctx c;
	enum ms_status st = MS_OK;
	char *abs;

	*out = NULL;
	*err = NULL;
	if (len > ZONE_MAX_TEXT) {
		*err = ms_try_strdup("file too large");
		return *err ? MS_ERR_LIMIT : MS_ERR_NOMEM;
	}
	if (origin == NULL || *origin == '\0') {
		*err = ms_try_strdup("an octoDNS file needs its zone name (--origin)");
		return *err ? MS_ERR_ARG : MS_ERR_NOMEM;
	}
	{
		size_t line;

		if (!flow_depth_ok(text, len, &line)) {
			*err = ms_try_asprintf("line %zu: [ and { nested more than %d deep", line,
			    YAML_MAX_FLOW);
			return *err ? MS_ERR_LIMIT : MS_ERR_NOMEM;
		}
		if (!depth_ok(text, len, &line)) {
			*err = ms_try_asprintf("line %zu: nested more than %d deep", line, YAML_MAX_DEPTH);
			return *err ? MS_ERR_LIMIT : MS_ERR_NOMEM;
		}
	}
	memset(&c, 0, sizeof(c));
	if ((c.z = ms_try_calloc(1, sizeof(*c.z))) == NULL)
		return MS_ERR_NOMEM;
	if ((c.z->origin = zone_name_canon(origin)) == NULL ||
	    (abs = ms_try_asprintf("%s.", c.z->origin)) == NULL) {
		zone_file_free(c.z);
		return MS_ERR_NOMEM;
	}
	c.origin_name = c.z->origin;
	c.origin = ldns_dname_new_frm_str(abs);
	free(abs);
	if (c.origin == NULL || strcmp(c.origin_name, ".") == 0) {
		*err = ms_try_asprintf("invalid zone name \"%s\"", origin);
		zone_file_free(c.z);
		if (c.origin)
			ldns_rdf_deep_free(c.origin);
		return *err ? MS_ERR_ARG : MS_ERR_NOMEM;
	}
	if (!yaml_parser_initialize(&parser)) {
		zone_file_free(c.z);
		ldns_rdf_deep_free(c.origin);
		return MS_ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		*err = ms_try_asprintf("line %zu: %s", parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		zone_file_free(c.z);
		ldns_rdf_deep_free(c.origin);
		return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	c.z->soa_line = root ? (unsigned)root->start_mark.line + 1 : 1;
	if (root == NULL) {
		;	/* an empty file: an empty zone */
	} else if (root->type != YAML_MAPPING_NODE) {
		st = yfail(&c, MS_ERR_SYNTAX, "the top level must map record names to records");
	} else {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		    p < root->data.mapping.pairs.top && st == MS_OK; p++) {
			const char *name = scalar(yaml_document_get_node(&doc, p->key));
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);

			if (name == NULL || strlen(name) > 255) {
				st = yfail(&c, MS_ERR_SYNTAX, "record names must be short strings");
				break;
			}
			if (v && v->type == YAML_SEQUENCE_NODE) {
				for (yaml_node_item_t *i = v->data.sequence.items.start;
				    i < v->data.sequence.items.top && st == MS_OK; i++) {
					if (++c.work > YAML_MAX_WORK) {
						st = yfail(&c, MS_ERR_LIMIT, "too much work (aliases?)");
						break;
					}
					st = one_record(&c, name, yaml_document_get_node(&doc, *i));
				}
			} else {
				st = one_record(&c, name, v);
			}
			if (++c.work > YAML_MAX_WORK && st == MS_OK)
				st = yfail(&c, MS_ERR_LIMIT, "too much work (aliases?)");
		}
	}
	yaml_document_delete(&doc);
	if (st == MS_OK && root != NULL) {
		/* a second document ('---') would be ignored: say so instead */
		yaml_document_t next;

		if (!yaml_parser_load(&parser, &next)) {
			st = yfail(&c, MS_ERR_SYNTAX, "line %zu: %s", parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "YAML syntax error");
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&next);

			/* "---" with nothing after it is an empty (null) document: harmless */
			if (r2 != NULL && !(r2->type == YAML_SCALAR_NODE &&
			    r2->data.scalar.length == 0)) {
				st = yfail(&c, MS_ERR_SYNTAX, "line %zu: a second YAML document: mailsec "
				    "reads one zone (one document) per file; put each zone in its own "
				    "file", next.start_mark.line + 1);
			}
			yaml_document_delete(&next);
		}
	}
	yaml_parser_delete(&parser);
	ldns_rdf_deep_free(c.origin);
	if (st != MS_OK) {
		/* every failure but MS_ERR_NOMEM has its message (yfail) */
		if (st == MS_ERR_NOMEM) {
			free(c.err);
			c.err = NULL;
		}
		*err = c.err;
		zone_file_free(c.z);
		return st;
	}
	free(c.err);
	*out = c.z;
	return MS_OK;
}
