-- schema_4.sql — version 3 → 4, applied by db_migrate like every step.
--
-- A payment decision's event (PAYMENT_APPROVED or PAYMENT_DECLINED) is no
-- longer stored: it is read from its membership row, as PURCHASE_REQUESTED
-- is since version 2. decided_id is the decision's place in the one id
-- sequence (drawn when payments decided, like an event id), so a timeline
-- stays in the order things happened. The derived event is:
--   business_date decided_on, event PAYMENT_APPROVED when approved_on is
--   set (else PAYMENT_DECLINED), request_id, product_id and amount of the
--   membership, status ACTIVE (else DECLINED), detail NULL (else
--   decline_reason).
-- Every decision wrote an event row and its customer index entry at a
-- random place (by customer): a third of payments' time on a big day.
--
-- Existing rows: each decided membership takes the id of its decision
-- event when that event says exactly what the row derives; the event then
-- goes. An event that differs in any field (none should) stays stored and
-- its membership keeps decided_id NULL, so nothing shown changes.
ALTER TABLE memberships ADD COLUMN decided_id INTEGER;
UPDATE memberships SET decided_id = d.id
	FROM (SELECT membership_id AS mid, min(id) AS id FROM events
	      WHERE (event = 'PAYMENT_APPROVED' OR event = 'PAYMENT_DECLINED')
	        AND membership_id IS NOT NULL
	      GROUP BY membership_id) AS d
	WHERE memberships.id = d.mid;
UPDATE memberships SET decided_id = NULL
	WHERE decided_id IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM events e WHERE e.id = memberships.decided_id
		AND e.business_date IS memberships.decided_on
		AND e.customer_id IS memberships.customer_id
		AND e.request_id IS memberships.request_id
		AND e.product_id IS memberships.product_id
		AND e.amount IS memberships.amount
		AND e.event IS CASE WHEN memberships.approved_on IS NOT NULL
			THEN 'PAYMENT_APPROVED' ELSE 'PAYMENT_DECLINED' END
		AND e.status IS CASE WHEN memberships.approved_on IS NOT NULL
			THEN 'ACTIVE' ELSE 'DECLINED' END
		AND e.detail IS CASE WHEN memberships.approved_on IS NOT NULL
			THEN NULL ELSE memberships.decline_reason END);
-- The decisions in id order: the sequence's high-water mark (db_next_id)
-- and the decisions of one business date (one id range, as in the other
-- tables) for report. Decisions are drawn in increasing order, so this is
-- written at its end, not at a random place.
CREATE INDEX memberships_decided ON memberships (decided_id) WHERE decided_id IS NOT NULL;
DELETE FROM events
	WHERE (event = 'PAYMENT_APPROVED' OR event = 'PAYMENT_DECLINED')
	AND EXISTS (SELECT 1 FROM memberships m WHERE m.decided_id = events.id);

DROP VIEW timeline;
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
