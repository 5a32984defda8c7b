/* tests/lint/names/src/cli/names.h - scripts/lint test tree: comments above prototypes */
#ifndef NAMES_H
#define NAMES_H

#include <stddef.h>

/* good_one - named by its own comment */
int good_one(int x);
int good_two(int x);	/* no comment standing above it: not checked */

/* wrong_name - a comment left behind when the function was renamed */
int renamed(int x);

/*
 * listed_a, listed_b - one comment for two functions, both named
 */
void listed_a(void);
void listed_b(void);

/* Section heading: a group comment directly above a prototype */
size_t grouped(size_t n);

/* Section heading separated by a blank line is not the function's comment */

size_t separated(size_t n);

/* attributed - the attribute after the parameters is not part of the name */
int attributed(int x) __attribute__((warn_unused_result));

#endif
