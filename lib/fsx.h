/* fsx.h — careful file-system steps: folders with explicit modes, moves
 * that never overwrite, fsync of files and folders, whole files written to
 * a temporary name and renamed into place, and names made safe for logs.
 * Not for: deciding where things go (jobs and main know the layout). */
#ifndef MEMBERSHIP_FSX_H
#define MEMBERSHIP_FSX_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define FSX_DIR_MODE  0750
#define FSX_FILE_MODE 0640

/* mkdir -p with FSX_DIR_MODE (modes set explicitly, whatever the umask). */
int fsx_mkdirs(const char *path, struct error *err);
/* Make the folder path (its parent must exist) with FSX_DIR_MODE, durable in
 * its parent; an existing one must be a folder itself: a symbolic link
 * there, to anywhere, is an error naming it (EX_CANTCREAT), never followed.
 * For the workspace's own folders (the workspace path itself may be a link
 * the operator made). */
int fsx_mkdir_nofollow(const char *path, struct error *err);
/* Whether path is a folder (*exists 1) or nothing (0); a symbolic link or
 * anything else there is an error naming it (EX_CANTCREAT), never followed. */
int fsx_folder_or_none(const char *path, int *exists, struct error *err);
/* fsync a folder so that renames and creations in it are durable. */
int fsx_fsync_dir(const char *path, struct error *err);
#define FSX_NAME_MAX 255 /* bytes in one file name (NAME_MAX) */

/* name followed by suffix, with name shortened (on a UTF-8 character
 * boundary) so the result fits FSX_NAME_MAX bytes (malloc'd). */
char *fsx_name_fit(const char *name, const char *suffix);
/* Create dir/name exclusively for writing with FSX_FILE_MODE; returns fd. */
int fsx_create(const char *dir, const char *name, struct error *err);
/* The same, with the umask asked beforehand: fix_mode = fsx_umask_strips()
 * puts back the mode bits a umask would take (a thread creating files must
 * not change the process's umask while others create theirs). */
int fsx_create_fixed(const char *dir, const char *name, int fix_mode, struct error *err);
int fsx_umask_strips(void);
/* Remove a folder tree (only regular files and folders; links unlinked,
 * never followed). Used to clean a report job's leftover temporary folder.
 * Allocates nothing, so it works after an allocation failed. */
int fsx_remove_tree(const char *path);
/* --- folders entered without following links ---------------------------------
 * Inside the workspace every folder is opened relative to its parent with
 * O_NOFOLLOW | O_DIRECTORY and every step is an *at() call on it, so a
 * symbolic link put where a folder should be is never followed. */

/* Open folder name in folder at (path names it in messages). create: make
 * it (FSX_DIR_MODE) when missing and fsync at, so the new entry is durable
 * before anything goes into it. A link or a non-folder there fails with
 * EX_CANTCREAT naming path; a missing folder without create fails with
 * errno ENOENT. Returns the descriptor. */
int fsx_dir_open(int at, const char *name, const char *path, int create, struct error *err);
/* fsync an open folder (path for messages). */
int fsx_fsync_fd(int dir_fd, const char *path, struct error *err);
/* fsync an open file whose data must be durable (path for messages). */
int fsx_fsync_file(int fd, const char *path, struct error *err);
/* 1 when name exists in folder dir_fd (links not followed), else 0. */
int fsx_exists_at(int dir_fd, const char *name);
/* Rename from_fd/from to to_fd/to, never replacing an existing file
 * (RENAME_NOREPLACE, or link + unlink where the file system lacks it).
 * Folders are not fsynced: the caller does, before the step depending on
 * it. what names the file in messages. */
int fsx_rename_at(int from_fd, const char *from, int to_fd, const char *to, const char *what,
		  struct error *err);
/* Create dir_fd/name exclusively (never through a link), FSX_FILE_MODE. */
int fsx_create_at(int dir_fd, const char *dir_path, const char *name, struct error *err);
/* Write data to dir_fd/name atomically and never replacing a file:
 * temporary file, fsync, rename without replace, fsync of the folder. */
int fsx_write_atomic_at(int dir_fd, const char *dir_path, const char *name, const char *data,
			size_t len, struct error *err);
/* Name number n of a clash: n = 0 gives name as is, else stem.<n><ext>
 * (ext ending name, or not) with the stem shortened (on a UTF-8 boundary)
 * so that the result followed by suffix fits FSX_NAME_MAX: the number is
 * never cut. The result (malloc'd) does not include suffix. */
char *fsx_name_numbered(const char *name, const char *ext, unsigned n, const char *suffix);

/* --- power loss, in test builds (MEMBERSHIP_FAULTS) ---------------------------
 * fsx records the creates, renames, folder fsyncs and data fsyncs it makes;
 * fsx_powerloss() then undoes every change not yet durable — data written
 * since the file's last fsync, and creates and renames whose folder was not
 * fsynced since — as a power cut at that moment could. Not recorded:
 * removals (only of temporary files) and files written by SQLite. */
void fsx_powerloss_record(int on);
void fsx_powerloss(void);

/* Join a folder and a name into a malloc'd path. */
char *fsx_join(const char *dir, const char *name);
/* Copy s into out (size outsz) escaping control bytes, backslash and
 * every byte that is not UTF-8 (utf8_seq) as \xNN, so a hostile name can
 * be logged on one line and out is valid UTF-8; when out is too small it
 * ends before the first character or escape that does not fit. */
void fsx_escape(const char *s, char *out, size_t outsz);

#endif
