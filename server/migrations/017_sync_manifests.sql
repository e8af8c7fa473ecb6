-- Protocol 5 (issue 23): a device signs each sync request once, over the manifest of every
-- change hash the request offers, instead of signing each change. The manifest is kept as
-- the device sent it, so an auditor checks the one signature over the whole list offline
-- and finds each logged change's hash in it. A manifest may list changes that were refused
-- or belong to another roster: the signature covers the list as offered.
CREATE TABLE sync_manifest (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    -- The hashes, 32 bytes each, in the order offered.
    hashes BLOB NOT NULL CHECK (length(hashes) % 32 = 0),
    signature BLOB NOT NULL CHECK (length(signature) = 64),
    received_at_ms INTEGER NOT NULL
);

CREATE TRIGGER sync_manifest_is_append_only_update BEFORE UPDATE ON sync_manifest
BEGIN
    SELECT RAISE(ABORT, 'sync_manifest is append-only');
END;

CREATE TRIGGER sync_manifest_is_append_only_delete BEFORE DELETE ON sync_manifest
BEGIN
    SELECT RAISE(ABORT, 'sync_manifest is append-only');
END;

-- The manifest that vouches for a change sent in protocol 5; such a change has no signature
-- of its own. Written only with a change logged by the same request, never afterwards.
ALTER TABLE change_log ADD COLUMN manifest INTEGER REFERENCES sync_manifest (id);
