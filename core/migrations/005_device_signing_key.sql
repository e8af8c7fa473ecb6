-- The device's Ed25519 key (issue 6): it signs every change the device sends, so an auditor
-- can check offline who sent what. Drawn from the operating system's RNG on the store's first
-- open, before registration (which sends the public half), and kept only here, inside the
-- encrypted store: it never leaves the phone.
CREATE TABLE device_signing_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);
