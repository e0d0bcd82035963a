/* report_folder.c — the folder of `membership report`: what killed runs
 * left in reports/ is cleaned up before a run, and the finished hidden
 * folder is swapped with reports/<D> in one rename, so a reader sees a
 * whole old report or a whole new one (SPEC §6).
 * Not for: the files inside (report.c, report_summary.c). */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "dates.h"
#include "fault.h"
#include "fsx.h"
#include "log.h"
#include "report.h"

/* ".YYYY-MM-DD.tmp-<pid>" or ".YYYY-MM-DD.old-<pid>": 't' or 'o' and the
 * date, else 0. */
static int leftover_kind(const char *n, int32_t *day)
{
	size_t len = strlen(n);
	if (len < 1 + DATE_TEXT_LEN + 6 || n[0] != '.' ||
	    dates_parse(n + 1, DATE_TEXT_LEN, day) < 0)
		return 0;
	const char *p = n + 1 + DATE_TEXT_LEN;
	int kind;
	if (strncmp(p, ".tmp-", 5) == 0)
		kind = 't';
	else if (strncmp(p, ".old-", 5) == 0)
		kind = 'o';
	else
		return 0;
	for (p += 5; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return kind;
}

/* Leftovers of killed runs: a .tmp folder is a report never swapped in (or,
 * after the swap, the old one): remove it. A .old folder is the previous
 * report set aside by the fallback swap: remove it, or, when the crash came
 * before the new one was in place, put it back, so that readers have the
 * last whole report until this or a later run replaces it. The workspace
 * lock means no other report job is writing them. */
int report_folder_clean(const char *reports, int dry_run, struct error *err)
{
	DIR *d = opendir(reports);
	if (d == NULL)
		return error_set(err, EX_CANTCREAT, "%s: %s", reports, strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int32_t day;
		int kind = leftover_kind(de->d_name, &day);
		if (kind == 0)
			continue;
		char *p = fsx_join(reports, de->d_name);
		char dname[DATE_TEXT_LEN + 1];
		dates_format(day, dname);
		char *target = fsx_join(reports, dname);
		struct stat sb;
		if (p == NULL || target == NULL) {
			free(p);
			free(target);
			closedir(d);
			return error_set(err, EX_SOFTWARE, "out of memory");
		}
		if (dry_run) {
			log_info("dry run: would remove %s (left by a killed run)", p);
		} else if (kind == 'o' && lstat(target, &sb) < 0 && errno == ENOENT &&
			   rename(p, target) == 0) {
			log_warn("report: put back %s: a run was killed while replacing it",
				 target);
		} else if (fsx_remove_tree(p) < 0) {
			log_warn("report: could not remove %s: %s", p, strerror(errno));
		} else {
			log_info("report: removed %s (left by a killed run)", p);
		}
		free(p);
		free(target);
	}
	closedir(d);
	return 0;
}

/* Swap the finished folder into reports/<D>. With RENAME_EXCHANGE the old
 * folder and the new trade places in one step, and the old one is then
 * removed under the temporary name; without it (other file systems), the
 * old one is renamed aside first. */
int report_folder_swap(const char *reports, const char *dstr, char **tmpdir, int *tmp_gone,
		       struct error *err)
{
	char aside[64];
	char *final = fsx_join(reports, dstr);
	char *old = NULL;
	int ret = -1;
	if (final == NULL)
		return error_set(err, EX_SOFTWARE, "out of memory");
	fault_point("report rename");
	if (renameat2(AT_FDCWD, *tmpdir, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
		*tmp_gone = 1;
		old = *tmpdir; /* now holds the previous report */
		*tmpdir = NULL;
	} else if (errno == ENOENT) {
		if (rename(*tmpdir, final) < 0)
			goto fail;
		*tmp_gone = 1;
	} else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
		snprintf(aside, sizeof aside, ".%s.old-%ld", dstr, (long)getpid());
		old = fsx_join(reports, aside);
		if (old == NULL) {
			error_set(err, EX_SOFTWARE, "out of memory");
			goto out;
		}
		if (rename(final, old) < 0) {
			if (errno != ENOENT)
				goto fail;
			free(old);
			old = NULL;
		}
		if (rename(*tmpdir, final) < 0)
			goto fail;
		*tmp_gone = 1;
	} else {
		goto fail;
	}
	if (fsx_fsync_dir(reports, err) < 0)
		goto out;
	fault_point("report swapped");
	if (old != NULL && fsx_remove_tree(old) < 0)
		log_warn("report: could not remove %s: %s (the next run does)", old,
			 strerror(errno));
	ret = 0;
	goto out;
fail:
	error_set(err, errno == ENOSPC ? EX_IOERR : EX_CANTCREAT, "%s: cannot put in place: %s",
		  final, strerror(errno));
out:
	free(final);
	free(old);
	return ret;
}
