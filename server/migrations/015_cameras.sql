-- Private CCTV cameras (issue 22, Durg's Trinayan register): one row per camera a roster
-- holds, so reports count cameras per beat and station and list where each stands without
-- loading documents. The row holds nothing of the owner: only the logged export reads the
-- owner, from the roster with the camera's key, and a removal destroys that key in the same
-- transaction as the merge that brings it (`erased_camera`).
-- `registered_at_ms` is the registering phone's clock when it minted the camera's id.
-- Rows of cameras registered before this migration are filled from the rosters once, when
-- the store first opens at this version (`ServerStore::backfill_cameras`).
CREATE TABLE camera (
    id TEXT PRIMARY KEY,
    roster_id TEXT NOT NULL,
    beat TEXT NOT NULL,
    village TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    direction TEXT CHECK (direction IN ('n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw')),
    coverage TEXT NOT NULL,
    recording_days INTEGER CHECK (recording_days BETWEEN 1 AND 365),
    registered_at_ms INTEGER NOT NULL,
    removed TEXT CHECK (removed IN ('owner_asked', 'dismantled', 'entered_in_error')),
    removed_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX camera_by_beat ON camera (beat, village) WHERE removed IS NULL;

-- Cameras taken off the register: their key is destroyed and never taken back.
CREATE TABLE erased_camera (
    camera_id TEXT PRIMARY KEY,
    erased_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
