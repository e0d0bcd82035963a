/* test_xlsx.c — the workbook writer: a table past its row limit goes on
 * to "Name (2)", "Name (3)" with the header on each; the same calls give
 * the same bytes (document date and zip times fixed); cells keep their
 * types (text never a formula, amounts and dates numbers, an amount of
 * 10^15 minor units or more exact as text, bytes that are not UTF-8 as
 * \xHH, characters XML cannot hold and literal _xHHHH_ escaped as Excel
 * reads them, Excel's 1900 day numbers, dates before 1900 as text); a
 * file that cannot be
 * created fails at close with EX_CANTCREAT. The parts are read back with
 * python3's zipfile. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "dates.h"
#include "unit.h"
#include "xlsx.h"

static char dir[] = "/tmp/test_xlsx-XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/test_xlsx-XXXXXX");
}

/* The text of one part of the zip at path (malloc'd; "" when absent). */
static char *part(const char *path, const char *name)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
		 " sys.stdout.write(z.read(sys.argv[2]).decode() if sys.argv[2] in z.namelist() "
		 "else \"\")'"
		 " '%s' '%s'",
		 path, name);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	return buf;
}

/* The files at a and b are the same bytes. */
static void assert_same_bytes(const char *a, const char *b)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
	ck_assert_msg(system(cmd) == 0, "%s and %s differ", a, b);
}

static const struct xlsx_col cols[] = {
	{"id", XLSX_TEXT, 0}, {"n", XLSX_INT, 0}, {"amount", XLSX_MONEY, 0}, {"on", XLSX_DATE, 0}};

/* A workbook: a free first sheet, a table of rows rows (limit 3 a sheet),
 * a second table after it. */
static int build(const char *path, int rows, struct error *err)
{
	struct xlsx *wb;
	struct xlsx_opts o = {.minor_digits = 2, .created = 20522 * 86400, .max_rows = 3};
	if (xlsx_open(&wb, path, &o, err) < 0)
		return -1;
	int first = xlsx_sheet(wb, "Summary", NULL, 0, err);
	ck_assert_int_eq(first, 0);
	ck_assert_int_ge(xlsx_sheet(wb, "Customers", cols, 4, err), 1);
	for (int i = 0; i < rows; i++) {
		char id[16];
		snprintf(id, sizeof id, "c%d", i);
		xlsx_text(wb, id, strlen(id));
		xlsx_int(wb, i);
		xlsx_money(wb, 123456789);
		xlsx_date(wb, dates_from_civil(2026, 3, 10));
		xlsx_end_row(wb);
	}
	ck_assert_int_ge(xlsx_sheet(wb, "Other", cols, 1, err), 0);
	xlsx_text(wb, "=1+2", 4);
	xlsx_end_row(wb);
	xlsx_text(wb, "caf\xe9", 4);
	xlsx_end_row(wb);
	xlsx_money(wb, (money_sum)1025 << 53);
	xlsx_end_row(wb);
	ck_assert_int_eq(xlsx_select(wb, first, err), 0);
	xlsx_bold(wb, "written last");
	xlsx_end_row(wb);
	return xlsx_close(wb, err);
}

