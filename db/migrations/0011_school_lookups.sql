-- Lookups by school that ran through every row of a big school.
--
-- A school's directors are found among its people by role: a school with two hundred
-- teachers and mentors is one index probe, not two hundred rows read (every placement
-- decision and request notifies them).
DROP INDEX users_by_organization;
CREATE INDEX users_by_organization_role ON users (organization_id, role);

-- An application carries its offer's school (an offer never changes school), so a director's
-- review queue is one range of a small index instead of a probe per offer and a sort.
ALTER TABLE applications ADD COLUMN organization_id INTEGER REFERENCES organizations (id);
UPDATE applications
   SET organization_id = (SELECT o.organization_id FROM practice_offers o WHERE o.id = offer_id);
CREATE INDEX applications_pending_by_school
    ON applications (organization_id, queued_at, id) WHERE status = 'pending';
