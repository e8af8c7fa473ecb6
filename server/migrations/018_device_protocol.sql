-- The sync protocol each device last spoke (issue 23). Phones of sync protocol 5 seal a new
-- volunteer's personal fields together as one value, which builds of protocol 4 cannot
-- read; the server tells phones they may, in its replies, only once no device still in use
-- has last synced with an older protocol. NULL for a device that has not synced since.
ALTER TABLE device ADD COLUMN protocol INTEGER;

-- That question is asked at every sync, under the district lock: only the devices in use
-- that synced are indexed, so it reads a few entries rather than every device.
CREATE INDEX device_in_use_by_protocol ON device (protocol)
    WHERE revoked_at_ms IS NULL AND last_sync_at_ms IS NOT NULL;
