/* bench/bench_stub_cache.c - a cached stub answer served three ways: the wire parsed again, a shared reference, an aged copy (issue 23) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dns/answer_wire.h"
#include "dns/stub_cache.h"
#include "util/clock.h"

#define ROUNDS	1000000

/* mx_reply - a reply to d12.test MX with two records (mx1/mx2.provider.test, TTL 300) into pkt; its length */
static size_t
mx_reply(uint8_t pkt[512])
{
	static const uint8_t hdr[] = { 0x12, 0x34, 0x81, 0xa0, 0, 1, 0, 2, 0, 0, 0, 0 };
	static const uint8_t qn[] = { 3, 'd', '1', '2', 4, 't', 'e', 's', 't', 0, 0, 15, 0, 1 };
	size_t n = 0;

	memcpy(pkt, hdr, sizeof(hdr));
	n += sizeof(hdr);
	memcpy(pkt + n, qn, sizeof(qn));
	n += sizeof(qn);
	for (int i = 0; i < 2; i++) {
		uint8_t rr[] = { 0xc0, 12, 0, 15, 0, 1, 0, 0, 1, 44, 0, 0, 0, 10, 3, 'm', 'x',
		    (uint8_t)('1' + i), 8, 'p', 'r', 'o', 'v', 'i', 'd', 'e', 'r', 0xc0, 16 };

		rr[11] = (uint8_t)(sizeof(rr) - 12);
		memcpy(pkt + n, rr, sizeof(rr));
		n += sizeof(rr);
	}
	return n;
}

int
main(void)
{
	uint8_t pkt[512];
	size_t n = mx_reply(pkt);
	struct dns_answer *a;
	struct stub_cache *c;
	double t0;
	bool again;

	t0 = clock_mono_seconds();
	for (int i = 0; i < ROUNDS; i++)
		dns_answer_unref(dns_answer_from_validating_reply("d12.test", DNS_T_MX, pkt, n));
	printf("the wire parsed again:        %4.0f ns\n", (clock_mono_seconds() - t0) / ROUNDS * 1e9);
	a = dns_answer_from_validating_reply("d12.test", DNS_T_MX, pkt, n);
	c = stub_cache_new(NULL);
	(void)stub_cache_put(c, a, 300, 0);
	t0 = clock_mono_seconds();
	for (int i = 0; i < ROUNDS; i++)
		dns_answer_unref(stub_cache_get(c, "d12.test", DNS_T_MX, 500, &again));
	printf("a hit, the answer shared:     %4.0f ns\n", (clock_mono_seconds() - t0) / ROUNDS * 1e9);
	t0 = clock_mono_seconds();
	for (int i = 0; i < ROUNDS; i++)	/* the age alternates: a new copy every time */
		dns_answer_unref(stub_cache_get(c, "d12.test", DNS_T_MX, (i % 2 ? 1500 : 2500), &again));
	printf("a hit, a new aged copy:       %4.0f ns\n", (clock_mono_seconds() - t0) / ROUNDS * 1e9);
	printf("(reply %zu octets, parsed answer about %zu octets)\n", n, stub_answer_cost(a));
	stub_cache_free(c);
	dns_answer_unref(a);
	return 0;
}
