-- The server schema at version 19, as migrations 1 to 19 leave it.
-- Written by the test; regenerate with: MITAN_BLESS_SCHEMAS=1 cargo test -p mitan-server --lib store::schema

CREATE TABLE user_beat (
    badge TEXT NOT NULL REFERENCES user (badge),
    beat TEXT NOT NULL REFERENCES unit (code),
    PRIMARY KEY (badge, beat)
) WITHOUT ROWID;

CREATE TABLE device (
    id TEXT PRIMARY KEY,
    badge TEXT NOT NULL REFERENCES user (badge),
    actor BLOB NOT NULL UNIQUE CHECK (length(actor) = 16),
    credential_hash BLOB NOT NULL UNIQUE CHECK (length(credential_hash) = 32),
    registered_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    revoked_by TEXT
, public_key BLOB
    CHECK (public_key IS NULL OR length(public_key) = 32), last_sync_at_ms INTEGER, protocol INTEGER) WITHOUT ROWID;

CREATE TABLE registration_code (
    code_hash BLOB PRIMARY KEY CHECK (length(code_hash) = 32),
    badge TEXT NOT NULL REFERENCES user (badge),
    issued_by TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER,
    used_by_device TEXT
) WITHOUT ROWID;

CREATE TABLE roster_snapshot (
    roster_id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    upto_seq INTEGER NOT NULL,
    saved_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    roster_id TEXT NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    bytes BLOB NOT NULL,
    actor BLOB NOT NULL,
    device_id TEXT NOT NULL,
    badge TEXT NOT NULL,
    action TEXT,
    entry TEXT,
    device_clock_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL, signature BLOB
    CHECK (signature IS NULL OR length(signature) = 64), manifest INTEGER REFERENCES sync_manifest (id),
    UNIQUE (roster_id, hash)
);

CREATE TABLE volunteer (
    id TEXT PRIMARY KEY,
    roster_id TEXT NOT NULL,
    station TEXT NOT NULL,
    beat TEXT NOT NULL,
    village TEXT NOT NULL,
    status TEXT NOT NULL,
    gender TEXT NOT NULL,
    name_devanagari TEXT,
    name_latin TEXT,
    phone TEXT,
    household TEXT,
    enrolled_by TEXT NOT NULL,
    enrolled_on TEXT NOT NULL,
    enrolled_at_ms INTEGER NOT NULL,
    reviewed_by TEXT,
    updated_at_ms INTEGER NOT NULL
, name_key TEXT, programmes TEXT NOT NULL DEFAULT '', phone_tag BLOB, trained_by TEXT, birth_year INTEGER) WITHOUT ROWID;

CREATE TABLE volunteer_programme (
    volunteer_id TEXT NOT NULL REFERENCES volunteer (id) ON DELETE CASCADE,
    programme TEXT NOT NULL,
    PRIMARY KEY (volunteer_id, programme)
) WITHOUT ROWID;

CREATE TABLE campaign (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    programme TEXT,
    starts_on TEXT NOT NULL CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    ends_on TEXT NOT NULL CHECK (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL, unit TEXT REFERENCES unit (code),
    CHECK (starts_on <= ends_on)
) WITHOUT ROWID;

CREATE TABLE target (
    campaign TEXT NOT NULL REFERENCES campaign (code),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('unit', 'employee')),
    subject TEXT NOT NULL,
    volunteers INTEGER NOT NULL CHECK (volunteers >= 0),
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    PRIMARY KEY (campaign, subject_kind, subject)
) WITHOUT ROWID;

CREATE TABLE village_households (
    lgd_code TEXT PRIMARY KEY,
    households INTEGER NOT NULL CHECK (households >= 0)
) WITHOUT ROWID;

CREATE TABLE supervisor_actor (
    badge TEXT PRIMARY KEY REFERENCES user (badge),
    device_id TEXT NOT NULL UNIQUE REFERENCES device (id),
    created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE export_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    badge TEXT NOT NULL,
    role TEXT NOT NULL,
    requested_via TEXT NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    unit TEXT NOT NULL,
    programme TEXT,
    include_unverified INTEGER NOT NULL,
    include_withdrawn INTEGER NOT NULL,
    part INTEGER,
    rows INTEGER NOT NULL,
    at_ms INTEGER NOT NULL
);

