/* prune.c — `membership prune` (SPEC §8.4): deletes the dated folders
 * archive/<D>/, rejected/<D>/ and reports/<D>/ older than their retention
 * (retention.*_days; 0 keeps them forever): D < today - days, today in the
 * configured zone. reports/<D> goes only when D is closed (a nightly
 * completed for D or later). It touches nothing else: not the books, not
 * the inbox, and no name that is not a dated folder — a file, a link or any
 * other name is left alone and mentioned.
 * Every step is relative to an open folder (openat/unlinkat, O_NOFOLLOW),
 * so a link is never followed. A folder is first renamed to a hidden
 * .<D>.prune-<pid> name, then emptied and removed: a reader sees it whole
 * or not at all, and a killed prune leaves only a hidden folder that the
 * next prune removes. Runs under the lock with a run record (run_job);
 * --dry-run says what it would delete and deletes nothing. */
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
#include "day.h"
#include "fault.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"

#define PRUNE_MAX_DEPTH 8 /* reports/<D>/customers/ is two deep */
#define PRUNE_MARK      ".prune-"

struct prune {
	struct run *run;
	int64_t deleted, kept_other;
};

/* Remove the folder name in dfd and all below it; links are unlinked,
 * never followed. */
static int prune_remove_tree(int dfd, const char *name, int depth, struct error *err)
{
	if (depth > PRUNE_MAX_DEPTH)
		return error_set(err, EX_SOFTWARE, "%s: nested deeper than %d folders; left alone",
				 name, PRUNE_MAX_DEPTH);
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, EX_IOERR, "%s: %s", name, strerror(errno));
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return error_set(err, EX_IOERR, "%s: %s", name, strerror(errno));
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		struct stat sb;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (fstatat(fd, n, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			rc = error_set(err, EX_IOERR, "%s/%s: %s", name, n, strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			rc = prune_remove_tree(fd, n, depth + 1, err);
		else if (unlinkat(fd, n, 0) < 0)
			rc = error_set(err, EX_IOERR, "%s/%s: %s", name, n, strerror(errno));
	}
	if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
		rc = error_set(err, EX_IOERR, "%s: fsync: %s", name, strerror(errno));
	closedir(d);
	if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		rc = error_set(err, EX_IOERR, "%s: %s", name, strerror(errno));
	return rc;
}

/* A dated folder name: exactly YYYY-MM-DD, a real date. */
static int prune_date(const char *name, int32_t *day)
{
	char back[DATE_TEXT_LEN + 1];
	if (strlen(name) != DATE_TEXT_LEN || dates_parse(name, DATE_TEXT_LEN, day) < 0)
		return 0;
	dates_format(*day, back);
	return strcmp(back, name) == 0;
}

/* A leftover of a killed prune: .YYYY-MM-DD.prune-<digits>. */
static int prune_leftover(const char *name)
{
	int32_t day;
	char d[DATE_TEXT_LEN + 1];
	size_t len = strlen(name), m = strlen(PRUNE_MARK);
	if (len <= 1 + DATE_TEXT_LEN + m || name[0] != '.')
		return 0;
	memcpy(d, name + 1, DATE_TEXT_LEN);
	d[DATE_TEXT_LEN] = '\0';
	if (!prune_date(d, &day) || strncmp(name + 1 + DATE_TEXT_LEN, PRUNE_MARK, m) != 0)
		return 0;
	for (const char *p = name + 1 + DATE_TEXT_LEN + m; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* Prune one area (archive, rejected or reports) of the workspace: the
 * dated folders before cutoff and not after last (DATE_NONE: no limit). */
static int prune_area(struct prune *p, int wsfd, const char *area, int32_t cutoff, int32_t last)
{
	struct run *run = p->run;
	int fd = openat(wsfd, area, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(
			&run->err, errno == ELOOP || errno == ENOTDIR ? EX_CANTCREAT : EX_IOERR,
			"%s/%s: %s", run->cfg.workspace, area,
			errno == ELOOP ? "a link, not a folder: left alone" : strerror(errno));
	}
	int lfd = dup(fd);
	DIR *d = lfd < 0 ? NULL : fdopendir(lfd);
	if (d == NULL) {
		if (lfd >= 0)
			close(lfd);
		close(fd);
		return error_set(&run->err, EX_IOERR, "%s/%s: %s", run->cfg.workspace, area,
				 strerror(errno));
	}
	/* Read the names first: the folder changes while we delete. */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			char **nn = realloc(names, nc * sizeof *nn);
			if (nn == NULL) {
				rc = error_set(&run->err, EX_SOFTWARE, "out of memory");
				break;
			}
			names = nn;
			cap = nc;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = error_set(&run->err, EX_SOFTWARE, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	int changed = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *name = names[i];
		char esc[512], hidden[64];
		struct stat sb;
		int32_t day;
		fsx_escape(name, esc, sizeof esc);
		if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		if (prune_leftover(name) && S_ISDIR(sb.st_mode)) {
			if (run->dry_run) {
				log_info("dry run: would remove %s/%s (left by a killed prune)",
					 area, esc);
				p->deleted++;
				continue;
			}
			rc = prune_remove_tree(fd, name, 0, &run->err);
			changed = 1;
			if (rc == 0) {
				/* Its run was killed before it could say so: this
				 * one says what was deleted, and counts it. */
				p->deleted++;
				log_info("prune: deleted %s/%.10s/ (the rest of a killed prune)",
					 area, name + 1);
			}
			continue;
		}
		if (!prune_date(name, &day) || !S_ISDIR(sb.st_mode)) {
			/* Not a folder prune made: the report job's own
			 * hidden folders are not mentioned, anything else is. */
			if (strcmp(area, "reports") != 0 || name[0] != '.') {
				p->kept_other++;
				log_info("prune: %s/%s left alone: %s", area, esc,
					 S_ISLNK(sb.st_mode)   ? "a link, not a dated folder"
					 : S_ISDIR(sb.st_mode) ? "not a dated folder"
							       : "not a folder");
			}
			continue;
		}
		if (day >= cutoff || (last != DATE_NONE && day > last))
			continue;
		if (run->dry_run) {
			log_info("dry run: would delete %s/%s/", area, esc);
			p->deleted++;
			continue;
		}
		snprintf(hidden, sizeof hidden, ".%s" PRUNE_MARK "%ld", name, (long)getpid());
		if (renameat(fd, name, fd, hidden) < 0) {
			rc = error_set(&run->err, EX_IOERR, "%s/%s/%s: rename: %s",
				       run->cfg.workspace, area, esc, strerror(errno));
			break;
		}
		changed = 1;
		if (fsync(fd) < 0 && errno != EINVAL) {
			rc = error_set(&run->err, EX_IOERR, "%s/%s: fsync: %s", run->cfg.workspace,
				       area, strerror(errno));
			break;
		}
		fault_point("prune folder hidden");
		rc = prune_remove_tree(fd, hidden, 0, &run->err);
		if (rc == 0) {
			fault_point("prune folder removed");
			p->deleted++;
			log_info("prune: deleted %s/%s/", area, esc);
		}
	}
	if (rc == 0 && changed && fsync(fd) < 0 && errno != EINVAL)
		rc = error_set(&run->err, EX_IOERR, "%s/%s: fsync: %s", run->cfg.workspace, area,
			       strerror(errno));
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(fd);
	return rc;
}

int job_prune(struct run *run)
{
	struct prune p = {.run = run};
	int32_t today = dates_local_day(run->now), closed;
	if (day_last_closed(&run->db, &closed, &run->err) < 0)
		return run->err.code;
	const struct {
		const char *area;
		int64_t days;
	} areas[] = {
		{"archive", run->cfg.retention_archive_days},
		{"rejected", run->cfg.retention_rejected_days},
		{"reports", run->cfg.retention_reports_days},
	};
	int wsfd = open(run->cfg.workspace, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (wsfd < 0) {
		error_set(&run->err, EX_IOERR, "workspace %s: %s", run->cfg.workspace,
			  strerror(errno));
		return EX_IOERR;
	}
	int64_t before = 0;
	char parts[256] = "";
	size_t len = 0;
	for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++) {
		if (areas[i].days > 0) {
			int is_reports = strcmp(areas[i].area, "reports") == 0;
			/* No day closed yet: no report may go (the cutoff
			 * DATE_NONE is before every day). */
			int32_t cutoff = is_reports && closed == DATE_NONE
						 ? DATE_NONE
						 : today - (int32_t)areas[i].days;
			if (prune_area(&p, wsfd, areas[i].area, cutoff,
				       is_reports ? closed : DATE_NONE) < 0) {
				close(wsfd);
				return run->err.code ? run->err.code : EX_SOFTWARE;
			}
		}
		len += (size_t)snprintf(parts + len, sizeof parts - len, "%s%s %lld", i ? ", " : "",
					areas[i].area, (long long)(p.deleted - before));
		if (areas[i].days == 0)
			len += (size_t)snprintf(parts + len, sizeof parts - len, " (kept forever)");
		before = p.deleted;
	}
	close(wsfd);
	run->counts.files = p.deleted;
	snprintf(run->summary, sizeof run->summary, "%s %lld dated folder(s): %s%s",
		 run->dry_run ? "would delete" : "deleted", (long long)p.deleted, parts,
		 p.kept_other ? "; other names left alone" : "");
	return 0;
}
