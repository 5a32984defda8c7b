/* src/store/store_rows.c - what a report becomes in the store, independent of the SQL engine */
#include "store/store_rows.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* store_clamp - a count as a signed 64-bit column value */
int64_t
store_clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* store_sha256_hex - the quarantine key of a rejected report */
void
store_sha256_hex(const char *raw, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(raw ? raw : "", raw ? len : 0, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* dup_or_null - a copy of v, or NULL */
static char *
dup_or_null(const char *v)
{
	return v ? xstrdup(v) : NULL;
}

/* check_add_finding - append a copy of f to c (owned by store_check_dup); *cap is the room */
static void
check_add_finding(struct store_check *c, size_t *cap, const struct store_check_finding *f)
{
	struct store_check_finding *v = (struct store_check_finding *)c->findings, *g;

	if (c->nfindings == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		v = xreallocarray(v, *cap, sizeof(*v));
		c->findings = v;
	}
	g = &v[c->nfindings++];
	g->id = dup_or_null(f->id);
	g->severity = dup_or_null(f->severity);
	g->subject = dup_or_null(f->subject);
	g->message = dup_or_null(f->message);
	g->area = dup_or_null(f->area);
}

struct store_check *
store_check_dup(const struct store_check *c)
{
	struct store_check *d = xcalloc(1, sizeof(*d));
	size_t cap = 0;

	*d = *c;
	d->run_id = dup_or_null(c->run_id);
	d->round = dup_or_null(c->round);
	d->area = dup_or_null(c->area);
	d->domain = dup_or_null(c->domain);
	d->profile = dup_or_null(c->profile);
	d->version = dup_or_null(c->version);
	d->grade = dup_or_null(c->grade);
	d->json = dup_or_null(c->json);
	d->findings = NULL;
	d->nfindings = 0;
	d->areas_known = false;	/* the summary's pairs are the caller's: not copied */
	d->areas = NULL;
	d->nareas = 0;
	for (size_t i = 0; i < c->nfindings; i++)
		check_add_finding(d, &cap, &c->findings[i]);
	return d;
}

void
store_check_free(struct store_check *c)
{
	if (c == NULL)
		return;
	free((char *)c->run_id);
	free((char *)c->round);
	free((char *)c->area);
	free((char *)c->domain);
	free((char *)c->profile);
	free((char *)c->version);
	free((char *)c->grade);
	free((char *)c->json);
	for (size_t i = 0; i < c->nfindings; i++) {
		free((char *)c->findings[i].id);
		free((char *)c->findings[i].severity);
		free((char *)c->findings[i].subject);
		free((char *)c->findings[i].message);
		free((char *)c->findings[i].area);
	}
	free((void *)c->findings);
	free(c);
}

void
store_check_acc_init(struct store_check_acc *a, store_check_cb cb, void *arg)
{
	memset(a, 0, sizeof(*a));
	a->key = -1;
	a->cb = cb;
	a->arg = arg;
}

/* acc_flush - hand the check held (if any) to the callback, then free it */
static void
acc_flush(struct store_check_acc *a, bool ok)
{
	if (a->cur && ok)
		a->cb(a->arg, a->cur);
	store_check_free(a->cur);
	a->cur = NULL;
	a->cap = 0;
}

void
store_check_acc_row(struct store_check_acc *a, int64_t key, const struct store_check *c,
    const struct store_check_finding *f)
{
	if (key != a->key || a->cur == NULL) {
		struct store_check head = *c;

		acc_flush(a, true);
		a->key = key;
		head.nfindings = 0;
		a->cur = store_check_dup(&head);
	}
	if (f->id != NULL)
		check_add_finding(a->cur, &a->cap, f);
}

void
store_check_acc_end(struct store_check_acc *a, bool ok)
{
	acc_flush(a, ok);
}
