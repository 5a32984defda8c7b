/* src/zone/zone.c - BIND master files read with ldns into records with wire RDATA */
#include "zone/zone.h"
#include "zone/zone_int.h"
#include "util/readfile.h"
#include "util/str.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
zone_file_free(struct zone_file *z)
{
	if (z == NULL)
		return;
	for (size_t i = 0; i < z->n; i++) {
		free(z->rr[i].owner);
		free(z->rr[i].rdata);
	}
	free(z->rr);
	strv_free(z->notes);
	free(z->origin);
	free(z);
}

/* zone_name_canon - presentation name: lower case, no trailing dot (root stays "."); caller frees; NULL: no memory */
char *
zone_name_canon(const char *name)
{
	char *s = ms_try_strdup(name);
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);

	if (n > 1 && s[n - 1] == '.' && (n < 2 || s[n - 2] != '\\'))
		s[n - 1] = '\0';
	return str_lower(s);
}

/* zone_note - see zone_int.h */
enum ms_status
zone_note(struct zone_file *z, const char *fmt, ...)
{
	va_list ap;
	char **v, *note;

	if (z->nnotes >= 1000)
		return MS_OK;
	if ((v = ms_try_reallocarray(z->notes, z->nnotes + 2, sizeof(*z->notes))) == NULL)
		return MS_ERR_NOMEM;
	z->notes = v;
	z->notes[z->nnotes] = NULL;
	va_start(ap, fmt);
	note = ms_try_vasprintf(fmt, ap);
	va_end(ap);
	if (note == NULL)
		return MS_ERR_NOMEM;
	z->notes[z->nnotes++] = note;
	z->notes[z->nnotes] = NULL;
	return MS_OK;
}

enum ms_status
zone_add_ldns_rr(struct zone_file *z, const ldns_rr *rr, unsigned line)
{
	ldns_buffer *b;
	char *owner;
	struct zone_rr *r;

	if (z->n >= ZONE_MAX_RRS)
		return MS_ERR_LIMIT;
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return MS_OK;		/* CH/HS records say nothing about mail */
	b = ldns_buffer_new(512);
	if (b == NULL)
		return MS_ERR_NOMEM;
	if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(b) > 65535) {
		ldns_buffer_free(b);
		return MS_ERR_SYNTAX;
	}
	if ((owner = ldns_rdf2str(ldns_rr_owner(rr))) == NULL) {
		ldns_buffer_free(b);
		return MS_ERR_NOMEM;
	}
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 64;
		struct zone_rr *v = ms_try_reallocarray(z->rr, cap, sizeof(*z->rr));

		if (v == NULL)
			goto nomem;
		z->rr = v;
		z->cap = cap;
	}
	r = &z->rr[z->n];
	r->type = (uint16_t)ldns_rr_get_type(rr);
	r->ttl = ldns_rr_ttl(rr);
	r->len = ldns_buffer_position(b);
	if ((r->owner = zone_name_canon(owner)) == NULL)
		goto nomem;
	if ((r->rdata = (uint8_t *)ms_try_memdup(ldns_buffer_begin(b), r->len ? r->len : 1)) == NULL) {
		free(r->owner);
		goto nomem;
	}
	r->line = line;
	z->n++;
	free(owner);
	ldns_buffer_free(b);
	return MS_OK;
nomem:
	free(owner);
	ldns_buffer_free(b);
	return MS_ERR_NOMEM;
}

/*
 * directive_scan - refuse $INCLUDE and find the first $ORIGIN.  Any line
 * starting (after blanks) with $INCLUDE is refused, even one ldns would read
 * as the continuation of a parenthesised record: refusing too much is safe.
 */
