-- Every volunteer's data key. Rosters hold personal fields only as ciphertext under these
-- keys; deleting a key (when the volunteer withdraws) erases them from every copy of the
-- history. The row records which device first delivered the key, for the audit.
CREATE TABLE volunteer_key (
    volunteer_id TEXT PRIMARY KEY,
    key BLOB NOT NULL CHECK (length(key) = 32),
    from_device TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Volunteers whose key was destroyed, and when: a key offered again later (by a phone that
-- was offline during the withdrawal) is never taken back.
CREATE TABLE erased_volunteer (
    volunteer_id TEXT PRIMARY KEY,
    erased_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
