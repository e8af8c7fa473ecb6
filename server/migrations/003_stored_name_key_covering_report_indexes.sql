-- Keeps district reports to index-only reads at 2 lakh volunteers (see BENCHMARKS.md).
--
-- 1. The sound-alike name key becomes a real column that the merge path writes with the core's
--    `phonetic_key`. As a virtual column (migration 002) it was recomputed through the SQL
--    function `mitan_phonetic_key` on every read of a row, and the duplicate search read
--    every row.
-- 2. A volunteer's programmes are copied onto the row, space-separated, next to the
--    `volunteer_programme` table that stays their truth (exports read it). A filter by
--    programme then runs inside the covering indexes below instead of probing another table
--    once per volunteer.
-- 3. The report indexes carry every column their queries read, `status` included: SQLite
--    does not count the WHERE of a partial index as a column it holds, so without `status`
--    each matched entry cost a lookup of the full row.

DROP INDEX volunteer_active_by_name;
ALTER TABLE volunteer DROP COLUMN name_key;
ALTER TABLE volunteer ADD COLUMN name_key TEXT;
-- The function is the core's `phonetic_key`, so backfilled keys equal those the merge writes.
UPDATE volunteer SET name_key = mitan_phonetic_key(coalesce(name_devanagari, name_latin));

ALTER TABLE volunteer ADD COLUMN programmes TEXT NOT NULL DEFAULT '';
UPDATE volunteer SET programmes = coalesce((SELECT group_concat(programme, ' ') FROM (
    SELECT programme FROM volunteer_programme WHERE volunteer_id = volunteer.id
    ORDER BY programme)), '');

DROP INDEX volunteer_active_by_beat;
DROP INDEX volunteer_active_by_village;
DROP INDEX volunteer_active_by_enrolled_by;
DROP INDEX volunteer_active_by_phone;

-- Counts per beat, village and programme, coverage, and a station's duplicate search: all
-- read a run of beats, or every beat in order.
CREATE INDEX volunteer_active_by_beat ON volunteer
    (beat, village, household, enrolled_at_ms, status, programmes, name_key, phone)
    WHERE status IN ('pending', 'verified');
-- Counts per enrolling employee, wherever they enrolled.
CREATE INDEX volunteer_active_by_enrolled_by ON volunteer
    (enrolled_by, enrolled_at_ms, status, programmes)
    WHERE status IN ('pending', 'verified');
-- A district's shared phones and sound-alike names, grouped in index order.
CREATE INDEX volunteer_active_by_phone ON volunteer (phone, status)
    WHERE status IN ('pending', 'verified');
CREATE INDEX volunteer_active_by_name ON volunteer (village, name_key, status)
    WHERE status IN ('pending', 'verified');
