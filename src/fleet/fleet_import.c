/* src/fleet/fleet_import.c - the domains import file: a list of domains, or CSV with settings (pure) */
#include "fleet/fleet_import.h"
#include "fleet/fleet.h"
#include "dns/dns.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS	16

enum col { COL_DOMAIN, COL_PROFILE, COL_PARKED, COL_SELECTORS, COL_HOSTS, COL_INTERVAL,
	COL_IGNORED };

/* Header names of the CSV form; a name maps to a column kind. */
static const struct {
	const char *name;
	enum col col;
} COLUMNS[] = {
	{ "domain", COL_DOMAIN }, { "profile", COL_PROFILE }, { "parked", COL_PARKED },
	{ "dkim_selectors", COL_SELECTORS }, { "selectors", COL_SELECTORS },
	{ "dkim-selectors", COL_SELECTORS }, { "sending_hosts", COL_HOSTS },
	{ "sending-hosts", COL_HOSTS }, { "interval", COL_INTERVAL },
};

/* One line split into fields (pointers into the line's copy). */
struct fields {
	char *v[MAX_FIELDS];
	size_t n;
};

/* split_csv - split line (modified in place) into RFC 4180 fields; NULL or why not */
static const char *
split_csv(char *line, struct fields *fl)
{
	char *r = line, *w = line;

	fl->n = 0;
	for (;;) {
		if (fl->n == MAX_FIELDS)
			return "more than 16 fields";
		fl->v[fl->n++] = w;
		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return "a quoted field does not end on its line";
				if (*r == '"') {
					if (r[1] == '"') {
						*w++ = '"';
						r += 2;
						continue;
					}
					r++;
					break;
				}
				*w++ = *r++;
			}
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r != ',' && *r != '\0')
				return "text after a quoted field";
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return "a quote inside an unquoted field";
				*w++ = *r++;
			}
			while (w > fl->v[fl->n - 1] && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
		}
		if (*r == '\0') {
			*w = '\0';
			return NULL;
		}
		*w++ = '\0';
		r++;
	}
}

/* parse_bool - yes/no, true/false, 1/0; -1 if none of them */
static int
parse_bool(const char *s)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
		return 1;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
		return 0;
	return -1;
}

/* row_from - a row from a CSV line's fields under the header's columns; NULL or why not */
static const char *
row_from(const struct fields *fl, const enum col *cols, size_t ncols,
    struct fleet_import_row *row)
{
	const char *why = NULL;

	if (fl->n != ncols)
		return "not as many fields as the header has columns";
	row->parked = -1;
	for (size_t i = 0; i < ncols; i++) {
		const char *v = fl->v[i];

		if (*v == '\0' && cols[i] != COL_DOMAIN)
			continue;
		switch (cols[i]) {
		case COL_DOMAIN:
			if ((row->domain = dns_domain_normalise(v, &why)) == NULL)
				return why ? why : "not a domain name";
			break;
		case COL_PROFILE:
			if (strlen(v) > 255 || strchr(v, '\n'))
				return "the profile is too long";
			row->profile = xstrdup(v);
			break;
		case COL_PARKED:
			if ((row->parked = parse_bool(v)) < 0)
				return "parked wants yes or no";
			break;
		case COL_SELECTORS:
			if ((row->selectors = fleet_list_norm(v, &why)) == NULL)
				return why;
			break;
		case COL_HOSTS:
			if ((row->sending_hosts = fleet_list_norm(v, &why)) == NULL)
				return why;
			break;
		case COL_INTERVAL:
			if (!fleet_interval_parse(v, &row->interval))
				return "interval wants seconds or 30m, 12h, 7d (at most 366d)";
			break;
		case COL_IGNORED:
			break;
		}
	}
	return NULL;
}

/* header_from - the column kinds of a header line's fields; NULL or why not */
static const char *
header_from(const struct fields *fl, enum col *cols)
{
	bool seen[COL_IGNORED] = { false };

	for (size_t i = 0; i < fl->n; i++) {
		size_t k;

		for (k = 0; k < sizeof(COLUMNS) / sizeof(COLUMNS[0]); k++)
			if (strcasecmp(fl->v[i], COLUMNS[k].name) == 0)
				break;
		if (k == sizeof(COLUMNS) / sizeof(COLUMNS[0]))
			return "an unknown column in the header (domain, profile, parked, "
			    "dkim_selectors, sending_hosts, interval)";
		cols[i] = COLUMNS[k].col;
		if (seen[cols[i]])
			return "a column named twice in the header";
		seen[cols[i]] = true;
		if ((i == 0) != (cols[i] == COL_DOMAIN))
			return "the header's first column must be domain";
	}
	return NULL;
}

