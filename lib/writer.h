/* writer.h — many small files created in one folder by a second thread,
 * so that the file system's work (an inode and a directory entry per file)
 * runs beside the caller's instead of after it: report writes a file per
 * customer, a quarter of a million on a big day.
 * The caller builds each file in a writer_buf (through the FILE* that
 * writer_buf_open gives) and hands it over with writer_put; a file larger
 * than WRITER_INLINE_MAX is not held in memory but written by the caller's
 * thread as it grows. Files are created exclusively with FSX_FILE_MODE.
 * Errors (the first one, with its file name) come back from writer_put or
 * writer_finish. The second thread blocks every signal: they reach the
 * caller, who stops with writer_finish.
 * Not for: durability (the caller syncs the folder) or file names (the
 * caller checks them). */
#ifndef MEMBERSHIP_WRITER_H
#define MEMBERSHIP_WRITER_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

#define WRITER_SLOTS      64        /* files waiting for the second thread */
#define WRITER_INLINE_MAX (1 << 20) /* bytes held per file before it goes to disk directly */
#define WRITER_NAME_MAX   256

struct writer;

/* One file being built: its name and bytes (or, past WRITER_INLINE_MAX,
 * the open file they went to). */
struct writer_buf {
	struct writer *w;
	char name[WRITER_NAME_MAX];
	char *data;
	size_t len, cap;
	int fd;  /* >= 0: the file is open and written directly */
	int err; /* errno of a failed write to fd or of a failed growth */
};

/* Start the second thread, creating files in dir (which must exist). In a
 * dry run, pass dry = 1: nothing is created and no thread is started. */
int writer_start(struct writer **out, const char *dir, int dry, struct error *err);

/* A stream appending to b, with iobuf (iosize bytes) as its stdio buffer;
 * name the file with writer_buf_name before the first byte. */
FILE *writer_buf_open(struct writer *w, struct writer_buf *b, char *iobuf, size_t iosize,
		      struct error *err);
int writer_buf_name(struct writer_buf *b, const char *name, struct error *err);

/* Flush fp (b's stream) and hand the file over; b is empty afterwards and
 * ready for the next file. -1 with err when this or an earlier file failed. */
int writer_put(struct writer *w, struct writer_buf *b, FILE *fp, struct error *err);

/* Write what is waiting, stop the thread, free w (NULL is fine). 0, or -1
 * with the first failure in err; with err NULL, failures are ignored (the
 * caller is failing already). */
int writer_finish(struct writer *w, struct error *err);

/* Free b's memory (and close its file if one is open). */
void writer_buf_free(struct writer_buf *b);

#endif
