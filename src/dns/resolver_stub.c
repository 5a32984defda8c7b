/* src/dns/resolver_stub.c - stub backend: plain DNS to a recursive resolver the operator trusts */
#include "dns/resolver_stub.h"
#include "dns/answer_wire.h"
#include "dns/stub_cache.h"
#include "dns/sysresolv.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

/*
 * Overview.  Queries share a small pool of UDP sockets, each connected to
 * one server (so the kernel drops datagrams from anybody else and reports
 * ICMP errors as ECONNREFUSED) and kept for many queries: the kernel chose
 * its source port at random when it was made.  A socket has at most
 * STUB_SOCK_INFLIGHT queries waiting on it at once, each under an ID drawn
 * at random and unique among them; a reply is matched by its ID, then must
 * carry the query's question (reply_matches), else it is a stray and the
 * query keeps waiting.  A socket is retired (takes no new query, and is
 * closed when the last query waiting on it leaves) after STUB_SOCK_QUERIES
 * queries, after STUB_SOCK_STRAYS strays (late replies to queries that were
 * sent again or given up on, or forgeries: a new socket means a new port),
 * or at its first socket error, which counts against its server and sends
 * every query waiting on it to the next server.  Sockets are made when every
 * live socket to the server asked is full, so a run with N queries
 * outstanding holds about N / STUB_SOCK_INFLIGHT of them.
 *
 * A lookup (what the generic layer started: struct stub_lookup) is
 * answered from the answer cache (stub_cache.h) when it holds the
 * question, else it waits on the query for its question (struct
 * stub_query: the question as asked, name bytes and type, class IN),
 * joining the one in flight if there is one, so a question goes out once
 * however many audits ask it at the same time (issue 23).  A query owns its
 * retry timer and, after a truncated reply, one TCP connection (a
 * bufferevent); it lives while some lookup waits on it.  Its answer goes to
 * the cache when stub_cache.h's rules allow and the question is shared (it
 * missed the cache lately before, or another lookup joined it: a domain's
 * own names, most of an audit's, would only push the shared ones out), then
 * to every lookup
 * waiting, each its own reference to the one parsed answer (answers are
 * read-only to their consumers).  The generic layer owns each lookup's
 * timeout and calls stub_cancel() at expiry, which takes that lookup off its
 * query; the last one leaving frees the query and takes it off its socket,
 * so a lookup that joined late keeps the query going after the first one's
 * timeout.  Answers are never delivered from inside stub_start(): a cached
 * one and an early verdict (the resolver is known to be unreachable, no
 * socket could be made) go through a zero-delay event.
 */

#define STUB_MAX_SERVERS	3	/* as resolv.conf's MAXNS */
#define STUB_EDNS_SIZE		1232	/* RFC 9715 / DNS flag day 2020 */
#define STUB_MAX_QUERY		(12 + 256 + 4 + 11)
#define STUB_MAX_TCP_REPLY	65535
#define STUB_RETRY_MS		1000	/* UDP: ask again (the next server) after this */
/*
 * Per socket: queries waiting at once (their replies must fit the receive
 * buffer: 32 of at most 1,232 octets are well under Linux's default 208 KiB
 * even at the kernel's per-datagram overhead), queries sent before it is
 * retired, replies that matched no waiting query before it is retired.
 */
#define STUB_SOCK_INFLIGHT	32
#define STUB_SOCK_QUERIES	256
#define STUB_SOCK_STRAYS	16
#define STUB_READ_BATCH		64	/* datagrams read per wake-up, then back to the loop */
#define STUB_READ_VEC		16	/* datagrams read per recvmmsg() */
#define STUB_DGRAM_MAX		4096	/* octets read of a datagram (we ask for at most 1,232) */
#define STUB_RANDOM		512	/* octets of IDs drawn at once (256 IDs) */
#define STUB_FLIGHT_BUCKETS	1024	/* hash buckets of the queries in flight (at most 1,024 of them) */

struct stub_server {
	struct sockaddr_storage ss;
	socklen_t sl;
	char *label;		/* "ADDR" or "ADDR@PORT", for messages */
	char *err;		/* the last socket error seen talking to it, or NULL */
};

struct stub_sock;
struct stub_query;

struct stub_resolver {
	struct resolver r;
	struct stub_server servers[STUB_MAX_SERVERS];
	size_t nservers, next_server;
	bool answered;		/* some server has replied to something */
	struct event *watch;	/* the reachability deadline, armed at the first query */
	struct event *give_up;	/* from the loop: end every query once unreachable */
	struct timeval wait;	/* the deadline: a little under the per-query timeout */
	char *unreachable;	/* r.unreachable */
	struct stub_sock *socks;	/* every open socket, live or retired */
	/*
	 * Random octets for query IDs, drawn STUB_RANDOM at a time: libevent's
	 * secure RNG is glibc's arc4random, one getrandom() system call a draw.
	 */
	uint8_t random[STUB_RANDOM];
	size_t random_left;
	uint8_t (*rbuf)[STUB_DGRAM_MAX];	/* STUB_READ_VEC datagrams, for sock_read */
	struct stub_query *flight[STUB_FLIGHT_BUCKETS];	/* queries others may join, by question */
	struct stub_cache *cache;
};

