/* src/smtp/smtp_reply.c - SMTP replies (RFC 5321 §4.2): pure, incremental, hard-bounded parser */
#include "smtp/smtp_reply.h"
#include "util/str.h"

#include <string.h>

enum ms_status
smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *out, size_t *used,
    size_t *erroff)
{
	size_t i = 0;
	int code = -1;

	*used = 0;
	*erroff = 0;
	out->nlines = 0;
	out->textlen = 0;
	out->code = 0;
	for (;;) {
		const char *nl;
		size_t line = i, end, tlen;
		int c;

		if (i == len)
			return MS_OK;	/* need more */
		nl = memchr(buf + i, '\n', len - i);
		if (nl == NULL) {
			if (len - i >= SMTP_REPLY_LINE_MAX) {
				*erroff = i;
				return MS_ERR_LIMIT;
			}
			return MS_OK;
		}
		end = (size_t)(nl - buf);
		if (end - line + 1 > SMTP_REPLY_LINE_MAX) {
			*erroff = line;
			return MS_ERR_LIMIT;
		}
		i = end + 1;
		if (end > line && buf[end - 1] == '\r')
			end--;
		/* reply-line = Reply-code [ SP / "-" textstring ] CRLF */
		if (end - line < 3 || buf[line] < '2' || buf[line] > '5' ||
		    buf[line + 1] < '0' || buf[line + 1] > '9' ||
		    buf[line + 2] < '0' || buf[line + 2] > '9') {
			*erroff = line;
			return MS_ERR_SYNTAX;
		}
		c = (buf[line] - '0') * 100 + (buf[line + 1] - '0') * 10 + (buf[line + 2] - '0');
		if (code >= 0 && c != code) {
			*erroff = line;
			return MS_ERR_SYNTAX;
		}
		code = c;
		if (end - line > 3 && buf[line + 3] != ' ' && buf[line + 3] != '-') {
			*erroff = line + 3;
			return MS_ERR_SYNTAX;
		}
		if (out->nlines == SMTP_REPLY_LINES_MAX) {
			*erroff = line;
			return MS_ERR_LIMIT;
		}
		tlen = end - line > 4 ? end - line - 4 : 0;
		if (out->textlen + tlen + 1 > SMTP_REPLY_TEXT_MAX) {
			*erroff = line;
			return MS_ERR_LIMIT;
		}
		out->line[out->nlines++] = out->textlen;
		memcpy(out->text + out->textlen, buf + line + 4, tlen);
		/*
		 * NULs would cut the line short and control characters would reach
		 * terminals through the text report: show both as '?'.
		 */
		for (size_t k = 0; k < tlen; k++) {
			unsigned char ch = (unsigned char)out->text[out->textlen + k];

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				out->text[out->textlen + k] = '?';
		}
		out->textlen += tlen;
		out->text[out->textlen++] = '\0';
		if (end - line == 3 || buf[line + 3] == ' ') {
			out->code = code;
			*used = i;
			return MS_OK;
		}
	}
}

const char *
smtp_reply_line(const struct smtp_reply *r, size_t i)
{
	return i < r->nlines ? r->text + r->line[i] : "";
}

bool
smtp_reply_has_keyword(const struct smtp_reply *r, const char *keyword)
{
	size_t kl = strlen(keyword);

	for (size_t i = 1; i < r->nlines; i++) {
		const char *l = smtp_reply_line(r, i);

		if (str_ncasecmp(l, keyword, kl) == 0 && (l[kl] == '\0' || l[kl] == ' '))
			return true;
	}
	return false;
}

void
smtp_reply_domain(const struct smtp_reply *r, char *out, size_t outsz)
{
	const char *l = smtp_reply_line(r, 0);
	size_t n = 0;

	if (outsz == 0)
		return;
	while (l[n] && l[n] != ' ' && n + 1 < outsz)
		n++;
	memcpy(out, l, n);
	out[n] = '\0';
}
