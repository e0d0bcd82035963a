-- schema_5.sql — version 4 → 5, applied by db_migrate like every step.
--
-- A membership's product reference is checked when its transaction
-- commits, not by each statement (DEFERRABLE INITIALLY DEFERRED). SQLite
-- keeps an undo journal for every statement that writes several rows and
-- may stop halfway; an immediate foreign key makes ingest's 64-row INSERT
-- such a statement, so each one copied every page it touched there: 4 GB
-- of copies for a million purchases, about 40 % of ingest's processor time.
-- The reference is still enforced: a transaction that leaves a membership
-- of no product fails at COMMIT and changes nothing.
--
-- SQLite cannot change a constraint in place, so the table is built anew
-- (the procedure of SQLite's ALTER TABLE documentation: new table, copy,
-- drop, rename, indexes and view again). db_migrate runs migrations with
-- foreign keys off and checks every reference before it commits.
DROP VIEW timeline;
CREATE TABLE memberships_new (
	id             INTEGER PRIMARY KEY,
	request_id     TEXT NOT NULL UNIQUE,
	customer_id    TEXT NOT NULL,
	product_id     TEXT NOT NULL REFERENCES products (product_id) DEFERRABLE INITIALLY DEFERRED,
	amount         INTEGER NOT NULL CHECK (amount >= 0),
	requested_at   INTEGER NOT NULL,
	requested_on   INTEGER NOT NULL,
	status         TEXT NOT NULL CHECK (status = 'PENDING_PAYMENT' OR status = 'ACTIVE' OR status = 'DECLINED' OR status = 'CANCELLED' OR status = 'EXPIRED'),
	payment        TEXT NOT NULL CHECK (payment = 'PENDING' OR payment = 'APPROVED' OR payment = 'DECLINED' OR payment = 'VOIDED' OR payment = 'REFUNDED'),
	decided_on     INTEGER,
	decline_reason TEXT,
	valid_from     INTEGER,
	expires_on     INTEGER,
	approved_on    INTEGER,
	cancelled_on   INTEGER,
	refund_amount  INTEGER,
	expired_on     INTEGER,
	decided_id     INTEGER,
	CHECK ((payment = 'APPROVED' OR payment = 'REFUNDED') = (approved_on IS NOT NULL)),
	CHECK ((payment = 'REFUNDED') = (refund_amount IS NOT NULL))
) STRICT;
INSERT INTO memberships_new (id, request_id, customer_id, product_id, amount, requested_at,
	requested_on, status, payment, decided_on, decline_reason, valid_from, expires_on,
	approved_on, cancelled_on, refund_amount, expired_on, decided_id)
	SELECT id, request_id, customer_id, product_id, amount, requested_at,
	requested_on, status, payment, decided_on, decline_reason, valid_from, expires_on,
	approved_on, cancelled_on, refund_amount, expired_on, decided_id
	FROM memberships ORDER BY id;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_pending ON memberships (requested_at, request_id) WHERE payment = 'PENDING';
CREATE INDEX memberships_by_customer ON memberships (customer_id);
CREATE INDEX memberships_paid ON memberships (customer_id, product_id, expires_on, approved_on, payment) WHERE approved_on IS NOT NULL;
CREATE INDEX memberships_expiry ON memberships (expires_on) WHERE status = 'ACTIVE';
CREATE INDEX memberships_product ON memberships (product_id, approved_on, payment, amount, cancelled_on, refund_amount) WHERE approved_on IS NOT NULL;
CREATE INDEX memberships_decided ON memberships (decided_id) WHERE decided_id IS NOT NULL;
CREATE VIEW timeline AS
	SELECT id, requested_on AS business_date, customer_id, 'PURCHASE_REQUESTED' AS event,
	       request_id, id AS membership_id, product_id, amount, 'PENDING_PAYMENT' AS status,
	       NULL AS detail
	FROM memberships
	UNION ALL
	SELECT decided_id, decided_on, customer_id,
	       CASE WHEN approved_on IS NOT NULL THEN 'PAYMENT_APPROVED' ELSE 'PAYMENT_DECLINED' END,
	       request_id, id, product_id, amount,
	       CASE WHEN approved_on IS NOT NULL THEN 'ACTIVE' ELSE 'DECLINED' END,
	       CASE WHEN approved_on IS NULL THEN decline_reason END
	FROM memberships WHERE decided_id IS NOT NULL
	UNION ALL
	SELECT id, business_date, customer_id, event, request_id, membership_id, product_id, amount,
	       status, detail
	FROM events;