/* one connected UDP socket of the pool */
struct stub_sock {
	struct stub_resolver *sr;	/* NULL once the resolver is gone (dead is then set) */
	struct stub_sock *next;
	size_t server;
	evutil_socket_t fd;
	struct event *rd;
	struct stub_query *q[STUB_SOCK_INFLIGHT];	/* waiting here; NULL: a free slot */
	size_t nq;			/* non-NULL slots */
	unsigned sent, strays;
	bool retired;		/* takes no new query; closed when nq is 0 */
	bool reading;		/* inside sock_read, which closes it if need be */
	bool dead;		/* to be closed by sock_read (the resolver was freed under it) */
};

/* one lookup the generic layer started: answered from the cache, or waiting on a query */
struct stub_lookup {
	struct stub_resolver *sr;
	struct resolver_pending *p;
	struct stub_query *q;		/* the query it waits on, or NULL */
	struct stub_lookup *prev, *next;	/* q's lookups */
	struct event *defer;
	struct dns_answer *early;	/* delivered by defer */
};

/* one question on the wire, and the lookups waiting for its answer */
struct stub_query {
	struct stub_resolver *sr;
	struct stub_lookup *lookups;	/* waiting; the query is freed when the last leaves */
	struct stub_query *hnext;	/* sr->flight chain, while joinable */
	uint32_t hash;
	bool joinable;			/* in sr->flight */
	bool delivering;		/* its lookups are being answered: freed by query_deliver */
	bool keep;			/* its answer goes to the cache: asked lately before, or joined */
	char *name;
	uint16_t type;
	uint8_t msg[2 + STUB_MAX_QUERY];	/* a 2-octet length (for TCP), then the query */
	size_t len;			/* of the query, without the length */
	size_t qname_len;		/* of the wire name at msg + 2 + 12 */
	size_t server, tries;
	struct stub_sock *sock;		/* the socket its UDP reply is awaited on, or NULL */
	size_t slot;			/* in sock->q */
	struct event *retry;
	struct bufferevent *tcp;
};

/* ---- the socket pool -------------------------------------------------------- */

/* sock_free - close k and take it off its resolver's list (no query may wait on it) */
static void
sock_free(struct stub_sock *k)
{
	if (k->sr) {
		struct stub_sock **pp = &k->sr->socks;

		while (*pp != k)
			pp = &(*pp)->next;
		*pp = k->next;
	}
	event_free(k->rd);
	evutil_closesocket(k->fd);
	free(k);
}

/* sock_maybe_free - a retired socket nobody waits on is closed (by sock_read if it is reading) */
static void
sock_maybe_free(struct stub_sock *k)
{
	if (k->retired && k->nq == 0 && !k->reading)
		sock_free(k);
}

/* sock_detach - q no longer awaits a UDP reply */
static void
sock_detach(struct stub_query *q)
{
	struct stub_sock *k = q->sock;

	if (k == NULL)
		return;
	k->q[q->slot] = NULL;
	k->nq--;
	q->sock = NULL;
	sock_maybe_free(k);
}

/* random_id - two random octets for a query ID, into id */
static void
random_id(struct stub_resolver *sr, uint8_t id[2])
{
	if (sr->random_left < 2) {
		evutil_secure_rng_get_bytes(sr->random, sizeof(sr->random));
		sr->random_left = sizeof(sr->random);
	}
	sr->random_left -= 2;
	memcpy(id, sr->random + sr->random_left, 2);
	memset(sr->random + sr->random_left, 0, 2);	/* used once */
}

/* sock_attach - q waits on k (which has a free slot) under a random ID unique on k */
static void
sock_attach(struct stub_sock *k, struct stub_query *q)
{
	size_t free_slot = STUB_SOCK_INFLIGHT;
	bool clash;

	do {
		random_id(k->sr, q->msg + 2);
		clash = false;
		for (size_t i = 0; i < STUB_SOCK_INFLIGHT; i++) {
			const struct stub_query *o = k->q[i];

			if (o == NULL) {
				if (free_slot == STUB_SOCK_INFLIGHT)
					free_slot = i;
			} else if (o->msg[2] == q->msg[2] && o->msg[3] == q->msg[3]) {
				clash = true;
			}
		}
	} while (clash);
	k->q[free_slot] = q;
	k->nq++;
	q->sock = k;
	q->slot = free_slot;
	if (++k->sent >= STUB_SOCK_QUERIES)
		k->retired = true;
}

static void sock_read(evutil_socket_t fd, short what, void *arg);

