-- The books of `make demo` (fixtures/demo.sh) as schema version 1 wrote them, for
-- tests/e2e/t_migrate.sh: loaded with the sqlite3 shell, then migrated on open.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
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
INSERT INTO runs VALUES(1,'ingest',20458,1796097598,1796097598,'ok',0,3,16,12,4,'3 files, 16 rows, 12 accepted, 4 rejected','root','vm',3629);
INSERT INTO runs VALUES(2,'payments',20458,1796097598,1796097598,'ok',0,0,7,5,1,'5 approved, 1 declined, 1 voided, 0 refunded, 0 cancels rejected','root','vm',3629);
INSERT INTO runs VALUES(3,'reconcile',20458,1796097598,1796097598,'ok',0,0,4,4,0,'4 products checked, 0 differences corrected','root','vm',3629);
INSERT INTO runs VALUES(4,'expire',20458,1796097598,1796097598,'ok',0,0,0,0,0,'0 memberships expired, 0 products expired','root','vm',3629);
INSERT INTO runs VALUES(5,'report',20458,1796097598,1796097598,'ok',0,16,33,0,0,'16 files (10 customer timelines), 7 memberships, 4 products, 4 rejections, 0 expiring soon','root','vm',3629);
INSERT INTO runs VALUES(6,'ingest',20473,1796097598,1796097598,'ok',65,4,11,6,5,'4 files, 11 rows, 6 accepted, 5 rejected','root','vm',3642);
INSERT INTO runs VALUES(7,'payments',20473,1796097598,1796097598,'ok',0,0,4,2,0,'2 approved, 0 declined, 0 voided, 2 refunded, 0 cancels rejected','root','vm',3642);
INSERT INTO runs VALUES(8,'reconcile',20473,1796097598,1796097598,'ok',0,0,4,4,0,'4 products checked, 0 differences corrected','root','vm',3642);
INSERT INTO runs VALUES(9,'expire',20473,1796097598,1796097598,'ok',0,0,0,0,0,'0 memberships expired, 0 products expired','root','vm',3642);
INSERT INTO runs VALUES(10,'report',20473,1796097598,1796097598,'ok',0,12,40,0,0,'12 files (6 customer timelines), 9 memberships, 4 products, 6 rejections, 0 expiring soon','root','vm',3642);
INSERT INTO runs VALUES(11,'ingest',20830,1796097598,1796097598,'ok',0,2,4,1,3,'2 files, 4 rows, 1 accepted, 3 rejected','root','vm',3649);
INSERT INTO runs VALUES(12,'payments',20830,1796097598,1796097598,'ok',0,0,1,1,0,'1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected','root','vm',3649);
INSERT INTO runs VALUES(13,'reconcile',20830,1796097598,1796097598,'ok',0,0,4,4,0,'4 products checked, 0 differences corrected','root','vm',3649);
INSERT INTO runs VALUES(14,'expire',20830,1796097598,1796097598,'ok',0,0,4,3,0,'3 memberships expired, 1 products expired','root','vm',3649);
INSERT INTO runs VALUES(15,'report',20830,1796097598,1796097598,'ok',0,11,40,0,0,'11 files (5 customer timelines), 10 memberships, 4 products, 3 rejections, 2 expiring soon','root','vm',3649);
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
INSERT INTO products VALUES('GOLD','골드 멤버십, 1년',130000,NULL,NULL,'ACTIVE',2,20458,20473);
INSERT INTO products VALUES('SILVER','Silver "Lite" plan',60000,20634,NULL,'EXPIRED',1,20458,20830);
INSERT INTO products VALUES('VIP','VIP Lounge',500000,NULL,2,'ACTIVE',2,20458,20458);
INSERT INTO products VALUES('PROMO','=HYPERLINK("http://promo.example","click")',1000,NULL,NULL,'DELETED',1,20458,20473);
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
INSERT INTO product_versions VALUES(1,'GOLD',20458,'골드 멤버십, 1년',120000,NULL,NULL,0);
INSERT INTO product_versions VALUES(2,'SILVER',20458,'Silver "Lite" plan',60000,20634,NULL,0);
INSERT INTO product_versions VALUES(3,'VIP',20458,'VIP Lounge',500000,NULL,2,0);
INSERT INTO product_versions VALUES(4,'PROMO',20458,'=HYPERLINK("http://promo.example","click")',1000,NULL,NULL,0);
INSERT INTO product_versions VALUES(5,'GOLD',20473,'골드 멤버십, 1년',130000,NULL,NULL,0);
INSERT INTO product_versions VALUES(6,'PROMO',20473,'=HYPERLINK("http://promo.example","click")',1000,NULL,NULL,1);
CREATE TABLE memberships (
	id             INTEGER PRIMARY KEY,
	request_id     TEXT NOT NULL UNIQUE,
	customer_id    TEXT NOT NULL,
	product_id     TEXT NOT NULL REFERENCES products (product_id),
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
	CHECK ((payment = 'APPROVED' OR payment = 'REFUNDED') = (approved_on IS NOT NULL)),
	CHECK ((payment = 'REFUNDED') = (refund_amount IS NOT NULL))
) STRICT;
INSERT INTO memberships VALUES(1,'2026-01-05:0001','kim','GOLD',120000,1767571920,20458,'CANCELLED','REFUNDED',20458,NULL,20458,20823,20458,20473,115397,NULL);
INSERT INTO memberships VALUES(2,'2026-01-05:0002','lee','SILVER',60000,1767573000,20458,'CANCELLED','REFUNDED',20458,NULL,20458,20823,20458,20473,60000,NULL);
INSERT INTO memberships VALUES(3,'2026-01-05:0003','park','VIP',500000,1767574800,20458,'EXPIRED','APPROVED',20458,NULL,20458,20823,20458,NULL,NULL,20830);
INSERT INTO memberships VALUES(4,'2026-01-05:0004','choi','VIP',500000,1767575100,20458,'EXPIRED','APPROVED',20458,NULL,20458,20823,20458,NULL,NULL,20830);
INSERT INTO memberships VALUES(5,'2026-01-05:0005','jung','VIP',500000,1767575400,20458,'DECLINED','DECLINED',20458,'SOLD_OUT',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO memberships VALUES(6,'2026-01-05:0008','han','PROMO',1000,1767582000,20458,'EXPIRED','APPROVED',20458,NULL,20458,20823,20458,NULL,NULL,20830);
INSERT INTO memberships VALUES(7,'2026-01-05:0010','seo','SILVER',60000,1767589200,20458,'CANCELLED','VOIDED',NULL,NULL,NULL,NULL,NULL,20458,NULL,NULL);
INSERT INTO memberships VALUES(8,'2026-01-20:0001','kang','GOLD',130000,1768867200,20473,'ACTIVE','APPROVED',20473,NULL,20473,20838,20473,NULL,NULL,NULL);
INSERT INTO memberships VALUES(9,'2026-01-20:0002','yoon','SILVER',60000,1768867800,20473,'ACTIVE','APPROVED',20473,NULL,20473,20838,20473,NULL,NULL,NULL);
INSERT INTO memberships VALUES(10,'2027-01-12:0001','kang','GOLD',130000,1799712000,20830,'ACTIVE','APPROVED',20830,NULL,20838,21203,20830,NULL,NULL,NULL);
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
INSERT INTO cancels VALUES(1,'c-2026-01-05:0001','seo','2026-01-05:0010',7,1767592800,'changed my mind, sorry',20458,'VOIDED',20458);
INSERT INTO cancels VALUES(2,'c-2026-01-20:0001','kim','2026-01-05:0001',1,1768813200,'moving abroad',20473,'REFUNDED',20473);
INSERT INTO cancels VALUES(3,'c-2026-01-20:0003','lee','2026-01-05:0002',2,1767956400,'@SUM(1+1) "not for me"',20473,'REFUNDED',20473);
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
INSERT INTO events VALUES(1,20458,'kim','PURCHASE_REQUESTED','2026-01-05:0001',1,'GOLD',120000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(2,20458,'lee','PURCHASE_REQUESTED','2026-01-05:0002',2,'SILVER',60000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(3,20458,'park','PURCHASE_REQUESTED','2026-01-05:0003',3,'VIP',500000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(4,20458,'choi','PURCHASE_REQUESTED','2026-01-05:0004',4,'VIP',500000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(5,20458,'jung','PURCHASE_REQUESTED','2026-01-05:0005',5,'VIP',500000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(6,20458,'kang','PURCHASE_REJECTED','2026-01-05:0006',NULL,'GOLD',100000,NULL,'PRICE_MISMATCH');
INSERT INTO events VALUES(7,20458,'yoon','PURCHASE_REJECTED','2026-01-05:0007',NULL,'PLATINUM',120000,NULL,'UNKNOWN_PRODUCT');
INSERT INTO events VALUES(8,20458,'han','PURCHASE_REQUESTED','2026-01-05:0008',6,'PROMO',1000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(9,20458,'lim','PURCHASE_REJECTED','2026-01-05:0009',NULL,'GOLD',120000,NULL,'BAD_TIMESTAMP');
INSERT INTO events VALUES(10,20458,'seo','PURCHASE_REQUESTED','2026-01-05:0010',7,'SILVER',60000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(11,20458,'seo','CANCEL_REQUESTED','c-2026-01-05:0001',7,'SILVER',60000,'PENDING_PAYMENT','2026-01-05:0010');
INSERT INTO events VALUES(12,20458,'seo','PAYMENT_VOIDED','2026-01-05:0010',7,'SILVER',60000,'CANCELLED',NULL);
INSERT INTO events VALUES(13,20458,'kim','PAYMENT_APPROVED','2026-01-05:0001',1,'GOLD',120000,'ACTIVE',NULL);
INSERT INTO events VALUES(14,20458,'lee','PAYMENT_APPROVED','2026-01-05:0002',2,'SILVER',60000,'ACTIVE',NULL);
INSERT INTO events VALUES(15,20458,'park','PAYMENT_APPROVED','2026-01-05:0003',3,'VIP',500000,'ACTIVE',NULL);
INSERT INTO events VALUES(16,20458,'choi','PAYMENT_APPROVED','2026-01-05:0004',4,'VIP',500000,'ACTIVE',NULL);
INSERT INTO events VALUES(17,20458,'jung','PAYMENT_DECLINED','2026-01-05:0005',5,'VIP',500000,'DECLINED','SOLD_OUT');
INSERT INTO events VALUES(18,20458,'han','PAYMENT_APPROVED','2026-01-05:0008',6,'PROMO',1000,'ACTIVE',NULL);
INSERT INTO events VALUES(19,20473,'kang','PURCHASE_REQUESTED','2026-01-20:0001',8,'GOLD',130000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(20,20473,'yoon','PURCHASE_REQUESTED','2026-01-20:0002',9,'SILVER',60000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(21,20473,'kim','PURCHASE_REJECTED','2026-01-05:0001',NULL,'GOLD',120000,NULL,'DUPLICATE_REQUEST');
INSERT INTO events VALUES(22,20473,'han','PURCHASE_REJECTED','2026-01-20:0004',NULL,'PROMO',1000,NULL,'UNKNOWN_PRODUCT');
INSERT INTO events VALUES(23,20473,'kim','CANCEL_REQUESTED','c-2026-01-20:0001',1,'GOLD',120000,'ACTIVE','2026-01-05:0001');
INSERT INTO events VALUES(24,20473,'park','CANCEL_REJECTED','c-2026-01-20:0002',NULL,NULL,NULL,NULL,'NOT_OWNER');
INSERT INTO events VALUES(25,20473,'lee','CANCEL_REQUESTED','c-2026-01-20:0003',2,'SILVER',60000,'ACTIVE','2026-01-05:0002');
INSERT INTO events VALUES(26,20473,'kang','PAYMENT_APPROVED','2026-01-20:0001',8,'GOLD',130000,'ACTIVE',NULL);
INSERT INTO events VALUES(27,20473,'yoon','PAYMENT_APPROVED','2026-01-20:0002',9,'SILVER',60000,'ACTIVE',NULL);
INSERT INTO events VALUES(28,20473,'lee','PAYMENT_REFUNDED','2026-01-05:0002',2,'SILVER',60000,'CANCELLED','60000');
INSERT INTO events VALUES(29,20473,'kim','PAYMENT_REFUNDED','2026-01-05:0001',1,'GOLD',120000,'CANCELLED','115397');
INSERT INTO events VALUES(30,20830,'kang','PURCHASE_REQUESTED','2027-01-12:0001',10,'GOLD',130000,'PENDING_PAYMENT',NULL);
INSERT INTO events VALUES(31,20830,'seo','PURCHASE_REJECTED','2027-01-12:0002',NULL,'SILVER',60000,NULL,'PRODUCT_EXPIRED');
INSERT INTO events VALUES(32,20830,'choi','CANCEL_REJECTED','c-2027-01-12:0001',NULL,NULL,NULL,NULL,'NOT_CANCELLABLE');
INSERT INTO events VALUES(33,20830,'kang','PAYMENT_APPROVED','2027-01-12:0001',10,'GOLD',130000,'ACTIVE',NULL);
INSERT INTO events VALUES(34,20830,'park','MEMBERSHIP_EXPIRED','2026-01-05:0003',3,'VIP',500000,'EXPIRED',NULL);
INSERT INTO events VALUES(35,20830,'choi','MEMBERSHIP_EXPIRED','2026-01-05:0004',4,'VIP',500000,'EXPIRED',NULL);
INSERT INTO events VALUES(36,20830,'han','MEMBERSHIP_EXPIRED','2026-01-05:0008',6,'PROMO',1000,'EXPIRED',NULL);
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
INSERT INTO files VALUES(1,'091aa99cbc149cc0b14138361652446c31cfeb29da1b8d8aadd85ceabc298bc4','products-20260105.csv','products',20458,1,'APPLIED',NULL,NULL,5,4,1,'archive/2026-01-05','products-20260105.csv','products-20260105.csv.rejects.csv',1);
INSERT INTO files VALUES(2,'e0047aa9937b8c1524e0fffe8867d310348f4b102e02e9f61e9af51d501c0d9a','purchases-20260105.csv','purchases',20458,1,'APPLIED',NULL,NULL,10,7,3,'archive/2026-01-05','purchases-20260105.csv','purchases-20260105.csv.rejects.csv',1);
INSERT INTO files VALUES(3,'a0b83960e6cf69d9671427e0262d56a9a4940b7591c9f48acfed6d487aa631bd','cancels-20260105.csv','cancels',20458,1,'APPLIED',NULL,NULL,1,1,0,'archive/2026-01-05','cancels-20260105.csv',NULL,1);
INSERT INTO files VALUES(4,'fe409b758f9624f215a9cf05191cc6963836c30c06776627dbc468ea6bce7317','products-20260120.csv','products',20473,6,'APPLIED',NULL,NULL,3,2,1,'archive/2026-01-20','products-20260120.csv','products-20260120.csv.rejects.csv',1);
INSERT INTO files VALUES(5,'4bfb8c356314200316c36bd4d5ef9c1ed91f2f681f1c0a0e2d177b657032aeaf','purchases-20260120.csv','purchases',20473,6,'APPLIED',NULL,NULL,5,2,3,'archive/2026-01-20','purchases-20260120.csv','purchases-20260120.csv.rejects.csv',1);
INSERT INTO files VALUES(6,'1de4af84e137d39e7af54028a45074456b28f7b9ff9dc65feeb2262327e7b2bc','cancels-20260120.csv','cancels',20473,6,'APPLIED',NULL,NULL,3,2,1,'archive/2026-01-20','cancels-20260120.csv','cancels-20260120.csv.rejects.csv',1);
INSERT INTO files VALUES(7,'99f49ee4e82ec3ff0d83e784fac9899cf56cef08e16bbc7622cb9d81af60cdd1','notes.csv',NULL,20473,6,'REJECTED','BAD_HEADER','the header matches no file kind (products, purchases, cancels)',0,0,0,'rejected/2026-01-20','notes.csv',NULL,1);
INSERT INTO files VALUES(8,'cca7ceae60257a44edccf0bfaa9d37fac837b272f14dd16bb0719165101bb500','purchases-20270112.csv','purchases',20830,11,'APPLIED',NULL,NULL,3,1,2,'archive/2027-01-12','purchases-20270112.csv','purchases-20270112.csv.rejects.csv',1);
INSERT INTO files VALUES(9,'1b29a95b74987b43618c96d7b22701c7283930b694eaa23c429a1116b7b257ab','cancels-20270112.csv','cancels',20830,11,'APPLIED',NULL,NULL,1,0,1,'archive/2027-01-12','cancels-20270112.csv','cancels-20270112.csv.rejects.csv',1);
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
INSERT INTO rejections VALUES(1,20458,'products-20260105.csv',6,NULL,NULL,'BAD_AMOUNT','price is not a decimal >= 0 with at most 0 decimals');
INSERT INTO rejections VALUES(2,20458,'purchases-20260105.csv',7,'2026-01-05:0006','kang','PRICE_MISMATCH','amount 100000 differs from the price 120000');
INSERT INTO rejections VALUES(3,20458,'purchases-20260105.csv',8,'2026-01-05:0007','yoon','UNKNOWN_PRODUCT','no product PLATINUM on sale');
INSERT INTO rejections VALUES(4,20458,'purchases-20260105.csv',10,'2026-01-05:0009','lim','BAD_TIMESTAMP','requested_at is not an ISO 8601 YYYY-MM-DDTHH:MM:SS time');
INSERT INTO rejections VALUES(5,20473,'products-20260120.csv',3,NULL,NULL,'PRODUCT_EXISTS','product GOLD exists already');
INSERT INTO rejections VALUES(6,20473,'purchases-20260120.csv',4,'2026-01-05:0001','kim','DUPLICATE_REQUEST','request 2026-01-05:0001 was accepted before');
INSERT INTO rejections VALUES(7,20473,'purchases-20260120.csv',5,'2026-01-20:0003',NULL,'BAD_ID','customer_id must be 1-64 of A-Z a-z 0-9 _ -');
INSERT INTO rejections VALUES(8,20473,'purchases-20260120.csv',6,'2026-01-20:0004','han','UNKNOWN_PRODUCT','no product PROMO (deleted) on sale');
INSERT INTO rejections VALUES(9,20473,'cancels-20260120.csv',3,'c-2026-01-20:0002','park','NOT_OWNER','purchase 2026-01-05:0004 belongs to another customer');
INSERT INTO rejections VALUES(10,20473,'notes.csv',NULL,NULL,NULL,'BAD_HEADER','the header matches no file kind (products, purchases, cancels)');
INSERT INTO rejections VALUES(11,20830,'purchases-20270112.csv',3,'2027-01-12:0002','seo','PRODUCT_EXPIRED','product SILVER was on sale until 2026-06-30');
INSERT INTO rejections VALUES(12,20830,'purchases-20270112.csv',4,'2027-01-12:0003',NULL,'BAD_ID','customer_id must be 1-64 of A-Z a-z 0-9 _ -');
INSERT INTO rejections VALUES(13,20830,'cancels-20270112.csv',2,'c-2027-01-12:0001','choi','NOT_CANCELLABLE','membership 2026-01-05:0004 had expired by the cancel''s time');
CREATE TABLE reconciliation (
	id            INTEGER PRIMARY KEY,
	business_date INTEGER NOT NULL,
	product_id    TEXT NOT NULL,
	recorded      INTEGER NOT NULL,
	ledger        INTEGER NOT NULL
) STRICT;
CREATE INDEX runs_job_date ON runs (job, business_date);
CREATE INDEX product_versions_by_product ON product_versions (product_id, business_date, seq);
CREATE INDEX memberships_pending ON memberships (requested_at, request_id) WHERE payment = 'PENDING';
CREATE INDEX memberships_by_customer ON memberships (customer_id, request_id);
CREATE INDEX memberships_paid ON memberships (customer_id, product_id, expires_on, approved_on, payment) WHERE approved_on IS NOT NULL;
CREATE INDEX memberships_expiry ON memberships (expires_on) WHERE status = 'ACTIVE';
CREATE INDEX memberships_product ON memberships (product_id, approved_on, payment, amount, cancelled_on, refund_amount) WHERE approved_on IS NOT NULL;
CREATE INDEX memberships_expires ON memberships (expires_on, customer_id, request_id) WHERE expires_on IS NOT NULL;
CREATE INDEX cancels_pending ON cancels (requested_at, request_id) WHERE state = 'PENDING';
CREATE INDEX cancels_membership ON cancels (membership_id);
CREATE INDEX events_customer ON events (customer_id, id);
CREATE INDEX events_membership ON events (membership_id, business_date) WHERE membership_id IS NOT NULL;
CREATE INDEX events_date ON events (business_date);
CREATE INDEX files_sha ON files (sha256);
CREATE INDEX files_by_date ON files (business_date);
CREATE INDEX rejections_by_date ON rejections (business_date, file, line);
CREATE INDEX reconciliation_by_date ON reconciliation (business_date, product_id);
COMMIT;
PRAGMA user_version = 1;
