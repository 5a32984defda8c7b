/* fuzz/fuzz_spf_eval.c - libFuzzer target: check_host() over a hostile record, through the replay resolver */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "policy/spf_eval.h"
#include "dns/resolver_replay.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small world for the fuzzed record to reach: includes, MX, A, PTR, an exp. */
static const char world[] =
    "inc.example.test. TXT \"v=spf1 ip4:192.0.2.0/24 include:example.test ?all\"\n"
    "example.test. MX 10 mx.example.test.\n"
    "mx.example.test. A 192.0.2.25\n"
    "mx.example.test. AAAA 2001:db8::25\n"
    "example.test. A 192.0.2.1\n"
    "25.2.0.192.in-addr.arpa. PTR mx.example.test.\n"
    "exp.example.test. TXT \"%{i} is not allowed for %{d}: see %{r} at %{t} %{c} %{p}\"\n"
    "slow.example.test. * TIMEOUT\n"
    "bad.example.test. TXT SERVFAIL\n"
    "*.wild.example.test. A 127.0.0.2\n";

static void
done(struct spf_eval *ev, const struct spf_outcome *out, void *arg)
{
	int *left = arg;

	if (out->result > SPF_PERMERROR)
		__builtin_trap();
	(*left)--;
	spf_eval_free(ev);
}

/* LLVMFuzzerTestOneInput - the input is example.test's TXT record (split in 255-byte strings) */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = { "192.0.2.25", "2001:db8::25", "::ffff:192.0.2.1" };
	struct event_base *base;
	struct replay_data *d;
	struct resolver *res;
	struct buf wire;
	char *err = NULL;
	int left = 0;

	if (size > 4000)
		return 0;
	d = replay_data_new();
	if (replay_data_load_text(d, world, &err) != MS_OK)
		__builtin_trap();
	buf_init(&wire, 8192);
	for (size_t i = 0; i < size || i == 0; i += 255) {
		size_t n = size - i > 255 ? 255 : size - i;

		/* at most 4000 bytes and 16 length bytes: 8192 holds them */
		if (buf_putc(&wire, (int)n) != MS_OK || buf_append(&wire, data + i, n) != MS_OK)
			__builtin_trap();
		if (size == 0)
			break;
	}
	if (replay_data_add(d, "example.test", DNS_T_TXT, 300, (const uint8_t *)wire.data,
	    wire.len) != MS_OK)
		__builtin_trap();	/* length-prefixed strings are always valid TXT RDATA */
	buf_free(&wire);
	base = event_base_new();
	res = resolver_replay_new(base, d, 5);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		struct spf_request req;

		memset(&req, 0, sizeof(req));
		if (ipaddr_parse(ips[i], &req.ip) != MS_OK)
			__builtin_trap();	/* constants */
		req.sender = "strong-bad@example.test";
		req.helo = "mx.example.test";
		req.trace = i == 0;
		left++;
		spf_eval_start(res, &req, done, &left);
	}
	event_base_dispatch(base);
	if (left != 0)
		__builtin_trap();
	resolver_free(res);
	event_base_free(base);
	replay_data_free(d);
	free(err);
	return 0;
}
