/* xlsx.c — typed rows into libxlsxwriter worksheets (constant_memory:
 * each row goes to the sheet's temporary file as the next one starts).
 * Every call after the first failure does nothing; the failure comes back
 * from xlsx_close. Strings are written with worksheet_write_string,
 * which never makes a formula: "=1+2" stays the text "=1+2"; every string
 * goes through wb_xstring first, since the library writes U+FFFE, U+FFFF
 * and a literal _xHHHH_ into the XML as they are (see there).
 * The cells are written by a thread of their own: the caller appends each
 * cell (its sheet, row, column, value and format) to a buffer, and the
 * thread makes the library calls in the same order, one full buffer at a
 * time while the caller fills the other (on a big day the library's XML
 * takes as long as the queries that feed it, and the machine has a second
 * core). Everything else (sheets, widths, charts, the file itself) is done
 * by the caller once the thread has written every cell before it
 * (wb_sync), so the library is only ever used by one thread at a time and
 * makes the same calls as a single thread would: the file is the same. If
 * the thread cannot be started, the caller writes the cells itself.
 * Not for: choosing sheets, rows or columns (jobs/report*.c). */
#include "xlsx.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unzip.h>
#include <xlsxwriter.h>

#include "csvout.h"
#include "dates.h"
#include "fault.h"
#include "utf8.h"

#define XLSX_MAX_SHEETS  64
#define XLSX_MAX_COLS    32
#define XLSX_TEXT_MAX    32767                   /* characters a cell holds */
#define XLSX_TEXT_BYTES  (XLSX_TEXT_MAX * 4 + 1) /* a cell's text, 4 bytes a character */
#define XLSX_EXCEL_EPOCH 25569     /* 1970-01-01 as a spreadsheet day (from 1899-12-30) */
#define XLSX_EXCEL_LAST  2958465   /* 9999-12-31, the last day Excel shows */
#define XLSX_QUEUE_BYTES (1 << 20) /* each of the two cell buffers */

/* Spreadsheets keep 15 significant digits of a number: from 10^15 minor
 * units on, an amount (or its last decimals) would be shown rounded. */
#define XLSX_EXACT_MAX INT64_C(1000000000000000)

/* A cell waiting for the thread: a header, then the value (a double, or
 * the text with its NUL), the whole rounded up to 8 bytes. */
struct wb_op {
	uint32_t row;
	uint16_t col;
	uint8_t sheet;
	uint8_t fmt;   /* enum wb_fmt */
	uint8_t text;  /* 1: a string follows, 0: a double */
	uint32_t size; /* of the whole record */
};

enum wb_fmt { FMT_NONE, FMT_BOLD, FMT_MONEY, FMT_DATE, FMT_DATETIME, FMT_BIG, FMT_COUNT };

/* The caller's buffer and the thread's: buf[fill] is being filled; busy is
 * set while the thread writes the other one. */
struct wb_queue {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running; /* the thread was started */
	int busy;    /* the thread has buf[!fill] to write */
	int stop;    /* the thread should end */
	char *buf[2];
	size_t len[2];
	int fill;
};

struct wb_sheet {
	lxw_worksheet *ws;
	char name[XLSX_SHEET_NAME_MAX + 1];
	const struct xlsx_col *cols; /* NULL: a free sheet */
	size_t ncols;
	uint32_t row, col;            /* the next cell */
	uint32_t data_rows;           /* rows under the header on this sheet */
	int part;                     /* 1, 2, …: "Name", "Name (2)", … */
	int table;                    /* the first sheet of this table */
	double set_w[XLSX_MAX_COLS];  /* the width each column was given */
	uint16_t seen[XLSX_MAX_COLS]; /* the widest cell written in it, in characters */
	uint32_t rows_out;            /* rows that got a cell: <row>s the XML must hold */
	uint32_t last_out;            /* the last of them + 1 (0: none yet) */
};

struct xlsx {
	lxw_workbook *lxw;
	char *path;
	struct xlsx_opts o;
	struct wb_sheet sheets[XLSX_MAX_SHEETS];
	size_t nsheets;
	int cur;
	lxw_error fail;              /* the first library failure */
	char failmsg[160];           /* or ours */
	char *text;                  /* text of a cell, bytes not UTF-8 as \xHH */
	char *xtext;                 /* the same as the XML's text (wb_xstring) */
	lxw_format *fmts[FMT_COUNT]; /* by enum wb_fmt; FMT_NONE: NULL */
	struct wb_queue q;
	/* The thread's first failure, read by the caller after wb_sync. */
	lxw_error cell_fail;
	int cell_sheet;
};

/* Code point of the character at s (n > 0 bytes of valid UTF-8) and its
 * length in *len. */
static uint32_t wb_char(const char *s, size_t n, size_t *len)
{
	uint32_t cp = 0;
	*len = utf8_decode(s, n, &cp);
	if (*len == 0) /* not UTF-8 after all: a byte on its own */
		*len = 1, cp = (unsigned char)s[0];
	return cp;
}

/* A character XML 1.0 does not allow in text, which a reader of OOXML
 * gets back from _xHHHH_: control characters other than tab and newline
 * (CR too: XML would read it as a newline), U+FFFE and U+FFFF. */
static int wb_unwritable(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF;
}

