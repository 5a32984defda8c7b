/* fuzz/fuzz_msg_addr.c - libFuzzer target: the From-header address parser */
#include <stddef.h>
#include <stdint.h>

#include "message/msg_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_addrs a;

	(void)addr_parse((const char *)data, size, &a);
	return 0;
}
