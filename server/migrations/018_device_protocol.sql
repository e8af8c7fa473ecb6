-- The sync protocol each device last spoke (issue 23). Phones of sync protocol 5 seal a new
-- volunteer's personal fields together as one value, which builds of protocol 4 cannot
-- read; the server tells phones they may, in its replies, only once no device still in use
-- has last synced with an older protocol. NULL for a device that has not synced since.
ALTER TABLE device ADD COLUMN protocol INTEGER;
