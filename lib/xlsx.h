/* xlsx.h — an .xlsx workbook for people (SPEC §6.1) through
 * libxlsxwriter, in constant_memory mode (memory stays bounded whatever
 * the rows): sheets of typed cells written row by row, in the order the
 * sheets were added. A table sheet has a bold, frozen header row with an
 * autofilter and set column widths, and continues on "Name (2)", "Name (3)"
 * … past max_rows data rows. Amounts are numbers with the currency's
 * decimals and a thousands separator (from 10^15 minor units on, which a
 * spreadsheet would round to 15 digits, exact right-aligned text), dates
 * and times real spreadsheet dates (before 1900-01-01, which have none,
 * right-aligned yyyy-mm-dd text), text always text (never a formula, no '
 * guard; what XML cannot hold as _xHHHH_, as Excel reads it). Byte-identical
 * for the same calls: the document date is a parameter and the zip times
 * are fixed by the library (1980-01-01 in libxlsxwriter 1.1.4).
 * Not for: what the sheets hold (jobs/report*.c), file modes or syncing
 * (the caller does them once the file is closed). */
#ifndef MEMBERSHIP_XLSX_H
#define MEMBERSHIP_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "money.h"

#define XLSX_MAX_ROWS       1048575 /* data rows a worksheet holds under its header */
#define XLSX_SHEET_NAME_MAX 31

enum xlsx_type {
	XLSX_TEXT,     /* text, as is (invalid UTF-8 bytes as \xHH) */
	XLSX_INT,      /* a whole number */
	XLSX_MONEY,    /* minor units, shown with the currency's decimals */
	XLSX_DATE,     /* days since 1970-01-01 */
	XLSX_DATETIME, /* local seconds since 1970-01-01 (already in the zone) */
};

struct xlsx_col {
	const char *name;
	enum xlsx_type type; /* sets the width when width is 0 */
	double width;        /* in characters; 0: by type */
};

struct xlsx_opts {
	int minor_digits;   /* 0..3 */
	int64_t created;    /* the document date (UTC epoch seconds), fixed for reruns */
	const char *tmpdir; /* where libxlsxwriter keeps its row files; NULL: the system's */
	uint32_t max_rows;  /* data rows per sheet; 0: XLSX_MAX_ROWS */
	int no_thread;      /* write the cells on the caller's thread (tests: the
			       same bytes either way) */
};

struct xlsx;

/* Create the workbook that xlsx_close writes to path. -1 with err. */
int xlsx_open(struct xlsx **out, const char *path, const struct xlsx_opts *o, struct error *err);

/* Add a sheet and make it the current one: a table with the header cols
 * (ncols > 0), or a free sheet (cols NULL) whose column widths are set by
 * xlsx_widths. Returns the sheet's handle (>= 0), or -1 with err. */
int xlsx_sheet(struct xlsx *wb, const char *name, const struct xlsx_col *cols, size_t ncols,
	       struct error *err);
/* Go back to an earlier sheet (a free sheet written last, like a summary
 * placed first); only a table added last may grow past max_rows. */
int xlsx_select(struct xlsx *wb, int sheet, struct error *err);
/* Column widths of the current sheet, in characters. */
void xlsx_widths(struct xlsx *wb, const double *widths, size_t n);

/* Cells of the current row, left to right; xlsx_end_row moves to the
 * next row (a table past max_rows goes on to its next sheet). */
void xlsx_text(struct xlsx *wb, const char *s, size_t n);
void xlsx_bold(struct xlsx *wb, const char *s); /* a heading cell */
void xlsx_int(struct xlsx *wb, int64_t v);
void xlsx_money(struct xlsx *wb, money_sum minor);
void xlsx_date(struct xlsx *wb, int32_t day); /* DATE_NONE: empty */
void xlsx_datetime(struct xlsx *wb, int64_t local_seconds);
void xlsx_empty(struct xlsx *wb);
void xlsx_end_row(struct xlsx *wb);
/* The current row of the current sheet (0 = its first). */
uint32_t xlsx_row(const struct xlsx *wb);

enum xlsx_chart_kind { XLSX_CHART_COLUMN, XLSX_CHART_BAR };

/* A native chart on the current sheet with its top left corner at
 * (row, col): categories from column cat_col, one series per column of
 * val_cols (named by the cell above first_row), rows first_row..last_row
 * of the same sheet. */
int xlsx_chart(struct xlsx *wb, enum xlsx_chart_kind kind, const char *title, uint32_t first_row,
	       uint32_t last_row, uint16_t cat_col, const uint16_t *val_cols, size_t nvals,
	       uint32_t row, uint16_t col, struct error *err);

/* Write the file and free wb: 0, or -1 with err (the first failure of any
 * call, or of the write). */
int xlsx_close(struct xlsx *wb, struct error *err);
/* Wait until every cell so far is written (by the cell thread): what the
 * caller has finished is then in the library's files, as it would be
 * without the thread. */
void xlsx_sync(struct xlsx *wb);
/* Free wb without writing (a failing run); NULL is fine. */
void xlsx_free(struct xlsx *wb);

#endif
