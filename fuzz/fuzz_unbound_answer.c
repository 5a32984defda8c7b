/* fuzz/fuzz_unbound_answer.c - libFuzzer target: reply packets from a resolver into dns_answer */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/resolver_unbound.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: one byte picking the question (name and type), one byte the
 * DNSSEC verdict libunbound reports, then the reply packet as received.
 * Whatever the packet holds, the conversion must not crash, leak or read
 * out of bounds, and a failed answer must carry no records; read as a
 * validating resolver's reply (its AD bit, its Extended DNS Error), likewise.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "example.test", "a.example.test", "mail.example.test",
	    "_dmarc.example.test", "25.2.0.192.in-addr.arpa" };
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_PTR,
	    DNS_T_CNAME, DNS_T_NS, DNS_T_SOA, DNS_T_TLSA };
	struct dns_answer *a;

	if (size < 2)
		return 0;
	a = unbound_answer_from_wire(names[data[0] % 5], types[(data[0] / 5) % 9], 0, data + 2,
	    size - 2, data[1] % 3, data[1] & 0x80 ? "fuzzed reason" : NULL);
	if (dns_answer_failed_status(a->status) && a->n != 0)
		__builtin_trap();
	dns_answer_unref(a);
	/* the same packet as a validating resolver's reply: the AD bit, an Extended DNS Error */
	{
		char text[64];
		uint16_t code;

		if (dns_wire_ede(data + 2, size - 2, &code, text, sizeof(text)) &&
		    strlen(text) >= sizeof(text))
			__builtin_trap();
		a = dns_answer_from_validating_reply(names[data[0] % 5], types[(data[0] / 5) % 9],
		    data + 2, size - 2);
		if (dns_answer_failed_status(a->status) && a->n != 0)
			__builtin_trap();
		dns_answer_unref(a);
	}
	return 0;
}