/* sock_new - a socket connected to server i, or NULL with errno set and *made false if socket() failed */
static struct stub_sock *
sock_new(struct stub_resolver *sr, size_t i, bool *made)
{
	const struct stub_server *s = &sr->servers[i];
	struct stub_sock *k;
	evutil_socket_t fd;

	*made = false;
	fd = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	*made = true;
	if (connect(fd, (const struct sockaddr *)&s->ss, s->sl) != 0) {
		int e = errno;

		evutil_closesocket(fd);
		errno = e;
		return NULL;
	}
	k = xcalloc(1, sizeof(*k));
	k->sr = sr;
	k->server = i;
	k->fd = fd;
	k->rd = event_new(sr->r.base, fd, EV_READ | EV_PERSIST, sock_read, k);
	event_add(k->rd, NULL);
	k->next = sr->socks;
	sr->socks = k;
	return k;
}

/* sock_for - a live socket to server i with room for a query (NULL: as sock_new) */
static struct stub_sock *
sock_for(struct stub_resolver *sr, size_t i, bool *made)
{
	for (struct stub_sock *k = sr->socks; k; k = k->next)
		if (k->server == i && !k->retired && k->nq < STUB_SOCK_INFLIGHT) {
			*made = true;
			return k;
		}
	return sock_new(sr, i, made);
}

/* ---- a query's life ---------------------------------------------------------- */

/* query_close - off its socket, its retry timer and TCP connection gone (the query stays) */
static void
query_close(struct stub_query *q)
{
	sock_detach(q);
	if (q->retry)
		evtimer_del(q->retry);
	if (q->tcp)
		bufferevent_free(q->tcp);
	q->tcp = NULL;
}

/* query_free - everything the query holds (nobody waits on it, it is not joinable; sr untouched) */
static void
query_free(struct stub_query *q)
{
	query_close(q);
	if (q->retry)
		event_free(q->retry);
	free(q->name);
	free(q);
}

/* ---- joining: the queries in flight, by question ------------------------------ */

