/* fuzz/fuzz_parked.c - libFuzzer target: parked record judgements, TXT presentation, NS name helpers (names a record refers to) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ns/ns_names.h"
#include "checks/parked/parked_records.h"
#include "dns/dns.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * LLVMFuzzerTestOneInput - the bytes as a TXT string for every judgement, as
 * TXT RDATA for the zone-file presentation, and (NUL-terminated) as an MX
 * host for the names between it and a domain.  Nothing may crash or read out
 * of bounds whatever the bytes.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why;
	struct arena ar;
	struct dns_rr rr;
	const char *names[16];
	size_t n;
	char *host;

	(void)parked_is_spf(s, size);
	(void)parked_spf_is_fail_all(s, size);
	(void)parked_is_dmarc(s, size);
	(void)parked_dmarc_rejects(s, size, &why);
	(void)parked_dkim_is_empty(s, size, &why);

	arena_init(&ar);
	{
		const char *refs[32];

		(void)ns_names_in_record(&ar, "example.org", s, size, refs, 32, &n);
	}
	memset(&rr, 0, sizeof(rr));
	if (dns_rdata_parse(DNS_T_TXT, data, size, &rr) == MS_OK) {
		(void)txt_rdata_zone(&ar, &rr);
		dns_rr_clear(&rr);
	}
	host = malloc(size + 1);
	if (host) {
		memcpy(host, data, size);
		host[size] = '\0';
		(void)ns_names_between(&ar, "example.org", host, names, 16, &n);
		(void)ns_parent(host);
		free(host);
	}
	arena_free(&ar);
	return 0;
}
