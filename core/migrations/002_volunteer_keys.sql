-- Per-volunteer data keys. A roster holds personal fields only as ciphertext under the
-- volunteer's own key; the keys live here, beside the rosters, never inside them.
-- `origin_change` is the hash of this device's enrolment change for keys minted here: the key
-- travels to the server with every offer of that change until the server acknowledges it.
CREATE TABLE volunteer_key (
    volunteer_id TEXT PRIMARY KEY,
    key BLOB NOT NULL CHECK (length(key) = 32),
    origin_change BLOB CHECK (origin_change IS NULL OR length(origin_change) = 32)
) WITHOUT ROWID;

CREATE INDEX volunteer_key_by_origin ON volunteer_key (origin_change)
    WHERE origin_change IS NOT NULL;

-- 1 when the volunteer's personal fields are on this device but sealed: no key yet.
ALTER TABLE volunteer ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1));
