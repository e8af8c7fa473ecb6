-- Recovery of a phone restored from a backup or cloned (issue 19, docs/adr/0008).
-- Its actor already spent the sequence numbers it would write next, so it re-registers under a
-- new actor and signing key, drawn here before the server is asked and adopted once it answers.
CREATE TABLE device_replacement (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    actor BLOB NOT NULL CHECK (length(actor) = 16),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);

-- The old actor's changes the server never acknowledged, taken out of the roster at adoption.
-- After the next sync has brought what the server holds, each is dropped if the server has it
-- and written again under the new actor if not; `seq` keeps the order they were made in.
CREATE TABLE set_aside_change (
    seq INTEGER PRIMARY KEY,
    roster_id TEXT NOT NULL REFERENCES roster (roster_id),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    bytes BLOB NOT NULL
);
