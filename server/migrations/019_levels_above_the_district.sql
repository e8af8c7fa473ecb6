-- Levels above the district (issue 24): zones between the state and its ranges, roles for the
-- state HQ's monitoring cell, range IGs and a state administrator, and campaigns that belong to
-- a unit (a district's own, or a state's that sets targets for every district in it).
--
-- SQLite cannot widen a CHECK in place, and `unit` and `user` are the parents of most tables,
-- so neither can be renamed away (the children's references would follow the rename). Each is
-- copied aside, dropped and made again under its own name with the wider CHECK, and its rows
-- put back. With foreign keys deferred, the drop's implicit delete leaves the children's rows
-- counted as orphans until their parents are back, which they are before the commit; a row
-- that lost its parent would fail the commit and leave the database at version 18.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE unit_before_019 AS SELECT code, kind, name_hi, name_en, parent, lgd_code FROM unit;
CREATE TEMP TABLE user_before_019 AS SELECT badge, name, role, unit, created_at_ms FROM user;

DROP TABLE user;
DROP TABLE unit;

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

INSERT INTO unit (code, kind, name_hi, name_en, parent, lgd_code)
    SELECT code, kind, name_hi, name_en, parent, lgd_code FROM unit_before_019;

CREATE INDEX unit_by_parent ON unit (parent);

-- `unit` is where a user's authority lies: a station, a circle, a district, a range (an IG)
-- or the state (the DGP's monitoring cell, the state administrator).
CREATE TABLE user (
    badge TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN
        ('constable', 'station_incharge', 'circle_officer', 'district_admin', 'auditor',
         'range_ig', 'state_monitor', 'state_admin')),
    unit TEXT NOT NULL REFERENCES unit (code),
    created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO user (badge, name, role, unit, created_at_ms)
    SELECT badge, name, role, unit, created_at_ms FROM user_before_019;

DROP TABLE unit_before_019;
DROP TABLE user_before_019;

-- The unit a campaign belongs to: its own administrators set it and its targets, and it counts
-- for every unit under it. A database of one district gives that district its campaigns set
-- before; otherwise they stay NULL, the campaigns of the whole hierarchy, as they were.
ALTER TABLE campaign ADD COLUMN unit TEXT REFERENCES unit (code);

UPDATE campaign SET unit = (SELECT code FROM unit WHERE kind = 'district')
    WHERE (SELECT count(*) FROM unit WHERE kind = 'district') = 1;

CREATE INDEX campaign_by_unit ON campaign (unit);
