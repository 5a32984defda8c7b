/* fuzz/fuzz_proof_txt.c - libFuzzer target: the ownership proof's TXT string parser ("mailsec-verify=TOKEN") */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "accounts/accounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the bytes; a token found is exactly ACCT_PROOF_HEX lower-case hex digits */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[ACCT_PROOF_SIZE];
	enum ms_status st = accounts_proof_parse((const char *)data, size, out);

	if (st == MS_OK) {
		if (strlen(out) != ACCT_PROOF_HEX || strspn(out, "0123456789abcdef") != ACCT_PROOF_HEX)
			__builtin_trap();
	} else if (out[0] != '\0' || (st != MS_ERR_SYNTAX && st != MS_ERR_LIMIT))
		__builtin_trap();
	return 0;
}
