/* tests/lint/must-check/src/core/st.h - scripts/lint test tree: statuses the caller must look at */
#ifndef ST_H
#define ST_H

#include <stddef.h>

/* st_marked - a status the compiler makes the caller look at */
MS_MUST_CHECK enum ms_status st_marked(size_t n);

/* st_unmarked - a status a caller could drop without a word */
enum ms_status st_unmarked(size_t n);

/* st_split - the same, its name on the next line */
enum ms_status
st_split(size_t n);

/* st_other - another return type: not this rule's */
int st_other(size_t n);

/* st_attributed - marked by the attribute itself after the parameters */
enum ms_status st_attributed(size_t n) __attribute__((warn_unused_result));

#endif
