/* tests/lint/ownership/src/util/own.h - scripts/lint test tree: ownership in comments */
#ifndef OWN_H
#define OWN_H

#include <stddef.h>

struct thing;

/* thing_new - a new thing; the caller frees it with thing_free */
struct thing *thing_new(void);
/* thing_free - free t; NULL-safe */
void thing_free(struct thing *t);

/* thing_name - the thing's name */
const char *thing_name(const struct thing *t);

int thing_count(const struct thing *t);

/* thing_size - how many there are (no pointer: nothing to say) */
size_t thing_size(int n);

/* thing_set, thing_get - the value under key (copied in; borrowed out) */
void thing_set(struct thing *t, const char *key, int v);
int thing_get(const struct thing *t, const char *key);

/* thing_heading - a heading separated by a blank line covers nothing below */

void thing_drop(struct thing *t, const char *key);

#endif
