//! Private CCTV cameras' rows (Durg's Trinayan register): each camera a roster holds, for
//! reports, exports and the console. A row holds nothing of the owner, whose name and phone
//! stay sealed in the roster; the logged export opens them there ([`ServerStore::camera_owners`]).
//! A removed camera keeps its row, so counts and history still see it.

use std::collections::BTreeMap;

use mitan_core::model::sealed::NoKeys;
use mitan_core::model::{Camera, CameraOwner, EntryId, Roster, RosterId};
use rusqlite::{Transaction, params};

use super::ServerStore;
use crate::error::{Error, Result};

/// One camera's row.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraRow {
    /// Its id.
    pub id: String,
    /// The beat whose roster holds it.
    pub beat: String,
    /// The village's LGD code.
    pub village: String,
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
    /// Which way it looks (`n`, `ne`, …), when recorded.
    pub direction: Option<String>,
    /// What it covers.
    pub coverage: String,
    /// Days of footage its recorder keeps, when recorded.
    pub recording_days: Option<u16>,
    /// The registering phone's clock when it registered the camera.
    pub registered_at_ms: i64,
    /// Why it was removed, once it was.
    pub removed: Option<String>,
    /// The removing phone's clock, once removed.
    pub removed_at_ms: Option<i64>,
}

/// Upserts the rows of `cameras`.
pub(super) fn save_cameras(
    transaction: &Transaction<'_>,
    cameras: &[(RosterId, Camera)],
    now_ms: i64,
) -> Result<()> {
    let mut upsert = transaction.prepare_cached(
        "INSERT OR REPLACE INTO camera (id, roster_id, beat, village, latitude, longitude,
             direction, coverage, recording_days, registered_at_ms, removed, removed_at_ms,
             updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for (roster, camera) in cameras {
        upsert.execute(params![
            camera.id.to_string(),
            roster.as_str(),
            // A roster is one beat's, and its id is the beat's code.
            roster.as_str(),
            camera.village.to_string(),
            camera.latitude,
            camera.longitude,
            camera.direction.map(|direction| direction.as_str()),
            camera.coverage,
            camera.recording_days,
            camera.id.minted_at_ms(),
            camera.removed.map(|removed| removed.reason.as_str()),
            camera.removed.map(|removed| removed.at_ms),
            now_ms,
        ])?;
    }
    Ok(())
}

const COLUMNS: &str = "id, beat, village, latitude, longitude, direction, coverage, recording_days,
     registered_at_ms, removed, removed_at_ms";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CameraRow> {
    Ok(CameraRow {
        id: row.get(0)?,
        beat: row.get(1)?,
        village: row.get(2)?,
        latitude: row.get(3)?,
        longitude: row.get(4)?,
        direction: row.get(5)?,
        coverage: row.get(6)?,
        recording_days: row.get(7)?,
        registered_at_ms: row.get(8)?,
        removed: row.get(9)?,
        removed_at_ms: row.get(10)?,
    })
}

