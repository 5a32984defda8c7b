/* fuzz/fuzz_dns_rdata.c - libFuzzer target: RDATA and wire-name parsing must never misbehave */
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {
		DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_NS, DNS_T_CNAME, DNS_T_PTR,
		DNS_T_TXT, DNS_T_SPF, DNS_T_TLSA, DNS_T_SOA, 999
	};
	char name[DNS_NAME_MAX];
	size_t used;
	struct dns_answer *a;

	if (size < 1)
		return 0;
	/* First byte picks the type; the rest is RDATA. */
	a = dns_answer_new("fuzz.example", types[data[0] % (sizeof(types) / sizeof(types[0]))]);
	/* refused RDATA adds nothing; accepted RDATA adds one record */
	if ((dns_answer_add_wire(a, a->qtype, 300, data + 1, size - 1) == MS_OK) != (a->n == 1))
		__builtin_trap();
	dns_answer_unref(a);
	if (dns_name_from_wire(data, size, name, &used) == MS_OK && (used == 0 || used > size))
		__builtin_trap();	/* a name read is never empty and never past the end */
	return 0;
}
