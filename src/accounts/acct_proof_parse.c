/* src/accounts/acct_proof_parse.c - pure parser of an ownership proof's TXT string "mailsec-verify=TOKEN" */
#include "accounts/accounts.h"

#include <string.h>

#define PROOF_TXT_MAX	4096	/* bytes of one TXT string looked at; more is an error */

/* blank - a space or a tab */
static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* lower - ASCII lower case of c */
static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * accounts_proof_parse - "mailsec-verify=TOKEN": blanks around allowed, the
 * tag in any case, TOKEN exactly ACCT_PROOF_HEX hex digits, nothing else
 * (no NUL, no second token): bytes in, a token out, no I/O
 */
enum ms_status
accounts_proof_parse(const char *txt, size_t len, char out[ACCT_PROOF_SIZE])
{
	size_t i = 0, taglen = sizeof ACCT_PROOF_TAG - 1, t = 0;

	out[0] = '\0';
	if (txt == NULL)
		return MS_ERR_SYNTAX;
	if (len > PROOF_TXT_MAX)
		return MS_ERR_LIMIT;
	while (i < len && blank(txt[i]))
		i++;
	if (len - i < taglen)
		return MS_ERR_SYNTAX;
	for (size_t k = 0; k < taglen; k++)
		if (lower(txt[i + k]) != ACCT_PROOF_TAG[k])
			return MS_ERR_SYNTAX;
	i += taglen;
	while (i < len && blank(txt[i]))
		i++;
	while (i < len && t < ACCT_PROOF_HEX) {
		char c = lower(txt[i]);

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			break;
		out[t++] = c;
		i++;
	}
	while (i < len && blank(txt[i]))
		i++;
	if (t != ACCT_PROOF_HEX || i != len) {
		out[0] = '\0';
		return MS_ERR_SYNTAX;
	}
	out[t] = '\0';
	return MS_OK;
}
