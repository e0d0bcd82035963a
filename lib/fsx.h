/* fsx.h — careful file-system steps: folders with explicit modes, moves
 * that never overwrite, fsync of files and folders, whole files written to
 * a temporary name and renamed into place, and names made safe for logs.
 * Not for: deciding where things go (jobs and main know the layout). */
#ifndef MEMBERSHIP_FSX_H
#define MEMBERSHIP_FSX_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define FSX_DIR_MODE 0750
#define FSX_FILE_MODE 0640

/* mkdir -p with FSX_DIR_MODE (modes set explicitly, whatever the umask). */
int fsx_mkdirs(const char *path, struct error *err);
/* fsync a folder so that renames and creations in it are durable. */
int fsx_fsync_dir(const char *path, struct error *err);
/* Move dir_from/name into dir_to/ without overwriting: on a clash the name
 * gets a suffix .1, .2, … The final name (malloc'd) goes to *final_name if
 * not NULL. Both folders are fsynced. */
int fsx_move_unique(const char *dir_from, const char *name, const char *dir_to,
		    char **final_name, struct error *err);
#define FSX_NAME_MAX 255 /* bytes in one file name (NAME_MAX) */

/* name followed by suffix, with name shortened (on a UTF-8 character
 * boundary) so the result fits FSX_NAME_MAX bytes (malloc'd). */
char *fsx_name_fit(const char *name, const char *suffix);
/* Pick a name in dir not used yet: name, name.1, name.2…, each fitted to
 * FSX_NAME_MAX (malloc'd). */
char *fsx_unique_name(const char *dir, const char *name);
/* Move dir_from/name to exactly dir_to/to_name, never overwriting (EEXIST
 * fails with EX_CANTCREAT); both folders fsynced. */
int fsx_move_exact(const char *dir_from, const char *name, const char *dir_to,
		   const char *to_name, struct error *err);
/* Write data to dir/name atomically (temporary file, fsync, rename,
 * fsync dir), mode FSX_FILE_MODE. */
int fsx_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		     struct error *err);
/* Create dir/name exclusively for writing with FSX_FILE_MODE; returns fd. */
int fsx_create(const char *dir, const char *name, struct error *err);
/* The same, with the umask asked beforehand: fix_mode = fsx_umask_strips()
 * puts back the mode bits a umask would take (a thread creating files must
 * not change the process's umask while others create theirs). */
int fsx_create_fixed(const char *dir, const char *name, int fix_mode, struct error *err);
int fsx_umask_strips(void);
/* Remove a folder tree (only regular files and folders; links unlinked,
 * never followed). Used to clean a report job's leftover temporary folder. */
int fsx_remove_tree(const char *path);
/* Join a folder and a name into a malloc'd path. */
char *fsx_join(const char *dir, const char *name);
/* Copy s into out (size outsz) escaping control bytes, backslash and
 * non-UTF-8 as \xNN so a hostile name can be logged on one line. */
void fsx_escape(const char *s, char *out, size_t outsz);

#endif