static enum ms_status
directive_scan(const char *text, size_t len, char **first_origin, char **err)
{
	size_t i = 0;
	unsigned line = 1;

	*first_origin = NULL;
	while (i < len) {
		size_t j = i, e;

		while (j < len && (text[j] == ' ' || text[j] == '\t'))
			j++;
		for (e = j; e < len && text[e] != '\n'; e++)
			;
		if (e - j >= 9 && str_ncasecmp(text + j, "$GENERATE", 9) == 0) {
			*err = ms_try_asprintf("line %u: $GENERATE is not supported (a BIND extension): "
			    "write out the records it would generate", line);
			free(*first_origin);
			*first_origin = NULL;
			return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
		}
		if (e - j >= 8 && str_ncasecmp(text + j, "$INCLUDE", 8) == 0) {
			*err = ms_try_asprintf("line %u: $INCLUDE is refused (it would read another file; "
			    "give every file on the command line)", line);
			free(*first_origin);
			*first_origin = NULL;
			return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
		}
		if (*first_origin == NULL && e - j > 8 && str_ncasecmp(text + j, "$ORIGIN", 7) == 0 &&
		    (text[j + 7] == ' ' || text[j + 7] == '\t')) {
			size_t k = j + 7, s;

			while (k < e && (text[k] == ' ' || text[k] == '\t'))
				k++;
			for (s = k; k < e && text[k] != ' ' && text[k] != '\t' && text[k] != '\r' &&
			    text[k] != ';'; k++)
				;
			if (k > s && k - s < 1024 &&
			    (*first_origin = ms_try_strndup(text + s, k - s)) == NULL)
				return MS_ERR_NOMEM;
		}
		i = e + 1;
		line++;
	}
	return MS_OK;
}

/*
 * record_scan - the logical records of the file (lines joined inside
 * parentheses, comments and quoted text skipped): a '(' still open at the
 * end of the file is an error (ldns would take the record as it stands),
 * and so is a record longer than ZONE_RECORD_TEXT_MAX characters (ldns stops
 * reading a record at LDNS_MAX_LINELEN and would keep it cut short).
 */
#define ZONE_RECORD_TEXT_MAX	10000

static enum ms_status
record_scan(const char *t, size_t len, char **err)
{
	unsigned line = 1, start = 1, open_line = 0;
	size_t depth = 0, reclen = 0;
	bool quote = false;

	for (size_t i = 0; i < len; i++) {
		char c = t[i];

		if (quote) {
			if (c == '\\' && i + 1 < len)
				i++, reclen++;
			else if (c == '"')
				quote = false;
			else if (c == '\n')
				line++;
		} else if (c == ';') {
			while (i + 1 < len && t[i + 1] != '\n')
				i++;
			continue;
		} else if (c == '"') {
			quote = true;
		} else if (c == '(') {
			if (depth++ == 0)
				open_line = line;
		} else if (c == ')') {
			if (depth == 0) {
				*err = ms_try_asprintf("line %u: ')' without a '(' before it", line);
				return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
			}
			depth--;
		} else if (c == '\n') {
			line++;
			if (depth == 0) {
				start = line;
				reclen = 0;
				continue;
			}
		}
		if (++reclen > ZONE_RECORD_TEXT_MAX) {
			*err = ms_try_asprintf("line %u: a record longer than %d characters (mailsec "
			    "reads no more of one record; a TXT record's data is at most 65,535 bytes "
			    "and real ones are far shorter)", start, ZONE_RECORD_TEXT_MAX);
			return *err ? MS_ERR_LIMIT : MS_ERR_NOMEM;
		}
	}
	if (quote) {
		*err = ms_try_asprintf("line %u: a quoted string is never closed", start);
		return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
	}
	if (depth > 0) {
		*err = ms_try_asprintf("line %u: '(' is never closed (the file ends inside the "
		    "record)", open_line);
		return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
	}
	return MS_OK;
}

/*
 * record_lines - the line each record of the file starts on, in file order:
 * logical records (lines joined inside parentheses; comments and quoted text
 * skipped, as record_scan reads them) that are not blank, a comment or a
 * $ directive, which are exactly the ones ldns returns as records.  ldns's
 * own line counter is not used: it counts a parenthesised record's lines
 * inconsistently.  *lines (caller frees) has *n entries.
 */
