-- The district's programmes (issue 22), as last received with its notices: what the
-- enrolment form offers, and the only codes the phone accepts once it holds them. Replaced
-- whole at every fetch.
CREATE TABLE district_programme (
    code TEXT PRIMARY KEY,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL
) WITHOUT ROWID;
