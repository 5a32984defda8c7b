/* src/dns/resolver_replay.c - replay backend: answers from scenario data, deterministically */
#include "dns/resolver_replay.h"
#include "dns/zonetext.h"
#include "util/buf.h"
#include "util/readfile.h"
#include "util/str.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX_RECORDS	100000
#define REPLAY_MAX_FILE		(8u * 1024 * 1024)
#define REPLAY_MAX_CNAME	8
#define REPLAY_MAX_NAMES	1000000	/* index bound: past it, lookups scan the data */
#define REPLAY_NONE		SIZE_MAX	/* end of a chain */

struct replay_rr {
	char *owner;		/* lower case, no trailing dot */
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	size_t len;
	struct replay_where at;	/* where it was read (line 0: not known) */
	size_t next;		/* the next record at the same owner, or REPLAY_NONE */
};

struct replay_marker {
	char *owner;
	uint16_t type;		/* 0: every type */
	enum dns_outcome outcome;
	bool silent;		/* SILENT: never answered (only a timeout or a cancel ends it) */
	size_t next;		/* the next marker at the same owner, or REPLAY_NONE */
};

/*
 * The index: one entry per name, keyed by the name without one trailing dot
 * (as dns_name_is_subdomain compares them), except that records and markers
 * hang off the entry of their owner exactly as stored (so an owner "a." is
 * never confused with "a").  Chains keep the order of the data, so answers
 * list records, and the first matching marker wins, as a scan would.
 */
struct replay_name {
	size_t rr_head, rr_tail;	/* records owned by exactly this string */
	size_t mk_head, mk_tail;	/* markers likewise */
	bool exists;		/* some record's owner is at or below this name */
	bool secure;		/* a $SECURE zone */
	bool origin;		/* an origin of the outside rule */
};

struct replay_data {
	struct replay_rr *rr;
	size_t nrr, caprr;
	struct replay_marker *mk;
	size_t nmk;
	char **secure;
	size_t nsecure;
	char **origins;		/* the outside rule: zones the data holds completely */
	struct replay_where *origin_at;	/* where each origin's SOA was read */
	size_t norigins;
	bool outside_set;
	enum dns_outcome outside;
	char *outside_why;
	/* Lookups go through names while indexed; a full index is dropped for scans. */
	bool indexed;
	struct strmap names;	/* struct replay_name, owned */
	bool secure_root, origin_root;	/* "$SECURE ." or origin ".": every name */
};

struct replay_data *
replay_data_new(void)
{
	struct replay_data *d = xcalloc(1, sizeof(struct replay_data));

	d->indexed = true;
	strmap_init(&d->names, REPLAY_MAX_NAMES);
	return d;
}

void
replay_data_free(struct replay_data *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nrr; i++) {
		free(d->rr[i].owner);
		free(d->rr[i].rdata);
	}
	for (size_t i = 0; i < d->nmk; i++)
		free(d->mk[i].owner);
	for (size_t i = 0; i < d->nsecure; i++)
		free(d->secure[i]);
	free(d->rr);
	free(d->mk);
	free(d->secure);
	for (size_t i = 0; i < d->norigins; i++)
		free(d->origins[i]);
	free(d->origins);
	free(d->origin_at);
	free(d->outside_why);
	strmap_free(&d->names, free);
	free(d);
}

/* canon_owner - lower case, without the trailing dot (root stays ".") */
static char *
canon_owner(const char *name)
{
	char *s = xstrdup(name);
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	return str_lower(s);
}

/* len_nodot - length without one trailing dot ("." stays 1), as dns_name_is_subdomain reads it */
static size_t
len_nodot(const char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		n--;
	return n;
}

/* drop_index - the index is full: free it, and answer by scanning from now on */
static void
drop_index(struct replay_data *d)
{
	strmap_free(&d->names, free);
	d->indexed = false;
}