static void
record_lines(const char *t, size_t len, unsigned **lines, size_t *n)
{
	unsigned line = 1;
	size_t i = 0, cap = 0;

	*lines = NULL;
	*n = 0;
	while (i < len) {
		size_t depth = 0;
		bool quote = false;
		size_t j = i;

		while (j < len && (t[j] == ' ' || t[j] == '\t'))
			j++;
		if (j < len && t[j] != '\n' && t[j] != '\r' && t[j] != ';' && t[j] != '$' &&
		    *n < ZONE_MAX_RRS + 1) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*lines = xreallocarray(*lines, cap, sizeof(**lines));
			}
			(*lines)[(*n)++] = line;
		}
		/* to the end of this logical record */
		for (; i < len; i++) {
			char c = t[i];

			if (quote) {
				if (c == '\\' && i + 1 < len)
					i++;
				else if (c == '"')
					quote = false;
				if (i < len && t[i] == '\n')
					line++;
			} else if (c == ';') {
				while (i + 1 < len && t[i + 1] != '\n')
					i++;
			} else if (c == '"') {
				quote = true;
			} else if (c == '(') {
				depth++;
			} else if (c == ')') {
				if (depth)
					depth--;
			} else if (c == '\n') {
				line++;
				if (depth == 0) {
					i++;
					break;
				}
			}
		}
	}
}

/*
 * name_problem - why the token tok[0..n) is not a domain name as RFC 1035
 * §2.3.4 bounds it (a label over 63 octets, a name over 255), written into
 * why[cap]; false when it is fine.  Escapes count as written (a little
 * strict for \DDD): for messages only.  No allocation.
 */
static bool
name_problem(const char *tok, size_t n, size_t origin_len, char *why, size_t cap)
{
	size_t label = 0, total = 0, lstart = 0;
	bool absolute = n > 0 && tok[n - 1] == '.';

	for (size_t i = 0; i <= n; i++) {
		if (i == n || tok[i] == '.') {
			if (label > 63) {
				snprintf(why, cap, "label \"%.20s...\" is %zu octets long: a label is "
				    "at most 63 (RFC 1035 section 2.3.4)", tok + lstart, label);
				return true;
			}
			total += label ? label + 1 : 0;
			label = 0;
			lstart = i + 1;
		} else
			label++;
	}
	total += 1;	/* the root */
	if (!absolute && origin_len)
		total += origin_len + 1;
	if (total > 255) {
		snprintf(why, cap, "name \"%.30s...\" is %zu octets long%s: a name is at most 255 "
		    "(RFC 1035 section 2.3.4)", tok, total, absolute ? "" : " with the origin");
		return true;
	}
	return false;
}

/*
 * diagnose - a better reason than ldns's "could not parse the RR" for the
 * record starting at line: a name too long (owner or name-like tokens),
 * written into why[cap]; false when nothing specific is found.
 */
static bool
diagnose(const char *t, size_t len, int line, size_t origin_len, char *why, size_t cap)
{
	size_t i = 0;
	int l = 1;

	while (i < len && l < line) {
		if (t[i++] == '\n')
			l++;
	}
	while (i < len && t[i] != '\n') {
		size_t s;

		while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '(' ||
		    t[i] == ')'))
			i++;
		if (i >= len || t[i] == '\n' || t[i] == ';' || t[i] == '"')
			break;
		for (s = i; i < len && t[i] != ' ' && t[i] != '\t' && t[i] != '\n' && t[i] != '\r' &&
		    t[i] != ';' && t[i] != '(' && t[i] != ')'; i++)
			;
		if (name_problem(t + s, i - s, origin_len, why, cap))
			return true;
	}
	return false;
}

