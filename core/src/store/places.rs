//! The villages of the phone's beats, as last fetched from the district's directory, so the
//! enrolment form offers them by name while the phone is offline.

use rusqlite::params;

use super::device_store::DeviceStore;
use crate::error::{Error, Result};
use crate::model::{LgdCode, UnitCode, Village};

impl DeviceStore {
    /// Replaces the villages held for `beat` with `villages`, in one transaction: a village
    /// the directory no longer lists under the beat leaves the form.
    pub fn save_villages(&mut self, beat: &UnitCode, villages: &[Village]) -> Result<()> {
        let transaction = self.connection_mut().transaction()?;
        transaction.execute("DELETE FROM place WHERE beat = ?1", [beat.as_str()])?;
        {
            let mut add = transaction.prepare_cached(
                "INSERT OR REPLACE INTO place (beat, lgd_code, name_hi, name_en)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for village in villages {
                add.execute(params![
                    beat.as_str(),
                    village.lgd_code.to_string(),
                    village.name_hi,
                    village.name_en
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// The villages held for `beat`, by English name.
    pub fn load_villages(&self, beat: &UnitCode) -> Result<Vec<Village>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT lgd_code, name_hi, name_en FROM place WHERE beat = ?1
             ORDER BY name_en COLLATE NOCASE, lgd_code",
        )?;
        let rows = statement
            .query_map([beat.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(code, name_hi, name_en)| {
                let lgd_code: LgdCode = code.parse().map_err(|_| Error::Decode {
                    what: "village",
                    reason: format!("LGD code {code:?} in the store"),
                })?;
                Ok(Village {
                    lgd_code,
                    name_hi,
                    name_en,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreKey;

    fn village(code: &str, name_hi: &str, name_en: &str) -> Village {
        Village::checked(code, name_hi, name_en).expect("valid village")
    }

    #[test]
    fn a_beats_villages_are_replaced_whole_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("device.db");
        let key = StoreKey::from_bytes([7; 32]);
        let beat: UnitCode = "BSP-PS-KONI-B01".parse().expect("beat");
        let other: UnitCode = "BSP-PS-KONI-B02".parse().expect("beat");
        {
            let mut store = DeviceStore::open(&path, &key).expect("store opens");
            store
                .save_villages(
                    &beat,
                    &[
                        village("434521", "कोनी", "Koni"),
                        village("434522", "बिरकोना", "Birkona"),
                    ],
                )
                .expect("saved");
            store
                .save_villages(&other, &[village("434530", "सेंदरी", "Sendri")])
                .expect("saved");
            // The directory dropped Koni from the beat and renamed Birkona.
            store
                .save_villages(&beat, &[village("434522", "बिरकोना खुर्द", "Birkona Khurd")])
                .expect("saved again");
        }
        let store = DeviceStore::open(&path, &key).expect("store reopens");
        assert_eq!(
            store.load_villages(&beat).expect("villages"),
            vec![village("434522", "बिरकोना खुर्द", "Birkona Khurd")]
        );
        assert_eq!(store.load_villages(&other).expect("villages").len(), 1);
    }

    #[test]
    fn a_village_with_a_bad_code_or_name_is_refused() {
        assert!(Village::checked("43452", "कोनी", "Koni").is_err());
        assert!(Village::checked("434521", "को\u{0007}नी", "Koni").is_err());
        assert!(Village::checked("434521", "कोनी", "").is_err());
    }
}