void
replay_data_scan_only(struct replay_data *d)
{
	if (d->indexed)
		drop_index(d);
}

/* name_entry - the index entry for key[0..len), made if absent; NULL (index dropped) when full */
static struct replay_name *
name_entry(struct replay_data *d, const char *key, size_t len)
{
	struct replay_name *nm = strmap_get(&d->names, key, len);

	if (nm)
		return nm;
	nm = xcalloc(1, sizeof(*nm));
	nm->rr_head = nm->rr_tail = nm->mk_head = nm->mk_tail = REPLAY_NONE;
	if (strmap_put(&d->names, key, len, nm) != MS_OK) {
		free(nm);
		drop_index(d);
		return NULL;
	}
	return nm;
}

/*
 * index_rr - chain record i to its owner and mark every name the owner lies
 * at or below: each suffix of it (less one trailing dot) that starts the
 * string or follows a dot, exactly the names dns_name_is_subdomain accepts.
 */
static void
index_rr(struct replay_data *d, size_t i)
{
	struct replay_rr *r = &d->rr[i];
	struct replay_name *nm;
	size_t n = len_nodot(r->owner);

	r->next = REPLAY_NONE;
	if (!d->indexed || (nm = name_entry(d, r->owner, strlen(r->owner))) == NULL)
		return;
	if (nm->rr_tail == REPLAY_NONE)
		nm->rr_head = i;
	else
		d->rr[nm->rr_tail].next = i;
	nm->rr_tail = i;
	for (size_t k = 0; k <= n; k++) {
		if (k > 0 && r->owner[k - 1] != '.')
			continue;
		if ((nm = name_entry(d, r->owner + k, n - k)) == NULL)
			return;
		nm->exists = true;
	}
}

/* index_marker - chain marker i to its owner */
static void
index_marker(struct replay_data *d, size_t i)
{
	struct replay_marker *m = &d->mk[i];
	struct replay_name *nm;

	m->next = REPLAY_NONE;
	if (!d->indexed || (nm = name_entry(d, m->owner, strlen(m->owner))) == NULL)
		return;
	if (nm->mk_tail == REPLAY_NONE)
		nm->mk_head = i;
	else
		d->mk[nm->mk_tail].next = i;
	nm->mk_tail = i;
}

/* index_zone - mark zone (canonical) as secure or as an origin */
static void
index_zone(struct replay_data *d, const char *zone, bool secure)
{
	struct replay_name *nm;

	if (strcmp(zone, ".") == 0) {	/* dns_name_is_subdomain: everything is below "." */
		if (secure)
			d->secure_root = true;
		else
			d->origin_root = true;
		return;
	}
	if (!d->indexed || (nm = name_entry(d, zone, len_nodot(zone))) == NULL)
		return;
	if (secure)
		nm->secure = true;
	else
		nm->origin = true;
}

/*
 * in_zones - whether name is at or below a zone marked secure (or an
 * origin): the suffixes of name at label starts, looked up.  Indexed only.
 */
static bool
in_zones(const struct replay_data *d, const char *name, bool secure)
{
	char *low = NULL;
	size_t n;
	bool hit = false;

	if (secure ? d->secure_root : d->origin_root)
		return true;
	if ((secure ? d->nsecure : d->norigins) == 0)
		return false;
	for (const char *c = name; *c; c++) {
		if (*c >= 'A' && *c <= 'Z') {	/* zones are lower case; compare as such */
			name = low = str_lower(xstrdup(name));
			break;
		}
	}
	n = len_nodot(name);
	for (size_t k = 0; k <= n && !hit; k++) {
		const struct replay_name *nm;

		if (k > 0 && name[k - 1] != '.')
			continue;
		nm = strmap_get(&d->names, name + k, n - k);
		hit = nm && (secure ? nm->secure : nm->origin);
	}
	free(low);
	return hit;
}

