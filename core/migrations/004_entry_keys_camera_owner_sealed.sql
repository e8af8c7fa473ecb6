-- A private camera's owner is a private person: their name and phone are sealed in the roster
-- under a key of the camera's own, exactly like a volunteer's personal fields. Keys are
-- therefore per roster entry, and name the entry's kind: ids of volunteers and cameras are
-- minted independently, so one ULID could name one of each.
CREATE TABLE entry_key (
    entry_kind TEXT NOT NULL CHECK (entry_kind IN ('volunteer', 'camera')),
    entry_id TEXT NOT NULL,
    key BLOB NOT NULL CHECK (length(key) = 32),
    origin_change BLOB CHECK (origin_change IS NULL OR length(origin_change) = 32),
    PRIMARY KEY (entry_kind, entry_id)
) WITHOUT ROWID;

CREATE INDEX entry_key_by_origin ON entry_key (origin_change)
    WHERE origin_change IS NOT NULL;

INSERT INTO entry_key (entry_kind, entry_id, key, origin_change)
    SELECT 'volunteer', volunteer_id, key, origin_change FROM volunteer_key;

DROP TABLE volunteer_key;

-- The camera index keeps nothing of the owner: no list or search reads it, and a phone that
-- shows one camera reads the owner from the roster with the camera's key. `sealed` is 1 when
-- the camera is on this device without its key, so the next sync asks for it.
ALTER TABLE camera DROP COLUMN owner_name;
ALTER TABLE camera DROP COLUMN owner_phone;
ALTER TABLE camera ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1));
