/* ingest.h — the parts of `membership ingest`, shared by its files only:
 * jobs/ingest.c (the job's steps, one file at a time), jobs/inbox.c (the
 * inbox listing and the life of a file after its commit) and
 * jobs/ingest_rows.c (the rows of one file applied to the books). Each part
 * takes what it needs (folders, the books, the business date), never the
 * run, so each can be driven alone (a fuzz harness runs the rows of a file
 * against an in-memory database). */
#ifndef MEMBERSHIP_INGEST_H
#define MEMBERSHIP_INGEST_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "csvin.h"
#include "dates.h"
#include "db.h"
#include "error.h"
#include "validate.h"

#define INGEST_MESSAGE_MAX VERDICT_MSG_MAX

/* --- one inbox file being read (ingest.c, ingest_rows.c) -------------------- */
struct ingest_file {
	const char *name;
	char esc[600];     /* name escaped for messages */
	struct header hdr; /* kind and column positions */
	char **header;     /* header names (copies), hdr.ncols of them */
	long rows, accepted, rejected;
	FILE *rejects;     /* temporary rejects file, opened lazily */
	char *rejects_tmp; /* its name in the folder rejects_dir */
	int rejects_dir;
	char reason[32]; /* whole-file reason, "" when none */
	char message[INGEST_MESSAGE_MAX];
	long fail_line;
	int owed; /* only its moves were left to do */
	/* its first rejected row, named in a TOO_MANY_REJECTED message */
	long first_rej_line;
	char first_rej[MAX_ID_LEN + 48]; /* "request r1, REASON" or "REASON" */
};

