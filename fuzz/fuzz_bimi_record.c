/* fuzz/fuzz_bimi_record.c - libFuzzer target: the BIMI record parser and the minimal DMARC read */
#include <stddef.h>
#include <stdint.h>

#include "checks/bimi/bimi_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bimi_record r;
	struct bimi_dmarc d;
	const char *why;

	if (bimi_record_parse((const char *)data, size, &r) != MS_OK)
		return 0;	/* MS_ERR_ARG: data NULL, r not filled */
	bimi_dmarc_read((const char *)data, size, &d);
	(void)bimi_dmarc_enforced(&d, &why);
	return 0;
}
