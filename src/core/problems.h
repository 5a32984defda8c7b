/* src/core/problems.h - bounded list of record problems ({code, byte offset, message}) for pure parsers */
#ifndef MS_CORE_PROBLEMS_H
#define MS_CORE_PROBLEMS_H

#include <stddef.h>

#define PROBLEM_MSG_MAX	200

/* One thing wrong with a parsed record. */
struct problem {
	unsigned int code;		/* the parser's own problem enum (values from 0) */
	size_t	 offset;		/* byte offset into the record as published */
	char	 msg[PROBLEM_MSG_MAX];	/* truncated to fit */
};

/*
 * PROBLEM_LIST(max) - the members of a bounded problem list, declared inside a
 * parse result: nproblems entries kept in problems[max], and dropped counting
 * those that did not fit.  No allocation: the result stays plain data.
 */
#define PROBLEM_LIST(max)				\
	size_t		 nproblems;			\
	size_t		 dropped;			\
	struct problem	 problems[max]

/*
 * problem_add - append {code, off, printf(fmt, ...)} to v[cap] holding *n
 * entries; when full, only ++*dropped.  Never fails.  v, n and dropped are
 * the caller's; the message is copied into the entry.
 */
void problem_add(struct problem *v, size_t cap, size_t *n, size_t *dropped, unsigned code,
    size_t off, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#define PROBLEM_WHERE_MAX	32

/*
 * problem_where - " (offset N)" to follow p's message in a finding, written to
 * buf; "" when the message already says where ("at offset 12"), so no offset
 * is printed twice.  Returns buf (the caller's) or "" (static).
 */
const char *problem_where(const struct problem *p, char buf[PROBLEM_WHERE_MAX]);

/* PROBLEM_ADD(rec, code, off, fmt, ...) - problem_add on the PROBLEM_LIST of *rec */
#define PROBLEM_ADD(rec, code, off, ...)					\
	problem_add((rec)->problems, sizeof((rec)->problems) / sizeof((rec)->problems[0]), \
	    &(rec)->nproblems, &(rec)->dropped, (unsigned)(code), (off), __VA_ARGS__)

#endif
