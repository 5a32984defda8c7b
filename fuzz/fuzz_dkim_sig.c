/* fuzz/fuzz_dkim_sig.c - libFuzzer target: the tag-list and DKIM-Signature / ARC field parser */
#include <stddef.h>
#include <stdint.h>

#include "message/dkim_sig.h"
#include "message/msg_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_sig s;
	struct tag_list tl;

	(void)tags_parse((const char *)data, size, &tl);
	for (int k = DKIM_KIND_SIG; k <= DKIM_KIND_SEAL; k++) {
		(void)dkim_sig_parse((enum dkim_kind)k, (const char *)data, size, (unsigned)k & 1u, &s);
		dkim_sig_free(&s);
	}
	return 0;
}
