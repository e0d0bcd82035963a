-- schema_7.sql — version 6 → 7, applied by db_migrate like every step.
--
-- A membership ends on its expires_on, whether or not `expire` ran that
-- day (SPEC §5.1): expired_on and the MEMBERSHIP_EXPIRED event are dated
-- there, so as-of reports do not depend on when expire happened to run.
-- Books kept before this dated both on the day expire ran; this re-dates
-- them. On books whose expire ran every day (a nightly every day) nothing
-- changes. No table changes shape.
UPDATE memberships SET expired_on = expires_on
	WHERE expired_on IS NOT NULL AND expires_on IS NOT NULL AND expired_on != expires_on;
UPDATE events SET business_date = (SELECT m.expires_on FROM memberships m WHERE m.id = events.membership_id)
	WHERE event = 'MEMBERSHIP_EXPIRED' AND membership_id IS NOT NULL
	AND (SELECT m.expires_on FROM memberships m WHERE m.id = events.membership_id) IS NOT NULL;