/* flight_find - the joinable query asking name/type (the same bytes), or NULL */
static struct stub_query *
flight_find(struct stub_resolver *sr, const char *name, uint16_t type, uint32_t h)
{
	for (struct stub_query *q = sr->flight[h % STUB_FLIGHT_BUCKETS]; q; q = q->hnext)
		if (q->hash == h && q->type == type && strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

/* flight_add - q may be joined */
static void
flight_add(struct stub_query *q, uint32_t h)
{
	struct stub_query **b = &q->sr->flight[h % STUB_FLIGHT_BUCKETS];

	q->hash = h;
	q->hnext = *b;
	*b = q;
	q->joinable = true;
}

/* query_unjoin - q takes no new lookup (it is ending) */
static void
query_unjoin(struct stub_query *q)
{
	struct stub_query **pp;

	if (!q->joinable)
		return;
	pp = &q->sr->flight[q->hash % STUB_FLIGHT_BUCKETS];
	while (*pp != q)
		pp = &(*pp)->hnext;
	*pp = q->hnext;
	q->hnext = NULL;
	q->joinable = false;
}

/* lookup_join - l waits on q */
static void
lookup_join(struct stub_lookup *l, struct stub_query *q)
{
	l->q = q;
	l->prev = NULL;
	l->next = q->lookups;
	if (q->lookups)
		q->lookups->prev = l;
	q->lookups = l;
}

/* lookup_detach - l no longer waits on its query (which stays: the caller decides) */
static void
lookup_detach(struct stub_lookup *l)
{
	struct stub_query *q = l->q;

	if (q == NULL)
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		q->lookups = l->next;
	if (l->next)
		l->next->prev = l->prev;
	l->prev = l->next = NULL;
	l->q = NULL;
}

/* lookup_free - everything the lookup holds (it waits on no query) */
static void
lookup_free(struct stub_lookup *l)
{
	if (l->defer)
		event_free(l->defer);
	dns_answer_unref(l->early);
	free(l);
}

/* deliver_early - the zero-delay event of an answer decided without a reply, or from the cache */
static void
deliver_early(evutil_socket_t fd, short what, void *arg)
{
	struct stub_lookup *l = arg;
	struct dns_answer *a = l->early;

	(void)fd;
	(void)what;
	l->early = NULL;
	resolver_deliver(l->p, a);
	lookup_free(l);
}

/* lookup_later - l's answer a (taken over), delivered from the loop */
static void
lookup_later(struct stub_lookup *l, struct dns_answer *a)
{
	struct timeval now = { 0, 0 };

	l->early = a;
	if (l->defer == NULL)
		l->defer = evtimer_new(l->sr->r.base, deliver_early, l);
	evtimer_add(l->defer, &now);
}

/*
 * query_deliver - a (taken over) to every lookup waiting on q, now (we are
 * in the loop), and q freed.  The callbacks may cancel other lookups of q
 * (they leave it; q->delivering keeps it), start new ones (q is no longer
 * joinable: they go to the cache or a new query) and free the resolver (its
 * lookups are cancelled first, so the loop ends; q touches nothing of sr).
 */
static void
query_deliver(struct stub_query *q, struct dns_answer *a)
{
	struct stub_lookup *l;

	query_unjoin(q);
	query_close(q);
	q->delivering = true;
	while ((l = q->lookups) != NULL) {
		lookup_detach(l);
		resolver_deliver(l->p, dns_answer_ref(a));
		lookup_free(l);
	}
	query_free(q);
	dns_answer_unref(a);
}

/* answer_later - decide the answer of q's lookups now, deliver it from the loop; q is freed */
static void
answer_later(struct stub_query *q, enum dns_outcome status, const char *why)
{
	struct dns_answer *a = dns_answer_new(q->name, q->type);
	struct stub_lookup *l;

	a->status = status;
	dns_answer_set_why(a, "%s", why);
	query_unjoin(q);
	while ((l = q->lookups) != NULL) {
		lookup_detach(l);
		lookup_later(l, dns_answer_ref(a));
	}
	dns_answer_unref(a);
	query_free(q);
}

/* errno_text - strerror with a lower-case first letter, for mid-sentence use; caller frees */
static char *
errno_text(int e)
{
	char *s = xstrdup(strerror(e));

	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

/* ---- unreachable: nobody answers at all ------------------------------------- */

/* give_up - from the loop: every query in flight ends "no answer from the resolver" */
static void
give_up(evutil_socket_t fd, short what, void *arg)
{
	struct stub_resolver *sr = arg;

	(void)fd;
	(void)what;
	resolver_cancel_all(&sr->r, "no answer from the resolver");
}

/* declare_unreachable - no server answered: say why once, end everything from the loop */
static void
declare_unreachable(struct stub_resolver *sr)
{
	struct timeval now = { 0, 0 };
	struct buf b;

	if (sr->unreachable || sr->answered)
		return;
	buf_init(&b, 4096);
	for (size_t i = 0; i < sr->nservers; i++)
		buf_addf(&b, "%sno answer from %s: %s", i ? "; " : "", sr->servers[i].label,
		    sr->servers[i].err ? sr->servers[i].err : "no reply");
	sr->unreachable = buf_steal_text(&b);	/* a cut says so */
	sr->r.unreachable = sr->unreachable;
	fprintf(stderr, "mailsec: %s\n", sr->unreachable);
	evtimer_add(sr->give_up, &now);
}

/* watch_fired - the reachability deadline: silence from every server is "unreachable" */
static void
watch_fired(evutil_socket_t fd, short what, void *arg)
{
	struct stub_resolver *sr = arg;

	(void)fd;
	(void)what;
	if (sr->answered)
		return;
	for (size_t i = 0; i < sr->nservers; i++)
		if (sr->servers[i].err == NULL)
			sr->servers[i].err = xasprintf("no reply within %ld.%03ld s",
			    (long)sr->wait.tv_sec, (long)(sr->wait.tv_usec / 1000));
	declare_unreachable(sr);
}

/* server_failed - a socket error talking to s; unreachable once every server has one */
static void
server_failed(struct stub_resolver *sr, struct stub_server *s, int e)
{
	free(s->err);
	s->err = errno_text(e);
	for (size_t i = 0; i < sr->nservers; i++)
		if (sr->servers[i].err == NULL)
			return;
	declare_unreachable(sr);
}

/* ---- the reply -------------------------------------------------------------- */

/* mark_answered - a server replied: it is reachable, the deadline is off (the loop may end) */
static void
mark_answered(struct stub_resolver *sr)
{
	sr->answered = true;
	evtimer_del(sr->watch);
}

/*
 * reply_matches - pkt answers q: our ID, QR set, one question that is ours
 * (the name compared case-insensitively: RFC 4343; length octets are below
 * 'A', so folding the whole wire name is safe)
 */
static bool
reply_matches(const struct stub_query *q, const uint8_t *pkt, size_t n)
{
	const uint8_t *qm = q->msg + 2;
	size_t ql = q->qname_len;

	if (n < 12 + ql + 4 || pkt[0] != qm[0] || pkt[1] != qm[1] || !(pkt[2] & 0x80) ||
	    pkt[4] != 0 || pkt[5] != 1)
		return false;
	for (size_t i = 0; i < ql; i++) {
		uint8_t a = pkt[12 + i], b = qm[12 + i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 32);
		if (a != b)
			return false;
	}
	return memcmp(pkt + 12 + ql, qm + 12 + ql, 4) == 0;
}

/*
 * skip_name - the octet after the (possibly compressed) name at off in pkt,
 * or 0 if it runs past n
 */
static size_t
skip_name(const uint8_t *pkt, size_t n, size_t off)
{
	while (off < n) {
		uint8_t c = pkt[off];

		if ((c & 0xc0) == 0xc0)
			return off + 2 <= n ? off + 2 : 0;
		if (c & 0xc0)
			return 0;
		off += 1 + (size_t)c;
		if (c == 0)
			return off <= n ? off : 0;
	}
	return 0;
}

/*
 * cache_ttl - how long a (parsed from pkt) may be cached: its own TTL (the
 * records' least, or the negative TTL) and no longer than any record of the
 * reply's answer section, the CNAMEs it followed among them; 0 (not cached)
 * if the packet does not read
 */
static uint32_t
cache_ttl(const struct dns_answer *a, const uint8_t *pkt, size_t n)
{
	uint32_t ttl = a->ttl;
	size_t off = 12;
	unsigned qd, an;

	if (n < 12)
		return 0;
	qd = (unsigned)pkt[4] << 8 | pkt[5];
	an = (unsigned)pkt[6] << 8 | pkt[7];
	for (unsigned i = 0; i < qd; i++) {
		if ((off = skip_name(pkt, n, off)) == 0 || off + 4 > n)
			return 0;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		uint32_t t;

		if ((off = skip_name(pkt, n, off)) == 0 || off + 10 > n)
			return 0;
		t = (uint32_t)pkt[off + 4] << 24 | (uint32_t)pkt[off + 5] << 16 |
		    (uint32_t)pkt[off + 6] << 8 | pkt[off + 7];
		if (t < ttl)
			ttl = t;
		off += 10 + ((size_t)pkt[off + 8] << 8 | pkt[off + 9]);
		if (off > n)
			return 0;
	}
	return ttl;
}

/* got_reply - a reply to q (checked): its answer, into the cache, delivered now (we are in the loop) */
static void
got_reply(struct stub_query *q, const uint8_t *pkt, size_t n)
{
	struct dns_answer *a;

	mark_answered(q->sr);
	/* the AD bit; a SERVFAIL with a DNSSEC Extended DNS Error is BOGUS */
	a = dns_answer_from_validating_reply(q->name, q->type, pkt, n);
	if ((q->keep || (q->lookups && q->lookups->next)) && !dns_answer_failed_status(a->status))
		(void)stub_cache_put(q->sr->cache, a, cache_ttl(a, pkt, n), clock_mono_ms());
	query_deliver(q, a);
}

static void send_udp(struct stub_query *q);

/* tcp_read - a length-prefixed reply over TCP */
static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct stub_query *q = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t lenb[2], *pkt;
	size_t len;

	if (evbuffer_get_length(in) < 2)
		return;
	evbuffer_copyout(in, lenb, 2);
	len = (size_t)lenb[0] << 8 | lenb[1];
	if (evbuffer_get_length(in) < 2 + len)
		return;
	evbuffer_drain(in, 2);
	pkt = xmalloc(len ? len : 1);
	evbuffer_remove(in, pkt, len);
	if (reply_matches(q, pkt, len)) {
		got_reply(q, pkt, len);
	} else {
		char *why = xasprintf("a reply over TCP from %s that does not answer the query",
		    q->sr->servers[q->server].label);

		mark_answered(q->sr);
		answer_later(q, DNS_SERVFAIL, why);
		free(why);
	}
	free(pkt);
}

/* tcp_event - connected (send), or the connection failed or closed before a reply */
static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct stub_query *q = arg;
	char *why;

	if (what & BEV_EVENT_CONNECTED)
		return;
	why = xasprintf("TCP to %s after a truncated reply: %s", q->sr->servers[q->server].label,
	    (what & BEV_EVENT_EOF) ? "closed before the reply" :
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	(void)bev;
	answer_later(q, DNS_SERVFAIL, why);
	free(why);
}

/* start_tcp - the UDP reply was truncated: ask the same server over TCP (RFC 7766) */
static void
start_tcp(struct stub_query *q)
{
	const struct stub_server *s = &q->sr->servers[q->server];

	query_close(q);
	q->tcp = bufferevent_socket_new(q->sr->r.base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (q->tcp == NULL) {
		answer_later(q, DNS_SERVFAIL, "cannot make a TCP connection");
		return;
	}
	bufferevent_setcb(q->tcp, tcp_read, NULL, tcp_event, q);
	bufferevent_setwatermark(q->tcp, EV_READ, 0, 2 + STUB_MAX_TCP_REPLY);
	q->msg[0] = (uint8_t)(q->len >> 8);
	q->msg[1] = (uint8_t)q->len;
	bufferevent_write(q->tcp, q->msg, 2 + q->len);
	bufferevent_enable(q->tcp, EV_READ);
	if (bufferevent_socket_connect(q->tcp, (const struct sockaddr *)&s->ss, (int)s->sl) != 0)
		answer_later(q, DNS_SERVFAIL, "cannot connect over TCP after a truncated reply");
}

/* retry_fired - no reply yet: ask again, the next server */
static void
retry_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_udp(arg);
}

/*
 * sock_fail - a socket error (e) on k: it counts against k's server, k is
 * retired, and every query waiting on it goes to the next server at once,
 * or, when each has had its turn or nobody answers, waits for the give-up
 * event or its timeout
 */
static void
sock_fail(struct stub_sock *k, int e)
{
	struct stub_resolver *sr = k->sr;
	struct stub_query *moved[STUB_SOCK_INFLIGHT];
	size_t n = 0;

	server_failed(sr, &sr->servers[k->server], e);
	k->retired = true;
	for (size_t i = 0; i < STUB_SOCK_INFLIGHT; i++)
		if (k->q[i]) {
			moved[n++] = k->q[i];
			k->q[i]->sock = NULL;
			k->q[i] = NULL;
		}
	k->nq = 0;
	for (size_t i = 0; i < n; i++) {
		struct stub_query *q = moved[i];

		if (sr->unreachable == NULL && q->tries < sr->nservers)
			send_udp(q);
		else
			query_close(q);
	}
	sock_maybe_free(k);
}

/* stray - a reply on k that answers no query waiting there: late, or forged */
static void
stray(struct stub_sock *k)
{
	if (++k->strays >= STUB_SOCK_STRAYS)
		k->retired = true;	/* a new port for new queries */
}

/* sock_reply - one datagram on k: to the query whose ID and question it carries, else a stray */
static void
sock_reply(struct stub_sock *k, const uint8_t *pkt, size_t n)
{
	struct stub_query *q = NULL;

	if (n >= 2)
		for (size_t i = 0; i < STUB_SOCK_INFLIGHT; i++)
			if (k->q[i] && k->q[i]->msg[2] == pkt[0] && k->q[i]->msg[3] == pkt[1]) {
				q = k->q[i];
				break;
			}
	if (q == NULL || !reply_matches(q, pkt, n)) {
		stray(k);
		return;		/* not ours: keep waiting */
	}
	query_close(q);
	if (pkt[2] & 0x02) {	/* TC */
		mark_answered(q->sr);
		start_tcp(q);
		return;
	}
	got_reply(q, pkt, n);
}

/*
 * sock_read - datagrams on k, or its error (ICMP unreachable); callbacks run
 * from here may start and cancel queries, k's among them, and free the
 * resolver: k is closed here, at the end, when that left it retired and
 * empty, or dead
 */
static void
sock_read(evutil_socket_t fd, short what, void *arg)
{
	struct stub_sock *k = arg;
	uint8_t (*buf)[STUB_DGRAM_MAX] = k->sr->rbuf;	/* the resolver's: not used once k is dead */
	struct mmsghdr mh[STUB_READ_VEC];
	struct iovec iov[STUB_READ_VEC];

	(void)what;
	k->reading = true;
	for (int round = 0; round < STUB_READ_BATCH / STUB_READ_VEC && !k->dead; round++) {
		int n;

		memset(mh, 0, sizeof(mh));
		for (int i = 0; i < STUB_READ_VEC; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = STUB_DGRAM_MAX;
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		/* what is queued, in one system call; fewer than asked: nothing is left */
		n = recvmmsg(fd, mh, STUB_READ_VEC, MSG_DONTWAIT, NULL);
		if (n < 0) {
			int e = errno;

			if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR)
				sock_fail(k, e);
			break;
		}
		for (int i = 0; i < n && !k->dead; i++)
			sock_reply(k, buf[i], mh[i].msg_len);
		if (n < STUB_READ_VEC)
			break;
	}
	k->reading = false;
	if (k->dead)
		sock_free(k);
	else
		sock_maybe_free(k);
}

/*
 * send_udp - (re)send q to the next server on a pooled socket with a new ID;
 * a socket error counts against that server
 */
static void
send_udp(struct stub_query *q)
{
	struct stub_resolver *sr = q->sr;
	struct stub_sock *k;
	struct timeval rt = { STUB_RETRY_MS / 1000, (STUB_RETRY_MS % 1000) * 1000 };
	bool made;

	query_close(q);
	q->server = sr->next_server++ % sr->nservers;
	q->tries++;
	k = sock_for(sr, q->server, &made);
	if (k == NULL && !made) {
		char *e = errno_text(errno), *why = xasprintf("cannot make a socket: %s", e);

		answer_later(q, DNS_SERVFAIL, why);
		free(why);
		free(e);
		return;
	}
	if (k == NULL) {		/* connect() failed */
		server_failed(sr, &sr->servers[q->server], errno);
		if (sr->unreachable == NULL && q->tries < sr->nservers)
			send_udp(q);
		return;		/* else the give-up event or the timeout ends it */
	}
	sock_attach(k, q);
	if (send(k->fd, q->msg + 2, q->len, 0) != (ssize_t)q->len) {
		int e = errno;

		if (e != EAGAIN && e != EWOULDBLOCK && e != ENOBUFS && e != EINTR) {
			sock_fail(k, e);	/* q too: the next server, or wait */
			return;
		}
		/* the socket's buffer is full: as a lost datagram, the retry sends it again */
	}
	evtimer_add(q->retry, &rt);
}

/* ---- the backend ------------------------------------------------------------ */

/* build_query - q's message: header, question, an EDNS0 OPT record; false if not a name */
static bool
build_query(struct stub_query *q)
{
	uint8_t dn[255], *m = q->msg + 2;
	size_t nl;

	if (dns_name_to_wire(q->name, dn, &nl) != MS_OK)
		return false;
	memset(m, 0, 12);
	m[2] = 0x01;		/* RD */
	m[3] = 0x20;		/* AD: the resolver's verdict, please (RFC 6840 §5.7) */
	m[5] = 1;		/* QDCOUNT */
	m[11] = 1;		/* ARCOUNT: the OPT record */
	memcpy(m + 12, dn, nl);
	q->qname_len = nl;
	m += 12 + nl;
	*m++ = (uint8_t)(q->type >> 8);
	*m++ = (uint8_t)q->type;
	*m++ = 0;
	*m++ = 1;		/* IN */
	/* OPT: root owner, type 41, class = UDP size, TTL 0 (no DO), no RDATA */
	*m++ = 0;
	*m++ = 0;
	*m++ = 41;
	*m++ = (uint8_t)(STUB_EDNS_SIZE >> 8);
	*m++ = (uint8_t)(STUB_EDNS_SIZE & 0xff);
	memset(m, 0, 6);
	m += 6;
	q->len = (size_t)(m - (q->msg + 2));
	return true;
}

/*
 * stub_start - l answered from the cache, or joined to the query in flight
 * for the same question, or a new query sent
 */
static enum ms_status
stub_start(struct resolver *r, struct resolver_pending *p, const char *name, uint16_t type)
{
	struct stub_resolver *sr = r->impl;
	struct stub_lookup *l = xcalloc(1, sizeof(*l));
	struct stub_query *q;
	struct dns_answer *hit;
	uint32_t h;
	bool again;

	l->sr = sr;
	l->p = p;
	if (sr->unreachable) {
		struct dns_answer *a = dns_answer_new(name, type);

		a->status = DNS_TIMEOUT;
		dns_answer_set_why(a, "no answer from the resolver");
		resolver_pending_set_handle(p, l);
		lookup_later(l, a);
		return MS_OK;
	}
	if ((hit = stub_cache_get(sr->cache, name, type, clock_mono_ms(), &again)) != NULL) {
		sr->r.stats.cached++;
		resolver_pending_set_handle(p, l);
		lookup_later(l, hit);
		return MS_OK;
	}
	h = stub_question_hash(name, type);
	if ((q = flight_find(sr, name, type, h)) != NULL) {
		sr->r.stats.joined++;
		resolver_pending_set_handle(p, l);
		lookup_join(l, q);
		return MS_OK;
	}
	q = xcalloc(1, sizeof(*q));
	q->sr = sr;
	q->name = xstrdup(name);
	q->type = type;
	q->keep = again;
	if (!build_query(q)) {		/* not a name: the caller's "invalid name" path */
		query_free(q);
		lookup_free(l);
		return MS_ERR_ARG;
	}
	q->retry = evtimer_new(sr->r.base, retry_fired, q);
	resolver_pending_set_handle(p, l);
	lookup_join(l, q);
	flight_add(q, h);
	if (!sr->answered && !evtimer_pending(sr->watch, NULL))
		evtimer_add(sr->watch, &sr->wait);
	send_udp(q);		/* may end q (answer_later): not touched after */
	return MS_OK;
}

/* stub_cancel - l leaves its query; the last lookup leaving ends the query */
static void
stub_cancel(struct resolver *r, struct resolver_pending *p, void *handle)
{
	struct stub_lookup *l = handle;
	struct stub_query *q;

	(void)r;
	(void)p;
	if (l == NULL)
		return;
	if ((q = l->q) != NULL) {
		lookup_detach(l);
		if (q->lookups == NULL && !q->delivering) {
			query_unjoin(q);
			query_free(q);
		}
	}
	lookup_free(l);
}

static void
stub_destroy(struct resolver *r)
{
	struct stub_resolver *sr = r->impl;

	while (sr->socks) {		/* no query is left: only sockets being read from */
		struct stub_sock *k = sr->socks;

		sr->socks = k->next;
		k->sr = NULL;
		if (k->reading)
			k->dead = true;	/* sock_read closes it */
		else
			sock_free(k);
	}
	event_free(sr->watch);
	event_free(sr->give_up);
	for (size_t i = 0; i < sr->nservers; i++) {
		free(sr->servers[i].label);
		free(sr->servers[i].err);
	}
	free(sr->unreachable);
	free(sr->rbuf);
	stub_cache_free(sr->cache);
	free(sr);
}

static const struct resolver_ops stub_ops = {
	.name = "stub",
	.start = stub_start,
	.cancel = stub_cancel,
	.destroy = stub_destroy,
};

/* add_server - "ADDR" or "ADDR@PORT" (an IP literal); false if it is neither */
static bool
add_server(struct stub_resolver *sr, const char *spec)
{
	const char *at = strrchr(spec, '@');
	char *addr = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
	struct stub_server *s;
	struct ipaddr ip;
	uint64_t port = 53;

	if (ipaddr_parse(addr, &ip) != MS_OK ||
	    (at && (str_to_u64(at + 1, strlen(at + 1), 65535, &port) != MS_OK || port == 0))) {
		free(addr);
		return false;
	}
	if (sr->nservers >= STUB_MAX_SERVERS) {
		free(addr);
		return true;
	}
	s = &sr->servers[sr->nservers++];
	memset(&s->ss, 0, sizeof(s->ss));
	if (ip.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&s->ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, ip.b, 4);
		s->sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, ip.b, 16);
		s->sl = sizeof(*sin6);
	}
	s->label = port == 53 ? xstrdup(addr) : xasprintf("%s@%u", addr, (unsigned)port);
	free(addr);
	return true;
}

