/* src/dns/stub_cache.c - the stub backend's answer cache: bounded, per resolver, TTLs aged (issue 23) */
#include "dns/stub_cache.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * A chained hash table (buckets: a power of two at least max_entries) over
 * entries that also sit on one LRU list, most recently used first.  An
 * entry holds the answer as received and, once asked for after a second or
 * more, one aged copy for the current age; both count against max_bytes.
 * The doorkeeper is an array of question fingerprints (4 x max_entries
 * slots, 64 KiB at the default) written at each miss: a later miss that
 * finds its own fingerprint there was asked before, lately.
 */

struct centry {
	struct centry	*hnext;		/* bucket chain */
	struct centry	*prev, *next;	/* LRU list, most recent first */
	uint32_t	 hash;
	struct dns_answer *a;		/* as received */
	struct dns_answer *aged;	/* a with TTLs less aged_by seconds, or NULL */
	uint32_t	 aged_by;
	uint64_t	 stored_ms, expires_ms;
	size_t		 cost, aged_cost;
};

struct stub_cache {
	struct stub_cache_limits lim;
	struct centry	**bucket;
	size_t		 nbuckets;	/* a power of two */
	struct centry	*head, *tail;	/* LRU */
	uint32_t	*door;		/* fingerprints of missed questions, by hash */
	size_t		 ndoor;		/* a power of two */
	struct stub_cache_stats st;
};

/* stub_question_hash - see stub_cache.h */
uint32_t
stub_question_hash(const char *name, uint16_t type)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ (type & 0xff)) * 16777619u;
	return (h ^ (uint32_t)(type >> 8)) * 16777619u;
}

size_t
stub_answer_cost(const struct dns_answer *a)
{
	size_t n = sizeof(*a) + 64;	/* 64: allocator overhead of the strings, roughly */

	n += strlen(a->qname) + 1;
	if (a->why)
		n += strlen(a->why) + 1;
	if (a->canon)
		n += strlen(a->canon) + 1;
	if (a->zone)
		n += strlen(a->zone) + 1;
	n += a->n * sizeof(struct dns_rr);
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rr *rr = &a->rr[i];

		/* the RDATA kept as received, and parsed: at most its size again, plus the pieces */
		n += 2 * rr->wirelen + 32;
		if (rr->type == DNS_T_TXT || rr->type == DNS_T_SPF)
			n += rr->u.txt.npieces * sizeof(struct dns_txt_piece);
	}
	return n;
}

struct stub_cache *
stub_cache_new(const struct stub_cache_limits *lim)
{
	struct stub_cache *c = xcalloc(1, sizeof(*c));

	if (lim)
		c->lim = *lim;
	if (c->lim.max_entries == 0)
		c->lim.max_entries = STUB_CACHE_ENTRIES;
	if (c->lim.max_bytes == 0)
		c->lim.max_bytes = STUB_CACHE_BYTES;
	if (c->lim.max_life == 0)
		c->lim.max_life = STUB_CACHE_LIFE;
	c->nbuckets = 16;
	while (c->nbuckets < c->lim.max_entries)
		c->nbuckets *= 2;
	c->bucket = xcalloc(c->nbuckets, sizeof(*c->bucket));
	c->ndoor = 4 * c->nbuckets;
	c->door = xcalloc(c->ndoor, sizeof(*c->door));
	return c;
}

