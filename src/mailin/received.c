/* src/mailin/received.c - the TLS session a receiving Postfix recorded in its Received field */
#include "mailin/received.h"
#include "util/str.h"

#include <string.h>

/* is_ws - white space of an unfolded header value */
static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* token - the run of bytes at v[*i..n) up to white space or one of stop, into out (cut to size) */
static void
token(const char *v, size_t n, size_t *i, const char *stop, char *out, size_t size)
{
	size_t o = 0;

	while (*i < n && !is_ws(v[*i]) && strchr(stop, v[*i]) == NULL) {
		unsigned char c = (unsigned char)v[*i];

		if (o + 1 < size)
			out[o++] = c >= 33 && c <= 126 ? (char)c : '?';
		(*i)++;
	}
	out[o] = '\0';
}

/* word_at - whether v[i..n) holds word (no case) followed by white space or the end */
static bool
word_at(const char *v, size_t n, size_t i, const char *word)
{
	size_t w = strlen(word);

	if (n - i < w)
		return false;
	for (size_t k = 0; k < w; k++) {
		char a = v[i + k], b = word[k];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return false;
	}
	return i + w == n || is_ws(v[i + w]) || v[i + w] == '(' || v[i + w] == ';';
}

/* skip_ws - past white space */
static void
skip_ws(const char *v, size_t n, size_t *i)
{
	while (*i < n && is_ws(v[*i]))
		(*i)++;
}

/* skip_comment - past a comment at v[*i] == '(' (nested, with quoted pairs) */
static void
skip_comment(const char *v, size_t n, size_t *i)
{
	int depth = 0;

	for (; *i < n; (*i)++) {
		if (v[*i] == '\\' && *i + 1 < n) {
			(*i)++;
			continue;
		}
		if (v[*i] == '(')
			depth++;
		else if (v[*i] == ')' && --depth == 0) {
			(*i)++;
			return;
		}
	}
}

/* using_comment - "(using PROTO with cipher CIPHER ...)" at v[s..e): fill out */
static void
using_comment(const char *v, size_t s, size_t e, struct received_info *out)
{
	size_t i = s + 1;

	skip_ws(v, e, &i);
	if (!word_at(v, e, i, "using"))
		return;
	i += 5;
	skip_ws(v, e, &i);
	token(v, e, &i, "()", out->protocol, sizeof(out->protocol));
	skip_ws(v, e, &i);
	if (!word_at(v, e, i, "with"))
		return;
	i += 4;
	skip_ws(v, e, &i);
	if (!word_at(v, e, i, "cipher"))
		return;
	i += 6;
	skip_ws(v, e, &i);
	token(v, e, &i, "()", out->cipher, sizeof(out->cipher));
	out->tls = out->protocol[0] != '\0' && out->cipher[0] != '\0';
}

/* from_comment - "(RDNS [IP])" after from: the address in [] (IPv6: prefix dropped) */
static void
from_comment(const char *v, size_t s, size_t e, struct received_info *out)
{
	const char *lb = memchr(v + s, '[', e - s), *rb;
	size_t len;

	if (lb == NULL || (rb = memchr(lb, ']', (size_t)(v + e - lb))) == NULL)
		return;
	lb++;
	if ((size_t)(rb - lb) >= 5 && str_ncasecmp(lb, "IPv6:", 5) == 0)
		lb += 5;
	len = (size_t)(rb - lb);
	if (len == 0 || len >= sizeof(out->ip))
		return;
	memcpy(out->ip, lb, len);
	out->ip[len] = '\0';
	for (size_t k = 0; k < len; k++)
		if (!((out->ip[k] >= '0' && out->ip[k] <= '9') || (out->ip[k] >= 'a' && out->ip[k] <= 'f') ||
		    (out->ip[k] >= 'A' && out->ip[k] <= 'F') || out->ip[k] == '.' || out->ip[k] == ':')) {
			out->ip[0] = '\0';
			return;
		}
}

/* name_is - whether name (from the field) is by, without case, a final dot ignored */
static bool
name_is(const char *name, const char *by)
{
	size_t a = strlen(name), b = strlen(by);

	if (a && name[a - 1] == '.')
		a--;
	if (b && by[b - 1] == '.')
		b--;
	return a == b && a > 0 && str_ncasecmp(name, by, a) == 0;
}

enum ms_status
received_parse(const char *v, size_t n, const char *by, struct received_info *out)
{
	struct received_info r;
	size_t i = 0;
	bool from_seen = false;

	memset(out, 0, sizeof(*out));
	if (n > RECEIVED_MAX)
		return MS_ERR_LIMIT;
	memset(&r, 0, sizeof(r));
	/* clauses (RFC 5321 §4.4): from, by, via, with, id, for, each maybe followed by comments */
	while (i < n && v[i] != ';') {
		skip_ws(v, n, &i);
		if (i >= n || v[i] == ';')
			break;
		if (v[i] == '(') {
			size_t s = i;

			skip_comment(v, n, &i);
			if (!r.by_match && from_seen) {
				if (r.ip[0] == '\0' && !r.tls)
					from_comment(v, s, i, &r);
				if (!r.tls)
					using_comment(v, s, i, &r);
			}
			continue;
		}
		if (word_at(v, n, i, "from") && !from_seen && !r.by_match) {
			i += 4;
			skip_ws(v, n, &i);
			/* the client's own word: only white space ends it (Postfix keeps it one word) */
			token(v, n, &i, "", r.helo, sizeof(r.helo));
			from_seen = true;
			continue;
		}
		if (word_at(v, n, i, "by")) {
			char name[256];

			i += 2;
			skip_ws(v, n, &i);
			token(v, n, &i, "(;", name, sizeof(name));
			if (!name_is(name, by))
				return MS_OK;	/* someone else's field: nothing in it is believed */
			r.by_match = true;
			continue;
		}
		if (word_at(v, n, i, "with") && r.by_match) {
			i += 4;
			skip_ws(v, n, &i);
			token(v, n, &i, "(;", r.with, sizeof(r.with));
			continue;
		}
		/* any other word (via, id, for and their values): skipped */
		while (i < n && !is_ws(v[i]) && v[i] != '(' && v[i] != ';')
			i++;
	}
	if (r.by_match)
		*out = r;
	return MS_OK;
}
