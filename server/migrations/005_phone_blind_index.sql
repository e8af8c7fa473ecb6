-- Duplicate phones are found through a keyed blind index instead of the plain number.
--
-- 1. A 32-byte secret, drawn here once per database from SQLite's randomness (seeded by the
--    operating system), keys the index. No API, export or log ever returns it: a 10-digit
--    mobile number is easy to brute-force from its tag once the key is known.
-- 2. Each row carries `phone_tag`, HMAC-SHA256(secret, canonical "+91XXXXXXXXXX"), cut to 16
--    bytes, which `save_volunteers` writes at every merge (NULL without a phone, so a
--    withdrawal drops the tag with the number). The existing rows are tagged here, through
--    the SQL function `mitan_phone_tag` the store registers on every connection (the same
--    code as the merge path), so the column is complete when this transaction commits.
-- 3. The plain phone leaves the report indexes: the district groups shared phones by tag,
--    and a station's search reads the tag from the beat index. As in migration 003, each
--    index holds every column its query reads, `status` included.

CREATE TABLE phone_index_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO phone_index_secret (id, secret) VALUES (1, randomblob(32));

ALTER TABLE volunteer ADD COLUMN phone_tag BLOB;
UPDATE volunteer
SET phone_tag = mitan_phone_tag((SELECT secret FROM phone_index_secret), phone)
WHERE phone IS NOT NULL;

DROP INDEX volunteer_active_by_phone;
DROP INDEX volunteer_active_by_beat;

-- A district's shared phones: the tags held twice, grouped in index order, then the rows of
-- one page of tags. The beat lets the search keep to the beats the caller may see.
CREATE INDEX volunteer_active_by_phone_tag ON volunteer (phone_tag, status, beat)
    WHERE status IN ('pending', 'verified');
-- As in 003, with the phone's tag in place of the phone.
CREATE INDEX volunteer_active_by_beat ON volunteer
    (beat, village, household, enrolled_at_ms, status, programmes, name_key, phone_tag)
    WHERE status IN ('pending', 'verified');
