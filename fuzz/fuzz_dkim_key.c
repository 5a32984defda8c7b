/* fuzz/fuzz_dkim_key.c - libFuzzer target: the DKIM key record parser and its findings */
#include <stddef.h>
#include <stdint.h>

#include "checks/dkim/check_dkim.h"
#include "checks/dkim/dkim_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_key k;
	struct finding_list l;

	if (dkim_key_parse((const char *)data, size, &k) != MS_OK)
		return 0;	/* MS_ERR_ARG: data NULL, k not filled */
	findings_init(&l);
	dkim_key_report(&l, "s._domainkey.example", (const char *)data, size, &k, NULL);
	findings_free(&l);
	return 0;
}