/* read_resolv_conf - the nameservers of path (scoped link-local ones skipped); false if unreadable */
static bool
read_resolv_conf(struct stub_resolver *sr, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[512];

	if (fp == NULL)
		return false;
	while (fgets(line, sizeof(line), fp)) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
			continue;
		p += 10;
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '#'; e++)
			;
		*e = '\0';
		if (*p && strchr(p, '%') == NULL)
			(void)add_server(sr, p);
	}
	fclose(fp);
	return true;
}

/* resolver_stub_on_loopback - see resolver_stub.h */
bool
resolver_stub_on_loopback(const struct resolver *r)
{
	const struct stub_resolver *sr = r->impl;

	if (r->ops != &stub_ops || sr->nservers == 0)
		return false;
	for (size_t i = 0; i < sr->nservers; i++) {
		const struct sockaddr_storage *ss = &sr->servers[i].ss;

		if (ss->ss_family == AF_INET) {
			const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;

			if (a[0] != 127)
				return false;
		} else if (ss->ss_family == AF_INET6) {
			const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

			if (!IN6_IS_ADDR_LOOPBACK(a) && !(IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

enum ms_status
resolver_stub_new(struct event_base *base, const struct stub_config *cfg, double timeout_seconds,
    struct resolver **out, char **err)
{
	struct stub_resolver *sr = xcalloc(1, sizeof(*sr));
	const char *rc = cfg->resolv_conf ? cfg->resolv_conf : "/etc/resolv.conf";

	*out = NULL;
	*err = NULL;
	if (cfg->forward) {
		if (!add_server(sr, cfg->forward)) {
			*err = xasprintf("--resolver %s: want ADDR or ADDR@PORT with an IP address",
			    cfg->forward);
			free(sr);
			return MS_ERR_ARG;
		}
	} else {
		if (dns_system_resolver_forbidden()) {
			*err = xasprintf("MAILSEC_FORBID_SYSTEM_RESOLVER is set and this network has "
			    "interfaces other than loopback: refusing to use the system's resolver (%s); "
			    "give --resolver or --replay", rc);
			free(sr);
			return MS_ERR_ARG;
		}
		if (!read_resolv_conf(sr, rc)) {
			*err = xasprintf("cannot read %s: %s", rc, strerror(errno));
			for (size_t i = 0; i < sr->nservers; i++)
				free(sr->servers[i].label);
			free(sr);
			return MS_ERR_IO;
		}
		if (sr->nservers == 0)
			(void)add_server(sr, "127.0.0.1");
	}
	resolver_init(&sr->r, &stub_ops, sr, base, timeout_seconds);
	sr->r.max_outstanding = RESOLVER_MAX_OUTSTANDING;
	{
		/* as the libunbound backend: a tenth (at most 100 ms) before the queries' timers */
		int64_t us = (int64_t)sr->r.timeout.tv_sec * 1000000 + sr->r.timeout.tv_usec;
		int64_t early = us / 10 < 100000 ? us / 10 : 100000;

		sr->wait.tv_sec = (time_t)((us - early) / 1000000);
		sr->wait.tv_usec = (suseconds_t)((us - early) % 1000000);
	}
	sr->watch = evtimer_new(base, watch_fired, sr);
	sr->give_up = evtimer_new(base, give_up, sr);
	sr->rbuf = xmalloc(STUB_READ_VEC * sizeof(*sr->rbuf));
	sr->cache = stub_cache_new(NULL);
	*out = &sr->r;
	return MS_OK;
}
