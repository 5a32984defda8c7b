/* fuzz/fuzz_received.c - libFuzzer target: the trusted Received field's reader (mailin/received) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mailin/received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - read the input as one unfolded Received value by mx.receiver.test */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct received_info r;
	enum ms_status st = received_parse((const char *)data, size, "mx.receiver.test", &r);

	if (st != MS_OK && st != MS_ERR_LIMIT)
		__builtin_trap();
	if (strlen(r.helo) >= sizeof(r.helo) || strlen(r.ip) >= sizeof(r.ip) ||
	    strlen(r.protocol) >= sizeof(r.protocol) || strlen(r.cipher) >= sizeof(r.cipher) ||
	    (!r.by_match && (r.tls || r.helo[0])))
		__builtin_trap();
	return 0;
}
