/* src/core/problems.c - bounded list of record problems ({code, byte offset, message}) for pure parsers */
#include "core/problems.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* problem_where - " (offset N)", unless the message says where already (problems.h) */
const char *
problem_where(const struct problem *p, char buf[PROBLEM_WHERE_MAX])
{
	if (strstr(p->msg, "offset ") != NULL)
		return "";
	snprintf(buf, PROBLEM_WHERE_MAX, " (offset %zu)", p->offset);
	return buf;
}

/* problem_add - append one problem, or count it as dropped when the list is full */
void
problem_add(struct problem *v, size_t cap, size_t *n, size_t *dropped, unsigned code, size_t off,
    const char *fmt, ...)
{
	struct problem *p;
	va_list ap;

	if (*n >= cap) {
		(*dropped)++;
		return;
	}
	p = &v[(*n)++];
	p->code = code;
	p->offset = off;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}
