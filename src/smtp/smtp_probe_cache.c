/* src/smtp/smtp_probe_cache.c - STARTTLS probes shared by every audit of one run or monitor round */
#include "smtp/smtp_probe_cache.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <event2/event.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/*
 * An entry is one probe: in flight (waiters listed, the prober's probe
 * owned by the entry), or done (its result kept, on the LRU list).  An
 * entry in flight that loses its last waiter is abandoned and freed.  A
 * waiter that cannot be answered from the probe's own callback (it joined a
 * finished entry, or its owner cancelled) gets its own copy of a result and
 * a zero timer: the "later" list.
 */

#define CACHE_BUCKETS	256

struct pc_entry;

struct pc_waiter {
	struct smtp_probe_cache	*c;
	const void		*owner;
	smtp_probe_callback	 cb;
	void			*arg;
	struct smtp_probe_result *res;	/* for a later delivery: its own copy */
	struct event		*ev;	/* the later delivery's timer */
	struct pc_waiter	*next, **prevp;	/* the entry's waiters, or the cache's later list */
};

struct pc_entry {
	struct smtp_probe_cache	*c;
	unsigned char		*key;
	size_t			 klen;
	unsigned		 hash;
	bool			 in_table;	/* findable by key (shared caches) */
	bool			 done;
	struct smtp_probe_result *res;	/* done: the result, kept */
	struct pc_waiter	*waiters;	/* in flight: who waits */
	struct pc_entry		*hnext;		/* bucket chain */
	struct pc_entry		*next, **prevp;	/* the in-flight list, or the LRU list (oldest first) */
};

struct smtp_probe_cache {
	struct smtp_prober	*sp;
	bool			 share;
	struct pc_entry		*bucket[CACHE_BUCKETS];
	struct pc_entry		*flight;	/* entries in flight */
	struct pc_entry		*lru, **lru_tail;	/* done entries, least recently used first */
	size_t			 ndone;
	struct pc_waiter	*later;
	struct smtp_probe_cache_stats stats;
};

/* smtp_probe_result_copy - a copy holding its own certificate references (smtp_probe_cache.h) */
struct smtp_probe_result *
smtp_probe_result_copy(const struct smtp_probe_result *r)
{
	struct smtp_probe_result *k = xmalloc(sizeof(*k));

	*k = *r;
	if (r->cert)
		X509_up_ref(r->cert);
	if (r->chain) {
		k->chain = sk_X509_dup(r->chain);
		if (k->chain == NULL)
			abort();	/* out of memory, as xalloc */
		for (int i = 0; i < sk_X509_num(k->chain); i++)
			X509_up_ref(sk_X509_value(k->chain, i));
	}
	return k;
}

/* smtp_probe_result_free - free a copy (smtp_probe_cache.h) */
void
smtp_probe_result_free(struct smtp_probe_result *k)
{
	if (k == NULL)
		return;
	X509_free(k->cert);
	sk_X509_pop_free(k->chain, X509_free);
	free(k);
}

/* LIST_ADD, LIST_DEL - a waiter or entry on a list by its next/prevp: put at the head, take out */
#define LIST_ADD(head, x) do {					\
	(x)->next = *(head);					\
	if ((x)->next)						\
		(x)->next->prevp = &(x)->next;			\
	(x)->prevp = (head);					\
	*(head) = (x);						\
} while (0)

#define LIST_DEL(x) do {					\
	if ((x)->prevp) {					\
		*(x)->prevp = (x)->next;			\
		if ((x)->next)					\
			(x)->next->prevp = (x)->prevp;		\
	}							\
	(x)->next = NULL;					\
	(x)->prevp = NULL;					\
} while (0)

struct smtp_probe_cache *
smtp_probe_cache_new(struct smtp_prober *sp, bool share)
{
	struct smtp_probe_cache *c = xcalloc(1, sizeof(*c));

	c->sp = sp;
	c->share = share;
	c->lru_tail = &c->lru;
	return c;
}

const struct smtp_probe_cache_stats *
smtp_probe_cache_stats(const struct smtp_probe_cache *c)
{
	return &c->stats;
}

/* key_put - append n bytes to the key being built */
static void
key_put(unsigned char *k, size_t *off, const void *p, size_t n)
{
	memcpy(k + *off, p, n);
	*off += n;
}