static int wb_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* Whether the '_' at s[0] (n bytes) would begin an _xHHHH_ in the XML,
 * which a reader decodes as one character: "_x", four hex digits, then an
 * underscore or a character written as _xHHHH_. */
static int wb_escape_underscore(const char *s, size_t n)
{
	if (n < 7 || s[1] != 'x')
		return 0;
	for (size_t i = 2; i < 6; i++)
		if (!wb_hex(s[i]))
			return 0;
	size_t len;
	return s[6] == '_' || wb_unwritable(wb_char(s + 6, n - 6, &len));
}

/* s (n bytes of UTF-8) as the text of a string cell (OOXML's ST_Xstring)
 * into out (XLSX_TEXT_BYTES); its length. libxlsxwriter 1.1.4 escapes
 * control characters as _xHHHH_, but writes U+FFFE and U+FFFF raw, which
 * XML 1.0 forbids: openpyxl then refuses the whole file and LibreOffice
 * drops rows. And it leaves a literal _x0041_ in the text, which Excel
 * would show as "A". So every character wb_unwritable names becomes
 * _xHHHH_ here (Excel shows the character; control characters as the
 * library writes them, so those cells keep their bytes), and an underscore
 * that would begin an _xHHHH_ becomes _x005F_ (Excel's own escape of '_'):
 * the library finds nothing left to escape. The text ends at a NUL, as the
 * library's C string did, and before the character that would take it
 * past the XLSX_TEXT_MAX characters a cell holds (an escape counts its 7),
 * which the library would refuse. */
static size_t wb_xstring(const char *s, size_t n, char *out)
{
	size_t o = 0, chars = 0, len;
	for (size_t i = 0; i < n && s[i] != '\0'; i += len) {
		uint32_t cp = wb_char(s + i, n - i, &len);
		int esc = wb_unwritable(cp) || (cp == '_' && wb_escape_underscore(s + i, n - i));
		if (chars + (esc ? 7 : 1) > XLSX_TEXT_MAX)
			break;
		if (esc) {
			snprintf(out + o, 8, "_x%04X_", (unsigned)cp);
			o += 7, chars += 7;
		} else {
			memcpy(out + o, s + i, len);
			o += len, chars++;
		}
	}
	out[o] = '\0';
	return o;
}

/* The library calls of one cell (the thread's, or the caller's when there
 * is no thread). */
static lxw_error wb_write(struct xlsx *wb, const struct wb_op *op)
{
	lxw_worksheet *ws = wb->sheets[op->sheet].ws;
	const char *payload = (const char *)(op + 1);
	if (op->text)
		return worksheet_write_string(ws, op->row, op->col, payload, wb->fmts[op->fmt]);
	double v;
	memcpy(&v, payload, sizeof v);
	return worksheet_write_number(ws, op->row, op->col, v, wb->fmts[op->fmt]);
}

/* Keep the first failure of a cell's library call (sheet: where). */
static void wb_cell_result(struct xlsx *wb, lxw_error e, int sheet)
{
	if (e != LXW_NO_ERROR && wb->cell_fail == LXW_NO_ERROR) {
		wb->cell_fail = e;
		wb->cell_sheet = sheet;
	}
}

static void wb_write_all(struct xlsx *wb, const char *buf, size_t len)
{
	int no_memory = fault_hold();
	for (size_t at = 0; at < len;) {
		const struct wb_op *op = (const struct wb_op *)(buf + at);
		if (wb->cell_fail == LXW_NO_ERROR)
			wb_cell_result(
				wb, no_memory ? LXW_ERROR_MEMORY_MALLOC_FAILED : wb_write(wb, op),
				op->sheet);
		at += op->size;
	}
	fault_release();
}

