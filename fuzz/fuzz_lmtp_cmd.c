/* fuzz/fuzz_lmtp_cmd.c - libFuzzer target: LMTP command lines and the DATA section, as a stream */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lmtp/lmtp_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * LLVMFuzzerTestOneInput - the input as a server reads it: lines are
 * commands until one is DATA, then bytes go through the dot-unstuffer (into
 * a 4 KiB buffer, so the size cap is exercised) until the final ".", then
 * commands again
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t off = 0;
	bool in_data = false;
	struct lmtp_data d;
	struct buf out;

	buf_init(&out, 4096);
	while (off < size) {
		if (in_data) {
			size_t used = 0;
			bool done = lmtp_data_feed(&d, p + off, size - off, &out, &used);

			if (used > size - off || (!done && used != size - off) || out.len > 4096)
				__builtin_trap();
			off += used;
			if (done) {
				in_data = false;
				buf_reset(&out);
			}
			continue;
		}
		{
			const char *nl = memchr(p + off, '\n', size - off);
			size_t len = nl ? (size_t)(nl - (p + off)) : size - off;
			struct lmtp_cmd cmd;
			struct lmtp_cmd_error err;
			size_t l = len && p[off + len - 1] == '\r' ? len - 1 : len;

			if (lmtp_cmd_parse(p + off, l, &cmd, &err) == MS_OK) {
				if (strlen(cmd.arg) > LMTP_PATH_MAX)
					__builtin_trap();
				if (cmd.verb == LMTP_DATA) {
					in_data = true;
					lmtp_data_init(&d);
				}
			} else if (err.offset > l || err.code < 500 || err.code > 555 || err.why == NULL) {
				__builtin_trap();
			}
			off += nl ? len + 1 : len;
		}
	}
	buf_free(&out);
	return 0;
}
