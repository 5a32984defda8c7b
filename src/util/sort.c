/* src/util/sort.c - sorting that accepts what qsort does not */
#include "util/sort.h"

#include <stdlib.h>

void
sort_any(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}
