-- schema_6.sql — version 5 → 6, applied by db_migrate like every step.
--
-- A purchase is indexed by customer once it is decided, not when ingest
-- stores it. memberships_by_customer (every row) and memberships_paid (the
-- approved ones) become one index of the decided rows, memberships_customer:
--   * ingest stores a purchase pending, so it no longer writes an entry at
--     a random place of a customer-keyed index for every row — on a big
--     day about half of its time, and the part that grew fastest with
--     the books;
--   * payments writes the entry when it decides, as it wrote the paid
--     entry of an approval before, in one sweep by customer per chunk;
--   * the key (customer_id, id, …) keeps a customer's rows in id order, as
--     a timeline reads them, and its other columns answer payments'
--     velocity and renewal questions without reading the rows.
-- A customer's pending purchases are found through memberships_pending:
-- after payments there are few or none.
DROP INDEX memberships_by_customer;
DROP INDEX memberships_paid;
CREATE INDEX memberships_customer ON memberships (customer_id, id, product_id, expires_on, approved_on, payment) WHERE payment != 'PENDING';
