/* tests/unit/test_store_query.c - reading the store while another read of the same handle is open */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fleet/fleet.h"
#include "store/store.h"

/* One domain seen by fleet_domain_each, and what store_last_check said of it. */
struct seen {
	struct fleet *f;
	size_t n, found;
	enum ms_status st[4];
	char grade[4][8];
};

/* keep_grade - store_last_check's callback: the check's grade */
static void
keep_grade(void *arg, const struct store_check *c)
{
	char *grade = arg;

	snprintf(grade, 8, "%s", c->grade ? c->grade : "-");
}

/* each_domain - fleet_domain_each's callback: the domain's last check, read from inside it */
static void
each_domain(void *arg, const struct fleet_domain_info *d)
{
	struct seen *s = arg;

	if (s->n == 4)
		return;
	s->st[s->n] = store_last_check(fleet_store(s->f), d->domain, keep_grade, s->grade[s->n]);
	s->n++;
}

/* put - a whole check of domain with grade */
static void
put(struct store *s, const char *run, const char *domain, const char *grade, int64_t at)
{
	struct store_check c;
	enum store_put res;

	memset(&c, 0, sizeof(c));
	c.run_id = run;
	c.domain = domain;
	c.checked_at = at;
	c.profile = "generic";
	c.version = "test";
	c.grade = grade;
	c.json = "{}";
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
}

/* last_check_inside_domain_each - store_last_check works from fleet_domain_each's callback */
static void
last_check_inside_domain_each(void **state)
{
	char path[] = "/tmp/mailsec-test-store-query-XXXXXX";
	int fd = mkstemp(path);
	struct seen s;
	struct fleet *f;
	struct fleet_settings set;
	enum fleet_add res;
	char why[512];
	bool existed;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	if (fleet_open(path, &f, why, sizeof(why)) != MS_OK)
		fail_msg("fleet_open %s: %s", path, why);
	memset(&set, 0, sizeof(set));
	assert_int_equal(fleet_workspace_add(f, "ws", 1800000000, &existed), MS_OK);
	assert_int_equal(fleet_domain_add(f, "ws", "a.test", &set, 1800000000, &res), MS_OK);
	assert_int_equal(fleet_domain_add(f, "ws", "b.test", &set, 1800000000, &res), MS_OK);
	assert_int_equal(fleet_domain_add(f, "ws", "c.test", &set, 1800000000, &res), MS_OK);
	put(fleet_store(f), "run-1", "a.test", "B", 1800000100);
	put(fleet_store(f), "run-2", "a.test", "A", 1800000200);
	put(fleet_store(f), "run-2", "c.test", "F", 1800000200);
	memset(&s, 0, sizeof(s));
	s.f = f;
	assert_int_equal(fleet_domain_each(f, "ws", each_domain, &s), MS_OK);
	assert_int_equal(s.n, 3);
	for (size_t i = 0; i < 3; i++)
		if (s.st[i] != MS_OK)
			fail_msg("domain %zu: %s", i, store_error(fleet_store(f)));
	assert_string_equal(s.grade[0], "A");
	assert_string_equal(s.grade[1], "");
	assert_string_equal(s.grade[2], "F");
	fleet_close(f);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(last_check_inside_domain_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
