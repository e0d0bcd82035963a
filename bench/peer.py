#!/usr/bin/python3
"""peer.py — the yardstick beside membership: the script a shop would write
instead, with Debian's python3 alone (csv + sqlite3). The same row rules
(SPEC §4.3, §4.4) and decision rules (SPEC §5) done the obvious way, in
memory, for the default configuration (zone Asia/Seoul, minor digits 0,
12-month term, renewal window 30 days, 10 approvals a customer a day,
full refund within 7 days, then prorated). No crash safety, no history (no
event log, no as-of reports), no locking.

usage: peer.py DB ingest DATE FILE...   products, purchases or cancels files
       peer.py DB payments DATE
       peer.py DB report DATE OUT       OUT/summary.txt, OUT/products.csv and
                                        OUT/customers/<id>.csv of the day's
                                        customers
"""
import csv
import datetime
import os
import re
import sqlite3
import sys
from itertools import groupby
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Seoul")
TERM_MONTHS = 12
RENEWAL_WINDOW_DAYS = 30
MAX_AMOUNT = 10000000
MAX_PER_DAY = 10
BLOCKED = set()
FULL_REFUND_DAYS = 7

CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")
AMOUNT = re.compile(r"[0-9]+\Z")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?\Z")

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (product_id TEXT PRIMARY KEY, name TEXT, price INTEGER,
    sale_until TEXT, max_sales INTEGER, deleted INTEGER DEFAULT 0, sold_count INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS memberships (id INTEGER PRIMARY KEY, request_id TEXT UNIQUE,
    customer_id TEXT, product_id TEXT, amount INTEGER, requested_at INTEGER, requested_on TEXT,
    status TEXT, payment TEXT, decided_on TEXT, decline_reason TEXT, valid_from TEXT,
    expires_on TEXT, approved_on TEXT, cancelled_on TEXT, refund_amount INTEGER);
CREATE INDEX IF NOT EXISTS memberships_customer ON memberships (customer_id);
CREATE TABLE IF NOT EXISTS cancels (id INTEGER PRIMARY KEY, request_id TEXT UNIQUE,
    customer_id TEXT, purchase_request_id TEXT, requested_at INTEGER, reason TEXT,
    requested_on TEXT, state TEXT);
CREATE INDEX IF NOT EXISTS cancels_purchase ON cancels (purchase_request_id);
CREATE TABLE IF NOT EXISTS rejections (business_date TEXT, file TEXT, line INTEGER,
    request_id TEXT, reason TEXT);
"""


def connect(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def parse_time(text):
    """Epoch seconds of an ISO 8601 time (naive: in ZONE), or None."""
    if not TIMESTAMP.match(text):
        return None
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZONE)
    return int(t.timestamp())


def local_day(epoch):
    return datetime.datetime.fromtimestamp(epoch, ZONE).date()


def add_months(day, months):
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    last = (datetime.date(y + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(y, m, min(day.day, last))


def ingest(db, date, path):
    day = datetime.date.fromisoformat(date)
    end = int(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(),
                                        ZONE).timestamp())
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        if "action" in header:
            return ingest_products(db, date, path, header, rows)
        if "purchase_request_id" in header:
            return ingest_cancels(db, date, path, header, rows, end)
        return ingest_purchases(db, date, path, header, rows, end)


def ingest_products(db, date, path, header, rows):
    for row in rows:
        r = dict(zip(header, row))
        if r["action"] == "add":
            db.execute("INSERT INTO products (product_id, name, price, sale_until, max_sales)"
                       " VALUES (?, ?, ?, ?, ?)",
                       (r["product_id"], r["name"], int(r["price"]), r.get("sale_until") or None,
                        int(r["max_sales"]) if r.get("max_sales") else None))
    db.commit()


def ingest_purchases(db, date, path, header, rows, end):
    products = {p: (price, sale_until, deleted) for p, price, sale_until, deleted in
                db.execute("SELECT product_id, price, sale_until, deleted FROM products")}
    seen = {r[0]: r[1:] for r in db.execute(
        "SELECT request_id, customer_id, product_id, amount, requested_at FROM memberships")}
    accepted, rejected = [], []
    for line, row in enumerate(rows, start=2):
        reason = None
        if len(row) != len(header):
            reason = "MALFORMED_ROW"
        else:
            r = dict(zip(header, row))
            at = parse_time(r["requested_at"])
            product = products.get(r["product_id"])
            if not all(r[k] for k in ("request_id", "customer_id", "product_id", "amount",
                                      "requested_at")):
                reason = "MISSING_FIELD"
            elif not (REQUEST_ID.match(r["request_id"]) and CUSTOMER_ID.match(r["customer_id"])
                      and CUSTOMER_ID.match(r["product_id"])):
                reason = "BAD_ID"
            elif not AMOUNT.match(r["amount"]) or int(r["amount"]) > 2**53:
                reason = "BAD_AMOUNT"
            elif at is None:
                reason = "BAD_TIMESTAMP"
            elif at >= end:
                reason = "FUTURE_TIMESTAMP"
            else:
                key = (r["customer_id"], r["product_id"], int(r["amount"]), at)
                if r["request_id"] in seen:
                    reason = ("DUPLICATE_REQUEST" if seen[r["request_id"]] == key
                              else "REQUEST_CONFLICT")
                elif product is None or product[2]:
                    reason = "UNKNOWN_PRODUCT"
                elif product[1] and local_day(at).isoformat() > product[1]:
                    reason = "PRODUCT_EXPIRED"
                elif int(r["amount"]) != product[0]:
                    reason = "PRICE_MISMATCH"
                else:
                    seen[r["request_id"]] = key
                    accepted.append((r["request_id"], r["customer_id"], r["product_id"],
                                     int(r["amount"]), at, date))
        if reason:
            rejected.append((date, path, line, row[0] if row else None, reason))
    db.executemany("INSERT INTO memberships (request_id, customer_id, product_id, amount,"
                   " requested_at, requested_on, status, payment)"
                   " VALUES (?, ?, ?, ?, ?, ?, 'PENDING_PAYMENT', 'PENDING')", accepted)
    db.executemany("INSERT INTO rejections VALUES (?, ?, ?, ?, ?)", rejected)
    db.commit()


def ingest_cancels(db, date, path, header, rows, end):
    accepted, rejected = [], []
    pending = set()
    for line, row in enumerate(rows, start=2):
        reason = None
        if len(row) != len(header):
            reason = "MALFORMED_ROW"
        else:
            r = dict(zip(header, row))
            at = parse_time(r["requested_at"])
            if not all(r[k] for k in ("request_id", "customer_id", "purchase_request_id",
                                      "requested_at")):
                reason = "MISSING_FIELD"
            elif not (REQUEST_ID.match(r["request_id"]) and CUSTOMER_ID.match(r["customer_id"])
                      and REQUEST_ID.match(r["purchase_request_id"])):
                reason = "BAD_ID"
            elif at is None:
                reason = "BAD_TIMESTAMP"
            elif at >= end:
                reason = "FUTURE_TIMESTAMP"
            else:
                m = db.execute("SELECT customer_id, payment, expires_on, cancelled_on"
                               " FROM memberships WHERE request_id = ?",
                               (r["purchase_request_id"],)).fetchone()
                done = db.execute("SELECT 1 FROM cancels WHERE request_id = ?",
                                  (r["request_id"],)).fetchone()
                if done:
                    reason = "DUPLICATE_REQUEST"
                elif m is None:
                    reason = "UNKNOWN_PURCHASE"
                elif m[0] != r["customer_id"]:
                    reason = "NOT_OWNER"
                elif m[3] or r["purchase_request_id"] in pending or db.execute(
                        "SELECT 1 FROM cancels WHERE purchase_request_id = ? AND"
                        " state != 'REJECTED'", (r["purchase_request_id"],)).fetchone():
                    reason = "ALREADY_CANCELLED"
                elif m[1] == "DECLINED" or (m[2] and local_day(at).isoformat() >= m[2]):
                    reason = "NOT_CANCELLABLE"
                else:
                    pending.add(r["purchase_request_id"])
                    accepted.append((r["request_id"], r["customer_id"],
                                     r["purchase_request_id"], at, r.get("reason", ""), date))
        if reason:
            rejected.append((date, path, line, row[0] if row else None, reason))
    db.executemany("INSERT INTO cancels (request_id, customer_id, purchase_request_id,"
                   " requested_at, reason, requested_on, state)"
                   " VALUES (?, ?, ?, ?, ?, ?, 'PENDING')", accepted)
    db.executemany("INSERT INTO rejections VALUES (?, ?, ?, ?, ?)", rejected)
    db.commit()


def payments(db, date):
    today = datetime.date.fromisoformat(date)
    products = {p: [max_sales, sold] for p, max_sales, sold in
                db.execute("SELECT product_id, max_sales, sold_count FROM products")}
    # The facts a decision needs, per customer: approvals today and the
    # latest expiry held of each product.
    approved_today = dict(db.execute("SELECT customer_id, count(*) FROM memberships"
                                     " WHERE approved_on = ? GROUP BY customer_id", (date,)))
    held = {(c, p): datetime.date.fromisoformat(e) for c, p, e in db.execute(
        "SELECT customer_id, product_id, max(expires_on) FROM memberships"
        " WHERE payment = 'APPROVED' AND expires_on > ? GROUP BY customer_id, product_id",
        (date,))}
    cancels = db.execute("SELECT c.id, m.id, m.payment, m.product_id, m.amount, m.valid_from,"
                         " m.expires_on, c.requested_at FROM cancels c JOIN memberships m"
                         " ON m.request_id = c.purchase_request_id WHERE c.state = 'PENDING'"
                         " ORDER BY c.requested_at, c.request_id").fetchall()
    voids = [(c[0], c[1]) for c in cancels if c[2] == "PENDING"]
    voided = {mid for _, mid in voids}
    db.executemany("UPDATE memberships SET payment = 'VOIDED', status = 'CANCELLED',"
                   " cancelled_on = ? WHERE id = ?", [(date, mid) for _, mid in voids])
    db.executemany("UPDATE cancels SET state = 'VOIDED' WHERE id = ?", [(c,) for c, _ in voids])

    decisions = []
    for mid, customer, product, amount in db.execute(
            "SELECT id, customer_id, product_id, amount FROM memberships"
            " WHERE payment = 'PENDING' ORDER BY requested_at, request_id").fetchall():
        if mid in voided:
            continue
        p = products[product]
        expiry = held.get((customer, product))
        if customer in BLOCKED:
            reason = "BLOCKED_CUSTOMER"
        elif amount > MAX_AMOUNT:
            reason = "AMOUNT_LIMIT"
        elif approved_today.get(customer, 0) >= MAX_PER_DAY:
            reason = "VELOCITY_LIMIT"
        elif expiry and expiry > today + datetime.timedelta(days=RENEWAL_WINDOW_DAYS):
            reason = "ALREADY_ACTIVE"
        elif p[0] is not None and p[1] >= p[0]:
            reason = "SOLD_OUT"
        else:
            reason = None
        if reason:
            decisions.append(("DECLINED", "DECLINED", date, reason, None, None, None, mid))
            continue
        start = expiry if expiry and expiry > today else today
        end = add_months(start, TERM_MONTHS)
        held[(customer, product)] = end
        approved_today[customer] = approved_today.get(customer, 0) + 1
        p[1] += 1
        decisions.append(("APPROVED", "ACTIVE", date, None, start.isoformat(), end.isoformat(),
                          date, mid))
    db.executemany("UPDATE memberships SET payment = ?, status = ?, decided_on = ?,"
                   " decline_reason = ?, valid_from = ?, expires_on = ?, approved_on = ?"
                   " WHERE id = ?", decisions)

    refunds, rejects = [], []
    for cid, mid, payment, product, amount, valid_from, expires_on, at in cancels:
        if payment == "PENDING":
            continue
        c = local_day(at)
        if payment != "APPROVED" or c >= datetime.date.fromisoformat(expires_on):
            rejects.append((cid,))
            continue
        start = datetime.date.fromisoformat(valid_from)
        end = datetime.date.fromisoformat(expires_on)
        if c < start + datetime.timedelta(days=FULL_REFUND_DAYS):
            refund = amount
        else:
            refund = amount * (end - c).days // (end - start).days
        refunds.append((date, refund, mid, cid))
        products[product][1] -= 1
    db.executemany("UPDATE memberships SET payment = 'REFUNDED', status = 'CANCELLED',"
                   " cancelled_on = ?, refund_amount = ? WHERE id = ?",
                   [r[:3] for r in refunds])
    db.executemany("UPDATE cancels SET state = 'REFUNDED' WHERE id = ?",
                   [(r[3],) for r in refunds])
    db.executemany("UPDATE cancels SET state = 'REJECTED' WHERE id = ?", rejects)
    db.executemany("UPDATE products SET sold_count = ? WHERE product_id = ?",
                   [(p[1], k) for k, p in products.items()])
    db.commit()


def report(db, date, out):
    os.makedirs(os.path.join(out, "customers"), exist_ok=True)
    counts = dict(db.execute("SELECT status, count(*) FROM memberships"
                             " WHERE requested_on = ? OR decided_on = ? OR cancelled_on = ?"
                             " GROUP BY status", (date, date, date)))
    with open(os.path.join(out, "summary.txt"), "w") as f:
        for status in sorted(counts):
            print(f"{status}: {counts[status]}", file=f)
    with open(os.path.join(out, "products.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["product_id", "name", "price", "sold_count", "gross", "refunded"])
        for row in db.execute(
                "SELECT p.product_id, p.name, p.price, p.sold_count,"
                " coalesce(sum(m.amount) FILTER (WHERE m.approved_on IS NOT NULL), 0),"
                " coalesce(sum(m.refund_amount), 0)"
                " FROM products p LEFT JOIN memberships m ON m.product_id = p.product_id"
                " GROUP BY p.product_id ORDER BY p.product_id"):
            w.writerow(row)
    rows = db.execute(
        "SELECT customer_id, request_id, product_id, amount, status, payment, decline_reason,"
        " valid_from, expires_on, refund_amount FROM memberships WHERE customer_id IN"
        " (SELECT customer_id FROM memberships WHERE requested_on = ? OR decided_on = ?"
        " OR cancelled_on = ?) ORDER BY customer_id, request_id", (date, date, date))
    for customer, group in groupby(rows, key=lambda r: r[0]):
        with open(os.path.join(out, "customers", customer + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["request_id", "product_id", "amount", "status", "payment",
                        "decline_reason", "valid_from", "expires_on", "refund_amount"])
            w.writerows(r[1:] for r in group)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    db = connect(argv[1])
    if argv[2] == "ingest":
        for path in argv[4:]:
            ingest(db, argv[3], path)
    elif argv[2] == "payments":
        payments(db, argv[3])
    elif argv[2] == "report" and len(argv) == 5:
        report(db, argv[3], argv[4])
    else:
        sys.exit(__doc__)
    db.close()


if __name__ == "__main__":
    main(sys.argv)