START_TEST(test_continued_sheets)
{
	char path[128];
	struct error err = {0};
	snprintf(path, sizeof path, "%s/a.xlsx", dir);
	ck_assert_int_eq(build(path, 7, &err), 0);
	char *wbx = part(path, "xl/workbook.xml");
	const char *order[] = {"\"Summary\"", "\"Customers\"", "\"Customers (2)\"",
			       "\"Customers (3)\"", "\"Other\""};
	const char *at = wbx;
	for (size_t i = 0; i < 5; i++) {
		const char *p = strstr(at, order[i]);
		ck_assert_msg(p != NULL, "sheet %s missing or out of order in %s", order[i], wbx);
		at = p;
	}
	ck_assert_ptr_null(strstr(wbx, "Customers (4)"));
	free(wbx);
	/* Customers (3) holds c6 alone, under its own header. */
	char *s4 = part(path, "xl/worksheets/sheet4.xml");
	ck_assert_ptr_nonnull(strstr(s4, ">id<"));
	ck_assert_ptr_nonnull(strstr(s4, ">c6<"));
	ck_assert_ptr_null(strstr(s4, ">c5<"));
	ck_assert_ptr_nonnull(strstr(s4, "<autoFilter ref=\"A1:D2\""));
	ck_assert_ptr_nonnull(strstr(s4, "state=\"frozen\""));
	free(s4);
	char *s2 = part(path, "xl/worksheets/sheet2.xml");
	ck_assert_ptr_nonnull(strstr(s2, "<autoFilter ref=\"A1:D4\""));
	ck_assert_ptr_null(strstr(s2, ">c3<"));
	free(s2);
	/* The free sheet, written after the others. */
	char *s1 = part(path, "xl/worksheets/sheet1.xml");
	ck_assert_ptr_nonnull(strstr(s1, "written last"));
	free(s1);
}
END_TEST

START_TEST(test_cells)
{
	char path[128];
	struct error err = {0};
	snprintf(path, sizeof path, "%s/c.xlsx", dir);
	ck_assert_int_eq(build(path, 1, &err), 0);
	char *s2 = part(path, "xl/worksheets/sheet2.xml");
	/* 1234567.89 as a number, 2026-03-10 as the spreadsheet day 46091. */
	ck_assert_ptr_nonnull(strstr(s2, "<v>1234567.89</v>"));
	ck_assert_ptr_nonnull(strstr(s2, "<v>46091</v>"));
	free(s2);
	char *s3 = part(path, "xl/worksheets/sheet3.xml");
	ck_assert_ptr_null(strstr(s3, "<f>"));
	ck_assert_ptr_nonnull(strstr(s3, "=1+2"));
	ck_assert_ptr_nonnull(strstr(s3, "caf\\xe9"));
	ck_assert_ptr_nonnull(strstr(s3, "92,323,792,361,095,168.00"));
	free(s3);
	char *st = part(path, "xl/styles.xml");
	ck_assert_ptr_nonnull(strstr(st, "formatCode=\"#,##0.00\""));
	ck_assert_ptr_nonnull(strstr(st, "formatCode=\"yyyy-mm-dd\""));
	free(st);
	char *core = part(path, "docProps/core.xml");
	ck_assert_ptr_nonnull(strstr(core, "2026-03-10T00:00:00Z"));
	free(core);
}
END_TEST

START_TEST(test_same_bytes)
{
	char a[128], b[128];
	struct error err = {0};
	snprintf(a, sizeof a, "%s/one.xlsx", dir);
	snprintf(b, sizeof b, "%s/two.xlsx", dir);
	ck_assert_int_eq(build(a, 5, &err), 0);
	sleep(1); /* a clock read anywhere would now differ */
	ck_assert_int_eq(build(b, 5, &err), 0);
	assert_same_bytes(a, b);
}
END_TEST

/* A table of rows rows of every kind of cell, max_rows a sheet, written
 * by the cell thread or (no_thread) by the caller; a summary sheet
 * selected again at the end. */
static void build_big(const char *path, int rows, uint32_t max_rows, int no_thread)
{
	struct xlsx *wb;
	struct error err = {0};
	struct xlsx_opts o = {.minor_digits = 2,
			      .created = 20522 * 86400,
			      .max_rows = max_rows,
			      .no_thread = no_thread};
	ck_assert_int_eq(xlsx_open(&wb, path, &o, &err), 0);
	ck_assert_int_eq(xlsx_sheet(wb, "Summary", NULL, 0, &err), 0);
	ck_assert_int_ge(xlsx_sheet(wb, "Customers", cols, 4, &err), 1);
	for (int i = 0; i < rows; i++) {
		char id[32];
		int n = snprintf(id, sizeof id, "customer-%d", i);
		xlsx_text(wb, id, (size_t)n);
		xlsx_int(wb, i);
		if (i % 7 == 0)
			xlsx_empty(wb);
		else
			xlsx_money(wb, (money_sum)i * 101);
		xlsx_date(wb, 20000 + i % 400);
		xlsx_end_row(wb);
	}
	ck_assert_int_eq(xlsx_select(wb, 0, &err), 0);
	xlsx_bold(wb, "after the table");
	xlsx_datetime(wb, (int64_t)20522 * 86400 + 3661);
	xlsx_end_row(wb);
	ck_assert_int_eq(xlsx_close(wb, &err), 0);
}

