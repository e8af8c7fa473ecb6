-- The district's consent notices this device has received, every version kept: a consent
-- record names the notice it was given under, and the phone must be able to show that text
-- again offline. Rows are only ever added.
CREATE TABLE consent_notice (
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 3),
    version INTEGER NOT NULL CHECK (version > 0),
    text TEXT NOT NULL CHECK (length(text) > 0),
    published_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (language, version)
) WITHOUT ROWID;

-- The district's consent policy as last received: one row, replaced at each fetch.
CREATE TABLE consent_policy (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    adults_only INTEGER NOT NULL CHECK (adults_only IN (0, 1)),
    received_at_ms INTEGER NOT NULL
);
