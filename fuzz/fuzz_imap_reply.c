/* fuzz/fuzz_imap_reply.c - libFuzzer target: the IMAP reply parser (SEARCH, status responses, literals) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imap/imap_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the bytes with small bounds; the result must hold together */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_reply_limits lim = { 64, 64, 4096 };
	struct imap_reply r;
	struct imap_error e;
	enum ms_status st;

	st = imap_reply_parse((const char *)data, size, &lim, &r, &e);
	if (st == MS_OK) {
		if (r.nnumbers > lim.numbers_max || r.lines > lim.lines_max ||
		    strlen(r.tagged_text) >= sizeof(r.tagged_text))
			__builtin_trap();
		for (size_t i = 0; i < r.nnumbers; i++)
			if (r.numbers[i] == 0)
				__builtin_trap();
	} else if (e.offset > size || e.why[0] == '\0')
		__builtin_trap();
	imap_reply_free(&r);
	return 0;
}
