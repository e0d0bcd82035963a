/* ingest.c — `membership ingest`: read the inbox (SPEC §4) into the books.
 *
 * Order: list inbox/ (regular *.csv only, never hidden, .tmp, .part, links,
 * folders or files younger than inbox.min_age_seconds), sort by kind
 * (products, purchases, cancels) then by name, and take each file in turn:
 * one transaction per file — every row validated and applied or rejected
 * with its reason, the file recorded by SHA-256 — then, only after the
 * commit, the file moves to archive/<date>/ (its rejected rows to
 * rejected/<date>/<file>.rejects.csv) or, rejected whole, to rejected/<date>/
 * with <file>.error.txt.
 *
 * Promises: a row is applied once whatever reruns, crashes and duplicate
 * files happen (request ids and file hashes are checked inside the same
 * transaction that applies); a crash between commit and move is finished by
 * the next run, which recognises the file by hash and only moves it; a file
 * with a whole-file fault leaves nothing of itself in the books. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "csvin.h"
#include "csvout.h"
#include "dates.h"
#include "fault.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"
#include "money.h"
#include "validate.h"

#define MESSAGE_MAX VERDICT_MSG_MAX

enum stmt {
	S_PRODUCT_GET, S_PRODUCT_ADD, S_PRODUCT_SET, S_VERSION_ADD,
	S_MEMB_GET, S_MEMB_ADD, S_CANCEL_GET, S_CANCEL_ADD, S_EVENT_ADD,
	S_REJECTION_ADD, S_FILE_BY_SHA, S_FILE_ADD, S_FILE_MOVED, NSTMTS
};
static const char *const stmt_sql[NSTMTS] = {
	[S_PRODUCT_GET] = "SELECT name, price, sale_until, max_sales, status FROM products"
			  " WHERE product_id = ?1",
	[S_PRODUCT_ADD] = "INSERT INTO products (product_id, name, price, sale_until, max_sales,"
			  " status, created_on, updated_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
	[S_PRODUCT_SET] = "UPDATE products SET name = ?2, price = ?3, sale_until = ?4,"
			  " max_sales = ?5, status = ?6, updated_on = ?7 WHERE product_id = ?1",
	[S_VERSION_ADD] = "INSERT INTO product_versions (product_id, business_date, name, price,"
			  " sale_until, max_sales, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_MEMB_GET] = "SELECT id, customer_id, product_id, amount, requested_at, status, payment,"
		       " expires_on, EXISTS (SELECT 1 FROM cancels c WHERE c.membership_id = m.id"
		       " AND c.state = 'PENDING') FROM memberships m WHERE request_id = ?1",
	/* Adds nothing when a purchase holds the request id already: the
	 * caller then asks check_seen_request what it was. (VALUES, not a
	 * SELECT with the cancels check folded in: that form costs each row a
	 * statement journal, more than the separate check.) */
	[S_MEMB_ADD] = "INSERT INTO memberships (id, request_id, customer_id, product_id, amount,"
		       " requested_at, requested_on, status, payment)"
		       " VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6, 'PENDING_PAYMENT', 'PENDING')"
		       " ON CONFLICT (request_id) DO NOTHING",
	[S_CANCEL_GET] = "SELECT customer_id, purchase_request_id, requested_at, reason"
			 " FROM cancels WHERE request_id = ?1",
	[S_CANCEL_ADD] = "INSERT INTO cancels (request_id, customer_id, purchase_request_id,"
			 " membership_id, requested_at, reason, requested_on, state)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'PENDING')",
	[S_EVENT_ADD] = "INSERT INTO events (id, business_date, customer_id, event, request_id,"
			" membership_id, product_id, amount, status, detail)"
			" VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_REJECTION_ADD] = "INSERT INTO rejections (business_date, file, line, request_id,"
			    " customer_id, reason, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_FILE_BY_SHA] = "SELECT id, name, outcome, moved, dest, final_name, rejects_name,"
			  " reason, message, business_date FROM files WHERE sha256 = ?1 ORDER BY id",
	[S_FILE_ADD] = "INSERT INTO files (sha256, name, kind, business_date, run_id, outcome,"
		       " reason, message, rows_read, accepted, rejected, dest, final_name,"
		       " rejects_name)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[S_FILE_MOVED] = "UPDATE files SET moved = 1 WHERE id = ?1",
};

/* One inbox file found by the listing. */
struct entry {
	char *name;
	enum kind kind;
};

/* The state of the file being read. */
struct file {
	const char *name;
	char esc[600];              /* name escaped for messages */
	struct header hdr;          /* kind and column positions */
	char **header;              /* header names (copies), hdr.ncols of them */
	long rows, accepted, rejected;
	FILE *rejects;              /* temporary rejects file, opened lazily */
	char *rejects_tmp;          /* its path */
	char reason[32];            /* whole-file reason, "" when none */
	char message[MESSAGE_MAX];
	long fail_line;
};

/* The catalog as purchase rows need it, read once per purchases file:
 * a sorted array looked up by bsearch instead of a query per row. */
struct pentry {
	char id[MAX_ID_LEN + 1];
	int64_t price;
	int32_t sale_until;
	int deleted;
};

#define PCACHE_MAX 100000 /* larger catalogs are looked up in the books */

struct pcache {
	int valid;              /* loaded since the last product change */
	size_t n;
	struct pentry *v;
};

/* Purchases on their way into the books, BATCH_ROWS to a statement: one
 * multi-row INSERT costs far less than as many single ones (the cursors
 * of the table, its indexes and the foreign key are opened once). Each
 * row keeps a copy of its fields, so a row the insert turns away (its
 * request id taken) is judged and rejected as it would have been alone, and
 * the id it drew, so its rejection keeps its place in the timeline. Rows
 * are flushed before anything else reads memberships or writes a
 * rejection: the books and the rejects file see the file in line order. */
#define BATCH_ROWS 64
#define BATCH_PARAMS 7 /* bound values per row of the batch INSERT */

struct batch {
	size_t n;
	int64_t id[BATCH_ROWS], amount[BATCH_ROWS], at[BATCH_ROWS];
	long line[BATCH_ROWS];
	size_t nfields;           /* fields per row (valid rows have the header's) */
	size_t *off;              /* BATCH_ROWS * nfields offsets into text */
	char **fields;            /* one row's fields, rebuilt for a rejection */
	size_t *lens;
	unsigned char *too_long;
	char *text;               /* the rows' fields, NUL-terminated, back to back */
	size_t len, cap;
};

struct ingest {
	struct run *run;
	struct validate_ctx vctx;
	struct pcache products;
	int no_cancels;             /* no cancel in the books (purchase files) */
	sqlite3_stmt *st[NSTMTS];
	sqlite3_stmt *batch_insert;  /* BATCH_ROWS rows of S_MEMB_ADD */
	sqlite3_stmt *id_taken;      /* does a membership hold this id */
	struct batch batch;
	int64_t event_id;            /* > 0: the id the next event takes */
	char date_dir[DATE_TEXT_LEN + 1];
	char *archive_dir, *rejected_dir;
	int64_t day_end;            /* first instant after the business date */
	int whole_rejects;
};

/* --- listing -------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Open an inbox file safely: no links followed, no blocking on FIFOs, and
 * the type checked on the descriptor itself. -1 (errno kept) when it is
 * gone or not a regular file. */