enum ms_status
replay_data_add(struct replay_data *d, const char *owner, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t len)
{
	struct replay_where none = { 0, 0 };

	return replay_data_add_at(d, owner, type, ttl, rdata, len, none);
}

enum ms_status
replay_data_add_at(struct replay_data *d, const char *owner, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t len, struct replay_where at)
{
	struct replay_rr *r;
	struct dns_rr check;

	if (d->nrr >= REPLAY_MAX_RECORDS)
		return MS_ERR_LIMIT;
	/* Only well-formed RDATA goes in, so every answer parses later. */
	if (dns_rdata_parse(type, rdata, len, &check) != MS_OK)
		return MS_ERR_SYNTAX;
	dns_rr_clear(&check);
	if (d->nrr == d->caprr) {
		d->caprr = d->caprr ? d->caprr * 2 : 64;
		d->rr = xreallocarray(d->rr, d->caprr, sizeof(*d->rr));
	}
	r = &d->rr[d->nrr++];
	r->owner = canon_owner(owner);
	r->type = type;
	r->ttl = ttl;
	r->rdata = (uint8_t *)xmemdup(rdata, len);
	r->len = len;
	r->at = at;
	index_rr(d, d->nrr - 1);
	return MS_OK;
}

enum ms_status
replay_data_add_marker(struct replay_data *d, const char *owner, uint16_t type,
    enum dns_outcome outcome)
{
	d->mk = xreallocarray(d->mk, d->nmk + 1, sizeof(*d->mk));
	d->mk[d->nmk].owner = canon_owner(owner);
	d->mk[d->nmk].type = type;
	d->mk[d->nmk].outcome = outcome;
	d->mk[d->nmk].silent = false;
	d->nmk++;
	index_marker(d, d->nmk - 1);
	return MS_OK;
}

enum ms_status
replay_data_add_silent(struct replay_data *d, const char *owner, uint16_t type)
{
	enum ms_status st = replay_data_add_marker(d, owner, type, DNS_TIMEOUT);

	if (st != MS_OK)
		return st;	/* nothing added: the last marker is someone else's */
	d->mk[d->nmk - 1].silent = true;
	return MS_OK;
}

void
replay_data_add_secure(struct replay_data *d, const char *zone)
{
	d->secure = xreallocarray(d->secure, d->nsecure + 1, sizeof(*d->secure));
	d->secure[d->nsecure++] = canon_owner(zone);
	index_zone(d, d->secure[d->nsecure - 1], true);
}

void
replay_data_add_origin(struct replay_data *d, const char *origin)
{
	struct replay_where none = { 0, 0 };

	replay_data_add_origin_at(d, origin, none);
}

void
replay_data_add_origin_at(struct replay_data *d, const char *origin, struct replay_where soa)
{
	d->origins = xreallocarray(d->origins, d->norigins + 1, sizeof(*d->origins));
	d->origin_at = xreallocarray(d->origin_at, d->norigins + 1, sizeof(*d->origin_at));
	d->origin_at[d->norigins] = soa;
	d->origins[d->norigins++] = canon_owner(origin);
	index_zone(d, d->origins[d->norigins - 1], false);
}

bool
replay_data_record_where(const struct replay_data *d, const char *name, uint16_t type,
    bool (*match)(const uint8_t *rdata, size_t len, void *arg), void *arg,
    struct replay_where *out)
{
	char *key = canon_owner(name);
	const struct replay_name *nm = NULL;
	size_t i = REPLAY_NONE;
	bool found = false;

	if (d->indexed) {
		if ((nm = strmap_get(&d->names, key, strlen(key))) != NULL)
			i = nm->rr_head;
	} else {
		i = 0;
	}
	while (i != REPLAY_NONE && i < d->nrr && !found) {
		const struct replay_rr *r = &d->rr[i];

		if ((d->indexed || strcmp(r->owner, key) == 0) && (type == 0 || r->type == type) &&
		    (match == NULL || match(r->rdata, r->len, arg)) && r->at.line > 0) {
			*out = r->at;
			found = true;
		}
		i = d->indexed ? r->next : i + 1;
	}
	free(key);
	return found;
}

