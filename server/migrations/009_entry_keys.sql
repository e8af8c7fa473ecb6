-- Data keys per roster entry: a private camera's owner is sealed in the roster under a key of
-- the camera's own, like a volunteer's personal fields, so the district's key table names the
-- entry's kind beside its id (ids of the two kinds are minted independently and could meet).
-- Only volunteers withdraw, so `erased_volunteer` stays as it is.
CREATE TABLE entry_key (
    entry_kind TEXT NOT NULL CHECK (entry_kind IN ('volunteer', 'camera')),
    entry_id TEXT NOT NULL,
    key BLOB NOT NULL CHECK (length(key) = 32),
    from_device TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (entry_kind, entry_id)
) WITHOUT ROWID;

INSERT INTO entry_key (entry_kind, entry_id, key, from_device, received_at_ms)
    SELECT 'volunteer', volunteer_id, key, from_device, received_at_ms FROM volunteer_key;

DROP TABLE volunteer_key;
