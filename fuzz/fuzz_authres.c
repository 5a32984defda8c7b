/* fuzz/fuzz_authres.c - libFuzzer target: the Authentication-Results parser (every mode) and writer */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "message/authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { AR_STRICT, AR_INTL, AR_TOLERANT | AR_INTL, AR_RELAXED };
	struct ar_header *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return 0;
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (ar_parse((const char *)data, size, modes[m], h) == MS_OK)
			free(ar_format(h->authserv_id, h->res, h->n));
		ar_header_free(h);
	}
	free(h);
	return 0;
}
