/* fuzz/fuzz_arc_parse.c - libFuzzer target: ARC set collection and the seal hash input over a whole message */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "message/arc_parse.h"
#include "message/msg_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *crlf = NULL;
	size_t n = 0;
	struct msg m;
	struct arc_chain *c;

	(void)arc_aar_instance((const char *)data, size, &n);
	if (msg_crlf((const char *)data, size, &crlf, &n) != MS_OK)
		return 0;
	if (msg_split(crlf, n, &m) != MS_OK) {
		free(crlf);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c && arc_collect(&m, c) == MS_OK && c->state == ARC_STATE_OK) {
		for (unsigned i = 1; i <= c->n; i++) {
			struct buf b;

			buf_init(&b, 1u << 20);
			(void)arc_seal_input(&m, c, i, &b);
			buf_free(&b);
		}
	}
	if (c)
		arc_chain_free(c);
	free(c);
	msg_free(&m);
	free(crlf);
	return 0;
}
