-- schema.sql — the books as they are now, schema version 7, in one place.
-- A fresh database is created from this file directly, inside one
-- transaction (db_migrate); older books are brought to the same schema by
-- the migrations schema_2.sql … schema_7.sql, which are never edited
-- (version 1 is kept as tests/e2e/data/schema_1.sql). A new version is a
-- new schema_N.sql plus the same change here (and DB_SCHEMA_VERSION):
-- tests/e2e/t_migrate.sh checks that `sqlite3 .schema` of a fresh database
-- and of one migrated from version 1 are identical, so the statements keep
-- the text and the order the migrations leave in sqlite_schema.
-- Dates are INTEGER days since 1970-01-01; instants INTEGER UTC epoch
-- seconds; money INTEGER minor units.
-- A CHECK of a column against more than two words is written with OR, not
-- IN: SQLite builds a temporary b-tree for such an IN list on every row it
-- checks (an 87 KiB allocation and free per INSERT or UPDATE; payments ran
-- twice as fast without it).

-- One row per run of a job (SPEC §5): who, when, for which business date,
-- how it ended and what it counted.
CREATE TABLE runs (
	run_id        INTEGER PRIMARY KEY,
	job           TEXT NOT NULL,
	business_date INTEGER,
	started_at    INTEGER NOT NULL,
	ended_at      INTEGER,
	outcome       TEXT NOT NULL CHECK (outcome = 'running' OR outcome = 'ok' OR outcome = 'failed' OR outcome = 'killed'),
	exit_code     INTEGER,
	files         INTEGER NOT NULL DEFAULT 0,
	rows_read     INTEGER NOT NULL DEFAULT 0,
	accepted      INTEGER NOT NULL DEFAULT 0,
	rejected      INTEGER NOT NULL DEFAULT 0,
	summary       TEXT,
	user          TEXT NOT NULL,
	host          TEXT NOT NULL,
	pid           INTEGER NOT NULL
) STRICT;
CREATE INDEX runs_job_date ON runs (job, business_date);

-- The catalog as it is now; sold_count is the counter that every approval
-- raises and every refund lowers (reconcile checks it against the ledger).
CREATE TABLE products (
	product_id  TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	price       INTEGER NOT NULL CHECK (price >= 0),
	sale_until  INTEGER,
	max_sales   INTEGER CHECK (max_sales >= 0),
	status      TEXT NOT NULL CHECK (status = 'ACTIVE' OR status = 'EXPIRED' OR status = 'DELETED'),
	sold_count  INTEGER NOT NULL DEFAULT 0,
	created_on  INTEGER NOT NULL,
	updated_on  INTEGER NOT NULL
) STRICT;

-- Every state a product has been in, so reports can show it as of a date:
-- the row with the highest seq whose business_date <= D.
CREATE TABLE product_versions (
	seq           INTEGER PRIMARY KEY,
	product_id    TEXT NOT NULL REFERENCES products (product_id),
	business_date INTEGER NOT NULL,
	name          TEXT NOT NULL,
	price         INTEGER NOT NULL,
	sale_until    INTEGER,
	max_sales     INTEGER,
	deleted       INTEGER NOT NULL CHECK (deleted IN (0, 1))
) STRICT;
CREATE INDEX product_versions_by_product ON product_versions (product_id, business_date, seq);

-- Accepted cancel requests and what payments made of them.
CREATE TABLE cancels (
	id                  INTEGER PRIMARY KEY,
	request_id          TEXT NOT NULL UNIQUE,
	customer_id         TEXT NOT NULL,
	purchase_request_id TEXT NOT NULL,
	membership_id       INTEGER NOT NULL REFERENCES memberships (id),
	requested_at        INTEGER NOT NULL,
	reason              TEXT NOT NULL DEFAULT '',
	requested_on        INTEGER NOT NULL,
	state               TEXT NOT NULL CHECK (state = 'PENDING' OR state = 'VOIDED' OR state = 'REFUNDED' OR state = 'REJECTED'),
	decided_on          INTEGER
) STRICT;
CREATE INDEX cancels_pending ON cancels (requested_at, request_id) WHERE state = 'PENDING';
CREATE INDEX cancels_membership ON cancels (membership_id);

-- The stored events of a customer, in the one id sequence shared with
-- memberships.id and memberships.decided_id (db_next_id; schema_2.sql,
-- schema_4.sql): a customer's timeline is these rows merged by id with the
-- events read from the membership rows (PURCHASE_REQUESTED from each row,
-- PAYMENT_APPROVED / PAYMENT_DECLINED from each decided one, see the
-- timeline view below). Conventions (status = the membership's status
-- after the event; amount = the purchase's amount in minor units; detail
-- as SPEC §6):
--   PURCHASE_REJECTED   request_id/product_id/amount where readable,
--                       membership_id NULL, status NULL, detail = reason code
--   CANCEL_REQUESTED    request_id = cancel, membership_id of the purchase,
--                       status = its status then, detail = purchase request id
--   CANCEL_REJECTED     request_id = cancel; from ingest: detail = reason code
--                       (membership_id NULL); from payments: membership_id set,
--                       detail NOT_CANCELLABLE
--   PAYMENT_VOIDED      request_id = purchase, status CANCELLED
--   PAYMENT_REFUNDED    request_id = purchase, status CANCELLED,
--                       detail = refund amount formatted with minor_digits
--   MEMBERSHIP_EXPIRED  request_id = purchase, status EXPIRED, dated on the
--                       membership's expires_on (schema_7.sql)
-- A decision event stays stored only when books of version 3 held one that
-- differed from its membership row (schema_4.sql). Rows are only written
-- for a customer_id that passed its id rule. The rows of one business date
-- are one id range (dates never go back), which report finds by binary
-- search over ids.
CREATE TABLE events (
	id            INTEGER PRIMARY KEY,
	business_date INTEGER NOT NULL,
	customer_id   TEXT NOT NULL,
	event         TEXT NOT NULL,
	request_id    TEXT,
	membership_id INTEGER,
	product_id    TEXT,
	amount        INTEGER,
	status        TEXT,
	detail        TEXT
) STRICT;
CREATE INDEX events_customer ON events (customer_id, id);