static void *wb_thread(void *arg)
{
	struct xlsx *wb = arg;
	struct wb_queue *q = &wb->q;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->busy && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (!q->busy)
			break;
		int b = !q->fill;
		pthread_mutex_unlock(&q->mu);
		wb_write_all(wb, q->buf[b], q->len[b]);
		pthread_mutex_lock(&q->mu);
		q->len[b] = 0;
		q->busy = 0;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Give the filled buffer to the thread (once it is done with the other)
 * and go on filling the other one. */
static void wb_hand_over(struct xlsx *wb)
{
	struct wb_queue *q = &wb->q;
	pthread_mutex_lock(&q->mu);
	while (q->busy)
		pthread_cond_wait(&q->cv, &q->mu);
	q->fill = !q->fill;
	q->busy = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Every cell so far written, the thread idle: the caller may use the
 * library. A failure of the thread's becomes the workbook's. */
static void wb_sync(struct xlsx *wb)
{
	struct wb_queue *q = &wb->q;
	if (q->running) {
		if (q->len[q->fill] > 0)
			wb_hand_over(wb);
		pthread_mutex_lock(&q->mu);
		while (q->busy)
			pthread_cond_wait(&q->cv, &q->mu);
		pthread_mutex_unlock(&q->mu);
	}
	if (wb->cell_fail != LXW_NO_ERROR && wb->fail == LXW_NO_ERROR && wb->failmsg[0] == '\0') {
		wb->fail = wb->cell_fail;
		snprintf(wb->failmsg, sizeof wb->failmsg, "%s: %s", wb->sheets[wb->cell_sheet].name,
			 lxw_strerror(wb->cell_fail));
	}
}

/* End the thread (its cells written first). */
static void wb_stop(struct xlsx *wb)
{
	struct wb_queue *q = &wb->q;
	if (!q->running)
		return;
	wb_sync(wb);
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	q->running = 0;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
}

/* Queue a cell: text (n bytes and a NUL) or the number v. */
static void wb_put(struct xlsx *wb, struct wb_sheet *sh, lxw_col_t col, enum wb_fmt fmt,
		   const char *text, size_t n, double v)
{
	if (sh->last_out != sh->row + 1) {
		sh->rows_out++;
		sh->last_out = sh->row + 1;
	}
	struct wb_op op = {.row = sh->row,
			   .col = col,
			   .sheet = (uint8_t)(sh - wb->sheets),
			   .fmt = (uint8_t)fmt,
			   .text = text != NULL};
	size_t payload = text != NULL ? n + 1 : sizeof v;
	op.size = (uint32_t)((sizeof op + payload + 7) & ~(size_t)7);
	struct wb_queue *q = &wb->q;
	if (!q->running) {
		/* No thread: the same call, made here. */
		lxw_error e = LXW_ERROR_MEMORY_MALLOC_FAILED;
		if (!fault_hold())
			e = text != NULL ? worksheet_write_string(sh->ws, op.row, op.col, text,
								  wb->fmts[fmt])
					 : worksheet_write_number(sh->ws, op.row, op.col, v,
								  wb->fmts[fmt]);
		fault_release();
		wb_cell_result(wb, e, op.sheet);
		return;
	}
	if (q->len[q->fill] + op.size > XLSX_QUEUE_BYTES)
		wb_hand_over(wb);
	char *at = q->buf[q->fill] + q->len[q->fill];
	memcpy(at, &op, sizeof op);
	if (text != NULL) {
		memcpy(at + sizeof op, text, n);
		at[sizeof op + n] = '\0';
	} else {
		memcpy(at + sizeof op, &v, sizeof v);
	}
	q->len[q->fill] += op.size;
}

/* Queue a string cell, s (n bytes of UTF-8) as the XML's text. */
static void wb_put_text(struct xlsx *wb, struct wb_sheet *sh, lxw_col_t col, enum wb_fmt fmt,
			const char *s, size_t n)
{
	wb_put(wb, sh, col, fmt, wb->xtext, wb_xstring(s, n, wb->xtext), 0);
}

/* Start the cell thread; without it (no memory, no thread) the caller
 * writes the cells. */
static void wb_start(struct xlsx *wb)
{
	struct wb_queue *q = &wb->q;
	q->buf[0] = malloc(XLSX_QUEUE_BYTES);
	q->buf[1] = malloc(XLSX_QUEUE_BYTES);
	if (q->buf[0] == NULL || q->buf[1] == NULL)
		return;
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&q->cv, NULL) != 0) {
		pthread_mutex_destroy(&q->mu);
		return;
	}
	if (pthread_create(&q->thread, NULL, wb_thread, wb) != 0) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		return;
	}
	q->running = 1;
}

static void wb_fail(struct xlsx *wb, lxw_error e, const char *what)
{
	if (e == LXW_NO_ERROR || wb->fail != LXW_NO_ERROR || wb->failmsg[0])
		return;
	wb->fail = e;
	snprintf(wb->failmsg, sizeof wb->failmsg, "%s: %s", what, lxw_strerror(e));
}

static void wb_fail_msg(struct xlsx *wb, const char *msg)
{
	if (wb->fail == LXW_NO_ERROR && wb->failmsg[0] == '\0')
		snprintf(wb->failmsg, sizeof wb->failmsg, "%s", msg);
}

static int wb_failed(const struct xlsx *wb)
{
	return wb->fail != LXW_NO_ERROR || wb->failmsg[0] != '\0';
}

/* The caller's library calls, the cell thread idle (wb_sync first, never
 * inside: the thread holds the same for its cells), run between wb_hold
 * and fault_release (lib/fault.h). -1, the workbook failed, when
 * allocations fail already (the test build's): then make none. */
static int wb_hold(struct xlsx *wb)
{
	wb_sync(wb);
	if (fault_hold()) {
		wb_fail(wb, LXW_ERROR_MEMORY_MALLOC_FAILED, "out of memory");
		return -1;
	}
	return 0;
}