bool
replay_data_zone_where(const struct replay_data *d, const char *name, struct replay_where *out)
{
	size_t best = 0;
	bool found = false;

	for (size_t i = 0; i < d->norigins; i++) {
		size_t n = strlen(d->origins[i]);

		if (dns_name_is_subdomain(name, d->origins[i]) && d->origin_at[i].line > 0 &&
		    (!found || n > best)) {
			*out = d->origin_at[i];
			best = n;
			found = true;
		}
	}
	return found;
}

enum ms_status
replay_data_set_outside(struct replay_data *d, enum dns_outcome outcome, const char *why)
{
	if (!dns_answer_failed_status(outcome))
		return MS_ERR_ARG;	/* outside is "could not tell", never an answer */
	d->outside_set = true;
	d->outside = outcome;
	free(d->outside_why);
	d->outside_why = xstrdup(why ? why : "outside the replayed zones");
	return MS_OK;
}

bool
replay_data_is_inside(const struct replay_data *d, const char *name)
{
	if (d->indexed)
		return in_zones(d, name, false);
	for (size_t i = 0; i < d->norigins; i++)
		if (dns_name_is_subdomain(name, d->origins[i]))
			return true;
	return false;
}

/* cut_word - split off the next white-space separated word; NULL at end */
static char *
cut_word(char **pp)
{
	char *p = *pp, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*pp = p;
		return NULL;
	}
	w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	*pp = p;
	return w;
}

/* parse_line - one line of replay text: owner [ttl] [IN] TYPE|* rdata|marker */
static enum ms_status
parse_line(struct replay_data *d, char *line, const char **err)
{
	char *p = line, *owner, *w, *rest;
	uint64_t ttl = 3600;
	uint16_t type = 0;
	bool any;
	struct buf wire;
	enum ms_status st;
	size_t n;

	owner = cut_word(&p);
	w = cut_word(&p);
	if (owner && strcmp(owner, "$SECURE") == 0) {
		if (w == NULL) {
			*err = "$SECURE needs a zone";
			return MS_ERR_SYNTAX;
		}
		replay_data_add_secure(d, w);
		return MS_OK;
	}
	if (w && str_to_u64(w, strlen(w), UINT32_MAX, &ttl) == MS_OK)
		w = cut_word(&p);
	if (w && str_caseeq(w, "IN"))
		w = cut_word(&p);
	if (w == NULL) {
		*err = "expected: owner [ttl] [IN] TYPE rdata";
		return MS_ERR_SYNTAX;
	}
	any = strcmp(w, "*") == 0;
	if (!any && !dns_type_parse(w, &type)) {
		*err = "unknown record type";
		return MS_ERR_SYNTAX;
	}
	rest = p;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	n = strlen(rest);
	while (n > 0 && (rest[n - 1] == ' ' || rest[n - 1] == '\t' || rest[n - 1] == '\r'))
		rest[--n] = '\0';
	if (strcmp(rest, "SERVFAIL") == 0)
		return replay_data_add_marker(d, owner, type, DNS_SERVFAIL);
	if (strcmp(rest, "TIMEOUT") == 0)
		return replay_data_add_marker(d, owner, type, DNS_TIMEOUT);
	if (strcmp(rest, "BOGUS") == 0)
		return replay_data_add_marker(d, owner, type, DNS_BOGUS);
	if (strcmp(rest, "SILENT") == 0)
		return replay_data_add_silent(d, owner, type);
	/* a server that denies a name wrongly (an empty non-terminal answered NXDOMAIN) */
	if (strcmp(rest, "NXDOMAIN") == 0)
		return replay_data_add_marker(d, owner, type, DNS_NXDOMAIN);
	if (any) {
		*err = "'*' takes only SERVFAIL, TIMEOUT, SILENT, BOGUS or NXDOMAIN";
		return MS_ERR_SYNTAX;
	}
	buf_init(&wire, 65535);
	st = zonetext_rdata(type, rest, &wire, err);
	if (st == MS_OK) {
		st = replay_data_add(d, owner, type, (uint32_t)ttl,
		    (const uint8_t *)wire.data, wire.len);
		if (st != MS_OK)
			*err = st == MS_ERR_LIMIT ? "too many records" : "malformed RDATA";
	}
	buf_free(&wire);
	return st;
}