-- Inbox files met by ingest, by content hash: applied once, moved after
-- the commit (moved = 0 marks a move still owed after a crash).
CREATE TABLE files (
	id            INTEGER PRIMARY KEY,
	sha256        TEXT,
	name          TEXT NOT NULL,
	kind          TEXT,
	business_date INTEGER NOT NULL,
	run_id        INTEGER,
	outcome       TEXT NOT NULL CHECK (outcome IN ('APPLIED', 'REJECTED')),
	reason        TEXT,
	message       TEXT,
	rows_read     INTEGER NOT NULL DEFAULT 0,
	accepted      INTEGER NOT NULL DEFAULT 0,
	rejected      INTEGER NOT NULL DEFAULT 0,
	dest          TEXT NOT NULL,   -- folder, relative to the workspace
	final_name    TEXT NOT NULL,   -- name there (planned at commit)
	rejects_name  TEXT,            -- <file>.rejects.csv name, if any
	moved         INTEGER NOT NULL DEFAULT 0 CHECK (moved IN (0, 1))
) STRICT;
CREATE INDEX files_sha ON files (sha256);
CREATE INDEX files_by_date ON files (business_date);

-- Rejected rows and whole files (line NULL), for rejections.csv.
CREATE TABLE rejections (
	id            INTEGER PRIMARY KEY,
	business_date INTEGER NOT NULL,
	file          TEXT NOT NULL,
	line          INTEGER,
	request_id    TEXT,
	customer_id   TEXT,
	reason        TEXT NOT NULL,
	message       TEXT NOT NULL
) STRICT;
CREATE INDEX rejections_by_date ON rejections (business_date, file, line);

-- Counter differences found by reconcile (recorded = stored counter,
-- ledger = recomputed), for reconciliation.csv.
CREATE TABLE reconciliation (
	id            INTEGER PRIMARY KEY,
	business_date INTEGER NOT NULL,
	product_id    TEXT NOT NULL,
	recorded      INTEGER NOT NULL,
	ledger        INTEGER NOT NULL
) STRICT;
CREATE INDEX reconciliation_by_date ON reconciliation (business_date, product_id);

-- One row per accepted purchase: the membership and its payment (the
-- ledger). Dates record when each step happened, so its state as of any D
-- can be derived: decided_on (approved or declined), cancelled_on (voided
-- or refunded), expired_on (= expires_on). decided_id is the decision's
-- place in the id sequence (NULL while pending). The product reference is
-- checked at COMMIT (schema_5.sql: an immediate one made SQLite journal
-- every page of ingest's multi-row INSERTs). The name is quoted as
-- SQLite's ALTER TABLE … RENAME leaves it in migrated books, so both
-- store the same text.
CREATE TABLE "memberships" (
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

-- Every index here costs each purchase a b-tree write, so they are few and,
-- where they can be, partial: only rows past a step are in them, and ingest
-- (a million new rows a day) writes none of the partial ones.
-- payments: the queue, in decision order.
CREATE INDEX memberships_pending ON memberships (requested_at, request_id) WHERE payment = 'PENDING';
-- expire, and report's active count and expiring-soon.csv when nothing
-- is dated after D (schema_3.sql): what is still active, by expiry.
CREATE INDEX memberships_expiry ON memberships (expires_on) WHERE status = 'ACTIVE';
-- The decisions in id order: the sequence's high-water mark and the
-- decisions of one business date (one id range) for report.
CREATE INDEX memberships_decided ON memberships (decided_id) WHERE decided_id IS NOT NULL;

-- Every event of every customer, stored or read from a membership row, in
-- the order they happened: for people and scripts reading the books. (The
-- jobs read each side in order from its own index instead; through this
-- view SQLite would sort.)
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

-- A purchase is indexed by customer once decided (schema_6.sql): payments'
-- velocity and renewal questions and a customer's timeline, in id order,
-- without reading the rows; ingest writes no entry for a pending one.
CREATE INDEX memberships_customer ON memberships (customer_id, id, product_id, expires_on, approved_on, payment) WHERE payment != 'PENDING';

-- reconcile and report (as of a date, so not by today's status): a
-- product's ledger, covered, so neither reads the table nor sorts; id
-- before the summed columns (schema_8.sql), so an insert's comparisons
-- stop there.
CREATE INDEX memberships_product ON memberships (product_id, approved_on, id, payment, amount, cancelled_on, refund_amount) WHERE approved_on IS NOT NULL;

PRAGMA user_version = 8;