int xlsx_open(struct xlsx **out, const char *path, const struct xlsx_opts *o, struct error *err)
{
	*out = NULL;
	struct xlsx *wb = calloc(1, sizeof *wb);
	if (wb == NULL || (wb->path = strdup(path)) == NULL ||
	    (wb->text = malloc(XLSX_TEXT_BYTES)) == NULL ||
	    (wb->xtext = malloc(XLSX_TEXT_BYTES)) == NULL) {
		xlsx_free(wb);
		return error_set(err, EX_SOFTWARE, "out of memory");
	}
	wb->o = *o;
	if (wb->o.max_rows == 0 || wb->o.max_rows > XLSX_MAX_ROWS)
		wb->o.max_rows = XLSX_MAX_ROWS;
	wb->cur = -1;
	lxw_workbook_options lo = {
		.constant_memory = LXW_TRUE, .tmpdir = (char *)o->tmpdir, .use_zip64 = LXW_TRUE};
	wb->lxw = workbook_new_opt(path, &lo);
	if (wb->lxw == NULL) {
		xlsx_free(wb);
		return error_set(err, EX_SOFTWARE, "%s: cannot start the workbook (out of memory)",
				 path);
	}
	lxw_doc_properties props = {.title = "membership daily report",
				    .created = (time_t)o->created};
	wb_fail(wb, workbook_set_properties(wb->lxw, &props), "document properties");

	static const char *const money_fmt[] = {"#,##0", "#,##0.0", "#,##0.00", "#,##0.000"};
	int md = o->minor_digits >= 0 && o->minor_digits <= 3 ? o->minor_digits : 0;
	for (int f = FMT_BOLD; f < FMT_COUNT; f++)
		if ((wb->fmts[f] = workbook_add_format(wb->lxw)) == NULL) {
			xlsx_free(wb);
			return error_set(err, EX_SOFTWARE, "out of memory");
		}
	format_set_bold(wb->fmts[FMT_BOLD]);
	format_set_num_format(wb->fmts[FMT_MONEY], money_fmt[md]);
	format_set_num_format(wb->fmts[FMT_DATE], "yyyy-mm-dd");
	format_set_num_format(wb->fmts[FMT_DATETIME], "yyyy-mm-dd hh:mm:ss");
	format_set_align(wb->fmts[FMT_BIG], LXW_ALIGN_RIGHT);
	if (!o->no_thread)
		wb_start(wb);
	*out = wb;
	return 0;
}

/* Columns are made wide enough for their content (SPEC §6.1): each cell
 * written notes its width in characters, and xlsx_close widens a column
 * past its set width to the widest, plus a margin (the library keeps the
 * widths until the file is assembled, so rows already streamed are no
 * obstacle). Bold cells are headings over empty neighbours: not measured. */
#define XLSX_WIDTH_MAX    250 /* a column holds at most 255 */
#define XLSX_WIDTH_MARGIN 2

static void wb_seen(struct wb_sheet *sh, lxw_col_t c, size_t w)
{
	if (c < XLSX_MAX_COLS && w > sh->seen[c])
		sh->seen[c] = (uint16_t)(w > XLSX_WIDTH_MAX ? XLSX_WIDTH_MAX : w);
}

/* Characters of an integer shown with a thousands separator every three
 * digits (sep) and decimals digits after the point. */
static size_t wb_number_width(int64_t v, int sep, int decimals)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t digits = 1;
	while (u >= 10)
		u /= 10, digits++;
	return (v < 0) + digits + (sep ? (digits - 1) / 3 : 0) +
	       (decimals > 0 ? (size_t)decimals + 1 : 0);
}

/* Widen each column of every sheet to its widest cell (see wb_seen). */
static void wb_fit_widths(struct xlsx *wb)
{
	for (size_t k = 0; k < wb->nsheets; k++) {
		struct wb_sheet *sh = &wb->sheets[k];
		for (lxw_col_t c = 0; c < XLSX_MAX_COLS; c++) {
			double w = (double)sh->seen[c] + XLSX_WIDTH_MARGIN;
			if (sh->seen[c] == 0 || w <= sh->set_w[c])
				continue;
			wb_fail(wb, worksheet_set_column(sh->ws, c, c, w, NULL), "column width");
			sh->set_w[c] = w;
		}
	}
}

static double wb_width(const struct xlsx_col *c)
{
	if (c->width > 0)
		return c->width;
	switch (c->type) {
	case XLSX_INT:
		return 12;
	case XLSX_MONEY:
		return 18;
	case XLSX_DATE:
		return 12;
	case XLSX_DATETIME:
		return 20;
	default:
		return 16;
	}
}

/* The header row of a table sheet: bold, frozen, widths set. */
static void wb_header(struct xlsx *wb, struct wb_sheet *sh)
{
	for (size_t i = 0; i < sh->ncols; i++) {
		const struct xlsx_col *c = &sh->cols[i];
		/* A header wide enough for its own name, too. */
		double w = wb_width(c), nw = (double)strlen(c->name) + 3;
		if (i < XLSX_MAX_COLS)
			sh->set_w[i] = w > nw ? w : nw;
		wb_fail(wb,
			worksheet_set_column(sh->ws, (lxw_col_t)i, (lxw_col_t)i, w > nw ? w : nw,
					     NULL),
			"column width");
		wb_xstring(c->name, strlen(c->name), wb->xtext);
		wb_fail(wb,
			worksheet_write_string(sh->ws, 0, (lxw_col_t)i, wb->xtext,
					       wb->fmts[FMT_BOLD]),
			"header");
	}
	worksheet_freeze_panes(sh->ws, 1, 0);
	if (sh->ncols > 0) {
		sh->rows_out = 1;
		sh->last_out = 1;
	}
	sh->row = 1;
	sh->col = 0;
}

/* The autofilter over a table sheet's header and rows, once it is full. */
static void wb_table_done(struct xlsx *wb, struct wb_sheet *sh)
{
	if (sh->cols == NULL || sh->ncols == 0)
		return;
	wb_sync(wb);
	wb_fail(wb, worksheet_autofilter(sh->ws, 0, 0, sh->data_rows, (lxw_col_t)(sh->ncols - 1)),
		"autofilter");
}

