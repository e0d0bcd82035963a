/* rules_sql.c — adapters from SQL values to the pure rules of rules.c:
 * each function reads its arguments (NULL is DATE_NONE), calls the rule and
 * returns its answer. No rule is written here. */
#include "rules_sql.h"

#include "dates.h"
#include "rules.h"

static int32_t arg_date(sqlite3_value **argv, int i)
{
	if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
		return DATE_NONE;
	return (int32_t)sqlite3_value_int64(argv[i]);
}

static void fn_on_sale(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, rules_on_sale(arg_date(argv, 0), arg_date(argv, 1)));
}

static void fn_product_status(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_text(ctx,
			    rules_product_status(sqlite3_value_int(argv[0]) != 0, arg_date(argv, 1),
						 arg_date(argv, 2)),
			    -1, SQLITE_STATIC);
}

static void fn_expired_through(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	int32_t d = arg_date(argv, 0);
	if (d == DATE_NONE)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, rules_expired_through(d));
}

static void fn_term_over(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, rules_term_over(arg_date(argv, 0), arg_date(argv, 1)));
}

static void fn_cancellable(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, rules_cancellable(arg_date(argv, 0), arg_date(argv, 1)));
}

static void fn_active_on(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx,
			   rules_active_on(arg_date(argv, 0), arg_date(argv, 1), arg_date(argv, 2),
					   arg_date(argv, 3), arg_date(argv, 4)));
}

static void fn_status_as_of(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_text(ctx,
			    rules_status_as_of(arg_date(argv, 0), sqlite3_value_int(argv[1]) != 0,
					       arg_date(argv, 2), arg_date(argv, 3),
					       arg_date(argv, 4), arg_date(argv, 5)),
			    -1, SQLITE_STATIC);
}

static const struct {
	const char *name;
	int nargs;
	void (*fn)(sqlite3_context *, int, sqlite3_value **);
} functions[] = {
	{"rules_on_sale", 2, fn_on_sale},
	{"rules_product_status", 3, fn_product_status},
	{"rules_expired_through", 1, fn_expired_through},
	{"rules_term_over", 2, fn_term_over},
	{"rules_cancellable", 2, fn_cancellable},
	{"rules_active_on", 5, fn_active_on},
	{"rules_status_as_of", 6, fn_status_as_of},
};

int rules_sql_register(sqlite3 *h)
{
	for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		int rc = sqlite3_create_function_v2(h, functions[i].name, functions[i].nargs,
						    SQLITE_UTF8 | SQLITE_DETERMINISTIC |
							    SQLITE_INNOCUOUS,
						    NULL, functions[i].fn, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}
