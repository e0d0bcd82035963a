-- schema_2.sql — version 1 → 2, applied by db_migrate in the same
-- transaction as every other step (a fresh database runs schema.sql, then
-- this). Nothing earlier is edited.
--
-- A purchase's PURCHASE_REQUESTED event is no longer stored: it is read from
-- its membership row (date requested_on, status PENDING_PAYMENT, amount,
-- product_id, request_id). To keep a customer's timeline in the order things
-- happened, memberships.id and events.id are drawn from one sequence (the
-- writer takes max(id) of both + 1; only one writer holds the lock), so a
-- timeline is the two tables merged by id. Ingest writes three b-trees per
-- purchase instead of seven.
--
-- Existing rows: each membership takes the id of its PURCHASE_REQUESTED
-- event (so the merged order is the stored one), references follow, and the
-- event rows go. The foreign key from cancels is checked at commit.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE renumber (old INTEGER PRIMARY KEY, new INTEGER NOT NULL UNIQUE);
INSERT INTO renumber (old, new)
	SELECT membership_id, min(id) FROM events
	WHERE event = 'PURCHASE_REQUESTED' AND membership_id IS NOT NULL
	GROUP BY membership_id;
-- A membership without its event (none should lack one) gets an id past
-- every id in use.
INSERT INTO renumber (old, new)
	SELECT m.id, m.id + (SELECT coalesce(max(id), 0) FROM events) + (SELECT coalesce(max(id), 0) FROM memberships)
	FROM memberships m WHERE m.id NOT IN (SELECT old FROM renumber);
UPDATE memberships SET id = -id;
UPDATE memberships SET id = (SELECT new FROM renumber WHERE old = -memberships.id);
UPDATE cancels SET membership_id = (SELECT new FROM renumber WHERE old = cancels.membership_id);
UPDATE events SET membership_id = (SELECT new FROM renumber WHERE old = events.membership_id)
	WHERE membership_id IS NOT NULL;
DELETE FROM events WHERE event = 'PURCHASE_REQUESTED';
DROP TABLE temp.renumber;

-- Timelines merge memberships and events by (customer_id, id): this index
-- gives the memberships in that order (the rowid is its last column).
-- customer-progress.csv sorts each customer's few rows by request_id.
DROP INDEX memberships_by_customer;
CREATE INDEX memberships_by_customer ON memberships (customer_id);
-- updated_on in customer-progress.csv is read from the membership's and its
-- cancels' dated steps, so no lookup of events by membership is left.
DROP INDEX events_membership;

-- Every event of every customer, stored or read from a membership row, as
-- the events table held them before: for people and scripts reading the
-- books. (The jobs spell the same merge out per side, as SQL_TIMELINE in
-- jobs/jobs.h, so each side is read in order from its index; through this
-- view SQLite would sort.)
CREATE VIEW timeline AS
	SELECT id, requested_on AS business_date, customer_id, 'PURCHASE_REQUESTED' AS event,
	       request_id, id AS membership_id, product_id, amount, 'PENDING_PAYMENT' AS status,
	       NULL AS detail
	FROM memberships
	UNION ALL
	SELECT id, business_date, customer_id, event, request_id, membership_id, product_id, amount,
	       status, detail
	FROM events;

-- The rows of one business date are one id range in memberships and in
-- events (dates never go back: the books close), which report finds by
-- binary search over ids; the date index is not needed.
DROP INDEX events_date;