/* The cell thread makes the caller's calls in the caller's order: through
 * many full buffers and tables continued on new sheets, the file is the
 * one the caller alone writes. */
START_TEST(test_thread_same_bytes)
{
	char a[128], b[128];
	snprintf(a, sizeof a, "%s/thread.xlsx", dir);
	snprintf(b, sizeof b, "%s/alone.xlsx", dir);
	build_big(a, 120000, 50000, 0);
	build_big(b, 120000, 50000, 1);
	assert_same_bytes(a, b);
	char *s4 = part(a, "xl/worksheets/sheet4.xml");
	ck_assert_ptr_nonnull(strstr(s4, ">customer-119999<"));
	ck_assert_ptr_null(strstr(s4, ">customer-99999<"));
	free(s4);
}
END_TEST

/* A workbook given up with cells still queued: freed, nothing written. */
START_TEST(test_free_queued)
{
	char path[128];
	struct error err = {0};
	struct xlsx *wb;
	struct xlsx_opts o = {.minor_digits = 2, .created = 20522 * 86400};
	snprintf(path, sizeof path, "%s/given-up.xlsx", dir);
	ck_assert_int_eq(xlsx_open(&wb, path, &o, &err), 0);
	ck_assert_int_ge(xlsx_sheet(wb, "Customers", cols, 4, &err), 0);
	for (int i = 0; i < 50000; i++) {
		xlsx_text(wb, "c", 1);
		xlsx_int(wb, i);
		xlsx_end_row(wb);
	}
	xlsx_free(wb);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_cannot_create)
{
	char path[128];
	struct error err = {0};
	snprintf(path, sizeof path, "%s/no/such/folder/x.xlsx", dir);
	ck_assert_int_eq(build(path, 1, &err), -1);
	ck_assert_int_eq(err.code, EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "x.xlsx"));
}
END_TEST

/* One sheet "T" of the given cells, one a row, written by fill. */
static char *one_sheet(const char *name, void (*fill)(struct xlsx *))
{
	char path[128];
	struct error err = {0};
	struct xlsx *wb;
	static const struct xlsx_col one[] = {{"c", XLSX_TEXT, 0}};
	struct xlsx_opts o = {.minor_digits = 2, .created = 20522 * 86400};
	snprintf(path, sizeof path, "%s/%s.xlsx", dir, name);
	ck_assert_int_eq(xlsx_open(&wb, path, &o, &err), 0);
	ck_assert_int_ge(xlsx_sheet(wb, "T", one, 1, &err), 0);
	fill(wb);
	ck_assert_int_eq(xlsx_close(wb, &err), 0);
	return part(path, "xl/worksheets/sheet1.xml");
}

static void fill_text(struct xlsx *wb)
{
	static const char *const cells[] = {
		"x\xef\xbf\xbey",  /* U+FFFE */
		"\xef\xbf\xbf",    /* U+FFFF */
		"a_x0041_b",       /* a literal escape */
		"_x0041_x0042_",   /* two, the second sharing the first's '_' */
		"_x00e9\r",        /* an escape that ends with the one for CR */
		"_x12",            /* too short to be one */
		"tab\tnl\nbell\a", /* control characters as the library writes them */
	};
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
		xlsx_text(wb, cells[i], strlen(cells[i]));
		xlsx_end_row(wb);
	}
	xlsx_bold(wb, "bold_x0041_\xef\xbf\xbe");
	xlsx_end_row(wb);
}

/* XML 1.0 has no U+FFFE or U+FFFF: as _xFFFE_, which Excel and LibreOffice
 * read back as the character; a literal _xHHHH_ keeps its '_' as _x005F_
 * so that it is not decoded. */