/* origin_rdf - an absolute dname from a presentation name into *r: MS_ERR_SYNTAX if invalid */
static enum ms_status
origin_rdf(const char *name, ldns_rdf **r)
{
	char *abs;
	size_t n = strlen(name);

	*r = NULL;
	abs = n && name[n - 1] == '.' ? ms_try_strdup(name) : ms_try_asprintf("%s.", name);
	if (abs == NULL)
		return MS_ERR_NOMEM;
	*r = ldns_dname_new_frm_str(abs);
	free(abs);
	return *r ? MS_OK : MS_ERR_SYNTAX;
}

enum ms_status
zone_read_bind(const char *text, size_t len, const char *origin, struct zone_file **out,
    char **err)
{
	struct zone_file *z = NULL;
	ldns_rdf *orig = NULL;
	char *first_origin = NULL, *soa_owner = NULL;
	FILE *fp = NULL;
	int line = 0;
	unsigned *starts = NULL;
	size_t nstarts = 0, nread = 0;
	ldns_status ls;
	enum ms_status st;

	*out = NULL;
	*err = NULL;
	if (len > ZONE_MAX_TEXT) {
		*err = ms_try_strdup("file too large");
		return *err ? MS_ERR_LIMIT : MS_ERR_NOMEM;
	}
	if (memchr(text, '\0', len) != NULL) {
		*err = ms_try_strdup("file contains a NUL byte: not a zone file");
		return *err ? MS_ERR_SYNTAX : MS_ERR_NOMEM;
	}
	if ((st = directive_scan(text, len, &first_origin, err)) != MS_OK ||
	    (st = record_scan(text, len, err)) != MS_OK) {
		free(first_origin);
		return st;
	}
	record_lines(text, len, &starts, &nstarts);
	if (origin || first_origin) {
		if ((st = origin_rdf(origin ? origin : first_origin, &orig)) != MS_OK) {
			if (st == MS_ERR_SYNTAX)
				*err = ms_try_asprintf("invalid origin \"%s\"",
				    origin ? origin : first_origin);
			goto fail;
		}
	}
	if ((z = ms_try_calloc(1, sizeof(*z))) == NULL) {
		st = MS_ERR_NOMEM;
		goto fail;
	}
	if (len > 0) {
		ldns_rdf *my_origin = orig ? ldns_rdf_clone(orig) : NULL, *my_prev = NULL;
		uint32_t my_ttl = 3600;

		if ((fp = fmemopen((void *)(uintptr_t)text, len, "r")) == NULL) {
			*err = ms_try_strdup("cannot read the text");
			st = MS_ERR_IO;
			goto fail;
		}
		/*
		 * Record by record, as ldns_zone_new_frm_fp_l does, but keeping every
		 * record we own (its error path leaks the records read so far).
		 */
		st = MS_OK;
		while (st == MS_OK && !feof(fp)) {
			ldns_rr *rr = NULL;

			ls = ldns_rr_new_frm_fp_l(&rr, fp, &my_ttl, &my_origin, &my_prev, &line);
			switch (ls) {
			case LDNS_STATUS_OK:
				if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && soa_owner == NULL)
					soa_owner = ldns_rdf2str(ldns_rr_owner(rr));
				st = zone_add_ldns_rr(z, rr, nread < nstarts ? starts[nread] : 0);
				nread++;
				ldns_rr_free(rr);
				if (st == MS_ERR_LIMIT || st == MS_ERR_SYNTAX)
					*err = ms_try_strdup(st == MS_ERR_LIMIT ? "too many records" :
					    "a record could not be converted to wire form");
				break;
			case LDNS_STATUS_SYNTAX_EMPTY:
			case LDNS_STATUS_SYNTAX_TTL:
			case LDNS_STATUS_SYNTAX_ORIGIN:
				break;
			case LDNS_STATUS_SYNTAX_INCLUDE:
				*err = ms_try_asprintf("line %d: $INCLUDE is refused", line > 0 ? line : 1);
				st = MS_ERR_SYNTAX;
				break;
			default:
				if (rr)
					ldns_rr_free(rr);
				{
					const char *on = origin ? origin : first_origin;
					char why[200];
					bool found = diagnose(text, len, line > 0 ? line : 1,
					    on ? strlen(on) - (on[0] && on[strlen(on) - 1] == '.') : 0,
					    why, sizeof(why));

					*err = ms_try_asprintf("line %d: %s", line > 0 ? line : 1,
					    found ? why : ldns_get_errorstr_by_id(ls));
				}
				st = MS_ERR_SYNTAX;
				break;
			}
		}
		if (my_origin)
			ldns_rdf_deep_free(my_origin);
		if (my_prev)
			ldns_rdf_deep_free(my_prev);
		if (st != MS_OK)
			goto fail;
	}
	if (origin || soa_owner || first_origin) {
		if ((z->origin = zone_name_canon(origin ? origin : soa_owner ? soa_owner :
		    first_origin)) == NULL) {
			st = MS_ERR_NOMEM;
			goto fail;
		}
	} else {
		*err = ms_try_strdup("no SOA record and no $ORIGIN: say which zone this is with "
		    "--origin");
		st = MS_ERR_SYNTAX;
		goto fail;
	}
	if (nread != nstarts)	/* the two readings disagree: say no line rather than a wrong one */
		for (size_t i = 0; i < z->n; i++)
			z->rr[i].line = 0;
	z->soa_line = 1;
	for (size_t i = 0; i < z->n; i++) {
		if (z->rr[i].type == LDNS_RR_TYPE_SOA && strcmp(z->rr[i].owner, z->origin) == 0) {
			z->soa_line = z->rr[i].line ? z->rr[i].line : 1;
			break;
		}
	}
	*out = z;
	z = NULL;
	st = MS_OK;
	goto out;
