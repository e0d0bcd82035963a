-- schema_8.sql — version 7 → 8, applied by db_migrate like every step.
--
-- memberships_product keys a product's ledger by (product_id, approved_on,
-- id), then carries the columns its readers sum. Before, id came last (as
-- the rowid): the day's approvals of a product share product, date,
-- payment, amount and two NULLs, so every comparison of an insert decoded
-- all six columns before the rowid told the entries apart. With id third
-- it stops there. payments writes one entry per approval: at 1M purchases
-- the job took 0.93 of its time (bench/results.md). The readers (reconcile,
-- report's ledger) sum a product's rows and do not depend on their order.
DROP INDEX memberships_product;
CREATE INDEX memberships_product ON memberships (product_id, approved_on, id, payment, amount, cancelled_on, refund_amount) WHERE approved_on IS NOT NULL;
