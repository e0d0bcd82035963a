/* rules_sql.h — the rules of rules.h as SQL functions, so that a query asks
 * the one implementation instead of restating it. Registered on every
 * connection the program opens (db.c); the books never depend on them (no
 * view, index or trigger uses them), so the sqlite3 shell still reads
 * every table. Dates are days since 1970-01-01, NULL for "no date".
 *
 *   rules_on_sale(sale_until, d)                      -> 0/1
 *   rules_product_status(deleted, sale_until, d)      -> 'ACTIVE' | 'EXPIRED' | 'DELETED'
 *   rules_expired_through(d)                          -> the latest expires_on over on d
 *   rules_term_over(expires_on, d)                    -> 0/1
 *   rules_cancellable(expires_on, c)                  -> 0/1
 *   rules_active_on(approved_on, valid_from, expires_on, cancelled_on, d) -> 0/1
 *   rules_status_as_of(decided_on, declined, cancelled_on, expired_on, expires_on, d)
 *                                                     -> a membership status
 *
 * All are deterministic and innocuous: SQLite computes a call with constant
 * arguments once per statement, so `expires_on <= rules_expired_through(?1)`
 * still walks an index of expires_on. */
#ifndef MEMBERSHIP_RULES_SQL_H
#define MEMBERSHIP_RULES_SQL_H

#include <sqlite3.h>

/* SQLITE_OK, or the error of the first registration that failed. */
int rules_sql_register(sqlite3 *h);

#endif
