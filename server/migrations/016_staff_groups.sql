-- Police staff as members of group lists, and the groups a district admin defines by rule
-- (issue 22).
--
-- A member of staff's contact: their mobile number, gender and rank, imported with the users
-- file, and whether they consented to be listed; only a listed contact with a number is ever
-- put in a group list. Kept apart from `user`, which says what someone may do in Mitan.
CREATE TABLE staff_contact (
    badge TEXT PRIMARY KEY REFERENCES user (badge),
    phone TEXT,
    gender TEXT CHECK (gender IN ('female', 'male', 'transgender')),
    rank TEXT NOT NULL CHECK (rank IN ('constable', 'head_constable', 'asi', 'si', 'inspector',
        'dsp', 'asp', 'addl_sp', 'sp', 'dig', 'ig', 'adg', 'dgp')),
    listed INTEGER NOT NULL CHECK (listed IN (0, 1)),
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- A named group of a unit, made of rules (JSON, `crate::groups::GroupRule`): the members are
-- whoever the rules select when the list is taken, each phone once.
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

-- A volunteer's year of birth, as their age claim gives it (an age in years is counted back
-- from the year of enrolment), for groups chosen by age band. Rows written before this
-- migration are filled from the rosters once (`ServerStore::backfill_birth_years`).
ALTER TABLE volunteer ADD COLUMN birth_year INTEGER;
