-- Supervisors may record a withdrawal of consent that a volunteer gave by phone. SQLite
-- cannot widen a CHECK in place, so the action log is rebuilt with the new action allowed,
-- keeping every row and sequence number.
CREATE TABLE supervisor_action_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL CHECK (action IN ('verify', 'reject', 'duplicate', 'move', 'withdraw')),
    volunteer_id TEXT NOT NULL,
    roster_id TEXT NOT NULL,
    target_roster_id TEXT,
    duplicate_of TEXT,
    reason TEXT,
    badge TEXT NOT NULL,
    role TEXT NOT NULL,
    requested_via TEXT NOT NULL,
    change_hash BLOB NOT NULL,
    at_ms INTEGER NOT NULL
);

INSERT INTO supervisor_action_new
    SELECT seq, action, volunteer_id, roster_id, target_roster_id, duplicate_of, reason, badge,
           role, requested_via, change_hash, at_ms
    FROM supervisor_action;

DROP TABLE supervisor_action;
ALTER TABLE supervisor_action_new RENAME TO supervisor_action;
CREATE INDEX supervisor_action_by_volunteer ON supervisor_action (volunteer_id, seq);
