-- The villages of the phone's beats (issue 21), as the district's directory lists them, so
-- the constable picks a village by name offline instead of typing its LGD code. Replaced
-- beat by beat whenever the phone fetches the directory.
CREATE TABLE place (
    beat TEXT NOT NULL,
    lgd_code TEXT NOT NULL,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    PRIMARY KEY (beat, lgd_code)
) WITHOUT ROWID;
