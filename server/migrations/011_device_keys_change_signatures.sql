-- Provenance that auditors check offline (issue 6). Each device registers the public half of
-- its Ed25519 key; supervisors' server-side writers carry the server's own public key, since
-- the server signs what it writes for them. Devices registered before this migration have
-- none, and their changes are refused until they register again.
ALTER TABLE device ADD COLUMN public_key BLOB
    CHECK (public_key IS NULL OR length(public_key) = 32);

-- The sending device's signature of each change (its hash and the device id), kept beside the
-- change it signs. Changes logged before this migration have none, and an export shows them
-- as unsigned.
ALTER TABLE change_log ADD COLUMN signature BLOB
    CHECK (signature IS NULL OR length(signature) = 64);

-- The server's own signing key: it signs the changes the server writes for supervisors, and
-- every audit export as a whole. Drawn from the operating system's RNG by the server at the
-- first open after this migration; it never leaves this database.
CREATE TABLE server_signing_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);