/* row_clear - free what row holds */
static void
row_clear(struct fleet_import_row *row)
{
	free(row->domain);
	free(row->profile);
	free(row->selectors);
	free(row->sending_hosts);
	memset(row, 0, sizeof(*row));
}

enum ms_status
fleet_import_parse(const char *data, size_t len, struct fleet_import *out, char *why,
    size_t whylen)
{
	enum col cols[MAX_FIELDS];
	size_t ncols = 0, lineno = 0, pos = 0;
	bool header_seen = false;
	enum ms_status rc = MS_OK;
	char line[FLEET_IMPORT_MAX_LINE + 1];

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (len > FLEET_IMPORT_MAX_BYTES) {
		snprintf(why, whylen, "the file is larger than %u bytes", FLEET_IMPORT_MAX_BYTES);
		return MS_ERR_LIMIT;
	}
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos), *err = NULL;
		size_t l = nl ? (size_t)(nl - (data + pos)) : len - pos;
		struct fleet_import_row row;
		struct fields fl;
		char *p;

		lineno++;
		if (l > FLEET_IMPORT_MAX_LINE) {
			snprintf(why, whylen, "line %zu: longer than %d bytes", lineno,
			    FLEET_IMPORT_MAX_LINE);
			rc = MS_ERR_LIMIT;
			goto fail;
		}
		memcpy(line, data + pos, l);
		line[l] = '\0';
		pos += l + (nl ? 1 : 0);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		if (memchr(line, '\0', l)) {
			snprintf(why, whylen, "line %zu: a NUL byte", lineno);
			rc = MS_ERR_SYNTAX;
			goto fail;
		}
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		memset(&row, 0, sizeof(row));
		row.parked = -1;
		row.line = lineno;
		if (!header_seen) {
			header_seen = true;
			size_t first = strcspn(p, ",");

			while (first > 0 && (p[first - 1] == ' ' || p[first - 1] == '\t'))
				first--;
			if ((first == 6 && strncasecmp(p, "domain", 6) == 0) ||
			    (first == 8 && strncasecmp(p, "\"domain\"", 8) == 0)) {
				if ((err = split_csv(p, &fl)) == NULL &&
				    (err = header_from(&fl, cols)) == NULL) {
					ncols = fl.n;
					out->csv = true;
					continue;
				}
				snprintf(why, whylen, "line %zu: %s", lineno, err);
				rc = MS_ERR_SYNTAX;
				goto fail;
			}
			if (strchr(p, ',')) {
				snprintf(why, whylen, "line %zu: a CSV file starts with a header line "
				    "whose first column is domain", lineno);
				rc = MS_ERR_SYNTAX;
				goto fail;
			}
		}
		if (out->n >= FLEET_IMPORT_MAX_ROWS) {
			snprintf(why, whylen, "line %zu: more than %d domains", lineno,
			    FLEET_IMPORT_MAX_ROWS);
			rc = MS_ERR_LIMIT;
			goto fail;
		}
		if (out->csv) {
			if ((err = split_csv(p, &fl)) == NULL)
				err = row_from(&fl, cols, ncols, &row);
		} else {
			char *hash = strchr(p, '#');

			if (hash)
				*hash = '\0';
			for (char *e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); )
				*--e = '\0';
			if ((row.domain = dns_domain_normalise(p, &err)) == NULL && err == NULL)
				err = "not a domain name";
		}
		if (err) {
			row_clear(&row);
			snprintf(why, whylen, "line %zu: %s", lineno, err);
			rc = MS_ERR_SYNTAX;
			goto fail;
		}
		out->rows = xreallocarray(out->rows, out->n + 1, sizeof(*out->rows));
		out->rows[out->n++] = row;
	}
	return MS_OK;
fail:
	fleet_import_free(out);
	return rc;
}

void
fleet_import_free(struct fleet_import *imp)
{
	for (size_t i = 0; i < imp->n; i++)
		row_clear(&imp->rows[i]);
	free(imp->rows);
	memset(imp, 0, sizeof(*imp));
}
