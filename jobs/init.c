/* init.c — `membership init`: create the workspace folders and the
 * database with its schema. Idempotent: run again, it changes nothing.
 * It records no business date, so it closes no books. main has already
 * made the folders, taken the lock and opened (migrated) the database;
 * what is left is to say so. */
#include <stdio.h>

#include "jobs.h"
#include "log.h"

int job_init(struct run *run)
{
	if (run->dry_run)
		log_info("dry run: the workspace would be %s", run->cfg.workspace);
	log_info("workspace ready: %s (database %s)", run->cfg.workspace, run->db_path);
	return 0;
}
