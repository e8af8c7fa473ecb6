-- Whether the server lets this phone seal a new entry's personal fields together as one
-- value (sync protocol 5, issue 23): it says so in each reply once every phone in use reads
-- them. Until a reply says so, the phone seals each field apart, as protocol 4 builds read.
ALTER TABLE roster ADD COLUMN seal_together INTEGER NOT NULL DEFAULT 0;
