/* fuzz/fuzz_spf_macro.c - libFuzzer target: SPF macro expansion (the libspf2 CVE surface) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/spf_parse.h"
#include "util/buf.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * LLVMFuzzerTestOneInput - input is MACRO-STRING [NUL LOCAL-PART [NUL DOMAIN]]:
 * the fuzzer controls both the macros and the values they expand.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size + 3), *local, *domain;
	struct spf_macro_ctx c;
	struct buf out;
	size_t mlen;

	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = copy[size + 2] = '\0';
	mlen = strlen(copy);
	local = copy + mlen + 1 <= copy + size ? copy + mlen + 1 : copy + size;
	domain = local + strlen(local) + 1 <= copy + size + 1 ? local + strlen(local) + 1 :
	    copy + size + 1;
	memset(&c, 0, sizeof(c));
	c.local = *local ? local : "strong-bad";
	c.domain = *domain ? domain : "email.example.com";
	c.sender = c.local;
	c.sender_domain = c.domain;
	c.helo = c.domain;
	if (ipaddr_parse(size & 1 ? "2001:db8::cb01" : "192.0.2.3", &c.ip) != MS_OK)
		__builtin_trap();	/* constants */
	buf_init(&out, 1u << 20);
	if (spf_macro_expand(copy, mlen, &c, size & 2, &out) == MS_OK) {
		char *d = xstrdup(buf_cstr(&out));

		if (out.len > SPF_EXPAND_MAX)
			__builtin_trap();
		/* Truncation either fits the name in 253 bytes or says it cannot. */
		if (spf_domain_truncate(d) && strlen(d) > SPF_DOMAIN_MAX)
			__builtin_trap();
		free(d);
	}
	buf_free(&out);
	free(copy);
	return 0;
}