static int open_inbox_file(struct run *run, const char *name, struct stat *st)
{
	char *path = fsx_join(run->inbox, name);
	if (path == NULL)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The kind of a file by its header, for ordering; unreadable → unknown
 * (the real read rejects it with a reason). */
static enum kind sniff_kind(struct run *run, const char *name)
{
	struct stat st;
	int fd = open_inbox_file(run, name, &st);
	if (fd < 0)
		return KIND_UNKNOWN;
	enum kind k = KIND_UNKNOWN;
	struct csvin *r = NULL;
	struct csvin_row row;
	struct error err;
	error_clear(&err);
	if (st.st_size <= run->cfg.max_file_bytes &&
	    csvin_open(&r, fd, name, (size_t)run->cfg.max_field_bytes, &err) == 0 &&
	    csvin_next(r, &row, &err) == 1)
		k = validate_kind(row.fields, row.nfields);
	csvin_close(r);
	close(fd);
	return k;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->name, y->name);
}

static void entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The files to read, in the order of SPEC §4.2. */
static int list_inbox(struct run *run, struct entry **out, size_t *nout)
{
	DIR *d = opendir(run->inbox);
	if (d == NULL)
		return error_set(&run->err, EX_IOERR, "%s: cannot read the inbox: %s", run->inbox,
				 strerror(errno));
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (name[0] == '.' || !ends_with(name, ".csv"))
			continue;
		char *path = fsx_join(run->inbox, name);
		struct stat st;
		int ok = path && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
		if (!ok) {
			char esc[600];
			fsx_escape(name, esc, sizeof esc);
			log_debug("inbox: %s is not a regular file; left alone", esc);
			continue;
		}
		if (run->cfg.min_age_seconds > 0 &&
		    (int64_t)st.st_mtime > run->now - run->cfg.min_age_seconds) {
			char esc[600];
			fsx_escape(name, esc, sizeof esc);
			log_info("inbox: %s is younger than %lld s; left for the next run", esc,
				 (long long)run->cfg.min_age_seconds);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct entry *nv = realloc(v, cap * sizeof *v);
			if (nv == NULL) {
				ret = error_set(&run->err, EX_SOFTWARE, "out of memory");
				break;
			}
			v = nv;
		}
		v[n].name = strdup(name);
		if (v[n].name == NULL) {
			ret = error_set(&run->err, EX_SOFTWARE, "out of memory");
			break;
		}
		v[n].kind = KIND_UNKNOWN;
		n++;
	}
	closedir(d);
	if (ret < 0) {
		entries_free(v, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		v[i].kind = sniff_kind(run, v[i].name);
	if (n > 1)
		qsort(v, n, sizeof *v, entry_cmp);
	*out = v;
	*nout = n;
	return 0;
}

/* --- the books ----------------------------------------------------------------- */

static int add_event(struct ingest *g, const char *customer, const char *event,
		     const char *request_id, int64_t membership_id, const char *product_id,
		     const int64_t *amount, const char *status, const char *detail)
{
	sqlite3_stmt *st = g->st[S_EVENT_ADD];
	int64_t id = g->event_id;
	g->event_id = 0;
	if (id <= 0 && db_next_id(&g->run->db, &id, &g->run->err) < 0)
		return -1;
	db_bind_int(st, 10, id);
	db_bind_int(st, 1, g->run->date);
	db_bind_text(st, 2, customer);
	db_bind_text(st, 3, event);
	db_bind_text(st, 4, request_id);
	if (membership_id > 0)
		db_bind_int(st, 5, membership_id);
	db_bind_text(st, 6, product_id);
	if (amount)
		db_bind_int(st, 7, *amount);
	db_bind_text(st, 8, status);
	db_bind_text(st, 9, detail);
	return db_step_done(&g->run->db, st, &g->run->err);
}

struct product {
	int found;
	char name[4 * MAX_NAME_CHARS + 1];
	int64_t price;
	int32_t sale_until;
	int has_max;
	int64_t max_sales;
	int deleted;
};

static int get_product(struct ingest *g, const char *id, struct product *p)
{
	sqlite3_stmt *st = g->st[S_PRODUCT_GET];
	memset(p, 0, sizeof *p);
	db_bind_text(st, 1, id);
	int rc = db_step(&g->run->db, st, &g->run->err);
	if (rc == 1) {
		p->found = 1;
		snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 0));
		p->price = sqlite3_column_int64(st, 1);
		p->sale_until = db_col_date(st, 2);
		p->has_max = sqlite3_column_type(st, 3) != SQLITE_NULL;
		p->max_sales = sqlite3_column_int64(st, 3);
		p->deleted = strcmp(db_col_text(st, 4), "DELETED") == 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : 0;
}

static int pentry_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pentry *)elem)->id);
}

/* Load the catalog into the cache; a catalog too large to hold stays in
 * the books (valid = -1: look up per row). */
static int pcache_load(struct ingest *g)
{
	struct run *run = g->run;
	struct pcache *c = &g->products;
	int64_t n = 0;
	c->n = 0;
	if (db_query_int(&run->db, "SELECT count(*) FROM products", 0, &n, &run->err) < 0)
		return -1;
	if (n > PCACHE_MAX) {
		c->valid = -1;
		return 0;
	}
	free(c->v);
	c->v = calloc((size_t)n + 1, sizeof *c->v);
	if (c->v == NULL)
		return error_set(&run->err, EX_SOFTWARE, "out of memory");
	sqlite3_stmt *st = NULL;
	if (db_prepare(&run->db,
		       "SELECT product_id, price, sale_until, status = 'DELETED' FROM products"
		       " ORDER BY product_id", &st, &run->err) < 0)
		return -1;
	int rc;
	while ((rc = db_step(&run->db, st, &run->err)) == 1 && c->n < (size_t)n) {
		struct pentry *e = &c->v[c->n++];
		snprintf(e->id, sizeof e->id, "%s", db_col_text(st, 0));
		e->price = sqlite3_column_int64(st, 1);
		e->sale_until = db_col_date(st, 2);
		e->deleted = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	c->valid = 1;
	return 0;
}

/* What a purchase needs of a product (found, price, sale_until, deleted). */
static int lookup_product(struct ingest *g, const char *id, struct product *p)
{
	struct pcache *c = &g->products;
	if (c->valid == 0 && pcache_load(g) < 0)
		return -1;
	if (c->valid < 0)
		return get_product(g, id, p);
	const struct pentry *e = bsearch(id, c->v, c->n, sizeof *c->v, pentry_cmp);
	p->found = e != NULL;
	if (e) {
		p->price = e->price;
		p->sale_until = e->sale_until;
		p->deleted = e->deleted;
	}
	return 0;
}

static int write_product(struct ingest *g, const char *id, const struct product *p, int add)
{
	struct run *run = g->run;
	g->products.valid = 0;
	const char *status = p->deleted ? "DELETED"
			     : (p->sale_until != DATE_NONE && p->sale_until < run->date) ? "EXPIRED"
											 : "ACTIVE";
	sqlite3_stmt *st = g->st[add ? S_PRODUCT_ADD : S_PRODUCT_SET];
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, p->name);
	db_bind_int(st, 3, p->price);
	db_bind_date(st, 4, p->sale_until);
	if (p->has_max)
		db_bind_int(st, 5, p->max_sales);
	db_bind_text(st, 6, status);
	db_bind_int(st, 7, run->date);
	if (db_step_done(&run->db, st, &run->err) < 0)
		return -1;
	st = g->st[S_VERSION_ADD];
	db_bind_text(st, 1, id);
	db_bind_int(st, 2, run->date);
	db_bind_text(st, 3, p->name);
	db_bind_int(st, 4, p->price);
	db_bind_date(st, 5, p->sale_until);
	if (p->has_max)
		db_bind_int(st, 6, p->max_sales);
	db_bind_int(st, 7, p->deleted);
	return db_step_done(&run->db, st, &run->err);
}

