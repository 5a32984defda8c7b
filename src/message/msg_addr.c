/* src/message/msg_addr.c - the addresses of a From (or Sender) field: RFC 5322 §3.4 mailbox-list */
#include "message/msg_addr.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* skip_comment - past the (nested) comment opening at s[p]; len when unterminated */
static size_t
skip_comment(const char *s, size_t len, size_t p)
{
	int depth = 0;

	for (; p < len; p++) {
		if (s[p] == '\\' && p + 1 < len)
			p++;
		else if (s[p] == '(')
			depth++;
		else if (s[p] == ')' && --depth == 0)
			return p + 1;
	}
	return len;
}

/* skip_quoted - past the quoted string opening at s[p]; len when unterminated */
static size_t
skip_quoted(const char *s, size_t len, size_t p)
{
	for (p++; p < len; p++) {
		if (s[p] == '\\' && p + 1 < len)
			p++;
		else if (s[p] == '"')
			return p + 1;
	}
	return len;
}

/* add_spec - record the addr-spec s[a..b) (comments removed, routes dropped) */
static void
add_spec(const char *s, size_t a, size_t b, struct msg_addrs *out)
{
	char tmp[ADDR_LEN_MAX];
	size_t n = 0, at = SIZE_MAX, i;
	struct msg_addr *m;

	for (i = a; i < b; i++) {
		if (s[i] == '(') {
			i = skip_comment(s, b, i) - 1;
			continue;
		}
		if (s[i] == '"') {
			size_t e = skip_quoted(s, b, i);

			for (size_t k = i; k < e && n + 1 < sizeof(tmp); k++)
				tmp[n++] = s[k];
			i = e - 1;	/* past the string even when tmp is full */
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == ':' && n > 0 && tmp[0] == '@') {
			n = 0;	/* obs-route "@a,@b:" */
			continue;
		}
		if (n + 1 < sizeof(tmp))
			tmp[n++] = s[i];
	}
	tmp[n] = '\0';
	if (n == 0)
		return;
	if (out->n == ADDR_MAX) {
		out->bad++;
		out->why = "too many addresses";
		return;
	}
	m = &out->v[out->n++];
	memcpy(m->addr, tmp, n + 1);
	m->domain[0] = '\0';
	for (i = 0; i < n; i++) {
		if (tmp[i] == '"')
			i = skip_quoted(tmp, n, i) - 1;
		else if (tmp[i] == '@')
			at = i;
	}
	if (at == SIZE_MAX || at == 0 || at + 1 >= n || tmp[at + 1] == '[') {
		out->bad++;
		if (!out->why)
			out->why = at == SIZE_MAX ? "a mailbox without an address" :
			    "a mailbox without a usable domain";
		return;
	}
	{
		size_t dn = n - at - 1, k;
		bool ok = dn < sizeof(m->domain);

		for (k = 0; ok && k < dn; k++) {
			char c = tmp[at + 1 + k];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '.' || c == '_' || (unsigned char)c >= 0x80))
				ok = false;
			m->domain[k] = c;
		}
		if (ok) {
			m->domain[dn] = '\0';
			if (dn > 0 && m->domain[dn - 1] == '.')
				m->domain[dn - 1] = '\0';
			if (m->domain[0] == '.' || m->domain[0] == '\0' || strstr(m->domain, ".."))
				ok = false;
		}
		if (!ok) {
			m->domain[0] = '\0';
			out->bad++;
			if (!out->why)
				out->why = "a mailbox whose domain is not a domain name";
		}
	}
}

/* add_mailbox - one mailbox s[a..b): name-addr (the part in <>) or addr-spec */
static void
add_mailbox(const char *s, size_t a, size_t b, struct msg_addrs *out)
{
	size_t i, lt = SIZE_MAX, gt = SIZE_MAX;
	bool content = false;

	for (i = a; i < b; i++) {
		if (s[i] == '(') {
			i = skip_comment(s, b, i) - 1;
		} else if (s[i] == '"') {
			i = skip_quoted(s, b, i) - 1;
			content = true;
		} else if (s[i] == '<' && lt == SIZE_MAX) {
			lt = i;
		} else if (s[i] == '>' && lt != SIZE_MAX && gt == SIZE_MAX) {
			gt = i;
		} else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
			content = true;
		}
	}
	if (lt != SIZE_MAX) {
		add_spec(s, lt + 1, gt == SIZE_MAX ? b : gt, out);
		return;
	}
	if (!content)
		return;
	{
		size_t before = out->n;

		add_spec(s, a, b, out);
		if (out->n == before) {
			out->bad++;
			if (!out->why)
				out->why = "a mailbox without an address";
		}
	}
}

/* addr_parse - see msg_addr.h */
enum ms_status
addr_parse(const char *value, size_t len, struct msg_addrs *out)
{
	size_t i, start = 0;
	int angle = 0;

	memset(out, 0, sizeof(*out));
	if (len > ADDR_FIELD_MAX) {
		out->why = "the field is too long";
		return MS_ERR_LIMIT;
	}
	for (i = 0; i <= len; i++) {
		char c = i < len ? value[i] : ',';

		if (i < len && c == '(') {
			i = skip_comment(value, len, i) - 1;
		} else if (i < len && c == '"') {
			i = skip_quoted(value, len, i) - 1;
		} else if (c == '<') {
			angle = 1;
		} else if (c == '>') {
			angle = 0;
		} else if (c == ':' && !angle) {
			start = i + 1;		/* a group's display name */
		} else if ((c == ',' || c == ';') && !angle) {
			add_mailbox(value, start, i, out);
			start = i + 1;
		}
	}
	if (out->n == 0 && out->bad == 0) {
		out->why = "no address";
		return MS_ERR_SYNTAX;
	}
	if (out->n >= ADDR_MAX && out->why && strcmp(out->why, "too many addresses") == 0)
		return MS_ERR_LIMIT;
	return out->bad ? MS_ERR_SYNTAX : MS_OK;
}
