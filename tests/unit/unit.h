/* unit.h — the shared main of every Check test program: runs one suite and
 * prints "unit <name>: N passed, N failed" for tests/run to add up. */
#ifndef MEMBERSHIP_UNIT_H
#define MEMBERSHIP_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static inline int unit_run(Suite *s, const char *name)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int run = srunner_ntests_run(sr);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("unit %s: %d passed, %d failed\n", name, run - failed, failed);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define UNIT_MAIN(suite_fn, name)                                                                  \
	int main(void)                                                                             \
	{                                                                                          \
		return unit_run(suite_fn(), name);                                                 \
	}

#endif