/* Products: add, update (only the fields given; `none` clears), delete. */
static int apply_product(struct ingest *g, const struct row *r, struct verdict *v)
{
	struct product p;
	const char *id = r->f[C_PRODUCT_ID];
	if (get_product(g, id, &p) < 0)
		return -1;
	if (r->action == 0) {
		if (p.found)
			return validate_fail(v, "PRODUCT_EXISTS", "product %s exists already", id), 1;
		memset(&p, 0, sizeof p);
		snprintf(p.name, sizeof p.name, "%s", r->f[C_NAME]);
		p.price = r->price;
		p.sale_until = r->sale_until_given && !r->sale_until_none ? r->sale_until : DATE_NONE;
		p.has_max = r->max_sales_given && !r->max_sales_none;
		p.max_sales = r->max_sales;
		return write_product(g, id, &p, 1);
	}
	if (!p.found || p.deleted)
		return validate_fail(v, "UNKNOWN_PRODUCT", "no product %s%s", id,
			      p.deleted ? " (deleted)" : ""), 1;
	if (r->action == 2) {
		p.deleted = 1;
		return write_product(g, id, &p, 0);
	}
	if (r->f[C_NAME][0])
		snprintf(p.name, sizeof p.name, "%s", r->f[C_NAME]);
	if (r->f[C_PRICE][0])
		p.price = r->price;
	if (r->sale_until_given)
		p.sale_until = r->sale_until_none ? DATE_NONE : r->sale_until;
	if (r->max_sales_given) {
		p.has_max = !r->max_sales_none;
		p.max_sales = r->max_sales;
	}
	return write_product(g, id, &p, 0);
}

/* The verdict on a request id accepted before: a harmless resend when the
 * request is the same field for field, else an id reused. */
static int seen_verdict(struct verdict *v, int same, const char *request_id)
{
	if (same)
		validate_fail(v, "DUPLICATE_REQUEST", "request %s was accepted before", request_id);
	else
		validate_fail(v, "REQUEST_CONFLICT", "request %s was accepted before with other fields",
			      request_id);
	return 1;
}

/* A request id accepted before, as a purchase or as a cancel: 1 with the
 * verdict, 0 when new, -1 on database errors. A purchase row has no
 * purchase_request_id and a cancel row no product_id, so an id reused
 * across kinds never compares equal. */
static int check_seen_request(struct ingest *g, const struct row *r, struct verdict *v)
{
	const char *id = r->f[C_REQUEST_ID];
	sqlite3_stmt *st = g->st[S_MEMB_GET];
	db_bind_text(st, 1, id);
	int rc = db_step(&g->run->db, st, &g->run->err);
	int seen = 0;
	if (rc == 1)
		seen = seen_verdict(v,
				    strcmp(db_col_text(st, 1), r->f[C_CUSTOMER_ID]) == 0 &&
					    strcmp(db_col_text(st, 2), r->f[C_PRODUCT_ID]) == 0 &&
					    sqlite3_column_int64(st, 3) == r->amount &&
					    sqlite3_column_int64(st, 4) == r->requested_at,
				    id);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != 0)
		return rc < 0 ? -1 : seen;
	if (g->no_cancels && r->f[C_PURCHASE_REQUEST_ID][0] == '\0')
		return 0; /* a purchase, and no cancel was ever accepted */
	st = g->st[S_CANCEL_GET];
	db_bind_text(st, 1, id);
	rc = db_step(&g->run->db, st, &g->run->err);
	if (rc == 1)
		seen = seen_verdict(v,
				    r->f[C_PURCHASE_REQUEST_ID][0] != '\0' &&
					    strcmp(db_col_text(st, 0), r->f[C_CUSTOMER_ID]) == 0 &&
					    strcmp(db_col_text(st, 1), r->f[C_PURCHASE_REQUEST_ID]) == 0 &&
					    sqlite3_column_int64(st, 2) == r->requested_at &&
					    strcmp(db_col_text(st, 3), r->f[C_REASON]) == 0,
				    id);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : seen;
}

/* 1 when a cancel holds request id rid, 0 when none, -1 on errors. */
static int cancel_has(struct ingest *g, const char *rid)
{
	sqlite3_stmt *st = g->st[S_CANCEL_GET];
	db_bind_text(st, 1, rid);
	int rc = db_step(&g->run->db, st, &g->run->err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* The product's verdict on a purchase: 0 it may be bought at this amount,
 * 1 with the verdict, -1 on database errors. */
static int check_product(struct ingest *g, const struct row *r, struct verdict *v)
{
	struct run *run = g->run;
	struct product p;
	const char *pid = r->f[C_PRODUCT_ID];
	if (lookup_product(g, pid, &p) < 0)
		return -1;
	if (!p.found || p.deleted)
		return validate_fail(v, "UNKNOWN_PRODUCT", "no product %s%s on sale", pid,
			      p.deleted ? " (deleted)" : ""), 1;
	if (p.sale_until != DATE_NONE && dates_local_day(r->requested_at) > p.sale_until) {
		char d[DATE_TEXT_LEN + 1];
		dates_format(p.sale_until, d);
		return validate_fail(v, "PRODUCT_EXPIRED", "product %s was on sale until %s", pid, d), 1;
	}
	if (r->amount != p.price) {
		char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
		money_format(r->amount, run->cfg.minor_digits, a, sizeof a);
		money_format(p.price, run->cfg.minor_digits, b, sizeof b);
		return validate_fail(v, "PRICE_MISMATCH", "amount %s differs from the price %s", a, b), 1;
	}
	return 0;
}

/* Bind one batched row to the INSERT's parameters from first on. The text
 * is bound in place: the batch holds it until the statement is reset. */
static void batch_bind(struct ingest *g, const struct header *h, sqlite3_stmt *st, int first,
		       size_t i)
{
	const struct batch *b = &g->batch;
	const size_t *off = &b->off[i * b->nfields];
	sqlite3_bind_text(st, first, b->text + off[h->colidx[C_REQUEST_ID]], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 1, b->text + off[h->colidx[C_CUSTOMER_ID]], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 2, b->text + off[h->colidx[C_PRODUCT_ID]], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, first + 3, b->amount[i]);
	sqlite3_bind_int64(st, first + 4, b->at[i]);
	sqlite3_bind_int64(st, first + 5, g->run->date);
	sqlite3_bind_int64(st, first + 6, b->id[i]);
}

static int reject_row(struct ingest *g, struct file *f, const struct csvin_row *in,
		      const struct row *r, const struct verdict *v);

/* A batched row the insert turned away (its request id was taken, by an
 * earlier row or run): judged as a seen request, rejected in its place. */
static int batch_reject(struct ingest *g, struct file *f, size_t i)
{
	struct run *run = g->run;
	struct batch *b = &g->batch;
	struct csvin_row in = {b->nfields, b->fields, b->lens, b->too_long, b->line[i]};
	for (size_t k = 0; k < b->nfields; k++) {
		b->fields[k] = b->text + b->off[i * b->nfields + k];
		b->lens[k] = strlen(b->fields[k]);
		b->too_long[k] = 0;
	}
	struct row r;
	struct verdict v = {NULL, ""};
	if (validate_row(&g->vctx, &f->hdr, in.fields, in.too_long, in.nfields, &r, &v) < 0 ||
	    check_seen_request(g, &r, &v) != 1)
		return error_set(&run->err, EX_SOFTWARE,
				 "ingest: line %ld was refused by the books but is in none of them",
				 b->line[i]);
	f->accepted--;
	g->event_id = b->id[i];
	int rc = reject_row(g, f, &in, &r, &v);
	g->event_id = 0;
	return rc;
}

/* Insert the batched rows: a full batch in one statement, a short one row
 * by row. Then find any row the insert turned away and reject it. */
static int batch_flush(struct ingest *g, struct file *f)
{
	struct run *run = g->run;
	struct batch *b = &g->batch;
	int64_t added = 0;
	if (b->n == 0)
		return 0;
	if (b->n == BATCH_ROWS) {
		for (size_t i = 0; i < b->n; i++)
			batch_bind(g, &f->hdr, g->batch_insert, (int)(i * BATCH_PARAMS) + 1, i);
		if (db_step_done(&run->db, g->batch_insert, &run->err) < 0)
			return -1;
		added = sqlite3_changes(run->db.h);
	} else {
		for (size_t i = 0; i < b->n; i++) {
			batch_bind(g, &f->hdr, g->st[S_MEMB_ADD], 1, i);
			if (db_step_done(&run->db, g->st[S_MEMB_ADD], &run->err) < 0)
				return -1;
			added += sqlite3_changes(run->db.h);
		}
	}
	for (size_t i = 0; added < (int64_t)b->n && i < b->n; i++) {
		sqlite3_bind_int64(g->id_taken, 1, b->id[i]);
		int rc = db_step(&run->db, g->id_taken, &run->err);
		sqlite3_reset(g->id_taken);
		if (rc < 0 || (rc == 0 && batch_reject(g, f, i) < 0))
			return -1;
	}
	b->n = 0;
	b->len = 0;
	return 0;
}

/* Copy a valid purchase row into the batch, with the id it draws now. */
static int batch_add(struct ingest *g, struct file *f, const struct csvin_row *in,
		     const struct row *r)
{
	struct run *run = g->run;
	struct batch *b = &g->batch;
	if (b->off == NULL || b->nfields != in->nfields) {
		if (batch_flush(g, f) < 0)
			return -1;
		size_t nf = in->nfields ? in->nfields : 1;
		free(b->off);
		free(b->fields);
		free(b->lens);
		free(b->too_long);
		b->off = malloc(BATCH_ROWS * nf * sizeof *b->off);
		b->fields = malloc(nf * sizeof *b->fields);
		b->lens = malloc(nf * sizeof *b->lens);
		b->too_long = malloc(nf);
		b->nfields = in->nfields;
		if (!b->off || !b->fields || !b->lens || !b->too_long)
			return error_set(&run->err, EX_SOFTWARE, "out of memory");
	}
	size_t need = b->len;
	for (size_t k = 0; k < in->nfields; k++)
		need += in->lens[k] + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < need)
			cap *= 2;
		char *t = realloc(b->text, cap);
		if (t == NULL)
			return error_set(&run->err, EX_SOFTWARE, "out of memory");
		b->text = t;
		b->cap = cap;
	}
	for (size_t k = 0; k < in->nfields; k++) {
		b->off[b->n * b->nfields + k] = b->len;
		memcpy(b->text + b->len, in->fields[k], in->lens[k] + 1);
		b->len += in->lens[k] + 1;
	}
	if (db_next_id(&run->db, &b->id[b->n], &run->err) < 0)
		return -1;
	b->amount[b->n] = r->amount;
	b->at[b->n] = r->requested_at;
	b->line[b->n] = in->line;
	if (++b->n == BATCH_ROWS)
		return batch_flush(g, f);
	return 0;
}