/* Give the file a whole-file reason (the last one given wins). */
void ingest_file_fail(struct ingest_file *f, const char *reason, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Close and remove its temporary rejects file, free its header. */
void ingest_file_clear(struct ingest_file *f);

/* --- the rows of one file (ingest_rows.c) ---------------------------------- */

/* The catalog as purchase rows need it, read once per purchases file:
 * a sorted array looked up by bsearch instead of a query per row. */
struct ingest_pentry {
	char id[MAX_ID_LEN + 1];
	int64_t price;
	int32_t sale_until;
	int deleted;
};

struct ingest_pcache {
	int valid; /* loaded since the last product change */
	size_t n;
	struct ingest_pentry *v;
};

/* Purchases on their way into the books, INGEST_BATCH_ROWS to a statement:
 * one multi-row INSERT costs far less than as many single ones (the
 * cursors of the table, its indexes and the foreign key are opened once).
 * Each row keeps a copy of its fields, so a row the insert turns away (its
 * request id taken) is judged and rejected as it would have been alone,
 * and the id it drew, so its rejection keeps its place in the timeline.
 * Rows are flushed before anything else reads memberships or writes a
 * rejection: the books and the rejects file see the file in line order. */
#define INGEST_BATCH_ROWS 64

struct ingest_batch {
	size_t n;
	int64_t id[INGEST_BATCH_ROWS], amount[INGEST_BATCH_ROWS], at[INGEST_BATCH_ROWS];
	long line[INGEST_BATCH_ROWS];
	size_t nfields; /* fields per row (valid rows have the header's) */
	size_t *off;    /* INGEST_BATCH_ROWS * nfields offsets into text */
	char **fields;  /* one row's fields, rebuilt for a rejection */
	size_t *lens;
	unsigned char *too_long;
	char *text; /* the rows' fields, NUL-terminated, back to back */
	size_t len, cap;
};

enum ingest_rows_stmt {
	R_PRODUCT_GET,
	R_PRODUCT_ADD,
	R_PRODUCT_SET,
	R_VERSION_ADD,
	R_MEMB_GET,
	R_MEMB_ADD,
	R_CANCEL_GET,
	R_CANCEL_ADD,
	R_EVENT_ADD,
	R_REJECTION_ADD,
	R_NSTMTS
};

/* What the row appliers need: the books, the business date, the shape
 * rules' context and where a rejects file goes. Fill the first block, then
 * ingest_rows_open. */
struct ingest_rows {
	struct db *db;
	struct error *err;
	int32_t date; /* the business date */
	int minor_digits;
	struct validate_ctx vctx;  /* filled by the caller (ingest_rows_init helps) */
	int rejected_fd;           /* rejected/<date>/ for the rejects temp file;
				      -1: open_rejected makes it at the first
				      rejected row (none is written if that is
				      NULL: a dry run) */
	const char *rejected_path; /* its path, for messages */
	/* Make and open rejected/<date>/ (SPEC §4.1: on first use): its
	 * descriptor, or -1 with err set. */
	int (*open_rejected)(void *arg);
	void *open_rejected_arg;
	/* Called before each row (rows so far, bytes read of total); -1 stops
	 * the file (it fills err: a signal, say). May be NULL. */
	int (*between_rows)(void *arg, long rows, uint64_t done, uint64_t total);
	void *between_arg;
	/* Set by ingest_rows: */
	struct ingest_pcache products;
	int no_cancels; /* no cancel in the books (purchase files) */
	sqlite3_stmt *st[R_NSTMTS];
	sqlite3_stmt *batch_insert; /* INGEST_BATCH_ROWS rows of R_MEMB_ADD */
	sqlite3_stmt *id_taken;     /* does a membership hold this id */
	struct ingest_batch batch;
	int64_t event_id; /* > 0: the id the next event takes */
};

/* Prepare the statements (db and err set). -1 with err filled. */
int ingest_rows_open(struct ingest_rows *g);
void ingest_rows_close(struct ingest_rows *g);
/* Parse and apply every row of an open file inside the caller's open
 * transaction. 0 done (f may carry a whole-file reason), -1 failure of the
 * run (err set; the caller rolls back). size is the file's size for
 * progress. run_stopped() is asked between rows. */
int ingest_rows_read(struct ingest_rows *g, struct ingest_file *f, struct csvin *in, uint64_t size);
/* Record a rejection (line 0: the whole file) in the books. */
int ingest_rows_record_rejection(struct ingest_rows *g, const char *file, long line,
				 const char *request_id, const char *customer_id,
				 const char *reason, const char *message);

/* --- the inbox and the file's life after its commit (inbox.c) -------------- */

/* The workspace's folders, each opened without following a link (a link
 * there is an error naming it, exit 73): every step inside is an *at() call
 * on these. */
struct inbox_dirs {
	const char *ws_path; /* for messages */
	int ws, inbox, archive, rejected;
};

int inbox_dirs_open(struct inbox_dirs *d, const char *workspace, struct error *err);
void inbox_dirs_close(struct inbox_dirs *d);
/* Why a file that cannot be read stops the run (its message says it). */
#define INBOX_UNREAD_WHY                                                                           \
	"its kind is unknown, and the files after it could be applied out of order; fix it and "   \
	"run again"
/* A failed open of inbox file name with errno e: 0 when it went away or is
 * no longer a regular file (skipped), else -1 with err set (EX_IOERR). */
int inbox_open_error(const char *name, int e, struct error *err);
/* Open "archive/<date>" or "rejected/<date>" (create: make it when missing,
 * durable in its parent). Returns the descriptor. */
int inbox_date_dir(const struct inbox_dirs *d, const char *dest, int create, struct error *err);

struct inbox_entry {
	char *name;
	enum kind kind;
};

struct inbox_limits {
	int64_t min_age_seconds; /* younger files are left for the next run */
	int64_t now;             /* the run's clock, for the age */
	int64_t max_file_bytes;  /* larger files are not sniffed */
	int64_t max_field_bytes;
};

/* The files to read, in the order of SPEC §4.2 (kind, then name). */
int inbox_list(int inbox_fd, const char *inbox_path, const struct inbox_limits *lim,
	       struct inbox_entry **out, size_t *nout, struct error *err);
void inbox_entries_free(struct inbox_entry *v, size_t n);
/* Open inbox/name without following links or blocking on FIFOs; the type
 * is checked on the descriptor. -1 (errno kept) when it is gone or not a
 * regular file. */
int inbox_open_file(int inbox_fd, const char *name, struct stat *st);

/* Where a file goes, decided inside the transaction that records it, so
 * that a run finishing the moves after a crash uses exactly these names. */
struct inbox_plan {
	int64_t id; /* its row in files */
	char date[DATE_TEXT_LEN + 1];
	char dest[64];          /* "archive/<date>" or "rejected/<date>" */
	char *final_name;       /* the file's name in dest */
	char *rejects_name;     /* <file>.rejects.csv in rejected/<date>, or NULL */
	char *reason, *message; /* a whole-file rejection, or NULL */
};

void inbox_plan_free(struct inbox_plan *p);

/* Names planned by records whose moves are still owed (an earlier run died
 * after the commit): not on disk yet, but not free either. */
struct inbox_owed {
	char **v; /* "<dest>/<name>" */
	size_t n, cap;
};

int inbox_owed_add(struct inbox_owed *o, const char *dest, const char *name);
void inbox_owed_free(struct inbox_owed *o);
/* Plan the names of inbox file name for the business date: archive/<date>/
 * when applied, else rejected/<date>/; has_rejects adds a rejects name. */
int inbox_plan_names(const struct inbox_dirs *d, const struct inbox_owed *owed, const char *date,
		     const char *name, int applied, int has_rejects, struct inbox_plan *p,
		     struct error *err);
/* 1 when the planned final name exists in the workspace (the move is done),
 * 0 when not. */
int inbox_move_done(const struct inbox_dirs *d, const char *dest, const char *final_name);
/* The name of the rejects file of content sha before its move (malloc'd). */
char *inbox_sha_tmp_name(const char *sha);
/* After the commit, the moves of inbox/name as planned; sha names the
 * rejects temp file (NULL: none to move). Resumable at any point. */
int inbox_finish_moves(const struct inbox_dirs *d, const struct inbox_plan *p, const char *name,
		       const char *sha, struct error *err);

#endif
