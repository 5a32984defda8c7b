/* fuzz/fuzz_msg_canon.c - libFuzzer target: the header splitter and DKIM header/body canonicalisation */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "message/msg_canon.h"
#include "message/msg_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *crlf = NULL;
	size_t n = 0;
	struct msg m;

	if (msg_crlf((const char *)data, size, &crlf, &n) != MS_OK)
		return 0;
	if (msg_split(crlf, n, &m) == MS_OK) {
		for (int c = DKIM_C_SIMPLE; c <= DKIM_C_RELAXED; c++) {
			struct buf b;

			buf_init(&b, 1u << 20);
			for (size_t i = 0; i < m.nfields; i++)
				(void)canon_header(&b, (enum dkim_canon)c, m.fields[i].raw,
				    m.fields[i].raw_len, 1);
			buf_reset(&b);
			(void)canon_body(&b, (enum dkim_canon)c, m.body ? m.body : "", m.body_len);
			buf_free(&b);
		}
		for (size_t i = 0; i < m.nfields; i++) {
			size_t l;

			free(msg_unfold(&m.fields[i], &l));
		}
		msg_free(&m);
	}
	/* the raw bytes as a body too (bare CR and LF included) */
	{
		struct buf b;

		buf_init(&b, 1u << 20);
		(void)canon_body(&b, DKIM_C_RELAXED, (const char *)data, size);
		buf_free(&b);
	}
	free(crlf);
	return 0;
}
