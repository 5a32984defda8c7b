/* fuzz/fuzz_smtp_reply.c - libFuzzer target: the SMTP reply parser, fed as a stream of replies */
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse replies until the input is used up or rejected */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtp_reply r;
	size_t off = 0, used, erroff;
	char dom[256];

	while (off < size) {
		if (smtp_reply_parse((const char *)data + off, size - off, &r, &used, &erroff) != MS_OK)
			break;
		if (used == 0)
			break;
		if (used > size - off)
			__builtin_trap();
		(void)smtp_reply_has_keyword(&r, "STARTTLS");
		smtp_reply_domain(&r, dom, sizeof(dom));
		off += used;
	}
	return 0;
}
