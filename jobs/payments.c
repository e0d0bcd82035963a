/* payments.c — `membership payments`: not built yet (see the issue tracker). It
 * exists so the command table is complete; it refuses to pretend to work. */
#include <sysexits.h>

#include "jobs.h"

int job_payments(struct run *run)
{
	error_set(&run->err, EX_SOFTWARE, "payments: not implemented yet");
	return EX_SOFTWARE;
}
