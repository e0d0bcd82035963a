/* writer.c — see writer.h. The queue is a ring of WRITER_SLOTS buffers: the
 * caller's filled buffer is swapped with the slot's empty one, so no byte
 * is copied; the slot stays taken until its file is closed. */
#define _GNU_SOURCE /* fopencookie */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "fault.h"
#include "fsx.h"

struct writer {
	const char *dir;
	int dry;
	int fix_mode; /* the umask takes bits of FSX_FILE_MODE */
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t changed; /* a slot filled or emptied, or closing */
	struct writer_buf slot[WRITER_SLOTS];
	size_t head, count; /* slots [head, head + count) are waiting */
	int closing;
	/* Who sleeps on changed: the thread (queue empty) or the caller (queue
	 * full). Each is woken only when it has work again, the caller not
	 * before half the queue is free: woken per file, the two threads took
	 * turns on every file (two futex calls and context switches each). */
	int thread_waits, caller_waits;
	struct error failed; /* the first failure (code 0: none) */
};

/* Write all of data to fd: 0 or an errno. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_error(struct writer *w, const char *name, int e, struct error *err)
{
	/* The file was created: whatever failed now (EIO, ENOSPC, EDQUOT,
	 * EFBIG) is an I/O error (SPEC §2: 74), not one of creating; a buffer
	 * that could not grow (ENOMEM) is out of memory, 70. */
	return error_set(err, error_io_code(e), "%s/%s: write: %s", w->dir, name, strerror(e));
}

