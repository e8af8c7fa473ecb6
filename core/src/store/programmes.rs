//! The district's programmes on the phone, as last received, so the form offers them and a
//! mistyped code is refused offline.

use rusqlite::params;

use super::device_store::DeviceStore;
use crate::error::{Error, Result};
use crate::model::DistrictProgramme;

impl DeviceStore {
    /// Replaces the district's programmes held with `programmes`, in one transaction.
    pub fn save_programmes(&mut self, programmes: &[DistrictProgramme]) -> Result<()> {
        let transaction = self.connection_mut().transaction()?;
        transaction.execute("DELETE FROM district_programme", [])?;
        {
            let mut add = transaction.prepare_cached(
                "INSERT OR REPLACE INTO district_programme (code, name_hi, name_en)
                 VALUES (?1, ?2, ?3)",
            )?;
            for programme in programmes {
                add.execute(params![
                    programme.code.as_str(),
                    programme.name_hi,
                    programme.name_en
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// The district's programmes held, by code; empty until the list is received.
    pub fn load_programmes(&self) -> Result<Vec<DistrictProgramme>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT code, name_hi, name_en FROM district_programme ORDER BY code",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(code, name_hi, name_en)| {
                Ok(DistrictProgramme {
                    code: code.parse().map_err(|_| Error::Decode {
                        what: "programme",
                        reason: format!("code {code:?} in the store"),
                    })?,
                    name_hi,
                    name_en,
                })
            })
            .collect()
    }
}