enum ms_status
replay_data_load_text(struct replay_data *d, const char *text, char **err)
{
	char *copy = xstrdup(text), *line, *next;
	int lineno = 0;
	enum ms_status st = MS_OK;

	*err = NULL;
	for (line = copy; line; line = next) {
		const char *why = NULL;
		char *s;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#' || *s == ';' || *s == '\r')
			continue;
		if ((st = parse_line(d, s, &why)) != MS_OK) {
			*err = xasprintf("line %d: %s", lineno, why ? why : ms_status_str(st));
			break;
		}
	}
	free(copy);
	return st;
}

enum ms_status
replay_data_load_file(struct replay_data *d, const char *path, char **err)
{
	struct read_file_result f;
	char *data, *zone;
	enum ms_status st;

	*err = NULL;
	if ((st = read_file(path, REPLAY_MAX_FILE, 0, &f)) != MS_OK) {
		*err = st == MS_ERR_LIMIT ? xasprintf("%s is too large", path) :
		    xasprintf("cannot open %s: %s", path, f.why);
		return st;
	}
	data = f.data;
	/* A case file: records follow its "zone:" line. */
	zone = data;
	if (strncmp(data, "zone:", 5) == 0 && (data[5] == '\n' || data[5] == '\r'))
		zone = data + 5;
	else if ((zone = strstr(data, "\nzone:")) != NULL &&
	    (zone[6] == '\n' || zone[6] == '\r' || zone[6] == '\0'))
		zone += 6;
	else
		zone = data;
	st = replay_data_load_text(d, zone, err);
	if (st != MS_OK) {
		char *e = xasprintf("%s: %s", path, *err);

		free(*err);
		*err = e;
	}
	free(data);
	return st;
}

/* name_exists - records at name, or names below it (an empty non-terminal) */
static bool
name_exists(const struct replay_data *d, const char *name)
{
	if (d->indexed) {
		const struct replay_name *nm;

		if (strcmp(name, ".") == 0)
			return d->nrr > 0;
		nm = strmap_get(&d->names, name, len_nodot(name));
		return nm && nm->exists;
	}
	for (size_t i = 0; i < d->nrr; i++)
		if (dns_name_is_subdomain(d->rr[i].owner, name))
			return true;
	return false;
}

static bool
has_rrset(const struct replay_data *d, const char *owner, uint16_t type)
{
	if (d->indexed) {
		const struct replay_name *nm = strmap_get(&d->names, owner, strlen(owner));

		for (size_t i = nm ? nm->rr_head : REPLAY_NONE; i != REPLAY_NONE; i = d->rr[i].next)
			if (d->rr[i].type == type)
				return true;
		return false;
	}
	for (size_t i = 0; i < d->nrr; i++)
		if (d->rr[i].type == type && strcmp(d->rr[i].owner, owner) == 0)
			return true;
	return false;
}

static const struct replay_marker *
find_marker(const struct replay_data *d, const char *owner, uint16_t type)
{
	if (d->indexed) {
		const struct replay_name *nm = strmap_get(&d->names, owner, strlen(owner));

		for (size_t i = nm ? nm->mk_head : REPLAY_NONE; i != REPLAY_NONE; i = d->mk[i].next)
			if (d->mk[i].type == 0 || d->mk[i].type == type)
				return &d->mk[i];
		return NULL;
	}
	for (size_t i = 0; i < d->nmk; i++)
		if (strcmp(d->mk[i].owner, owner) == 0 &&
		    (d->mk[i].type == 0 || d->mk[i].type == type))
			return &d->mk[i];
	return NULL;
}