/* entry_remove - e off its bucket and the LRU list, its answers dropped, freed */
static void
entry_remove(struct stub_cache *c, struct centry *e)
{
	struct centry **pp = &c->bucket[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->st.entries--;
	c->st.bytes -= e->cost + e->aged_cost;
	dns_answer_unref(e->a);
	dns_answer_unref(e->aged);
	free(e);
}

void
stub_cache_free(struct stub_cache *c)
{
	if (c == NULL)
		return;
	while (c->head)
		entry_remove(c, c->head);
	free(c->bucket);
	free(c->door);
	free(c);
}

/* to_front - e is the most recently used */
static void
to_front(struct stub_cache *c, struct centry *e)
{
	if (c->head == e)
		return;
	e->prev->next = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = NULL;
	e->next = c->head;
	c->head->prev = e;
	c->head = e;
}

/* make_room - evict from the LRU end (never keep) until one more entry of cost bytes fits */
static void
make_room(struct stub_cache *c, size_t cost, const struct centry *keep)
{
	while (c->tail && (c->st.entries + (keep ? 0 : 1) > c->lim.max_entries ||
	    c->st.bytes + cost > c->lim.max_bytes)) {
		struct centry *victim = c->tail;

		if (victim == keep) {
			victim = victim->prev;
			if (victim == NULL)
				break;
		}
		entry_remove(c, victim);
		c->st.evicted++;
	}
}

/* find - the entry of name/type, or NULL */
static struct centry *
find(struct stub_cache *c, const char *name, uint16_t type, uint32_t h)
{
	for (struct centry *e = c->bucket[h & (c->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->a->qtype == type && strcmp(e->a->qname, name) == 0)
			return e;
	return NULL;
}

bool
stub_cache_put(struct stub_cache *c, struct dns_answer *a, uint32_t ttl, uint64_t now_ms)
{
	uint32_t h = stub_question_hash(a->qname, a->qtype);
	struct centry *e;
	size_t cost;

	switch (a->status) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		if (a->zone == NULL)	/* no SOA of the zone denying the name: RFC 2308 §5 */
			goto refuse;
		break;
	default:
		goto refuse;
	}
	if (ttl > c->lim.max_life)
		ttl = c->lim.max_life;
	if (ttl == 0)
		goto refuse;
	cost = stub_answer_cost(a) + sizeof(*e);
	if (cost > c->lim.max_bytes / 8)
		goto refuse;
	if ((e = find(c, a->qname, a->qtype, h)) != NULL)
		entry_remove(c, e);
	make_room(c, cost, NULL);
	e = xcalloc(1, sizeof(*e));
	e->hash = h;
	e->a = dns_answer_ref(a);
	e->stored_ms = now_ms;
	e->expires_ms = now_ms + (uint64_t)ttl * 1000;
	e->cost = cost;
	e->hnext = c->bucket[h & (c->nbuckets - 1)];
	c->bucket[h & (c->nbuckets - 1)] = e;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	else
		c->tail = e;
	c->head = e;
	c->st.entries++;
	c->st.bytes += cost;
	c->st.stored++;
	return true;
refuse:
	c->st.refused++;
	return false;
}

/* aged_copy - a copy of a (borrowed) with every TTL less age seconds; the caller unrefs it */
static struct dns_answer *
aged_copy(const struct dns_answer *a, uint32_t age)
{
	struct dns_answer *b = dns_answer_new(a->qname, a->qtype);

	b->status = a->status;
	b->secure = a->secure;
	b->why = a->why ? xstrdup(a->why) : NULL;
	b->canon = a->canon ? xstrdup(a->canon) : NULL;
	b->zone = a->zone ? xstrdup(a->zone) : NULL;
	b->rr = a->n ? xreallocarray(NULL, a->n, sizeof(*b->rr)) : NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rr *rr = &a->rr[i];

		/* it parsed when it arrived: it parses again */
		if (dns_rdata_parse(rr->type, rr->wire, rr->wirelen, &b->rr[b->n]) != MS_OK)
			continue;
		b->rr[b->n].ttl = rr->ttl > age ? rr->ttl - age : 0;
		b->n++;
	}
	b->dropped = a->dropped;
	b->ttl = a->ttl > age ? a->ttl - age : 0;
	return b;
}

/* missed - a miss of the question hashed h: whether it was missed before, lately (the doorkeeper) */
static bool
missed(struct stub_cache *c, uint32_t h)
{
	uint32_t *slot = &c->door[(h >> 7 ^ h) & (c->ndoor - 1)];
	uint32_t fp = h | 1;		/* never 0, an empty slot */
	bool seen = *slot == fp;

	*slot = fp;
	c->st.misses++;
	return seen;
}

struct dns_answer *
stub_cache_get(struct stub_cache *c, const char *name, uint16_t type, uint64_t now_ms, bool *again)
{
	uint32_t h = stub_question_hash(name, type), age;
	struct centry *e = find(c, name, type, h);

	if (e == NULL) {
		*again = missed(c, h);
		return NULL;
	}
	if (now_ms >= e->expires_ms) {
		entry_remove(c, e);
		c->st.expired++;
		*again = missed(c, h);
		return NULL;
	}
	*again = true;
	c->st.hits++;
	to_front(c, e);
	age = now_ms > e->stored_ms ? (uint32_t)((now_ms - e->stored_ms) / 1000) : 0;
	if (age == 0)
		return dns_answer_ref(e->a);
	if (e->aged == NULL || e->aged_by != age) {
		dns_answer_unref(e->aged);
		c->st.bytes -= e->aged_cost;
		e->aged = aged_copy(e->a, age);
		e->aged_by = age;
		e->aged_cost = stub_answer_cost(e->aged);
		c->st.bytes += e->aged_cost;
		make_room(c, 0, e);
	}
	return dns_answer_ref(e->aged);
}

const struct stub_cache_stats *
stub_cache_stats(const struct stub_cache *c)
{
	return &c->st;
}
