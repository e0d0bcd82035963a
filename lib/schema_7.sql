-- schema_7.sql — version 6 → 7, applied by db_migrate like every step.
--
-- A membership ends on its expires_on, whether or not `expire` ran that
-- day (SPEC §5.1): expired_on and the MEMBERSHIP_EXPIRED event are dated
-- there, so as-of reports do not depend on when expire happened to run.
-- Books kept before this dated both on the day expire ran; this re-dates
-- them. On books whose expire ran every day nothing changes.
UPDATE memberships SET expired_on = expires_on
	WHERE expired_on IS NOT NULL AND expires_on IS NOT NULL AND expired_on != expires_on;
UPDATE events SET business_date = (SELECT m.expires_on FROM memberships m WHERE m.id = events.membership_id)
	WHERE event = 'MEMBERSHIP_EXPIRED' AND membership_id IS NOT NULL
	AND (SELECT m.expires_on FROM memberships m WHERE m.id = events.membership_id) IS NOT NULL
	AND business_date != (SELECT m.expires_on FROM memberships m WHERE m.id = events.membership_id);
-- (how many moved: none on books whose expire ran every day, and then the
-- renumbering below reads nothing)
CREATE TEMP TABLE redated7 AS SELECT changes() AS n;

-- The one id sequence (memberships.id, events.id, memberships.decided_id,
-- schema_2.sql and schema_4.sql) must follow the dates: report finds a
-- day's rows as one id range, and a timeline is merged by id. An expiry
-- re-dated to before rows written after it breaks that, so the sequence is
-- renumbered by (date, old id): the same set of ids handed out again in
-- that order — each re-dated expiry comes right after the last row of its
-- day, as if expire had run that evening, and everything else keeps its
-- relative order. Where the order already holds (expire ran every day),
-- every id maps to itself and no row is touched. References follow.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE seq7 (old INTEGER PRIMARY KEY, day INTEGER NOT NULL);
INSERT INTO seq7 (old, day) SELECT id, requested_on FROM memberships
	WHERE (SELECT n FROM temp.redated7) > 0;
INSERT INTO seq7 (old, day) SELECT id, business_date FROM events
	WHERE (SELECT n FROM temp.redated7) > 0;
INSERT INTO seq7 (old, day) SELECT decided_id, decided_on FROM memberships
	WHERE decided_id IS NOT NULL AND decided_on IS NOT NULL AND (SELECT n FROM temp.redated7) > 0;
CREATE TEMP TABLE renumber7 (old INTEGER PRIMARY KEY, new INTEGER NOT NULL UNIQUE);
INSERT INTO renumber7 (old, new)
	SELECT a.old, b.old
	FROM (SELECT old, row_number() OVER (ORDER BY day, old) AS k FROM seq7) AS a
	JOIN (SELECT old, row_number() OVER (ORDER BY old) AS k FROM seq7) AS b ON a.k = b.k
	WHERE a.old != b.old;
UPDATE memberships SET id = -(SELECT new FROM renumber7 WHERE old = memberships.id)
	WHERE id IN (SELECT old FROM renumber7);
UPDATE memberships SET id = -id WHERE id < 0;
UPDATE memberships SET decided_id = (SELECT new FROM renumber7 WHERE old = memberships.decided_id)
	WHERE decided_id IN (SELECT old FROM renumber7);
UPDATE events SET id = -(SELECT new FROM renumber7 WHERE old = events.id)
	WHERE id IN (SELECT old FROM renumber7);
UPDATE events SET id = -id WHERE id < 0;
UPDATE events SET membership_id = (SELECT new FROM renumber7 WHERE old = events.membership_id)
	WHERE membership_id IN (SELECT old FROM renumber7);
UPDATE cancels SET membership_id = (SELECT new FROM renumber7 WHERE old = cancels.membership_id)
	WHERE membership_id IN (SELECT old FROM renumber7);
DROP TABLE temp.renumber7;
DROP TABLE temp.seq7;
DROP TABLE temp.redated7;