CREATE TABLE erased_volunteer (
    volunteer_id TEXT PRIMARY KEY,
    erased_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE phone_index_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);

CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    badge TEXT NOT NULL,
    role TEXT NOT NULL,
    requested_via TEXT NOT NULL,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    query TEXT NOT NULL,
    volunteers INTEGER NOT NULL CHECK (volunteers >= 0),
    at_ms INTEGER NOT NULL
);

CREATE TABLE consent_notice (
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 3),
    version INTEGER NOT NULL CHECK (version > 0),
    text TEXT NOT NULL CHECK (length(text) > 0),
    published_at_ms INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (language, version)
) WITHOUT ROWID;

CREATE TABLE consent_policy (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    adults_only INTEGER NOT NULL CHECK (adults_only IN (0, 1)),
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
);

CREATE TABLE "supervisor_action" (
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

CREATE TABLE entry_key (
    entry_kind TEXT NOT NULL CHECK (entry_kind IN ('volunteer', 'camera')),
    entry_id TEXT NOT NULL,
    key BLOB NOT NULL CHECK (length(key) = 32),
    from_device TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (entry_kind, entry_id)
) WITHOUT ROWID;

CREATE TABLE server_signing_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);

CREATE TABLE console_password (
    badge TEXT PRIMARY KEY REFERENCES user (badge),
    hash TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    -- Wrong passwords in a row, and until when the badge is locked after too many.
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER
) WITHOUT ROWID;

CREATE TABLE console_code (
    code_hash BLOB PRIMARY KEY CHECK (length(code_hash) = 32),
    badge TEXT NOT NULL REFERENCES user (badge),
    issued_by TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER
) WITHOUT ROWID;

CREATE TABLE console_session (
    token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    badge TEXT NOT NULL REFERENCES user (badge),
    csrf TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    ended_at_ms INTEGER
) WITHOUT ROWID;

