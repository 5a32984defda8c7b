/* src/util/sort.h - sorting that accepts what qsort does not */
#ifndef MS_UTIL_SORT_H
#define MS_UTIL_SORT_H

#include <stddef.h>

/*
 * sort_any - qsort(base, n, size, cmp) that accepts an empty, possibly NULL
 * array (qsort's base is declared nonnull).  base is borrowed and sorted in
 * place; like qsort it is not stable.
 */
void sort_any(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
