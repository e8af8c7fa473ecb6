-- The station console's sign-in (issue 20): officers sign in with their badge and a password.
-- Only an argon2id hash of a password is kept (PHC string). The first password is set with a
-- one-time code an administrator issues (`mitan admin issue-code --for console`).
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

-- Server-side sessions, kept in the database so that any server of the district answers
-- them. The cookie holds a random token; only its hash is kept. Every form carries the
-- session's CSRF token.
CREATE TABLE console_session (
    token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    badge TEXT NOT NULL REFERENCES user (badge),
    csrf TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    ended_at_ms INTEGER
) WITHOUT ROWID;

CREATE INDEX console_session_by_badge ON console_session (badge);

-- When each device last synced, whether or not it sent anything: the console lists the phones
-- silent for more than two days.
ALTER TABLE device ADD COLUMN last_sync_at_ms INTEGER;

-- Verifications day by day (`reports::daily`): a district's verified rows by the time the
-- server recorded them, without reading the rows themselves.
CREATE INDEX volunteer_verified_by_time ON volunteer (updated_at_ms, beat, programmes)
    WHERE status = 'verified';