CREATE TABLE programme (
    code TEXT PRIMARY KEY,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE camera (
    id TEXT PRIMARY KEY,
    roster_id TEXT NOT NULL,
    beat TEXT NOT NULL,
    village TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    direction TEXT CHECK (direction IN ('n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw')),
    coverage TEXT NOT NULL,
    recording_days INTEGER CHECK (recording_days BETWEEN 1 AND 365),
    registered_at_ms INTEGER NOT NULL,
    removed TEXT CHECK (removed IN ('owner_asked', 'dismantled', 'entered_in_error')),
    removed_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE erased_camera (
    camera_id TEXT PRIMARY KEY,
    erased_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE staff_contact (
    badge TEXT PRIMARY KEY REFERENCES user (badge),
    phone TEXT,
    gender TEXT CHECK (gender IN ('female', 'male', 'transgender')),
    rank TEXT NOT NULL CHECK (rank IN ('constable', 'head_constable', 'asi', 'si', 'inspector',
        'dsp', 'asp', 'addl_sp', 'sp', 'dig', 'ig', 'adg', 'dgp')),
    listed INTEGER NOT NULL CHECK (listed IN (0, 1)),
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE member_group (
    unit TEXT NOT NULL REFERENCES unit (code),
    code TEXT NOT NULL,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    rules TEXT NOT NULL,
    defined_by TEXT NOT NULL,
    defined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (unit, code)
) WITHOUT ROWID;

CREATE TABLE sync_manifest (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    -- The hashes, 32 bytes each, in the order offered.
    hashes BLOB NOT NULL CHECK (length(hashes) % 32 = 0),
    signature BLOB NOT NULL CHECK (length(signature) = 64),
    received_at_ms INTEGER NOT NULL
);

CREATE TABLE unit (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN
        ('state', 'zone', 'range', 'district', 'circle', 'station', 'outpost', 'beat',
         'village')),
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent TEXT REFERENCES unit (code),
    lgd_code TEXT
) WITHOUT ROWID;

CREATE TABLE user (
    badge TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN
        ('constable', 'station_incharge', 'circle_officer', 'district_admin', 'auditor',
         'range_ig', 'state_monitor', 'state_admin')),
    unit TEXT NOT NULL REFERENCES unit (code),
    created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX device_by_badge ON device (badge);

CREATE INDEX change_log_by_roster ON change_log (roster_id, seq);

CREATE INDEX change_log_by_device ON change_log (device_id, seq);

CREATE INDEX volunteer_by_roster ON volunteer (roster_id);

CREATE INDEX volunteer_by_station ON volunteer (station, status);

CREATE INDEX volunteer_by_village ON volunteer (village);

CREATE INDEX volunteer_by_phone ON volunteer (phone);

CREATE INDEX volunteer_by_enrolled_by ON volunteer (enrolled_by, status);

CREATE INDEX volunteer_programme_by_programme ON volunteer_programme (programme);

CREATE INDEX volunteer_pending ON volunteer (enrolled_at_ms, id) WHERE status = 'pending';

CREATE INDEX volunteer_active_by_enrolled_by ON volunteer
    (enrolled_by, enrolled_at_ms, status, programmes)
    WHERE status IN ('pending', 'verified');

CREATE INDEX volunteer_active_by_name ON volunteer (village, name_key, status)
    WHERE status IN ('pending', 'verified');

CREATE INDEX volunteer_active_by_phone_tag ON volunteer (phone_tag, status, beat)
    WHERE status IN ('pending', 'verified');

CREATE INDEX volunteer_active_by_beat ON volunteer
    (beat, village, household, enrolled_at_ms, status, programmes, name_key, phone_tag)
    WHERE status IN ('pending', 'verified');

CREATE INDEX access_log_by_badge ON access_log (badge, seq);

CREATE INDEX access_log_by_time ON access_log (at_ms, seq);

CREATE INDEX supervisor_action_by_volunteer ON supervisor_action (volunteer_id, seq);

CREATE INDEX change_log_by_entry ON change_log (entry, roster_id) WHERE entry IS NOT NULL;

CREATE INDEX console_session_by_badge ON console_session (badge);

CREATE INDEX volunteer_verified_by_time ON volunteer (updated_at_ms, beat, programmes)
    WHERE status = 'verified';

CREATE INDEX volunteer_by_trainer ON volunteer (trained_by, status) WHERE trained_by IS NOT NULL;

CREATE INDEX camera_by_beat ON camera (beat, village) WHERE removed IS NULL;

CREATE INDEX device_in_use_by_protocol ON device (protocol)
    WHERE revoked_at_ms IS NULL AND last_sync_at_ms IS NOT NULL;

CREATE INDEX unit_by_parent ON unit (parent);

CREATE INDEX campaign_by_unit ON campaign (unit);

CREATE TRIGGER change_log_is_append_only_update BEFORE UPDATE ON change_log
BEGIN
    SELECT RAISE(ABORT, 'change_log is append-only');
END;

CREATE TRIGGER change_log_is_append_only_delete BEFORE DELETE ON change_log
BEGIN
    SELECT RAISE(ABORT, 'change_log is append-only');
END;

CREATE TRIGGER export_log_is_append_only_update BEFORE UPDATE ON export_log
BEGIN
    SELECT RAISE(ABORT, 'export_log is append-only');
END;

CREATE TRIGGER export_log_is_append_only_delete BEFORE DELETE ON export_log
BEGIN
    SELECT RAISE(ABORT, 'export_log is append-only');
END;

CREATE TRIGGER volunteer_moved_entry_keeps_live_row BEFORE INSERT ON volunteer
WHEN NEW.status = 'moved'
    AND EXISTS (SELECT 1 FROM volunteer WHERE id = NEW.id AND roster_id <> NEW.roster_id)
BEGIN
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER access_log_is_append_only_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;

CREATE TRIGGER access_log_is_append_only_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;

CREATE TRIGGER consent_notice_no_update BEFORE UPDATE ON consent_notice
BEGIN
    SELECT RAISE(ABORT, 'consent notices are never changed');
END;

CREATE TRIGGER consent_notice_no_delete BEFORE DELETE ON consent_notice
BEGIN
    SELECT RAISE(ABORT, 'consent notices are never deleted');
END;

CREATE TRIGGER sync_manifest_is_append_only_update BEFORE UPDATE ON sync_manifest
BEGIN
    SELECT RAISE(ABORT, 'sync_manifest is append-only');
END;

CREATE TRIGGER sync_manifest_is_append_only_delete BEFORE DELETE ON sync_manifest
BEGIN
    SELECT RAISE(ABORT, 'sync_manifest is append-only');
END;

PRAGMA user_version = 19;