/* A purchase becomes a membership row; its PURCHASE_REQUESTED event is that
 * row (schema_2.sql). A request id seen before is judged first, as a
 * resend or a conflict, whatever the product says: that verdict is looked
 * up only when the product refuses the row or the id is taken (by a cancel,
 * or by a purchase, which the batch insert finds), so a new purchase costs
 * a share of one statement, and a cancels lookup once the books hold any. */
static int apply_purchase(struct ingest *g, struct file *f, const struct csvin_row *in,
			  const struct row *r, struct verdict *v)
{
	int verdict = check_product(g, r, v);
	if (verdict != 0) {
		if (verdict < 0 || batch_flush(g, f) < 0)
			return -1;
		struct verdict seen_v = {0};
		int seen = check_seen_request(g, r, &seen_v);
		if (seen != 0 && seen_v.reason != NULL)
			*v = seen_v;
		return seen < 0 ? -1 : 1;
	}
	if (!g->no_cancels) {
		int taken = cancel_has(g, r->f[C_REQUEST_ID]);
		if (taken != 0)
			return taken < 0 ? -1 : check_seen_request(g, r, v);
	}
	return batch_add(g, f, in, r) < 0 ? -1 : 0;
}

static int apply_cancel(struct ingest *g, const struct row *r, struct verdict *v)
{
	struct run *run = g->run;
	int seen = check_seen_request(g, r, v);
	if (seen != 0)
		return seen;
	sqlite3_stmt *st = g->st[S_MEMB_GET];
	db_bind_text(st, 1, r->f[C_PURCHASE_REQUEST_ID]);
	int rc = db_step(&run->db, st, &run->err);
	if (rc < 0)
		return -1;
	int ret = 1;
	if (rc == 0) {
		validate_fail(v, "UNKNOWN_PURCHASE", "no purchase %s", r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	int64_t mid = sqlite3_column_int64(st, 0);
	char product[MAX_ID_LEN + 1], status[32];
	snprintf(product, sizeof product, "%s", db_col_text(st, 2));
	int64_t amount = sqlite3_column_int64(st, 3);
	snprintf(status, sizeof status, "%s", db_col_text(st, 5));
	const char *payment = db_col_text(st, 6);
	int32_t expires_on = db_col_date(st, 7);
	int pending_cancel = sqlite3_column_int(st, 8);
	if (strcmp(db_col_text(st, 1), r->f[C_CUSTOMER_ID]) != 0) {
		validate_fail(v, "NOT_OWNER", "purchase %s belongs to another customer",
		       r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	if (strcmp(status, "CANCELLED") == 0 || pending_cancel) {
		validate_fail(v, "ALREADY_CANCELLED", "purchase %s is cancelled or has a cancel pending",
		       r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	if (strcmp(payment, "DECLINED") == 0) {
		validate_fail(v, "NOT_CANCELLABLE", "purchase %s was declined", r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	if (strcmp(status, "EXPIRED") == 0 ||
	    (expires_on != DATE_NONE && dates_local_day(r->requested_at) >= expires_on)) {
		validate_fail(v, "NOT_CANCELLABLE", "membership %s had expired by the cancel's time",
		       r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	st = g->st[S_CANCEL_ADD];
	db_bind_text(st, 1, r->f[C_REQUEST_ID]);
	db_bind_text(st, 2, r->f[C_CUSTOMER_ID]);
	db_bind_text(st, 3, r->f[C_PURCHASE_REQUEST_ID]);
	db_bind_int(st, 4, mid);
	db_bind_int(st, 5, r->requested_at);
	db_bind_text(st, 6, r->f[C_REASON]);
	db_bind_int(st, 7, run->date);
	if (db_step_done(&run->db, st, &run->err) < 0)
		return -1;
	return add_event(g, r->f[C_CUSTOMER_ID], "CANCEL_REQUESTED", r->f[C_REQUEST_ID], mid,
			 product, &amount, status, r->f[C_PURCHASE_REQUEST_ID]);
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/* --- rejected rows ---------------------------------------------------------------- */

/* Append a rejected row to the file's temporary rejects file: the file's own
 * columns (its `_` columns left out, so a corrected file can come back as
 * is), then _line, _reason, _message. */
static int write_reject_row(struct ingest *g, struct file *f, const struct csvin_row *in,
			    const struct verdict *v)
{
	struct run *run = g->run;
	if (run->dry_run)
		return 0;
	struct csvout w;
	if (f->rejects == NULL) {
		char tmpname[64];
		snprintf(tmpname, sizeof tmpname, ".ingest-%ld.rejects.tmp", (long)getpid());
		free(f->rejects_tmp);
		f->rejects_tmp = fsx_join(g->rejected_dir, tmpname);
		if (f->rejects_tmp == NULL)
			return error_set(&run->err, EX_SOFTWARE, "out of memory");
		unlink(f->rejects_tmp);
		int fd = fsx_create(g->rejected_dir, tmpname, &run->err);
		if (fd < 0)
			return -1;
		f->rejects = fdopen(fd, "w");
		if (f->rejects == NULL) {
			close(fd);
			return error_set(&run->err, EX_IOERR, "%s: %s", f->rejects_tmp, strerror(errno));
		}
		csvout_init(&w, f->rejects, run->cfg.minor_digits);
		for (size_t i = 0; i < f->hdr.ncols; i++)
			if (f->header[i][0] != '_')
				csvout_raw(&w, f->header[i]);
		csvout_raw(&w, "_line");
		csvout_raw(&w, "_reason");
		csvout_raw(&w, "_message");
		csvout_end_row(&w);
	}
	csvout_init(&w, f->rejects, run->cfg.minor_digits);
	for (size_t i = 0; i < f->hdr.ncols; i++)
		if (f->header[i][0] != '_')
			csvout_raw(&w, i < in->nfields ? in->fields[i] : "");
	csvout_int(&w, in->line);
	csvout_raw(&w, v->reason);
	csvout_raw(&w, v->message);
	csvout_end_row(&w);
	if (ferror(f->rejects))
		return error_set(&run->err, EX_IOERR, "%s: write failed", f->rejects_tmp);
	return 0;
}

static int record_rejection(struct ingest *g, struct file *f, long line, const char *request_id,
			    const char *customer_id, const char *reason, const char *message)
{
	sqlite3_stmt *st = g->st[S_REJECTION_ADD];
	db_bind_int(st, 1, g->run->date);
	db_bind_text(st, 2, f->name);
	if (line > 0)
		db_bind_int(st, 3, line);
	db_bind_text(st, 4, request_id);
	db_bind_text(st, 5, customer_id);
	db_bind_text(st, 6, reason);
	db_bind_text(st, 7, message);
	return db_step_done(&g->run->db, st, &g->run->err);
}

static int reject_row(struct ingest *g, struct file *f, const struct csvin_row *in,
		      const struct row *r, const struct verdict *v)
{
	const char *request_id = r->request_id_ok ? r->f[C_REQUEST_ID] : NULL;
	const char *customer_id = r->customer_id_ok ? r->f[C_CUSTOMER_ID] : NULL;
	f->rejected++;
	if (record_rejection(g, f, in->line, request_id, customer_id, v->reason, v->message) < 0)
		return -1;
	if (customer_id && f->hdr.kind != KIND_PRODUCTS) {
		const char *event = f->hdr.kind == KIND_PURCHASES ? "PURCHASE_REJECTED" : "CANCEL_REJECTED";
		const char *product = f->hdr.kind == KIND_PURCHASES && r->product_id_ok ? r->f[C_PRODUCT_ID]
										     : NULL;
		const int64_t *amount = f->hdr.kind == KIND_PURCHASES && r->amount_ok ? &r->amount : NULL;
		if (add_event(g, customer_id, event, request_id, 0, product, amount, NULL, v->reason) < 0)
			return -1;
	}
	return write_reject_row(g, f, in, v);
}

/* --- one file ------------------------------------------------------------------- */

static void file_fail(struct file *f, const char *reason, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void file_fail(struct file *f, const char *reason, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	snprintf(f->reason, sizeof f->reason, "%s", reason);
	f->fail_line = line;
}

static void file_clear(struct file *f)
{
	if (f->rejects)
		fclose(f->rejects);
	f->rejects = NULL;
	if (f->rejects_tmp)
		unlink(f->rejects_tmp);
	free(f->rejects_tmp);
	f->rejects_tmp = NULL;
	for (size_t i = 0; f->header && i < f->hdr.ncols; i++)
		free(f->header[i]);
	free(f->header);
	f->header = NULL;
}

/* A failure of the reader: the file's fault (a whole-file rejection, 0) or
 * the machine's (read error, no memory: the run fails, -1). */
static int csv_failure(struct run *run, struct file *f, struct csvin *in,
		       const struct error *cerr, long line)
{
	if (cerr->code != EX_DATAERR)
		return error_set(&run->err, cerr->code ? cerr->code : EX_IOERR, "%s", cerr->msg);
	file_fail(f, csvin_failure(in), line, "%s", cerr->msg);
	return 0;
}

/* Parse and apply every row inside the open transaction. 0 done (the file
 * may carry a whole-file reason), -1 failure of the run (err set). */
static int read_rows(struct ingest *g, struct file *f, struct csvin *in, uint64_t size)
{
	struct run *run = g->run;
	struct csvin_row row;
	struct error cerr;
	error_clear(&cerr);
	g->batch.n = 0; /* what a failed file left is rolled back with it */
	g->batch.len = 0;
	int rc = csvin_next(in, &row, &cerr);
	if (rc == 0) {
		file_fail(f, "BAD_HEADER", 1, "the file is empty: no header");
		return 0;
	}
	if (rc < 0)
		return csv_failure(run, f, in, &cerr, 1);
	f->header = calloc(row.nfields ? row.nfields : 1, sizeof *f->header);
	if (f->header == NULL)
		return error_set(&run->err, EX_SOFTWARE, "out of memory");
	f->hdr.ncols = row.nfields;
	for (size_t i = 0; i < row.nfields; i++)
		if ((f->header[i] = strdup(row.fields[i])) == NULL)
			return error_set(&run->err, EX_SOFTWARE, "out of memory");
	struct verdict hv = {NULL, ""};
	if (validate_header(row.fields, row.too_long, row.nfields, &f->hdr, &hv) < 0) {
		file_fail(f, hv.reason, 1, "%s", hv.message);
		return 0;
	}
	for (;;) {
		rc = csvin_next(in, &row, &cerr);
		if (rc == 0)
			break;
		if (rc < 0)
			return csv_failure(run, f, in, &cerr, 0);
		if (run_stopped())
			return run_fail_stopped(run), -1;
		f->rows++;
		if ((f->rows & 0xfff) == 0)
			run_progress(run, "ingest bytes", csvin_bytes(in), size);
		struct row r;
		struct verdict v = {NULL, ""};
		int res;
		if (validate_row(&g->vctx, &f->hdr, row.fields, row.too_long, row.nfields, &r, &v) < 0)
			res = 1;
		else if (f->hdr.kind == KIND_PRODUCTS)
			res = apply_product(g, &r, &v);
		else if (f->hdr.kind == KIND_PURCHASES)
			res = apply_purchase(g, f, &row, &r, &v);
		else
			res = apply_cancel(g, &r, &v);
		if (res < 0)
			return -1;
		if (res > 0 && v.reason) {
			if (batch_flush(g, f) < 0 || reject_row(g, f, &row, &r, &v) < 0)
				return -1;
		} else {
			f->accepted++;
		}
	}
	return batch_flush(g, f);
}

/* Where a file goes, decided inside the transaction that records it, so
 * that a run finishing the moves after a crash uses exactly these names. */
struct plan {
	int64_t id;
	char date[DATE_TEXT_LEN + 1];
	char dest[64];            /* "archive/<date>" or "rejected/<date>" */
	char *final_name;         /* the file's name in dest */
	char *rejects_name;       /* <file>.rejects.csv in rejected/<date>, or NULL */
	char *reason, *message;   /* a whole-file rejection, or NULL */
};

static void plan_free(struct plan *p)
{
	free(p->final_name);
	free(p->rejects_name);
	free(p->reason);
	free(p->message);
	memset(p, 0, sizeof *p);
}

static int plan_names(struct ingest *g, struct plan *p, const char *name, int applied,
		      int has_rejects)
{
	struct run *run = g->run;
	snprintf(p->date, sizeof p->date, "%s", g->date_dir);
	snprintf(p->dest, sizeof p->dest, "%s/%s", applied ? "archive" : "rejected", g->date_dir);
	char *dir = fsx_join(run->cfg.workspace, p->dest);
	if (dir)
		p->final_name = fsx_unique_name(dir, name);
	free(dir);
	if (p->final_name == NULL)
		return error_set(&run->err, EX_SOFTWARE, "out of memory");
	if (has_rejects) {
		char *want = fsx_name_fit(name, ".rejects.csv");
		if (want)
			p->rejects_name = fsx_unique_name(g->rejected_dir, want);
		free(want);
		if (p->rejects_name == NULL)
			return error_set(&run->err, EX_SOFTWARE, "out of memory");
	}
	return 0;
}

/* Record the file and its planned names in the books (inside the file's
 * transaction). key is the SHA-256 of the content (or, for a file too large
 * to read, an identity from its inode). */
static int record_file(struct ingest *g, struct file *f, const char *key, struct plan *p)
{
	struct run *run = g->run;
	int applied = p->reason == NULL;
	sqlite3_stmt *st = g->st[S_FILE_ADD];
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, f->name);
	db_bind_text(st, 3, f->hdr.kind == KIND_UNKNOWN ? NULL : kind_names[f->hdr.kind]);
	db_bind_int(st, 4, run->date);
	if (run->run_id > 0)
		db_bind_int(st, 5, run->run_id);
	db_bind_text(st, 6, applied ? "APPLIED" : "REJECTED");
	db_bind_text(st, 7, p->reason);
	db_bind_text(st, 8, p->message);
	db_bind_int(st, 9, f->rows);
	db_bind_int(st, 10, applied ? f->accepted : 0);
	db_bind_int(st, 11, applied ? f->rejected : f->rows);
	db_bind_text(st, 12, p->dest);
	db_bind_text(st, 13, p->final_name);
	db_bind_text(st, 14, p->rejects_name);
	if (db_step_done(&run->db, st, &run->err) < 0)
		return -1;
	p->id = sqlite3_last_insert_rowid(run->db.h);
	return 0;
}

static int mark_moved(struct ingest *g, int64_t id)
{
	sqlite3_stmt *st = g->st[S_FILE_MOVED];
	db_bind_int(st, 1, id);
	return db_step_done(&g->run->db, st, &g->run->err);
}

static char *sha_tmp_name(const char *sha)
{
	size_t n = strlen(sha) + 32;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, ".%s.rejects.tmp", sha);
	return s;
}

/* After the commit, in an order a crash can resume at any point: the
 * rejected rows to their name, error.txt beside a whole reject, then the
 * inbox file itself (its absence from the inbox is what says "done"). */
static int finish_moves(struct ingest *g, const struct plan *p, const char *name,
			const char *sha)
{
	struct run *run = g->run;
	int ret = -1;
	char *dir = fsx_join(run->cfg.workspace, p->dest);
	char *rej_dir = NULL, *tmpname = NULL, *tmppath = NULL, *to = NULL, *ename = NULL;
	if (dir == NULL)
		goto nomem;
	if (fsx_mkdirs(dir, &run->err) < 0)
		goto out;
	if (p->rejects_name && sha) {
		char rdest[64];
		snprintf(rdest, sizeof rdest, "rejected/%s", p->date);
		rej_dir = fsx_join(run->cfg.workspace, rdest);
		tmpname = sha_tmp_name(sha);
		tmppath = rej_dir && tmpname ? fsx_join(rej_dir, tmpname) : NULL;
		to = rej_dir ? fsx_join(rej_dir, p->rejects_name) : NULL;
		if (tmppath == NULL || to == NULL)
			goto nomem;
		struct stat st;
		if (lstat(tmppath, &st) == 0) {
			if (rename(tmppath, to) < 0) {
				error_set(&run->err, errno == ENOSPC ? EX_IOERR : EX_CANTCREAT,
					  "%s: cannot rename to %s: %s", tmppath, p->rejects_name,
					  strerror(errno));
				goto out;
			}
			if (fsx_fsync_dir(rej_dir, &run->err) < 0)
				goto out;
			fault_point("ingest rejects renamed");
		}
	}
	if (p->reason) {
		ename = fsx_name_fit(p->final_name, ".error.txt");
		if (ename == NULL)
			goto nomem;
		char esc[600];
		fsx_escape(name, esc, sizeof esc);
		char text[1024];
		int len = snprintf(text, sizeof text, "file: %s\nreason: %s\nmessage: %s\n", esc,
				   p->reason, p->message ? p->message : "");
		if (len < 0 || (size_t)len >= sizeof text)
			len = (int)sizeof text - 1;
		if (fsx_write_atomic(dir, ename, text, (size_t)len, &run->err) < 0)
			goto out;
		fault_point("ingest error written");
	}
	if (fsx_move_exact(run->inbox, name, dir, p->final_name, &run->err) < 0)
		goto out;
	fault_point("ingest file moved");
	if (mark_moved(g, p->id) < 0)
		goto out;
	ret = 0;
	goto out;
nomem:
	error_set(&run->err, EX_SOFTWARE, "out of memory");
out:
	free(dir);
	free(rej_dir);
	free(tmpname);
	free(tmppath);
	free(to);
	free(ename);
	return ret;
}

/* What the books already know of this content. */
struct known {
	int owed;             /* a move is owed: *plan filled */
	int applied;          /* an applied copy exists: this one is a duplicate */
	int64_t stale_id;     /* a record whose move was done but not marked */
	struct plan plan;
};

static char *dup_text(struct run *run, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	char *s = strdup(db_col_text(st, col));
	if (s == NULL)
		error_set(&run->err, EX_SOFTWARE, "out of memory");
	return s;
}

static int lookup_key(struct ingest *g, const char *key, const char *name, struct known *k)
{
	struct run *run = g->run;
	sqlite3_stmt *st = g->st[S_FILE_BY_SHA];
	memset(k, 0, sizeof *k);
	db_bind_text(st, 1, key);
	int rc;
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		int applied = strcmp(db_col_text(st, 2), "APPLIED") == 0;
		int moved = sqlite3_column_int(st, 3);
		if (!moved && !k->owed && strcmp(db_col_text(st, 1), name) == 0) {
			/* Committed but not marked moved: the move is owed unless
			 * the planned name exists (the run died after moving, and
			 * this file is a new copy). */
			char *dir = fsx_join(run->cfg.workspace, db_col_text(st, 4));
			char *path = dir ? fsx_join(dir, db_col_text(st, 5)) : NULL;
			struct stat sb;
			int done = path && lstat(path, &sb) == 0;
			free(dir);
			free(path);
			if (done) {
				k->stale_id = sqlite3_column_int64(st, 0);
			} else {
				struct plan *p = &k->plan;
				p->id = sqlite3_column_int64(st, 0);
				snprintf(p->dest, sizeof p->dest, "%s", db_col_text(st, 4));
				dates_format(db_col_date(st, 9), p->date);
				p->final_name = dup_text(run, st, 5);
				p->rejects_name = dup_text(run, st, 6);
				p->reason = dup_text(run, st, 7);
				p->message = dup_text(run, st, 8);
				if (p->final_name == NULL) {
					rc = -1;
					break;
				}
				k->owed = 1;
				continue;
			}
		}
		if (applied)
			k->applied = 1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : 0;
}

/* Finish a record whose move was done by a run that died before marking
 * it (its own small transaction; nothing to do in a dry run). */
static int settle_stale(struct ingest *g, const struct known *k)
{
	if (k->stale_id == 0 || g->run->dry_run)
		return 0;
	return mark_moved(g, k->stale_id);
}

/* A whole-file rejection: recorded in its own transaction, then moved. */
static int reject_file(struct ingest *g, struct file *f, const char *key)
{
	struct run *run = g->run;
	struct plan p;
	memset(&p, 0, sizeof p);
	int ret = -1;
	g->whole_rejects++;
	log_warn("%s rejected whole: %s: %s", f->esc, f->reason, f->message);
	if (db_begin(&run->db, &run->err) < 0)
		return -1;
	if (plan_names(g, &p, f->name, 0, 0) < 0)
		goto fail;
	p.reason = strdup(f->reason);
	p.message = strdup(f->message);
	if (p.reason == NULL || p.message == NULL) {
		error_set(&run->err, EX_SOFTWARE, "out of memory");
		goto fail;
	}
	if (record_file(g, f, key, &p) < 0 ||
	    record_rejection(g, f, 0, NULL, NULL, f->reason, f->message) < 0 ||
	    db_commit(&run->db, &run->err) < 0)
		goto fail;
	fault_point("ingest commit");
	ret = run->dry_run ? 0 : finish_moves(g, &p, f->name, NULL);
	plan_free(&p);
	return ret;
fail:
	db_rollback(&run->db);
	plan_free(&p);
	return -1;
}

/* Finish the moves a crashed run owed for this file; it is not read again. */
static int finish_owed(struct ingest *g, struct file *f, struct known *k, const char *key)
{
	log_info("%s was recorded already (an earlier run died before moving it): moving it",
		 f->esc);
	f->rows = f->accepted = f->rejected = 0;
	if (g->run->dry_run)
		return 0;
	return finish_moves(g, &k->plan, f->name, k->plan.reason ? NULL : key);
}

static int process_file(struct ingest *g, const char *name)
{
	struct run *run = g->run;
	struct file f;
	memset(&f, 0, sizeof f);
	f.name = name;
	f.hdr.kind = KIND_UNKNOWN;
	fsx_escape(name, f.esc, sizeof f.esc);
	struct known k;
	memset(&k, 0, sizeof k);
	struct plan p;
	memset(&p, 0, sizeof p);
	struct stat st;
	int fd = open_inbox_file(run, name, &st);
	if (fd < 0) {
		log_info("inbox: %s went away or is not a regular file; skipped", f.esc);
		return 0;
	}
	struct csvin *in = NULL;
	char sha[65] = "";
	int ret = -1, in_tx = 0;
	run->counts.files++;
	if ((int64_t)st.st_size > run->cfg.max_file_bytes) {
		/* Too large to read: known by its inode instead of its hash. */
		char key[128];
		snprintf(key, sizeof key, "inode:%llu:%llu:%lld:%lld.%09ld",
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		close(fd);
		fd = -1;
		if (lookup_key(g, key, name, &k) < 0)
			goto out;
		if (k.owed) {
			ret = finish_owed(g, &f, &k, key);
			goto done;
		}
		if (settle_stale(g, &k) < 0)
			goto out;
		file_fail(&f, "FILE_TOO_LARGE", 0, "the file has %lld bytes, more than %lld",
			  (long long)st.st_size, (long long)run->cfg.max_file_bytes);
		ret = reject_file(g, &f, key);
		goto done;
	}
	if (csvin_open(&in, fd, name, (size_t)run->cfg.max_field_bytes, &run->err) < 0)
		goto out;
	if (db_begin(&run->db, &run->err) < 0)
		goto out;
	in_tx = 1;
	int64_t ncancels = 0;
	if (db_query_int(&run->db, "SELECT EXISTS (SELECT 1 FROM cancels)", 1, &ncancels,
			 &run->err) < 0)
		goto out;
	g->no_cancels = ncancels == 0;
	if (read_rows(g, &f, in, (uint64_t)st.st_size) < 0)
		goto out;
	if (csvin_drain(in, &run->err) < 0)
		goto out;
	csvin_sha256_hex(in, sha);
	if (lookup_key(g, sha, name, &k) < 0)
		goto out;
	if (k.owed) {
		db_rollback(&run->db);
		in_tx = 0;
		ret = finish_owed(g, &f, &k, sha);
		goto done;
	}
	if (k.applied)
		file_fail(&f, "DUPLICATE_FILE", 0, "the same content was processed before");
	else if (!f.reason[0] && f.rows > 0 &&
		 (double)f.rejected > run->cfg.max_rejected_share * (double)f.rows)
		file_fail(&f, "TOO_MANY_REJECTED", 0,
			  "%ld of %ld rows would be rejected, more than the share %g allowed",
			  f.rejected, f.rows, run->cfg.max_rejected_share);
	if (f.reason[0]) {
		db_rollback(&run->db);
		in_tx = 0;
		if (settle_stale(g, &k) < 0)
			goto out;
		if (f.rejects) {
			fclose(f.rejects);
			f.rejects = NULL;
		}
		f.rejected = f.rows;
		f.accepted = 0;
		ret = reject_file(g, &f, sha);
		goto done;
	}

	/* Accepted: the rejects file goes under a name derived from the hash
	 * before the commit, so a run that dies after it can still find it. */
	if (f.rejects) {
		if (fflush(f.rejects) != 0 || fsync(fileno(f.rejects)) < 0) {
			error_set(&run->err, EX_IOERR, "%s: write failed: %s", f.rejects_tmp,
				  strerror(errno));
			goto out;
		}
		fclose(f.rejects);
		f.rejects = NULL;
		char *tmpname = sha_tmp_name(sha);
		char *to = tmpname ? fsx_join(g->rejected_dir, tmpname) : NULL;
		int rc = to ? rename(f.rejects_tmp, to) : -1;
		free(tmpname);
		if (rc < 0) {
			free(to);
			error_set(&run->err, EX_IOERR, "%s: rename failed", f.rejects_tmp);
			goto out;
		}
		/* Until the commit succeeds it is still ours to remove. */
		free(f.rejects_tmp);
		f.rejects_tmp = to;
	}
	if (settle_stale(g, &k) < 0 || plan_names(g, &p, name, 1, f.rejected > 0) < 0 ||
	    record_file(g, &f, sha, &p) < 0 || db_commit(&run->db, &run->err) < 0)
		goto out;
	in_tx = 0;
	free(f.rejects_tmp); /* committed: the books now name it */
	f.rejects_tmp = NULL;
	fault_point("ingest commit");
	if (f.rejected > 0)
		log_info("%s: %ld rows, %ld accepted, %ld rejected", f.esc, f.rows, f.accepted,
			 f.rejected);
	else
		log_debug("%s: %ld rows, all accepted", f.esc, f.rows);
	if (run->dry_run) {
		log_info("dry run: %s would move to archive/%s/", f.esc, g->date_dir);
		ret = 0;
		goto done;
	}
	ret = finish_moves(g, &p, name, sha);
done:
	run->counts.rows += f.rows;
	run->counts.accepted += f.accepted;
	run->counts.rejected += f.rejected;
out:
	if (in_tx)
		db_rollback(&run->db);
	csvin_close(in);
	if (fd >= 0)
		close(fd);
	file_clear(&f);
	plan_free(&k.plan);
	plan_free(&p);
	return ret;
}

/* Records of moves a crashed run made but did not mark: the planned name
 * exists, so the move is done. (Moves still owed are finished when their
 * file is met in the inbox.) */
static int settle_done_moves(struct ingest *g)
{
	struct run *run = g->run;
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;
	if (db_prepare(&run->db, "SELECT id, dest, final_name FROM files WHERE moved = 0", &st,
		       &run->err) < 0)
		return -1;
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		char *dir = fsx_join(run->cfg.workspace, db_col_text(st, 1));
		char *path = dir ? fsx_join(dir, db_col_text(st, 2)) : NULL;
		struct stat sb;
		int done = path && lstat(path, &sb) == 0;
		free(dir);
		free(path);
		if (!done)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			int64_t *nv = realloc(ids, cap * sizeof *ids);
			if (nv == NULL) {
				error_set(&run->err, EX_SOFTWARE, "out of memory");
				goto out;
			}
			ids = nv;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (mark_moved(g, ids[i]) < 0)
			goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	free(ids);
	return ret;
}

/* Temporary files of runs that died (or failed) before their commit, in
 * every rejected/<date>/: pre-commit rejects (.ingest-*), error.txt being
 * written (.wtmp-*), and hash-named rejects (.<sha>.rejects.tmp) that no
 * committed file still owes a move. */
static int clean_stale_tmp(struct ingest *g)
{
	struct run *run = g->run;
	sqlite3_stmt *st = NULL;
	DIR *top = opendir(run->rejected);
	if (top == NULL)
		return 0;
	int ret = -1;
	if (db_prepare(&run->db,
		       "SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?1 AND moved = 0)", &st,
		       &run->err) < 0)
		goto out;
	struct dirent *dd;
	while ((dd = readdir(top)) != NULL) {
		if (dd->d_name[0] == '.')
			continue;
		char *dir = fsx_join(run->rejected, dd->d_name);
		DIR *d = dir ? opendir(dir) : NULL;
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			int stale = 0;
			if (n[0] != '.')
				continue;
			if (strncmp(n, ".ingest-", 8) == 0 || strncmp(n, ".wtmp-", 6) == 0) {
				stale = 1;
			} else if (ends_with(n, ".rejects.tmp") && strlen(n) == 1 + 64 + 12) {
				char sha[65];
				memcpy(sha, n + 1, 64);
				sha[64] = '\0';
				db_bind_text(st, 1, sha);
				int rc = db_step(&run->db, st, &run->err);
				stale = rc == 1 && sqlite3_column_int(st, 0) == 0;
				sqlite3_reset(st);
				if (rc < 0) {
					closedir(d);
					free(dir);
					goto out;
				}
			}
			if (stale) {
				char *p = fsx_join(dir, n);
				if (p)
					unlink(p);
				free(p);
			}
		}
		if (d)
			closedir(d);
		free(dir);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	closedir(top);
	return ret;
}

/* The batch INSERT: S_MEMB_ADD with BATCH_ROWS rows of values. OR FAIL,
 * with the product reference checked at COMMIT (schema_5.sql), means no
 * constraint can make SQLite undo half the statement, so it keeps no undo
 * journal of the pages the statement changes (with ABORT, every 64 rows
 * copied about 70 pages there). A row that fails a constraint is a bug
 * either way: the error rolls the whole file back. */
static int prepare_batch(struct ingest *g)
{
	if (db_prepare_rows(&g->run->db,
			    "INSERT OR FAIL INTO memberships (request_id, customer_id, product_id,"
			    " amount, requested_at, requested_on, id, status, payment) VALUES",
			    " (?, ?, ?, ?, ?, ?, ?, 'PENDING_PAYMENT', 'PENDING')", BATCH_ROWS,
			    " ON CONFLICT (request_id) DO NOTHING", &g->batch_insert,
			    &g->run->err) < 0)
		return -1;
	return db_prepare(&g->run->db, "SELECT 1 FROM memberships WHERE id = ?1", &g->id_taken,
			  &g->run->err);
}

int job_ingest(struct run *run)
{
	struct ingest g;
	memset(&g, 0, sizeof g);
	g.run = run;
	struct entry *files = NULL;
	size_t nfiles = 0;
	int code = 0, sync_set = 0;
	dates_format(run->date, g.date_dir);
	g.day_end = dates_local_midnight(run->date + 1);
	g.vctx.minor_digits = run->cfg.minor_digits;
	g.vctx.max_field_bytes = run->cfg.max_field_bytes;
	g.vctx.day_end = g.day_end;
	g.vctx.date_text = g.date_dir;
	g.archive_dir = fsx_join(run->archive, g.date_dir);
	g.rejected_dir = fsx_join(run->rejected, g.date_dir);
	if (g.archive_dir == NULL || g.rejected_dir == NULL) {
		error_set(&run->err, EX_SOFTWARE, "out of memory");
		code = EX_SOFTWARE;
		goto out;
	}
	/* A file moves out of the inbox after its commit, so that commit must be
	 * on disk first: with synchronous NORMAL the WAL is synced only at a
	 * checkpoint, and a power cut could keep the move and lose the rows.
	 * Ingest syncs each commit whatever database.synchronous says (one
	 * fsync a file). A dry run moves nothing, and runs inside a transaction,
	 * where SQLite refuses the change. */
	sync_set = !run->cfg.synchronous_full && !run->dry_run;
	if (sync_set && db_set_synchronous(&run->db, 1, &run->err) < 0)
		goto fail;
	for (int i = 0; i < NSTMTS; i++)
		if (db_prepare(&run->db, stmt_sql[i], &g.st[i], &run->err) < 0)
			goto fail;
	if (prepare_batch(&g) < 0)
		goto fail;
	if (list_inbox(run, &files, &nfiles) < 0)
		goto fail;
	if (!run->dry_run && settle_done_moves(&g) < 0)
		goto fail;
	if (!run->dry_run && clean_stale_tmp(&g) < 0)
		goto fail;
	for (size_t i = 0; i < nfiles; i++) {
		if (run_stopped()) {
			code = run_fail_stopped(run);
			goto out;
		}
		if (!run->dry_run && fsx_mkdirs(g.rejected_dir, &run->err) < 0)
			goto fail;
		if (process_file(&g, files[i].name) < 0)
			goto fail;
	}
	snprintf(run->summary, sizeof run->summary,
		 "%lld files, %lld rows, %lld accepted, %lld rejected", (long long)run->counts.files,
		 (long long)run->counts.rows, (long long)run->counts.accepted,
		 (long long)run->counts.rejected);
	code = g.whole_rejects > 0 ? EX_DATAERR : 0;
	goto out;
fail:
	code = run->err.code ? run->err.code : EX_SOFTWARE;
out:
	/* Back to the configured setting for the jobs after it (nightly); should
	 * that fail, they sync every commit: slower, never less safe. */
	if (sync_set)
		db_set_synchronous(&run->db, 0, NULL);
	for (int i = 0; i < NSTMTS; i++)
		sqlite3_finalize(g.st[i]);
	sqlite3_finalize(g.batch_insert);
	sqlite3_finalize(g.id_taken);
	free(g.batch.off);
	free(g.batch.fields);
	free(g.batch.lens);
	free(g.batch.too_long);
	free(g.batch.text);
	entries_free(files, nfiles);
	free(g.products.v);
	free(g.archive_dir);
	free(g.rejected_dir);
	return code;
}