impl ServerStore {
    /// The cameras of `beats` (every beat when `None`), removed ones included, by beat and
    /// then registration order.
    pub fn cameras_in(&self, beats: Option<&[String]>) -> Result<Vec<CameraRow>> {
        let beats = beats
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| Error::Worker(error.to_string()))?;
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM camera
             WHERE ?1 IS NULL OR beat IN (SELECT value FROM json_each(?1))
             ORDER BY beat, id"
        ))?;
        let rows = statement
            .query_map([beats], read_row)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One camera's row, if the district holds it.
    pub fn camera_row(&self, id: &str) -> Result<Option<CameraRow>> {
        let mut statement = self
            .connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM camera WHERE id = ?1"))?;
        let mut rows = statement.query_map([id], read_row)?;
        Ok(rows.next().transpose()?)
    }

    /// The owners of the cameras of `beats` still on the register, by camera id, opened from
    /// the rosters with the district's keys. A camera whose key the district lacks is absent.
    pub fn camera_owners(&self, beats: &[String]) -> Result<BTreeMap<String, CameraOwner>> {
        let mut owners = BTreeMap::new();
        for beat in beats {
            for camera in self.roster_cameras(beat)? {
                if let (Some(owner), None) = (camera.owner, camera.removed) {
                    owners.insert(camera.id.to_string(), owner);
                }
            }
        }
        Ok(owners)
    }

    /// The cameras of a beat's roster as the district reads them with its keys; none if the
    /// beat never synced.
    fn roster_cameras(&self, beat: &str) -> Result<Vec<Camera>> {
        let id: RosterId = beat.parse().map_err(|_| Error::Corrupt {
            what: "roster id",
            reason: format!("{beat:?} as a beat"),
        })?;
        let parts = self.load_roster(&id)?;
        if parts.snapshot.is_none() && parts.changes.is_empty() {
            return Ok(Vec::new());
        }
        let loaded =
            Roster::load(&id, parts.snapshot.as_deref(), &parts.changes).map_err(|error| {
                Error::Corrupt {
                    what: "roster",
                    reason: format!("{id}: {error}"),
                }
            })?;
        let entries = loaded
            .cameras(&NoKeys)
            .into_iter()
            .flatten()
            .map(|camera| EntryId::Camera(camera.id))
            .collect();
        let keys = self.load_keys(&entries)?;
        Ok(loaded.cameras(&keys).into_iter().flatten().collect())
    }

    /// Fills the camera rows of cameras registered before the rows existed, from the
    /// rosters. One transaction; run once, when a database
    /// is first opened at the schema version that added them.
    pub(super) fn backfill_cameras(&mut self) -> Result<()> {
        let rosters: Vec<String> = self
            .connection
            .prepare("SELECT DISTINCT roster_id FROM change_log WHERE action = 'camera'")?
            .query_map([], |row| row.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let mut cameras = Vec::new();
        for roster in rosters {
            let id: RosterId = roster.parse().map_err(|_| Error::Corrupt {
                what: "roster id",
                reason: format!("{roster:?} in the change log"),
            })?;
            for camera in self.roster_cameras(&roster)? {
                cameras.push((id.clone(), camera));
            }
        }
        // The store has no clock of its own; a backfill happens once, so the wall clock will do.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            });
        let transaction = self.connection.transaction()?;
        save_cameras(&transaction, &cameras, now_ms)?;
        transaction.commit()?;
        tracing::info!(
            cameras = cameras.len(),
            "camera rows filled in from the rosters"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mitan_core::model::sealed::{EntryKey, Sealing};
    use mitan_core::model::{BadgeNumber, CameraId, ChangeMeta, DeviceId};

    use super::*;
    use crate::district::received_change;
    use crate::store::KeyUpdate;

    #[test]
    fn cameras_registered_before_their_rows_existed_are_filled_in_once() {
        let roster_id: RosterId = "BSP-PS-A-B01".parse().expect("valid");
        let camera_id = CameraId::from_parts(1_763_900_000_000, 5);
        let key = EntryKey::from_bytes([7; 32]);
        let mut roster = Roster::genesis(&roster_id);
        roster.set_actor([3; 16]);
        let camera = mitan_core::demo::Generator::new(5)
            .camera_form("430001")
            .validate(camera_id)
            .expect("a valid camera");
        let meta = ChangeMeta {
            badge: "CG-001".parse().expect("valid badge"),
            device: "dev-1".parse().expect("valid device"),
            device_clock_ms: 1_763_900_000_000,
        };
        let change = roster
            .add_camera(
                &camera,
                &meta,
                &Sealing {
                    key: key.clone(),
                    nonce_seed: [9; 12],
                },
            )
            .expect("registered");
        let info = mitan_core::model::inspect_change(&change.bytes).expect("inspects");
        let mut store = ServerStore::open_in_memory().expect("store opens");
        {
            let device: DeviceId = "dev-1".parse().expect("valid");
            let badge: BadgeNumber = "CG-001".parse().expect("valid");
            store
                .save_merge(
                    &device,
                    &badge,
                    &[received_change(&roster_id, &change, &info, None)],
                    &[],
                    &KeyUpdate {
                        added: vec![(EntryId::Camera(camera_id), key)],
                        ..KeyUpdate::default()
                    },
                    1_763_900_001_000,
                )
                .expect("merged");
            // As a database of schema 14 held it: the change and the key, no row. Opening such
            // a database runs the backfill (`ServerStore::prepare`).
            store
                .connection
                .execute_batch("DELETE FROM camera")
                .expect("rows deleted");
        }
        store.backfill_cameras().expect("filled in");
        let row = store
            .camera_row(&camera_id.to_string())
            .expect("reads")
            .expect("filled in from the roster");
        assert_eq!(
            (
                row.beat.as_str(),
                row.village.as_str(),
                row.direction.as_deref()
            ),
            (
                "BSP-PS-A-B01",
                "430001",
                camera.direction.map(|direction| direction.as_str())
            )
        );
        assert_eq!(row.registered_at_ms, 1_763_900_000_000);
        let owners = store
            .camera_owners(&["BSP-PS-A-B01".to_owned()])
            .expect("owners open");
        assert_eq!(
            owners
                .get(&camera_id.to_string())
                .map(|owner| owner.name.as_str()),
            camera.owner.as_ref().map(|owner| owner.name.as_str())
        );
    }
}
