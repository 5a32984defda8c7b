/* fuzz/fuzz_tlsrpt_record.c - libFuzzer target: the TLS-RPT record parser and its findings */
#include <stddef.h>
#include <stdint.h>

#include "checks/tlsrpt/check_tlsrpt.h"
#include "checks/tlsrpt/tlsrpt_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_record r;
	struct finding_list l;

	if (tlsrpt_record_parse((const char *)data, size, &r) != MS_OK)
		return 0;	/* MS_ERR_ARG: data NULL, r not filled */
	findings_init(&l);
	tlsrpt_record_report(&l, "_smtp._tls.example", (const char *)data, size, &r);
	findings_free(&l);
	return 0;
}
