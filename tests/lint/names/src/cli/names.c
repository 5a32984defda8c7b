/* tests/lint/names/src/cli/names.c - scripts/lint test tree: comments above definitions */
#include "cli/names.h"

/* helper_old - the definition's comment names another function */
static int
helper(int x)
{
	return x + 1;
}

/* good_one - named */
int
good_one(int x)
{
	return helper(x);
}

int
good_two(int x)
{
	return x;	/* a trailing comment */
}

/* renamed - right here, wrong in the header */
int
renamed(int x)
{
	struct { int a; } s = { x };

	return s.a;
}

/* step - a forward declaration whose comment belongs to it */
static void step(void);

/* not_step - a forward declaration with another function's comment */
static void other_step(void);

static void
step(void)
{
	other_step();
}

static void
other_step(void)
{
}
