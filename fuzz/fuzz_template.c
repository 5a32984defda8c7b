/* fuzz/fuzz_template.c - libFuzzer target: the page template parser and renderer on arbitrary bytes */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "output/template.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* self_lookup - every partial is the template itself, so recursion meets its bound */
static const struct tmpl *
self_lookup(void *arg, const char *name)
{
	(void)name;
	return arg;
}

/*
 * LLVMFuzzerTestOneInput - the bytes up to the first NUL are a template, the
 * rest JSON data; parse both, render into a bounded buffer; nothing may crash
 * or leak
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	struct tmpl *t;
	json_t *j = NULL;
	char why[160];
	struct buf b;

	if (tmpl_parse("fuzz", (const char *)data, tlen, &t, why, sizeof(why)) != MS_OK)
		return 0;
	if (nul != NULL)
		j = json_loadb((const char *)nul + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
	buf_init(&b, 64 * 1024);
	(void)tmpl_render(t, j, self_lookup, t, &b);
	buf_free(&b);
	json_decref(j);
	tmpl_free(t);
	return 0;
}
