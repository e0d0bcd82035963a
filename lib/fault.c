/* fault.c — numbered fault points for crash tests (test builds only). */
#include "fault.h"

#ifdef MEMBERSHIP_FAULTS
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fsx.h"

static long armed_at;
static _Atomic long reached; /* report's file-writing thread counts too */

void fault_arm(long n)
{
	armed_at = n;
	reached = 0;
	/* Power loss (RELIABILITY J1): fsx records its steps, and the fault
	 * point undoes those not yet durable before dying. Test builds only. */
	fsx_powerloss_record(n > 0 && getenv("MEMBERSHIP_POWERLOSS") != NULL);
}

void fault_point(const char *what)
{
	if (armed_at <= 0)
		return;
	if (++reached == armed_at) {
		fsx_powerloss();
		fprintf(stderr, "membership: fault point %ld (%s): killing myself\n", reached, what);
		kill(getpid(), SIGKILL);
	}
}
#else
typedef int fault_unused_translation_unit;
#endif
