/* src/output/locate.c - which line of which zone file a finding is about (lint's SARIF) */
#include "output/locate.h"
#include "core/catalog.h"
#include "dns/dns.h"
#include "dns/zonetext.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define LOCATE_MAX_EVIDENCE	4096	/* the first line of evidence read as a record */

/* An area's record: its type, the name below the subject, the start of its TXT. */
struct area_rec {
	const char	*area;
	uint16_t	 type;
	const char	*prefix;	/* the owner: prefix + subject, tried after the subject */
	const char	*txt_start;	/* a TXT record of the area starts so (any case) */
};

static const struct area_rec area_recs[] = {
	{ "spf", DNS_T_TXT, NULL, "v=spf1" },
	{ "dmarc", DNS_T_TXT, "_dmarc.", "v=DMARC1" },
	{ "tls-rpt", DNS_T_TXT, "_smtp._tls.", "v=TLSRPTv1" },
	{ "mta-sts", DNS_T_TXT, "_mta-sts.", "v=STSv1" },
	{ "bimi", DNS_T_TXT, "default._bimi.", "v=BIMI1" },
	{ "dkim", DNS_T_TXT, NULL, NULL },
	{ "mx", DNS_T_MX, NULL, NULL },
	{ "ns", DNS_T_NS, NULL, NULL },
	{ "dane", DNS_T_TLSA, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

struct want {
	const uint8_t	*wire;		/* RDATA equal to this, or */
	size_t		 len;
	const char	*txt_start;	/* TXT strings joined starting so, or neither */
};

/* rdata_wanted - match callback of replay_data_record_where for struct want */
static bool
rdata_wanted(const uint8_t *rdata, size_t len, void *arg)
{
	const struct want *w = arg;
	char head[32];
	size_t n, got = 0, i = 0;

	if (w->wire)
		return len == w->len && memcmp(rdata, w->wire, len) == 0;
	if (w->txt_start == NULL)
		return true;
	n = strlen(w->txt_start);
	if (n > sizeof(head))
		return false;
	/* the first n bytes of the TXT strings joined (RFC 7208 §3.3) */
	while (i < len && got < n) {
		size_t sl = rdata[i++];

		for (size_t k = 0; k < sl && i < len && got < n; k++)
			head[got++] = (char)rdata[i++];
	}
	return got == n && str_ncasecmp(head, w->txt_start, n) == 0;
}

/*
 * evidence_record - the record evidence quotes in zone-file form on its
 * first line ("example.test. IN MX 10 mail.example.test."): its owner
 * (caller frees), type and wire RDATA into wire; false when it is not one
 */
static bool
evidence_record(const char *evidence, char **owner, uint16_t *type, struct buf *wire)
{
	size_t n = strcspn(evidence, "\n");
	char *line, *p, *w[4];
	const char *why;
	int k = 0;
	bool ok = false;

	if (n == 0 || n > LOCATE_MAX_EVIDENCE)
		return false;
	line = xstrndup(evidence, n);
	p = line;
	/* owner, then an optional TTL, IN, TYPE; the rest is the RDATA */
	while (k < 4 && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		w[k++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		if (k >= 2 && str_caseeq(w[k - 1], "IN"))
			break;
	}
	if (k >= 2 && str_caseeq(w[k - 1], "IN") && strchr(w[0], '.') != NULL) {
		char *t = p, *rest;

		while (*t == ' ' || *t == '\t')
			t++;
		rest = t;
		while (*rest && *rest != ' ' && *rest != '\t')
			rest++;
		if (*rest)
			*rest++ = '\0';
		if (dns_type_parse(t, type) && zonetext_rdata(*type, rest, wire, &why) == MS_OK) {
			*owner = xstrdup(w[0]);
			ok = true;
		}
	}
	free(line);
	return ok;
}

/* finding_locate - see locate.h */
bool
finding_locate(const struct replay_data *d, const char *domain, const struct finding *f,
    struct replay_where *out)
{
	const struct finding_def *def = &finding_defs[f->id];
	const struct area_rec *ar = NULL;
	const char *subject = f->subject && *f->subject ? f->subject : domain;
	struct want want = { 0 };
	bool found = false;

	if (f->evidence) {
		struct buf wire;
		char *owner = NULL;
		uint16_t type;

		buf_init(&wire, 65535);
		if (evidence_record(f->evidence, &owner, &type, &wire)) {
			want.wire = (const uint8_t *)wire.data;
			want.len = wire.len;
			found = replay_data_record_where(d, owner, type, rdata_wanted, &want, out) ||
			    replay_data_record_where(d, owner, type, NULL, NULL, out);
			want.wire = NULL;
		}
		free(owner);
		buf_free(&wire);
		if (found)
			return true;
	}
	for (const struct area_rec *a = area_recs; a->area; a++)
		if (strcmp(a->area, def->area) == 0)
			ar = a;
	if (ar && strchr(subject, ' ') == NULL) {
		want.txt_start = ar->txt_start;
		found = replay_data_record_where(d, subject, ar->type, rdata_wanted, &want, out);
		if (!found && ar->prefix && !str_has_prefix_case(subject, ar->prefix)) {
			char *name = xasprintf("%s%s", ar->prefix, subject);

			found = replay_data_record_where(d, name, ar->type, rdata_wanted, &want, out);
			free(name);
		}
		if (found)
			return true;
	}
	/* a record that is not there: the zone's SOA */
	return replay_data_zone_where(d, subject, out) || replay_data_zone_where(d, domain, out);
}