static bool
is_secure(const struct replay_data *d, const char *name)
{
	if (d->indexed)
		return in_zones(d, name, true);
	for (size_t i = 0; i < d->nsecure; i++)
		if (dns_name_is_subdomain(name, d->secure[i]))
			return true;
	return false;
}

/*
 * wildcard_source - for a name that does not exist, the "*.<closest
 * encloser>" owner that synthesises it (RFC 4592 §3.3.1), or NULL.
 */
static char *
wildcard_source(const struct replay_data *d, const char *name)
{
	const char *p = name;

	while ((p = strchr(p, '.')) != NULL) {
		char *wild;

		p++;
		if (!name_exists(d, p))
			continue;
		/* p is the closest encloser. */
		wild = xasprintf("*.%s", p);
		if (name_exists(d, wild))
			return wild;
		free(wild);
		return NULL;
	}
	return NULL;
}

static void
copy_rrset(const struct replay_data *d, const char *owner, uint16_t type,
    struct dns_answer *a)
{
	if (d->indexed) {
		const struct replay_name *nm = strmap_get(&d->names, owner, strlen(owner));

		for (size_t i = nm ? nm->rr_head : REPLAY_NONE; i != REPLAY_NONE; i = d->rr[i].next)
			if (d->rr[i].type == type)	/* RDATA checked on entry; a limit counts in a->dropped */
				MS_IGNORE(dns_answer_add_wire(a, type, d->rr[i].ttl, d->rr[i].rdata,
				    d->rr[i].len));
		return;
	}
	for (size_t i = 0; i < d->nrr; i++)
		if (d->rr[i].type == type && strcmp(d->rr[i].owner, owner) == 0)
			/* RDATA checked on entry; a limit counts in a->dropped */
			MS_IGNORE(dns_answer_add_wire(a, type, d->rr[i].ttl, d->rr[i].rdata,
			    d->rr[i].len));
}

/* answer - replay_data_answer; *silent (if given) says a SILENT marker decided it */
static struct dns_answer *
answer(const struct replay_data *d, const char *qname, uint16_t type, bool *silent)
{
	struct dns_answer *a = dns_answer_new(qname, type);
	char *name = canon_owner(qname);
	const struct replay_marker *mk;
	bool outside = false;

	for (int hop = 0; ; hop++) {
		char *src = NULL;
		const char *owner = name;

		if (d->outside_set && !replay_data_is_inside(d, name)) {
			a->status = d->outside;
			dns_answer_set_why(a, "%s: %s/%s", d->outside_why, name, dns_type_name(type));
			outside = true;
			break;
		}
		if ((mk = find_marker(d, name, type)) != NULL) {
			if (silent)
				*silent = mk->silent;
			a->status = mk->outcome;
			dns_answer_set_why(a, "%s for %s/%s (replayed)", dns_outcome_name(mk->outcome),
			    name, dns_type_name(type));
			a->n = 0;
			break;
		}
		if (!name_exists(d, name)) {
			src = wildcard_source(d, name);
			if (src == NULL) {
				a->status = DNS_NXDOMAIN;
				break;
			}
			owner = src;
		}
		if (has_rrset(d, owner, type)) {
			copy_rrset(d, owner, type, a);
			a->status = DNS_OK;
			free(src);
			break;
		}
		if (type != DNS_T_CNAME && has_rrset(d, owner, DNS_T_CNAME)) {
			struct dns_answer *c = dns_answer_new(name, DNS_T_CNAME);

			copy_rrset(d, owner, DNS_T_CNAME, c);
			free(src);
			if (hop >= REPLAY_MAX_CNAME || c->n == 0) {
				a->status = DNS_SERVFAIL;
				dns_answer_set_why(a, "CNAME chain longer than %d", REPLAY_MAX_CNAME);
				dns_answer_unref(c);
				break;
			}
			free(name);
			name = canon_owner(c->rr[0].u.name);
			free(a->canon);
			a->canon = xstrdup(name);
			dns_answer_unref(c);
			continue;
		}
		a->status = DNS_NODATA;
		free(src);
		break;
	}
	if (dns_answer_failed_status(a->status) && !outside) {
		free(a->canon);		/* as a resolver: a failed answer carries no chain */
		a->canon = NULL;
	}
	a->secure = a->status != DNS_BOGUS && is_secure(d, name);
	free(name);
	return a;
}