fail:
	/* every other failure has its message: without one, memory ran out (for it, or before) */
	if (*err == NULL)
		st = MS_ERR_NOMEM;
out:
	zone_file_free(z);
	if (fp)
		fclose(fp);
	if (orig)
		ldns_rdf_deep_free(orig);
	free(first_origin);
	free(soa_owner);
	free(starts);
	return st;
}

enum ms_status
zone_read_path(const char *path, const char *origin, struct zone_file **out, char **err)
{
	struct read_file_result f;
	char *data;
	size_t len;
	enum ms_status st;
	bool yaml = str_has_suffix_case(path, ".yaml") || str_has_suffix_case(path, ".yml");

	*out = NULL;
	*err = NULL;
	/* a regular file only: a FIFO would block, a folder is not a zone file */
	st = read_file(path, ZONE_MAX_TEXT, READ_FILE_REGULAR, &f);
	if (st != MS_OK) {
		*err = st == MS_ERR_LIMIT ? xasprintf("%s: larger than %u bytes", path, ZONE_MAX_TEXT) :
		    xasprintf("cannot read %s: %s", path, f.why);
		return st == MS_ERR_ARG ? MS_ERR_IO : st;
	}
	data = f.data;
	len = f.len;
	if (yaml) {
		char *o = NULL;

		if (origin == NULL) {
			const char *base = strrchr(path, '/');
			const char *dot;

			base = base ? base + 1 : path;
			dot = strrchr(base, '.');
			o = xstrndup(base, (size_t)(dot - base));
		}
		st = zone_read_octodns(data, len, origin ? origin : o, out, err);
		free(o);
	} else {
		st = zone_read_bind(data, len, origin, out, err);
	}
	free(data);
	if (st == MS_ERR_NOMEM && *err == NULL)
		*err = xstrdup(ms_status_str(st));	/* outside the parser: aborts if even this fails */
	if (st != MS_OK && *err) {
		char *e = xasprintf("%s: %s", path, *err);

		free(*err);
		*err = e;
	}
	return st;
}
