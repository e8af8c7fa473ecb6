-- Campaigns and targets, supervisors' server-side actors and their actions, the export log,
-- household counts of villages, and the keys and indexes that keep district reports in SQL.

-- A campaign window: the drive a target belongs to. `programme` NULL means every programme.
-- Dates are calendar days in India (IST), both ends included.
CREATE TABLE campaign (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    programme TEXT,
    starts_on TEXT NOT NULL CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    ends_on TEXT NOT NULL CHECK (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    CHECK (starts_on <= ends_on)
) WITHOUT ROWID;

-- An explicit target, replacing the default for one unit or one employee in one campaign.
-- `subject` is a unit code when `subject_kind` is 'unit' and a badge when it is 'employee'.
CREATE TABLE target (
    campaign TEXT NOT NULL REFERENCES campaign (code),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('unit', 'employee')),
    subject TEXT NOT NULL,
    volunteers INTEGER NOT NULL CHECK (volunteers >= 0),
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    PRIMARY KEY (campaign, subject_kind, subject)
) WITHOUT ROWID;

-- How many households a village has, when the district knows it: the denominator of
-- household coverage ("one Mitan in every household").
CREATE TABLE village_households (
    lgd_code TEXT PRIMARY KEY,
    households INTEGER NOT NULL CHECK (households >= 0)
) WITHOUT ROWID;

-- The server-side Automerge actor of each supervisor. The actor is also a row of `device`
-- (with a credential hash nobody holds), so it can never be registered by a phone and the
-- change log attributes its changes like any device's.
CREATE TABLE supervisor_actor (
    badge TEXT PRIMARY KEY REFERENCES user (badge),
    device_id TEXT NOT NULL UNIQUE REFERENCES device (id),
    created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Every supervisor action taken on the server, with who asked and through what.
CREATE TABLE supervisor_action (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL CHECK (action IN ('verify', 'reject', 'duplicate', 'move')),
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

CREATE INDEX supervisor_action_by_volunteer ON supervisor_action (volunteer_id, seq);

-- Every export taken, with who took it. Append-only like the change log: auditors read it.
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

CREATE TRIGGER export_log_is_append_only_update BEFORE UPDATE ON export_log
BEGIN
    SELECT RAISE(ABORT, 'export_log is append-only');
END;

CREATE TRIGGER export_log_is_append_only_delete BEFORE DELETE ON export_log
BEGIN
    SELECT RAISE(ABORT, 'export_log is append-only');
END;

-- The sound-alike key of a volunteer's name, computed by the core's `phonetic_key` (registered
-- as the SQL function `mitan_phonetic_key` on every connection) from the Devanagari name, or
-- the Latin one when there is none. A virtual column costs nothing to store; the index below
-- holds the computed keys, so duplicate search stays in SQL and the merge path that writes
-- the rows does not need to know about it.
ALTER TABLE volunteer ADD COLUMN name_key TEXT
    GENERATED ALWAYS AS (mitan_phonetic_key(coalesce(name_devanagari, name_latin))) VIRTUAL;

-- Active volunteers (pending or verified) are the ones that count, export and may be
-- duplicates; partial indexes over them keep each report an index scan.
CREATE INDEX volunteer_active_by_beat ON volunteer (beat, enrolled_at_ms, status)
    WHERE status IN ('pending', 'verified');
CREATE INDEX volunteer_active_by_enrolled_by ON volunteer (enrolled_by, enrolled_at_ms, status)
    WHERE status IN ('pending', 'verified');
CREATE INDEX volunteer_active_by_village ON volunteer (beat, village, household, enrolled_at_ms)
    WHERE status IN ('pending', 'verified');
CREATE INDEX volunteer_active_by_phone ON volunteer (phone)
    WHERE status IN ('pending', 'verified');
CREATE INDEX volunteer_active_by_name ON volunteer (village, name_key)
    WHERE status IN ('pending', 'verified');
CREATE INDEX volunteer_pending ON volunteer (enrolled_at_ms, id) WHERE status = 'pending';

-- A moved volunteer's entry stays in the source beat's roster with status 'moved'; the row of
-- the volunteer follows the live copy in the target beat. This keeps a later merge of the
-- source roster from putting the stale entry back over the live row.
CREATE TRIGGER volunteer_moved_entry_keeps_live_row BEFORE INSERT ON volunteer
WHEN NEW.status = 'moved'
    AND EXISTS (SELECT 1 FROM volunteer WHERE id = NEW.id AND roster_id <> NEW.roster_id)
BEGIN
    SELECT RAISE(IGNORE);
END;