/* Create dir/name and write data into it: 0, or -1 with err. */
static int write_file(struct writer *w, const char *name, const char *data, size_t len,
		      struct error *err)
{
	int fd = fsx_create_fixed(w->dir, name, w->fix_mode, err);
	if (fd < 0)
		return -1;
	int e = write_all(fd, data, len);
	if (close(fd) < 0 && e == 0)
		e = errno;
	if (e != 0)
		return write_error(w, name, e, err);
	fault_point("report file");
	return 0;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->count == 0 && !w->closing) {
			w->thread_waits = 1;
			pthread_cond_wait(&w->changed, &w->mu);
		}
		w->thread_waits = 0;
		if (w->count == 0)
			break;
		struct writer_buf *b = &w->slot[w->head];
		int skip = w->failed.code != 0;
		struct error err;
		error_clear(&err);
		pthread_mutex_unlock(&w->mu);
		int rc = skip ? 0 : write_file(w, b->name, b->data, b->len, &err);
		pthread_mutex_lock(&w->mu);
		if (rc < 0 && w->failed.code == 0)
			w->failed = err; /* the first failure is the one told */
		b->len = 0;
		w->head = (w->head + 1) % WRITER_SLOTS;
		w->count--;
		if (w->caller_waits && (w->count <= WRITER_SLOTS / 2 || w->failed.code != 0))
			pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int writer_start(struct writer **out, const char *dir, int dry, struct error *err)
{
	struct writer *w = calloc(1, sizeof *w);
	*out = NULL;
	if (w == NULL)
		return error_set(err, EX_SOFTWARE, "out of memory");
	w->dir = dir;
	w->dry = dry;
	for (size_t i = 0; i < WRITER_SLOTS; i++)
		w->slot[i].fd = -1;
	if (!dry) {
		w->fix_mode = fsx_umask_strips();
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->changed, NULL);
		/* The thread inherits a mask blocking every signal: SIGTERM and
		 * SIGINT must reach the caller, who checks for them. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int rc = pthread_create(&w->thread, NULL, writer_main, w);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0) {
			pthread_cond_destroy(&w->changed);
			pthread_mutex_destroy(&w->mu);
			free(w);
			return error_set(err, EX_SOFTWARE, "cannot start a thread: %s",
					 strerror(rc));
		}
		w->started = 1;
	}
	*out = w;
	return 0;
}

/* The stream's write: append to the buffer, or past WRITER_INLINE_MAX move
 * to the file itself (created now, by the caller's thread). */
static ssize_t buf_write(void *cookie, const char *data, size_t n)
{
	struct writer_buf *b = cookie;
	struct writer *w = b->w;
	if (b->err != 0) {
		errno = b->err;
		return -1;
	}
	if (b->fd < 0 && b->len + n > WRITER_INLINE_MAX && !w->dry) {
		struct error err;
		error_clear(&err);
		errno = 0;
		b->fd = fsx_create_fixed(w->dir, b->name, w->fix_mode, &err);
		if (b->fd < 0 || (b->err = write_all(b->fd, b->data, b->len)) != 0) {
			b->err = b->err ? b->err : (errno ? errno : EIO);
			errno = b->err;
			return -1;
		}
		b->len = 0;
	}
	if (b->fd >= 0) {
		if ((b->err = write_all(b->fd, data, n)) != 0) {
			errno = b->err;
			return -1;
		}
		return (ssize_t)n;
	}
	if (w->dry)
		return (ssize_t)n; /* counted by the caller, kept nowhere */
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (d == NULL) {
			b->err = ENOMEM;
			errno = ENOMEM;
			return -1;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	return (ssize_t)n;
}

FILE *writer_buf_open(struct writer *w, struct writer_buf *b, char *iobuf, size_t iosize,
		      struct error *err)
{
	memset(b, 0, sizeof *b);
	b->w = w;
	b->fd = -1;
	cookie_io_functions_t io = {NULL, buf_write, NULL, NULL};
	FILE *fp = fopencookie(b, "w", io);
	if (fp == NULL) {
		error_set(err, EX_SOFTWARE, "out of memory");
		return NULL;
	}
	setvbuf(fp, iobuf, _IOFBF, iosize);
	return fp;
}

int writer_buf_name(struct writer_buf *b, const char *name, struct error *err)
{
	size_t n = strlen(name);
	if (n >= sizeof b->name)
		return error_set(err, EX_SOFTWARE, "file name of %zu bytes is too long", n);
	memcpy(b->name, name, n + 1);
	return 0;
}

/* The first failure, under mu: copied into err. */
static int failed(struct writer *w, struct error *err)
{
	if (w->failed.code == 0)
		return 0;
	if (err)
		*err = w->failed;
	return -1;
}

int writer_put(struct writer *w, struct writer_buf *b, FILE *fp, struct error *err)
{
	if (fflush(fp) != 0 || b->err != 0) {
		int e = b->err ? b->err : (errno ? errno : EIO);
		if (b->fd >= 0)
			close(b->fd);
		b->fd = -1;
		b->err = 0;
		b->len = 0;
		clearerr(fp);
		return write_error(w, b->name, e, err);
	}
	if (b->fd >= 0) { /* a large file, written directly: done */
		int e = close(b->fd) < 0 ? errno : 0;
		b->fd = -1;
		if (e != 0)
			return write_error(w, b->name, e, err);
		fault_point("report file");
		return 0;
	}
	if (w->dry) {
		b->len = 0;
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	while (w->count == WRITER_SLOTS && w->failed.code == 0) {
		w->caller_waits = 1;
		pthread_cond_wait(&w->changed, &w->mu);
	}
	w->caller_waits = 0;
	if (failed(w, err) < 0) {
		pthread_mutex_unlock(&w->mu);
		b->len = 0;
		return -1;
	}
	/* Swap the filled buffer into the free slot, its empty one out. */
	struct writer_buf *s = &w->slot[(w->head + w->count) % WRITER_SLOTS];
	char *data = s->data;
	size_t cap = s->cap;
	memcpy(s->name, b->name, sizeof s->name);
	s->data = b->data;
	s->len = b->len;
	s->cap = b->cap;
	b->data = data;
	b->cap = cap;
	b->len = 0;
	w->count++;
	if (w->thread_waits)
		pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int writer_finish(struct writer *w, struct error *err)
{
	int rc = 0;
	if (w == NULL)
		return 0;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->closing = 1;
		pthread_cond_broadcast(&w->changed);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		rc = failed(w, err);
		pthread_cond_destroy(&w->changed);
		pthread_mutex_destroy(&w->mu);
	}
	for (size_t i = 0; i < WRITER_SLOTS; i++)
		free(w->slot[i].data);
	free(w);
	return rc;
}

void writer_buf_free(struct writer_buf *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
