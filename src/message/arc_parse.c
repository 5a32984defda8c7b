/* src/message/arc_parse.c - ARC sets of a message: ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results (RFC 8617 §4, §5.2) */
#include "message/arc_parse.h"

#include <string.h>

#include "message/dkim_crypto.h"
#include "message/msg_canon.h"
#include "util/xalloc.h"

/* arc_aar_instance - see arc_parse.h */
unsigned
arc_aar_instance(const char *v, size_t len, size_t *rest)
{
	size_t p = 0;
	unsigned n = 0, digits = 0;

	while (p < len && (v[p] == ' ' || v[p] == '\t' || v[p] == '\r' || v[p] == '\n'))
		p++;
	if (p >= len || v[p] != 'i')
		return 0;
	p++;
	while (p < len && (v[p] == ' ' || v[p] == '\t'))
		p++;
	if (p >= len || v[p] != '=')
		return 0;
	p++;
	while (p < len && (v[p] == ' ' || v[p] == '\t'))
		p++;
	while (p < len && v[p] >= '0' && v[p] <= '9' && digits < 3) {
		n = n * 10 + (unsigned)(v[p] - '0');
		p++;
		digits++;
	}
	while (p < len && (v[p] == ' ' || v[p] == '\t' || v[p] == '\r' || v[p] == '\n'))
		p++;
	if (digits == 0 || p >= len || v[p] != ';' || n < 1 || n > ARC_MAX)
		return 0;
	if (rest)
		*rest = p + 1;
	return n;
}

/* fail - mark the chain structurally failed (first reason kept) */
static enum ms_status
fail(struct arc_chain *c, const char *why)
{
	if (c->state != ARC_STATE_FAIL) {
		c->state = ARC_STATE_FAIL;
		c->why = why;
	}
	return MS_OK;
}

/* arc_collect - see arc_parse.h */
enum ms_status
arc_collect(const struct msg *m, struct arc_chain *out)
{
	unsigned max = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i <= ARC_MAX; i++)
		out->sets[i].aar = out->sets[i].ams = out->sets[i].as = -1;
	for (size_t j = 0; j < m->nfields; j++) {
		const struct msg_field *f = &m->fields[j];
		unsigned inst;
		struct arc_set *s;

		if (msg_field_is(f, "ARC-Authentication-Results")) {
			size_t rest = 0;

			out->state = out->state == ARC_STATE_NONE ? ARC_STATE_OK : out->state;
			inst = arc_aar_instance(f->value, f->value_len, &rest);
			if (inst == 0) {
				fail(out, "an ARC-Authentication-Results field has no valid i= first");
				continue;
			}
			s = &out->sets[inst];
			if (s->aar >= 0) {
				fail(out, "two ARC-Authentication-Results fields with the same i=");
				continue;
			}
			s->aar = (long)j;
			s->aar_value = f->value + rest;
			s->aar_len = f->value_len - rest;
		} else if (msg_field_is(f, "ARC-Message-Signature") || msg_field_is(f, "ARC-Seal")) {
			bool seal = msg_field_is(f, "ARC-Seal");
			struct dkim_sig tmp;
			enum ms_status st;

			out->state = out->state == ARC_STATE_NONE ? ARC_STATE_OK : out->state;
			st = xnomem(dkim_sig_parse(seal ? DKIM_KIND_SEAL : DKIM_KIND_AMS, f->value,
			    f->value_len, 0, &tmp));
			inst = tmp.instance;
			if (inst == 0) {
				dkim_sig_free(&tmp);
				fail(out, seal ? "an ARC-Seal has no valid i=" :
				    "an ARC-Message-Signature has no valid i=");
				continue;
			}
			s = &out->sets[inst];
			if ((seal ? s->as : s->ams) >= 0) {
				dkim_sig_free(&tmp);
				fail(out, seal ? "two ARC-Seal fields with the same i=" :
				    "two ARC-Message-Signature fields with the same i=");
				continue;
			}
			if (seal) {
				s->as = (long)j;
				s->seal = tmp;
			} else {
				s->ams = (long)j;
				s->ams_sig = tmp;
			}
			if (st != MS_OK)
				fail(out, seal ? "an ARC-Seal does not parse" :
				    "an ARC-Message-Signature does not parse");
		} else {
			continue;
		}
		if (inst > max)
			max = inst;
	}
	if (out->state == ARC_STATE_NONE)
		return MS_OK;
	out->n = max;
	for (unsigned i = 1; i <= max; i++) {
		const struct arc_set *s = &out->sets[i];

		if (s->aar < 0 || s->ams < 0 || s->as < 0) {
			fail(out, "an ARC set is incomplete or an instance is missing");
			break;
		}
	}
	if (max > 0 && out->sets[max].as >= 0 && out->sets[max].seal.cv == ARC_CV_FAIL)
		fail(out, "the newest ARC-Seal says cv=fail");
	for (unsigned i = 1; i <= max; i++) {
		const struct arc_set *s = &out->sets[i];

		if (s->as < 0)
			continue;
		if (i == 1 && s->seal.cv != ARC_CV_NONE)
			fail(out, "the ARC-Seal of i=1 does not say cv=none");
		else if (i > 1 && s->seal.cv != ARC_CV_PASS)
			fail(out, "an ARC-Seal after i=1 does not say cv=pass");
	}
	for (unsigned i = 1; i <= max; i++) {
		const struct arc_set *s = &out->sets[i];

		if (s->ams < 0)
			continue;
		for (size_t k = 0; k < s->ams_sig.nh; k++)
			if (strcmp(s->ams_sig.h[k], "arc-seal") == 0)
				fail(out, "an ARC-Message-Signature signs ARC-Seal (RFC 8617 §4.1.2)");
	}
	return MS_OK;
}

/* arc_chain_free - see arc_parse.h */
void
arc_chain_free(struct arc_chain *c)
{
	for (unsigned i = 0; i <= ARC_MAX; i++) {
		dkim_sig_free(&c->sets[i].ams_sig);
		dkim_sig_free(&c->sets[i].seal);
	}
}

/* arc_seal_input - see arc_parse.h */
enum ms_status
arc_seal_input(const struct msg *m, const struct arc_chain *c, unsigned k, struct buf *out)
{
	enum ms_status st = MS_OK;

	if (k < 1 || k > c->n)
		return MS_ERR_ARG;
	for (unsigned i = 1; i <= k && st == MS_OK; i++) {
		const struct arc_set *s = &c->sets[i];
		const struct msg_field *aar = &m->fields[s->aar], *ams = &m->fields[s->ams],
		    *as = &m->fields[s->as];

		st = canon_header(out, DKIM_C_RELAXED, aar->raw, aar->raw_len, 1);
		if (st == MS_OK)
			st = canon_header(out, DKIM_C_RELAXED, ams->raw, ams->raw_len, 1);
		if (st != MS_OK)
			break;
		if (i < k)
			st = canon_header(out, DKIM_C_RELAXED, as->raw, as->raw_len, 1);
		else
			st = dkim_blanked_field(out, DKIM_C_RELAXED, as, s->seal.b_off, s->seal.b_len);
	}
	return st;
}