struct dns_answer *
replay_data_answer(const struct replay_data *d, const char *qname, uint16_t type)
{
	return answer(d, qname, type, NULL);
}

/*
 * The backend.  Answers wait in a FIFO and one zero-delay event drains it,
 * so callbacks run in the order the queries were made: replayed runs are
 * deterministic down to the order of findings.
 */

struct replay_job {
	struct replay_job *next, *prev;
	struct resolver_pending *p;
	struct dns_answer *a;
};

struct replay_resolver {
	struct resolver r;
	const struct replay_data *d;
	struct replay_job *head, *tail;
	struct event *kick;
};

static void
job_unlink(struct replay_resolver *rr, struct replay_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		rr->head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		rr->tail = j->prev;
}

static void
drain(evutil_socket_t fd, short what, void *arg)
{
	struct replay_resolver *rr = arg;
	struct replay_job *last = rr->tail, *j;
	bool more = true;

	(void)fd;
	(void)what;
	/* Deliver what was queued before this round; later queries wait for the next. */
	while (more && (j = rr->head) != NULL) {
		more = j != last;
		job_unlink(rr, j);
		resolver_deliver(j->p, j->a);
		free(j);
	}
	if (rr->head) {
		struct timeval now = { 0, 0 };

		evtimer_add(rr->kick, &now);
	}
}

static enum ms_status
replay_start(struct resolver *r, struct resolver_pending *p, const char *name, uint16_t type)
{
	struct replay_resolver *rr = r->impl;
	struct replay_job *j;
	struct timeval now = { 0, 0 };
	bool silent = false;
	struct dns_answer *a = answer(rr->d, name, type, &silent);

	if (silent) {	/* a dead server: the generic layer's timeout (or a cancel) ends it */
		dns_answer_unref(a);
		return MS_OK;
	}
	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->a = a;
	j->prev = rr->tail;
	if (rr->tail)
		rr->tail->next = j;
	else
		rr->head = j;
	rr->tail = j;
	if (!evtimer_pending(rr->kick, NULL))
		evtimer_add(rr->kick, &now);
	resolver_pending_set_handle(p, j);
	return MS_OK;
}

static void
replay_cancel(struct resolver *r, struct resolver_pending *p, void *handle)
{
	struct replay_job *j = handle;

	(void)p;
	if (j == NULL)
		return;
	job_unlink(r->impl, j);
	dns_answer_unref(j->a);
	free(j);
}

static void
replay_destroy(struct resolver *r)
{
	struct replay_resolver *rr = r->impl;

	event_free(rr->kick);
	free(rr);
}

static const struct resolver_ops replay_ops = {
	.name = "replay",
	.start = replay_start,
	.cancel = replay_cancel,
	.destroy = replay_destroy,
};

struct resolver *
resolver_replay_new(struct event_base *base, const struct replay_data *d, double timeout)
{
	struct replay_resolver *rr = xcalloc(1, sizeof(*rr));

	resolver_init(&rr->r, &replay_ops, rr, base, timeout);
	rr->d = d;
	rr->kick = evtimer_new(base, drain, rr);
	return &rr->r;
}