START_TEST(test_text_escapes)
{
	char *s = one_sheet("text", fill_text);
	ck_assert_ptr_null(strstr(s, "\xef\xbf\xbe"));
	ck_assert_ptr_null(strstr(s, "\xef\xbf\xbf"));
	ck_assert_ptr_nonnull(strstr(s, "<t>x_xFFFE_y</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>_xFFFF_</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>a_x005F_x0041_b</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>_x005F_x0041_x005F_x0042_</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>_x005F_x00e9_x000D_</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>_x12</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>tab\tnl\nbell_x0007_</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>bold_x005F_x0041__xFFFE_</t>"));
	free(s);
}
END_TEST

static void fill_amounts(struct xlsx *wb)
{
	static const money_sum v[] = {999999999999999, 1000000000000000, -1000000000000000,
				      -999999999999999, 1000000000000001};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		xlsx_money(wb, v[i]);
		xlsx_end_row(wb);
	}
}

/* 15 significant digits are what a spreadsheet number keeps: 10^15 minor
 * units and more are exact text. */
START_TEST(test_amount_digits)
{
	char *s = one_sheet("amounts", fill_amounts);
	ck_assert_ptr_nonnull(strstr(s, "<v>9999999999999.99</v>"));
	ck_assert_ptr_nonnull(strstr(s, "<v>-9999999999999.99</v>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>10,000,000,000,000.00</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>-10,000,000,000,000.00</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>10,000,000,000,000.01</t>"));
	free(s);
}
END_TEST

static void fill_dates(struct xlsx *wb)
{
	xlsx_date(wb, dates_from_civil(1900, 1, 1));
	xlsx_end_row(wb);
	xlsx_date(wb, dates_from_civil(1900, 2, 28));
	xlsx_end_row(wb);
	xlsx_date(wb, dates_from_civil(1900, 3, 1));
	xlsx_end_row(wb);
	xlsx_date(wb, dates_from_civil(1899, 12, 31));
	xlsx_end_row(wb);
	xlsx_date(wb, dates_from_civil(1, 1, 1));
	xlsx_end_row(wb);
	xlsx_datetime(wb, (int64_t)dates_from_civil(1900, 1, 1) * 86400 + 43200);
	xlsx_end_row(wb);
	xlsx_datetime(wb, (int64_t)dates_from_civil(1899, 12, 31) * 86400 + 3723);
	xlsx_end_row(wb);
	xlsx_date(wb, dates_from_civil(9999, 12, 31));
	xlsx_end_row(wb);
}

/* Excel's day 1 is 1900-01-01 and its day 60 the 1900-02-29 that never
 * was; before 1900 there are no days: text. */
START_TEST(test_old_dates)
{
	char *s = one_sheet("dates", fill_dates);
	ck_assert_ptr_nonnull(strstr(s, "<v>1</v></c></row><row r=\"3\""));
	ck_assert_ptr_nonnull(strstr(s, "<v>59</v></c></row><row r=\"4\""));
	ck_assert_ptr_nonnull(strstr(s, "<v>61</v></c></row><row r=\"5\""));
	ck_assert_ptr_nonnull(strstr(s, "<t>1899-12-31</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>0001-01-01</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<v>1.5</v>"));
	ck_assert_ptr_nonnull(strstr(s, "<t>1899-12-31 01:02:03</t>"));
	ck_assert_ptr_nonnull(strstr(s, "<v>2958465</v>"));
	free(s);
}
END_TEST

static Suite *xlsx_suite(void)
{
	Suite *s = suite_create("xlsx");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_continued_sheets);
	tcase_add_test(tc, test_cells);
	tcase_add_test(tc, test_same_bytes);
	tcase_add_test(tc, test_cannot_create);
	tcase_add_test(tc, test_thread_same_bytes);
	tcase_add_test(tc, test_free_queued);
	tcase_add_test(tc, test_text_escapes);
	tcase_add_test(tc, test_amount_digits);
	tcase_add_test(tc, test_old_dates);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(xlsx_suite, "xlsx")
