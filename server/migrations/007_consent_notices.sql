-- The district's consent notices: one text per language and version, published by the
-- district admin. A volunteer's consent record names the notice they were shown, so a
-- published text is never changed or removed; rewording means publishing the next version.
CREATE TABLE consent_notice (
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 3),
    version INTEGER NOT NULL CHECK (version > 0),
    text TEXT NOT NULL CHECK (length(text) > 0),
    published_at_ms INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (language, version)
) WITHOUT ROWID;

CREATE TRIGGER consent_notice_no_update BEFORE UPDATE ON consent_notice
BEGIN
    SELECT RAISE(ABORT, 'consent notices are never changed');
END;

CREATE TRIGGER consent_notice_no_delete BEFORE DELETE ON consent_notice
BEGIN
    SELECT RAISE(ABORT, 'consent notices are never deleted');
END;

-- The district's consent policy: one row, absent until an admin sets it (then guardians are
-- allowed for people under 18).
CREATE TABLE consent_policy (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    adults_only INTEGER NOT NULL CHECK (adults_only IN (0, 1)),
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
);
