/* fault.c — numbered fault points for crash tests (test builds only). */
#include "fault.h"

#ifdef MEMBERSHIP_FAULTS
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static long armed_at;
static _Atomic long reached; /* report's file-writing thread counts too */

void fault_arm(long n)
{
	armed_at = n;
	reached = 0;
}

void fault_point(const char *what)
{
	if (armed_at <= 0)
		return;
	if (++reached == armed_at) {
		fprintf(stderr, "membership: fault point %ld (%s): killing myself\n", reached, what);
		kill(getpid(), SIGKILL);
	}
}
#else
typedef int fault_unused_translation_unit;
#endif