/* key_make - the bytes a probe is shared by (see smtp_probe_cache.h); caller frees */
static unsigned char *
key_make(const struct smtp_probe_config *cfg, size_t *len)
{
	const char *ehlo = cfg->ehlo_name ? cfg->ehlo_name : "";
	size_t hl = cfg->ntlsa ? strlen(cfg->host) : 0, n, off = 0;
	unsigned char *k;
	uint16_t port = (uint16_t)(cfg->port ? cfg->port : 25);
	uint8_t legacy = cfg->legacy_only, nt = (uint8_t)cfg->ntlsa;
	uint8_t fam = (uint8_t)cfg->addr.family;
	size_t alen = fam == 4 ? 4 : sizeof(cfg->addr.b);

	n = 1 + sizeof(cfg->addr.b) + 2 + 1 + sizeof(double) + strlen(ehlo) + 1 + 1 + hl + 1;
	for (size_t i = 0; i < cfg->ntlsa; i++)
		n += 3 + sizeof(size_t) + cfg->tlsa[i].len;
	k = xmalloc(n);
	key_put(k, &off, &fam, 1);
	key_put(k, &off, cfg->addr.b, alen);
	key_put(k, &off, &port, 2);
	key_put(k, &off, &legacy, 1);
	key_put(k, &off, &cfg->timeout, sizeof(double));
	key_put(k, &off, ehlo, strlen(ehlo) + 1);
	key_put(k, &off, &nt, 1);
	for (size_t i = 0; i < hl; i++)
		k[off++] = (unsigned char)tolower((unsigned char)cfg->host[i]);
	k[off++] = '\0';
	for (size_t i = 0; i < cfg->ntlsa; i++) {
		const struct smtp_tlsa *t = &cfg->tlsa[i];

		key_put(k, &off, &t->usage, 1);
		key_put(k, &off, &t->selector, 1);
		key_put(k, &off, &t->mtype, 1);
		key_put(k, &off, &t->len, sizeof(size_t));
		if (t->len)
			key_put(k, &off, t->data, t->len);
	}
	*len = off;
	return k;
}

