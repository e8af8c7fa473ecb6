-- The device's bearer credential (issue 21), kept inside the encrypted store rather than in
-- the app's plain files, beside the signing key it goes with. Keyed by the device id it was
-- issued for: while a recovery switches the phone to a new registration (docs/adr/0008),
-- the old and the new credential are both here, so whichever identity the phone opens with
-- finds its own.
CREATE TABLE device_credential (
    device_id TEXT PRIMARY KEY,
    credential TEXT NOT NULL
) WITHOUT ROWID;
