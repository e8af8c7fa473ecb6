//! The district's consent notices and policy on the device, as last received from the server.
//! The app shows a notice from here before a person consents, so it works offline.

use rusqlite::{OptionalExtension, params};

use super::device_store::DeviceStore;
use crate::error::{Error, Result};
use crate::model::{ConsentNotice, ConsentTerms};

fn notice_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ConsentNotice> {
    Ok(ConsentNotice {
        language: row.get(0)?,
        version: row.get(1)?,
        text: row.get(2)?,
        published_at_ms: row.get(3)?,
    })
}

impl DeviceStore {
    /// Stores the district's terms in one transaction: new notices are added beside the ones
    /// held (an older version stays, since consents already given name it), and the policy
    /// replaces the one held. A version already held keeps its first text: published texts
    /// never change, so a different one is refused rather than silently swapped.
    pub fn save_consent_terms(&mut self, terms: &ConsentTerms, now_ms: i64) -> Result<()> {
        let transaction = self.connection_mut().transaction()?;
        {
            let mut held = transaction.prepare_cached(
                "SELECT text FROM consent_notice WHERE language = ?1 AND version = ?2",
            )?;
            let mut add = transaction.prepare_cached(
                "INSERT INTO consent_notice (language, version, text, published_at_ms, received_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for notice in &terms.notices {
                let text: Option<String> = held
                    .query_row(params![notice.language, notice.version], |row| row.get(0))
                    .optional()?;
                match text {
                    Some(text) if text == notice.text => {}
                    Some(_) => {
                        return Err(Error::Decode {
                            what: "consent notice",
                            reason: format!(
                                "{} version {} differs from the text already held",
                                notice.language, notice.version
                            ),
                        });
                    }
                    None => {
                        add.execute(params![
                            notice.language,
                            notice.version,
                            notice.text,
                            notice.published_at_ms,
                            now_ms
                        ])?;
                    }
                }
            }
        }
        transaction.execute(
            "INSERT INTO consent_policy (only_row, adults_only, received_at_ms) VALUES (1, ?1, ?2)
             ON CONFLICT (only_row) DO UPDATE SET adults_only = excluded.adults_only,
                 received_at_ms = excluded.received_at_ms",
            params![terms.adults_only, now_ms],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Every notice held, by language then version.
    pub fn load_notices(&self) -> Result<Vec<ConsentNotice>> {
        let mut statement = self.connection().prepare(
            "SELECT language, version, text, published_at_ms FROM consent_notice
             ORDER BY language, version",
        )?;
        let notices = statement
            .query_map([], notice_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(notices)
    }

    /// The notice of `language` at `version`, or its newest version held if `version` is
    /// `None`.
    pub fn load_notice(
        &self,
        language: &str,
        version: Option<u32>,
    ) -> Result<Option<ConsentNotice>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT language, version, text, published_at_ms FROM consent_notice
                 WHERE language = ?1 AND (?2 IS NULL OR version = ?2)
                 ORDER BY version DESC LIMIT 1",
                params![language, version],
                notice_from_row,
            )
            .optional()?)
    }

    /// Whether the district enrols adults only, if its policy has been received.
    pub fn load_adults_only(&self) -> Result<Option<bool>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT adults_only FROM consent_policy WHERE only_row = 1",
                [],
                |row| row.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreKey;

    fn notice(language: &str, version: u32, text: &str) -> ConsentNotice {
        ConsentNotice::checked(language, version, text, 1_000).expect("valid notice")
    }

    #[test]
    fn notices_survive_reopening_and_older_versions_stay_readable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("device.db");
        let key = StoreKey::from_bytes([7; 32]);
        {
            let mut store = DeviceStore::open(&path, &key).expect("store opens");
            assert_eq!(store.load_adults_only().expect("policy"), None);
            let first = ConsentTerms {
                adults_only: false,
                notices: vec![notice("hi", 1, "सूचना १"), notice("en", 1, "Notice 1")],
            };
            store.save_consent_terms(&first, 2_000).expect("saved");
            let second = ConsentTerms {
                adults_only: true,
                notices: vec![notice("hi", 2, "सूचना २"), notice("en", 1, "Notice 1")],
            };
            store.save_consent_terms(&second, 3_000).expect("saved");
        }
        let store = DeviceStore::open(&path, &key).expect("store reopens");
        assert_eq!(store.load_adults_only().expect("policy"), Some(true));
        assert_eq!(store.load_notices().expect("notices").len(), 3);
        let newest = store.load_notice("hi", None).expect("read").expect("held");
        assert_eq!((newest.version, newest.text.as_str()), (2, "सूचना २"));
        let older = store
            .load_notice("hi", Some(1))
            .expect("read")
            .expect("held");
        assert_eq!(older.text, "सूचना १");
        assert_eq!(store.load_notice("hne", None).expect("read"), None);
    }

    #[test]
    fn a_held_version_arriving_with_another_text_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = DeviceStore::open(
            &dir.path().join("device.db"),
            &StoreKey::from_bytes([1; 32]),
        )
        .expect("store opens");
        let terms = ConsentTerms {
            adults_only: false,
            notices: vec![notice("en", 1, "Notice 1")],
        };
        store.save_consent_terms(&terms, 1).expect("saved");
        let rewritten = ConsentTerms {
            adults_only: true,
            notices: vec![notice("hi", 1, "सूचना"), notice("en", 1, "Reworded")],
        };
        assert!(store.save_consent_terms(&rewritten, 2).is_err());
        assert_eq!(store.load_notices().expect("notices"), terms.notices);
        assert_eq!(store.load_adults_only().expect("policy"), Some(false));
    }
}