/* key_hash - FNV-1a over the key */
static unsigned
key_hash(const unsigned char *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* table_del - take e out of its bucket */
static void
table_del(struct pc_entry *e)
{
	struct pc_entry **pp;

	if (!e->in_table)
		return;
	for (pp = &e->c->bucket[e->hash % CACHE_BUCKETS]; *pp; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	e->in_table = false;
	e->hnext = NULL;
}

/* lru_del - take a done entry off the LRU list */
static void
lru_del(struct pc_entry *e)
{
	struct smtp_probe_cache *c = e->c;

	if (c->lru_tail == &e->next)
		c->lru_tail = e->prevp;
	LIST_DEL(e);
	c->ndone--;
}

/* lru_append - a done entry becomes the most recently used */
static void
lru_append(struct pc_entry *e)
{
	struct smtp_probe_cache *c = e->c;

	e->next = NULL;
	e->prevp = c->lru_tail;
	*c->lru_tail = e;
	c->lru_tail = &e->next;
	c->ndone++;
}

/* entry_free - an entry with no waiters and no probe */
static void
entry_free(struct pc_entry *e)
{
	table_del(e);
	smtp_probe_result_free(e->res);
	free(e->key);
	free(e);
}

/* waiter_free - a waiter that has been answered or dropped */
static void
waiter_free(struct pc_waiter *w)
{
	if (w->ev)
		event_free(w->ev);
	smtp_probe_result_free(w->res);
	free(w);
}

/* on_later - a waiter's answer from the loop: its own copy of a result */
static void
on_later(evutil_socket_t fd, short what, void *arg)
{
	struct pc_waiter *w = arg;

	(void)fd;
	(void)what;
	LIST_DEL(w);
	w->cb(w->res, w->arg);
	waiter_free(w);
}

/* answer_later - give w res (taken: owned by w now) from the loop */
static void
answer_later(struct smtp_probe_cache *c, struct pc_waiter *w, struct smtp_probe_result *res)
{
	struct timeval zero = { 0, 0 };

	w->res = res;
	LIST_ADD(&c->later, w);
	w->ev = evtimer_new(smtp_prober_base(c->sp), on_later, w);
	if (w->ev == NULL)
		abort();	/* out of memory, as xalloc */
	evtimer_add(w->ev, &zero);
}

/* on_probe - the entry's probe is over: keep the result, answer every waiter */
static void
on_probe(const struct smtp_probe_result *r, void *arg)
{
	struct pc_entry *e = arg;
	struct smtp_probe_cache *c = e->c;
	struct pc_waiter *w = e->waiters, *next;

	LIST_DEL(e);		/* off the in-flight list */
	e->waiters = NULL;
	for (struct pc_waiter *x = w; x; x = x->next)
		x->prevp = NULL;
	if (e->in_table) {
		e->done = true;
		e->res = smtp_probe_result_copy(r);
		lru_append(e);
		while (c->ndone > SMTP_PROBE_CACHE_KEEP) {
			struct pc_entry *old = c->lru;

			lru_del(old);
			entry_free(old);
			c->stats.evicted++;
		}
	}
	for (; w; w = next) {
		next = w->next;
		w->cb(r, w->arg);
		waiter_free(w);
	}
	if (!e->done)
		entry_free(e);
}

/* lookup - the shared entry for key, or NULL */
static struct pc_entry *
lookup(struct smtp_probe_cache *c, const unsigned char *key, size_t klen, unsigned hash)
{
	for (struct pc_entry *e = c->bucket[hash % CACHE_BUCKETS]; e; e = e->hnext)
		if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0)
			return e;
	return NULL;
}

enum ms_status
smtp_probe_cache_start(struct smtp_probe_cache *c, const struct smtp_probe_config *cfg,
    smtp_probe_callback cb, void *arg)
{
	struct smtp_probe_config pcfg;
	struct pc_entry *e;
	struct pc_waiter *w;
	unsigned char *key;
	size_t klen;
	unsigned hash;

	if (c == NULL || cfg->host == NULL || cfg->ntlsa > SMTP_PROBE_TLSA_MAX)
		return MS_ERR_ARG;
	key = key_make(cfg, &klen);
	hash = key_hash(key, klen);
	w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->owner = cfg->owner;
	w->cb = cb;
	w->arg = arg;
	e = c->share ? lookup(c, key, klen, hash) : NULL;
	if (e) {
		free(key);
		c->stats.asked++;
		c->stats.shared++;
		if (e->done) {
			/* most recently used now */
			lru_del(e);
			lru_append(e);
			answer_later(c, w, smtp_probe_result_copy(e->res));
		} else {
			LIST_ADD(&e->waiters, w);
		}
		return MS_OK;
	}
	e = xcalloc(1, sizeof(*e));
	e->c = c;
	e->key = key;
	e->klen = klen;
	e->hash = hash;
	pcfg = *cfg;
	pcfg.owner = e;		/* the probe is the entry's, not any one asker's */
	if (smtp_probe_start(c->sp, &pcfg, on_probe, e) != MS_OK) {
		free(key);
		free(e);
		free(w);
		return MS_ERR_ARG;
	}
	c->stats.asked++;
	c->stats.made++;
	if (c->share) {
		e->in_table = true;
		e->hnext = c->bucket[hash % CACHE_BUCKETS];
		c->bucket[hash % CACHE_BUCKETS] = e;
	}
	LIST_ADD(&c->flight, e);
	LIST_ADD(&e->waiters, w);
	return MS_OK;
}

void
smtp_probe_cache_cancel_owned(struct smtp_probe_cache *c, const void *owner, const char *why)
{
	struct pc_entry *e, *enext;

	if (c == NULL)
		return;
	for (e = c->flight; e; e = enext) {
		struct pc_waiter *w, *wnext;

		enext = e->next;
		for (w = e->waiters; w; w = wnext) {
			struct smtp_probe_result *r;

			wnext = w->next;
			if (w->owner != owner)
				continue;
			LIST_DEL(w);
			r = xcalloc(1, sizeof(*r));
			r->timed_out = true;
			r->dane_depth = -1;
			snprintf(r->why, sizeof(r->why), "%s", why ? why : "cancelled");
			answer_later(c, w, r);
		}
		if (e->waiters == NULL) {
			/* nobody waits: the probe goes */
			LIST_DEL(e);
			smtp_probe_abandon_owned(c->sp, e);
			entry_free(e);
			c->stats.abandoned++;
		}
	}
}

void
smtp_probe_cache_free(struct smtp_probe_cache *c)
{
	if (c == NULL)
		return;
	while (c->flight) {
		struct pc_entry *e = c->flight;

		LIST_DEL(e);
		smtp_probe_abandon_owned(c->sp, e);
		while (e->waiters) {
			struct pc_waiter *w = e->waiters;

			LIST_DEL(w);
			waiter_free(w);
		}
		entry_free(e);
	}
	while (c->lru) {
		struct pc_entry *e = c->lru;

		lru_del(e);
		entry_free(e);
	}
	while (c->later) {
		struct pc_waiter *w = c->later;

		LIST_DEL(w);
		waiter_free(w);
	}
	free(c);
}