static int wb_add(struct xlsx *wb, const char *name, const struct xlsx_col *cols, size_t ncols,
		  int part, int table)
{
	wb_sync(wb);
	if (wb->nsheets == XLSX_MAX_SHEETS) {
		wb_fail_msg(wb, "too many sheets");
		return -1;
	}
	struct wb_sheet *sh = &wb->sheets[wb->nsheets];
	memset(sh, 0, sizeof *sh);
	char suffix[16] = "";
	if (part > 1)
		snprintf(suffix, sizeof suffix, " (%d)", part % 100000);
	/* The name cut so that the suffix fits in a sheet name's 31 characters. */
	int keep = (int)(XLSX_SHEET_NAME_MAX - strlen(suffix));
	snprintf(sh->name, sizeof sh->name, "%.*s", keep, name);
	memcpy(sh->name + strlen(sh->name), suffix, strlen(suffix) + 1);
	sh->ws = workbook_add_worksheet(wb->lxw, sh->name);
	if (sh->ws == NULL) {
		wb_fail_msg(wb, "cannot add a sheet");
		return -1;
	}
	sh->cols = cols;
	sh->ncols = ncols > XLSX_MAX_COLS ? XLSX_MAX_COLS : ncols;
	sh->part = part;
	sh->table = table < 0 ? (int)wb->nsheets : table;
	/* Printed (or saved as PDF) in landscape, one page wide. */
	worksheet_set_landscape(sh->ws);
	worksheet_fit_to_pages(sh->ws, 1, 0);
	if (cols != NULL)
		wb_header(wb, sh);
	wb->cur = (int)wb->nsheets++;
	return wb->cur;
}

int xlsx_sheet(struct xlsx *wb, const char *name, const struct xlsx_col *cols, size_t ncols,
	       struct error *err)
{
	int h = -1;
	if (wb_hold(wb) == 0) {
		if (wb->cur >= 0)
			wb_table_done(wb, &wb->sheets[wb->cur]);
		h = wb_add(wb, name, cols, cols ? ncols : 0, 1, -1);
	}
	fault_release();
	if (h < 0)
		return error_set(err, EX_SOFTWARE, "workbook: %s: %s", name, wb->failmsg);
	return h;
}

int xlsx_select(struct xlsx *wb, int sheet, struct error *err)
{
	if (sheet < 0 || (size_t)sheet >= wb->nsheets)
		return error_set(err, EX_SOFTWARE, "workbook: no sheet %d", sheet);
	wb->cur = sheet;
	return 0;
}

void xlsx_widths(struct xlsx *wb, const double *widths, size_t n)
{
	if (wb->cur < 0)
		return;
	if (wb_hold(wb) == 0)
		for (size_t i = 0; i < n; i++) {
			if (i < XLSX_MAX_COLS)
				wb->sheets[wb->cur].set_w[i] = widths[i];
			wb_fail(wb,
				worksheet_set_column(wb->sheets[wb->cur].ws, (lxw_col_t)i,
						     (lxw_col_t)i, widths[i], NULL),
				"column width");
		}
	fault_release();
}

/* The current sheet and cell, or NULL when nothing is to be written. */
static struct wb_sheet *wb_cell(struct xlsx *wb, lxw_col_t *col)
{
	if (wb->cur < 0 || wb_failed(wb))
		return NULL;
	struct wb_sheet *sh = &wb->sheets[wb->cur];
	if (sh->col >= LXW_COL_MAX)
		return NULL;
	*col = (lxw_col_t)sh->col++;
	return sh;
}

