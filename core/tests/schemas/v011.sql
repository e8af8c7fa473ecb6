-- The phone schema at version 11, as migrations 1 to 11 leave it.
-- Written by the test; regenerate with: MITAN_BLESS_SCHEMAS=1 cargo test -p mitan-core --lib store::schema

CREATE TABLE device_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id TEXT NOT NULL,
    actor BLOB NOT NULL CHECK (length(actor) = 16),
    badge TEXT NOT NULL,
    station TEXT NOT NULL,
    quota INTEGER NOT NULL
);

CREATE TABLE device_beat (
    beat TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE roster (
    roster_id TEXT PRIMARY KEY,
    snapshot BLOB,
    server_heads BLOB NOT NULL DEFAULT x'',
    last_sync_ms INTEGER
, seal_together INTEGER NOT NULL DEFAULT 0);

CREATE TABLE roster_change (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    roster_id TEXT NOT NULL REFERENCES roster (roster_id),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    bytes BLOB NOT NULL,
    local INTEGER NOT NULL CHECK (local IN (0, 1)),
    acked INTEGER NOT NULL CHECK (acked IN (0, 1)),
    UNIQUE (roster_id, hash)
);

CREATE TABLE volunteer (
    id TEXT PRIMARY KEY,
    roster_id TEXT NOT NULL REFERENCES roster (roster_id),
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
    enrolled_at_ms INTEGER NOT NULL
, sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1)), moved_to TEXT) WITHOUT ROWID;

CREATE TABLE volunteer_programme (
    volunteer_id TEXT NOT NULL REFERENCES volunteer (id) ON DELETE CASCADE,
    programme TEXT NOT NULL,
    PRIMARY KEY (volunteer_id, programme)
) WITHOUT ROWID;

CREATE TABLE search_term (
    term TEXT NOT NULL,
    volunteer_id TEXT NOT NULL REFERENCES volunteer (id) ON DELETE CASCADE,
    PRIMARY KEY (term, volunteer_id)
) WITHOUT ROWID;

CREATE TABLE camera (
    id TEXT PRIMARY KEY,
    roster_id TEXT NOT NULL REFERENCES roster (roster_id),
    village TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    coverage TEXT NOT NULL
, sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1))) WITHOUT ROWID;

CREATE TABLE consent_notice (
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 3),
    version INTEGER NOT NULL CHECK (version > 0),
    text TEXT NOT NULL CHECK (length(text) > 0),
    published_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (language, version)
) WITHOUT ROWID;

CREATE TABLE consent_policy (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    adults_only INTEGER NOT NULL CHECK (adults_only IN (0, 1)),
    received_at_ms INTEGER NOT NULL
);

CREATE TABLE entry_key (
    entry_kind TEXT NOT NULL CHECK (entry_kind IN ('volunteer', 'camera')),
    entry_id TEXT NOT NULL,
    key BLOB NOT NULL CHECK (length(key) = 32),
    origin_change BLOB CHECK (origin_change IS NULL OR length(origin_change) = 32),
    PRIMARY KEY (entry_kind, entry_id)
) WITHOUT ROWID;

CREATE TABLE device_signing_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);

CREATE TABLE device_replacement (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    actor BLOB NOT NULL CHECK (length(actor) = 16),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);

CREATE TABLE set_aside_change (
    seq INTEGER PRIMARY KEY,
    roster_id TEXT NOT NULL REFERENCES roster (roster_id),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    bytes BLOB NOT NULL
);

CREATE TABLE device_credential (
    device_id TEXT PRIMARY KEY,
    credential TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE place (
    beat TEXT NOT NULL,
    lgd_code TEXT NOT NULL,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    PRIMARY KEY (beat, lgd_code)
) WITHOUT ROWID;

CREATE TABLE district_programme (
    code TEXT PRIMARY KEY,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX roster_change_unacked ON roster_change (roster_id, seq) WHERE acked = 0;

CREATE INDEX volunteer_by_beat ON volunteer (beat, enrolled_at_ms);

CREATE INDEX volunteer_by_village ON volunteer (village);

CREATE INDEX volunteer_by_status ON volunteer (status);

CREATE INDEX volunteer_by_phone ON volunteer (phone);

CREATE INDEX volunteer_by_enrolled_by ON volunteer (enrolled_by, status);

CREATE INDEX volunteer_programme_by_programme ON volunteer_programme (programme);

CREATE INDEX search_term_by_volunteer ON search_term (volunteer_id);

CREATE INDEX entry_key_by_origin ON entry_key (origin_change)
    WHERE origin_change IS NOT NULL;

PRAGMA user_version = 11;