void xlsx_text(struct xlsx *wb, const char *s, size_t n)
{
	lxw_col_t c;
	struct wb_sheet *sh = wb_cell(wb, &c);
	if (sh == NULL || s == NULL || n == 0)
		return;
	/* At most XLSX_TEXT_MAX bytes (a cell holds 32767 characters), cut on
	 * a character boundary; bytes that are not UTF-8 as \xHH. */
	if (n > XLSX_TEXT_MAX) {
		n = XLSX_TEXT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	size_t len = csvout_utf8_escape(s, n, wb->text, XLSX_TEXT_BYTES);
	wb_seen(sh, c, utf8_columns(wb->text, len));
	wb_put_text(wb, sh, c, FMT_NONE, wb->text, len);
}

void xlsx_bold(struct xlsx *wb, const char *s)
{
	lxw_col_t c;
	struct wb_sheet *sh = wb_cell(wb, &c);
	if (sh != NULL && s != NULL && *s)
		wb_put_text(wb, sh, c, FMT_BOLD, s, strlen(s));
}

void xlsx_int(struct xlsx *wb, int64_t v)
{
	lxw_col_t c;
	struct wb_sheet *sh = wb_cell(wb, &c);
	if (sh != NULL) {
		wb_seen(sh, c, wb_number_width(v, 0, 0));
		wb_put(wb, sh, c, FMT_NONE, NULL, 0, (double)v);
	}
}

void xlsx_money(struct xlsx *wb, money_sum minor)
{
	lxw_col_t c;
	struct wb_sheet *sh = wb_cell(wb, &c);
	if (sh == NULL)
		return;
	if (minor < XLSX_EXACT_MAX && minor > -XLSX_EXACT_MAX) {
		double v = (double)(int64_t)minor / (double)money_scale(wb->o.minor_digits);
		int64_t units = (int64_t)minor / money_scale(wb->o.minor_digits);
		wb_seen(sh, c,
			wb_number_width(units, 1, wb->o.minor_digits) + (minor < 0 && units == 0));
		wb_put(wb, sh, c, FMT_MONEY, NULL, 0, v);
		return;
	}
	/* 16 digits or more would be shown rounded: the exact amount, as
	 * right-aligned text. */
	char buf[MONEY_SUM_TEXT_MAX];
	money_format_sum(minor, wb->o.minor_digits, 1, buf, sizeof buf);
	wb_seen(sh, c, strlen(buf));
	wb_put_text(wb, sh, c, FMT_BIG, buf, strlen(buf));
}

/* The spreadsheet day (Excel's 1900 date system, which LibreOffice reads
 * the same) of day, days since 1970-01-01; -1 when it has none. Excel
 * counts 1900 as a leap year, as Lotus 1-2-3 did: day 1 is 1900-01-01, 59
 * 1900-02-28, 60 a 1900-02-29 that never was, 61 1900-03-01, from which on
 * the days since 1899-12-30 are right. Before 1900-01-01 there are no
 * dates (a negative day shows as #####), after 9999-12-31 neither. */
static int64_t wb_serial(int64_t day)
{
	int64_t serial = day + XLSX_EXCEL_EPOCH;
	if (serial < 61)
		serial--;
	return serial >= 1 && serial <= XLSX_EXCEL_LAST ? serial : -1;
}

void xlsx_date(struct xlsx *wb, int32_t day)
{
	lxw_col_t c;
	struct wb_sheet *sh = wb_cell(wb, &c);
	if (sh == NULL || day == DATE_NONE)
		return;
	wb_seen(sh, c, 10); /* yyyy-mm-dd */
	int64_t serial = wb_serial(day);
	if (serial >= 0) {
		wb_put(wb, sh, c, FMT_DATE, NULL, 0, (double)serial);
		return;
	}
	/* No spreadsheet date: the date as the CSV holds it, right-aligned. */
	char text[DATE_TEXT_LEN + 1];
	dates_format(day, text);
	wb_put_text(wb, sh, c, FMT_BIG, text, strlen(text));
}

void xlsx_datetime(struct xlsx *wb, int64_t local_seconds)
{
	lxw_col_t c;
	struct wb_sheet *sh = wb_cell(wb, &c);
	if (sh == NULL)
		return;
	wb_seen(sh, c, 19); /* yyyy-mm-dd hh:mm:ss */
	/* Whole days and the seconds of the day apart: exact to the second. */
	int64_t day = local_seconds / 86400, sec = local_seconds % 86400;
	if (sec < 0)
		sec += 86400, day--;
	int64_t serial = day >= INT32_MIN + 1 && day <= INT32_MAX ? wb_serial(day) : -1;
	if (serial >= 0) {
		wb_put(wb, sh, c, FMT_DATETIME, NULL, 0, (double)serial + (double)sec / 86400.0);
		return;
	}
	/* No spreadsheet date: the local date-time as the cell would show it,
	 * as right-aligned text. */
	char text[DATE_TEXT_LEN + 16];
	dates_format((int32_t)day, text);
	snprintf(text + strlen(text), sizeof text - strlen(text), " %02d:%02d:%02d",
		 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	wb_put_text(wb, sh, c, FMT_BIG, text, strlen(text));
}

void xlsx_empty(struct xlsx *wb)
{
	lxw_col_t c;
	(void)wb_cell(wb, &c);
}

void xlsx_end_row(struct xlsx *wb)
{
	if (wb->cur < 0 || wb_failed(wb))
		return;
	struct wb_sheet *sh = &wb->sheets[wb->cur];
	sh->row++;
	sh->col = 0;
	if (sh->cols == NULL)
		return;
	sh->data_rows++;
	if (sh->data_rows < wb->o.max_rows)
		return;
	/* Full: the table goes on on a new sheet (this one must be the last). */
	if ((size_t)wb->cur != wb->nsheets - 1) {
		wb_fail_msg(wb, "a table grew past a sheet while another sheet followed it");
		return;
	}
	if (wb_hold(wb) == 0) {
		wb_table_done(wb, sh);
		const struct wb_sheet *first = &wb->sheets[sh->table];
		wb_add(wb, first->name, sh->cols, sh->ncols, sh->part + 1, sh->table);
	}
	fault_release();
}

uint32_t xlsx_row(const struct xlsx *wb)
{
	return wb->cur < 0 ? 0 : wb->sheets[wb->cur].row;
}

static int wb_chart(struct xlsx *wb, enum xlsx_chart_kind kind, const char *title,
		    uint32_t first_row, uint32_t last_row, uint16_t cat_col,
		    const uint16_t *val_cols, size_t nvals, uint32_t row, uint16_t col,
		    struct error *err)
{
	struct wb_sheet *sh = &wb->sheets[wb->cur];
	lxw_chart *ch = workbook_add_chart(wb->lxw, kind == XLSX_CHART_BAR ? LXW_CHART_BAR
									   : LXW_CHART_COLUMN);
	if (ch == NULL)
		return error_set(err, EX_SOFTWARE, "workbook: cannot add a chart");
	chart_title_set_name(ch, title);
	/* Counts: whole ticks. A bar chart lists its categories top down, in
	 * the order of the rows: its category axis (y_axis in the library's
	 * bar charts) is drawn upwards unless reversed. */
	if (kind == XLSX_CHART_BAR) {
		chart_axis_set_reverse(ch->y_axis);
		chart_axis_set_num_format(ch->x_axis, "#,##0");
	} else {
		chart_axis_set_num_format(ch->y_axis, "#,##0");
	}
	for (size_t i = 0; i < nvals; i++) {
		lxw_chart_series *s = chart_add_series(ch, NULL, NULL);
		if (s == NULL)
			return error_set(err, EX_SOFTWARE, "workbook: cannot add a chart series");
		chart_series_set_categories(s, sh->name, first_row, cat_col, last_row, cat_col);
		chart_series_set_values(s, sh->name, first_row, val_cols[i], last_row, val_cols[i]);
		if (first_row > 0)
			chart_series_set_name_range(s, sh->name, first_row - 1, val_cols[i]);
	}
	lxw_chart_options co = {.x_offset = 8, .y_offset = 4, .x_scale = 1.25, .y_scale = 1.25};
	wb_fail(wb, worksheet_insert_chart_opt(sh->ws, row, col, ch, &co), "chart");
	return 0;
}

int xlsx_chart(struct xlsx *wb, enum xlsx_chart_kind kind, const char *title, uint32_t first_row,
	       uint32_t last_row, uint16_t cat_col, const uint16_t *val_cols, size_t nvals,
	       uint32_t row, uint16_t col, struct error *err)
{
	if (wb->cur < 0)
		return error_set(err, EX_SOFTWARE, "workbook: chart without a sheet");
	int rc = wb_hold(wb) < 0 ? error_set(err, EX_SOFTWARE, "workbook: %s", wb->failmsg)
				 : wb_chart(wb, kind, title, first_row, last_row, cat_col, val_cols,
					    nvals, row, col, err);
	fault_release();
	return rc;
}

void xlsx_sync(struct xlsx *wb)
{
	if (wb != NULL)
		wb_sync(wb);
}

/* Read the current entry of zip z, an XML part: how many <row elements it
 * holds (a sheet's rows), and whether it ends by closing the element it
 * began with (a part cut short does not). -1 on a read error. */
static int wb_read_part(unzFile z, uint64_t *rows, int *whole)
{
	enum { PAT = 5, CHUNK = 65536, TAIL = 64 };
	char buf[CHUNK + PAT];
	char tail[TAIL], root[TAIL - 8] = "";
	size_t keep = 0, tail_len = 0;
	*rows = 0;
	*whole = 0;
	if (unzOpenCurrentFile(z) != UNZ_OK)
		return -1;
	for (int first = 1;; first = 0) {
		int got = unzReadCurrentFile(z, buf + keep, CHUNK);
		if (got < 0) {
			unzCloseCurrentFile(z);
			return -1;
		}
		if (got == 0)
			break;
		size_t len = keep + (size_t)got;
		if (first) {
			/* the root element: the first tag not <?…?> or <!…> */
			for (size_t i = 0; i + 1 < len; i++) {
				if (buf[i] != '<' || buf[i + 1] == '?' || buf[i + 1] == '!')
					continue;
				size_t j = 0;
				while (i + 1 + j < len && j + 1 < sizeof root &&
				       strchr(" \t\r\n/>", buf[i + 1 + j]) == NULL) {
					root[j] = buf[i + 1 + j];
					j++;
				}
				root[j] = '\0';
				break;
			}
		}
		/* "<row " and "<row>" count ("<rowBreaks" does not); a match is
		 * counted where it ends inside the buffer, so the bytes carried
		 * to the next read (the last PAT - 1) hold none counted yet */
		for (size_t i = 0; i + PAT <= len; i++)
			if (buf[i] == '<' && memcmp(buf + i + 1, "row", 3) == 0 &&
			    (buf[i + 4] == ' ' || buf[i + 4] == '>'))
				(*rows)++;
		/* the stream's last TAIL bytes, for the end */
		size_t fresh = (size_t)got;
		const char *from = buf + keep;
		if (fresh >= TAIL) {
			memcpy(tail, from + fresh - TAIL, TAIL);
			tail_len = TAIL;
		} else {
			size_t drop = tail_len + fresh > TAIL ? tail_len + fresh - TAIL : 0;
			memmove(tail, tail + drop, tail_len - drop);
			memcpy(tail + tail_len - drop, from, fresh);
			tail_len = tail_len - drop + fresh;
		}
		keep = len < PAT - 1 ? len : PAT - 1;
		memmove(buf, buf + len - keep, keep);
	}
	while (tail_len > 0 && strchr(" \t\r\n", tail[tail_len - 1]) != NULL)
		tail_len--;
	char close[TAIL];
	int n = snprintf(close, sizeof close, "</%s>", root);
	*whole = root[0] != '\0' && n > 0 && (size_t)n <= tail_len &&
		 memcmp(tail + tail_len - (size_t)n, close, (size_t)n) == 0;
	return unzCloseCurrentFile(z) == UNZ_OK ? 0 : -1;
}

/* At close the library copies each sheet's rows into the sheet's XML and
 * that into the zip, again through stdio that keeps a failed write or
 * read to itself: a sheet would come out short, and the zip whole. So
 * the zip is read back: each sheet must hold at least its rows' bytes and
 * the few hundred around them, a <row> for each row that got a cell (the
 * last row of a sheet is written only at close), and end as a worksheet
 * ends. (About a second at 1M purchases: the zip is inflated once.) */
#define WB_SHEET_XML_MIN 256
static int wb_verify(const struct xlsx *wb, const long *rows_bytes, struct error *err)
{
	errno = 0;
	unzFile z = unzOpen64(wb->path);
	if (z == NULL)
		return error_set(err, error_io_code(errno),
				 "%s: written, but it does not read back as a zip%s", wb->path,
				 errno == ENOMEM ? ": out of memory" : "");
	int rc = 0;
	size_t sheets_seen = 0;
	for (int more = unzGoToFirstFile(z); more == UNZ_OK && rc == 0; more = unzGoToNextFile(z)) {
		unz_file_info64 info;
		char part[256];
		uint64_t rows;
		int whole;
		errno = 0;
		if (unzGetCurrentFileInfo64(z, &info, part, sizeof part, NULL, 0, NULL, 0) !=
			    UNZ_OK ||
		    wb_read_part(z, &rows, &whole) < 0) {
			rc = error_set(err, error_io_code(errno),
				       "%s: written, but it does not read back%s", wb->path,
				       errno == ENOMEM ? ": out of memory" : "");
			break;
		}
		if (!whole) {
			rc = error_set(err, EX_IOERR,
				       "%s: write: %s came out cut short (%llu bytes): a write or"
				       " read of the library's temporary files failed",
				       wb->path, part, (unsigned long long)info.uncompressed_size);
			break;
		}
		size_t k;
		char tailc;
		if (sscanf(part, "xl/worksheets/sheet%zu.xm%c", &k, &tailc) != 2 || k == 0 ||
		    k > wb->nsheets)
			continue;
		const struct wb_sheet *sh = &wb->sheets[k - 1];
		sheets_seen++;
		if (info.uncompressed_size < (ZPOS64_T)rows_bytes[k - 1] + WB_SHEET_XML_MIN ||
		    rows < sh->rows_out)
			rc = error_set(err, EX_IOERR,
				       "%s: write: sheet '%s' came out with %llu of its %lu rows"
				       " (%llu bytes for %ld of rows): a write or read of the"
				       " library's temporary files failed",
				       wb->path, sh->name, (unsigned long long)rows,
				       (unsigned long)sh->rows_out,
				       (unsigned long long)info.uncompressed_size,
				       rows_bytes[k - 1]);
	}
	if (rc == 0 && sheets_seen != wb->nsheets)
		rc = error_set(err, EX_IOERR, "%s: written, but it holds %zu of its %zu sheets",
			       wb->path, sheets_seen, wb->nsheets);
	unzClose(z);
	return rc;
}

int xlsx_close(struct xlsx *wb, struct error *err)
{
	if (wb == NULL)
		return 0;
	wb_stop(wb); /* every cell written, the thread ended */
	if (wb_hold(wb) == 0 && wb->cur >= 0) {
		wb_table_done(wb, &wb->sheets[wb->nsheets - 1]);
		wb_fit_widths(wb);
	}
	wb_sync(wb); /* a failure of a cell's, with or without the thread */
	int ret = 0;
	/* constant_memory: each sheet's rows went as XML into a temporary
	 * file of the library's through stdio, which does not say when a
	 * write fails (EIO, ENOSPC), and would zip what is there: a sheet cut
	 * short or broken. The stream's error flag says it; its size is what
	 * the sheet in the zip must at least hold (wb_verify). */
	long rows_bytes[XLSX_MAX_SHEETS];
	const char *unwritten = NULL; /* the sheet whose stream failed */
	for (size_t k = 0; k < wb->nsheets && !wb_failed(wb) && unwritten == NULL; k++) {
		lxw_worksheet *ws = wb->sheets[k].ws;
		FILE *f = ws->optimize_tmpfile != NULL ? ws->optimize_tmpfile : ws->file;
		rows_bytes[k] = 0;
		if (f != NULL && (fflush(f) != 0 || ferror(f) || (rows_bytes[k] = ftell(f)) < 0))
			unwritten = wb->sheets[k].name;
	}
	if (unwritten != NULL || wb_failed(wb)) {
		fault_release();
		if (unwritten != NULL)
			ret = error_set(err, EX_IOERR,
					"%s: write: the rows of sheet '%s' could not all be written"
					" to its temporary file (an I/O error or a full disk)",
					wb->path, unwritten);
		else
			ret = error_set(err, EX_SOFTWARE, "%s: %s", wb->path, wb->failmsg);
		xlsx_free(wb);
		return ret;
	}
	lxw_error e = workbook_close(wb->lxw);
	fault_release();
	wb->lxw = NULL; /* freed by workbook_close, whatever it returns */
	if (e != LXW_NO_ERROR)
		ret = error_set(err,
				e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE
					? EX_CANTCREAT
					: EX_IOERR,
				"%s: write: %s", wb->path, lxw_strerror(e));
	else
		ret = wb_verify(wb, rows_bytes, err);
	xlsx_free(wb);
	return ret;
}

void xlsx_free(struct xlsx *wb)
{
	if (wb == NULL)
		return;
	wb_stop(wb);
	if (wb->lxw != NULL)
		lxw_workbook_free(wb->lxw);
	free(wb->q.buf[0]);
	free(wb->q.buf[1]);
	free(wb->path);
	free(wb->text);
	free(wb->xtext);
	free(wb);
}
