//! The district's consent notices and policy: the admin publishes a notice text per language
//! and version and decides whether people under 18 are enrolled at all; every device fetches
//! the current notices and the policy, and shows the notices before a person consents.
//!
//! Versions only go up within a language: a consent record names the version shown, so the
//! text behind a version, once published, is what every phone and auditor reads for it.

use clap::Args;
use mitan_core::model::{ConsentNotice, ConsentTerms, Field, Invalid};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};
use crate::store::{ServerStore, StoredNotice};

/// `PUT /v1/admin/notices`: a notice to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeSpec {
    /// The version, above every version published in the language.
    pub version: u32,
    /// The language code (`hi`, `en`, or one the district adds, such as `hne`).
    pub language: String,
    /// The text shown to the person.
    pub text: String,
}

/// A published notice, as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// The version.
    pub version: u32,
    /// The language code.
    pub language: String,
    /// The text.
    pub text: String,
    /// When it was published, by the server clock.
    pub published_at_ms: i64,
    /// The badge of the admin who published it.
    pub published_by: String,
}

impl From<StoredNotice> for NoticeView {
    fn from(notice: StoredNotice) -> Self {
        NoticeView {
            version: notice.version,
            language: notice.language,
            text: notice.text,
            published_at_ms: notice.published_at_ms,
            published_by: notice.published_by,
        }
    }
}

/// `GET /v1/notices`: what a device needs before it enrols.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentTermsView {
    /// Whether the district enrols adults only.
    pub adults_only: bool,
    /// The newest notice of each language.
    pub notices: Vec<NoticeView>,
    /// The district's programmes: the only codes an enrolment may name.
    #[serde(default)]
    pub programmes: Vec<crate::programmes::ProgrammeView>,
}

impl ConsentTermsView {
    /// The district's programmes as the device facade takes them; one that does not read is
    /// refused, and the whole list with it.
    pub fn to_programmes(
        &self,
    ) -> std::result::Result<Vec<mitan_core::model::DistrictProgramme>, Invalid> {
        self.programmes
            .iter()
            .map(|programme| {
                mitan_core::model::DistrictProgramme::checked(
                    &programme.code,
                    &programme.name_hi,
                    &programme.name_en,
                )
            })
            .collect()
    }

    /// The terms as the device facade takes them.
    pub fn to_terms(&self) -> ConsentTerms {
        ConsentTerms {
            adults_only: self.adults_only,
            notices: self
                .notices
                .iter()
                .map(|notice| ConsentNotice {
                    language: notice.language.clone(),
                    version: notice.version,
                    text: notice.text.clone(),
                    published_at_ms: notice.published_at_ms,
                })
                .collect(),
        }
    }
}

/// `PUT /v1/admin/policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct PolicySpec {
    /// Refuse everyone under 18 (rather than enrol them with a guardian's consent): true, or
    /// false to enrol them with a guardian's consent.
    #[arg(long, action = clap::ArgAction::Set)]
    pub adults_only: bool,
}

/// The request's field a core validation failure is about.
fn refused(invalid: Invalid, spec: &NoticeSpec) -> Error {
    match invalid.field {
        Field::ConsentLanguage => Error::invalid(
            "language",
            Problem::unreadable(&spec.language, "a language code of 2 or 3 letters"),
        ),
        _ if spec.version == 0 => Error::invalid(
            "version",
            Problem::OutOfRange {
                min: 1,
                max: u64::from(u32::MAX),
                of: "(versions count from 1)",
            },
        ),
        _ => Error::invalid("text", Problem::Core(invalid.code)),
    }
}

/// Publishes a notice, checked as every device will check it.
pub fn publish_notice(
    store: &mut ServerStore,
    spec: &NoticeSpec,
    published_by: &str,
    now_ms: i64,
) -> Result<NoticeView> {
    let notice = ConsentNotice::checked(&spec.language, spec.version, &spec.text, now_ms)
        .map_err(|invalid| refused(invalid, spec))?;
    let latest = store.latest_notice_version(&notice.language)?;
    if let Some(latest) = latest.filter(|latest| notice.version <= *latest) {
        return Err(Error::invalid(
            "version",
            Problem::VersionNotNewer {
                language: notice.language.to_string(),
                latest,
            },
        ));
    }
    let stored = StoredNotice {
        language: notice.language,
        version: notice.version,
        text: notice.text,
        published_at_ms: now_ms,
        published_by: published_by.to_owned(),
    };
    store.save_notice(&stored)?;
    tracing::info!(language = %stored.language, version = stored.version, by = published_by, "consent notice published");
    Ok(stored.into())
}

/// Sets the district's policy on people under 18; devices apply it from their next fetch.
pub fn set_policy(
    store: &mut ServerStore,
    spec: PolicySpec,
    set_by: &str,
    now_ms: i64,
) -> Result<PolicySpec> {
    store.save_adults_only(spec.adults_only, set_by, now_ms)?;
    Ok(spec)
}

/// The current notices and the policy.
pub fn current_terms(store: &ServerStore) -> Result<ConsentTermsView> {
    Ok(ConsentTermsView {
        adults_only: store.load_adults_only()?,
        notices: store
            .load_current_notices()?
            .into_iter()
            .map(NoticeView::from)
            .collect(),
        programmes: crate::programmes::load_programmes(store)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(language: &str, version: u32) -> NoticeSpec {
        NoticeSpec {
            version,
            language: language.into(),
            text: format!("notice {language} {version}"),
        }
    }

    fn field_of(result: Result<NoticeView>) -> &'static str {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn versions_only_go_up_and_the_newest_of_each_language_is_current() {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        publish_notice(&mut store, &spec("hi", 1), "CG-500", 10).expect("published");
        publish_notice(&mut store, &spec("en", 1), "CG-500", 11).expect("published");
        publish_notice(&mut store, &spec("HI", 2), "CG-500", 12).expect("published");
        assert_eq!(
            field_of(publish_notice(&mut store, &spec("hi", 2), "CG-500", 13)),
            "version"
        );
        assert_eq!(
            field_of(publish_notice(&mut store, &spec("hi", 1), "CG-500", 13)),
            "version"
        );
        assert_eq!(
            field_of(publish_notice(&mut store, &spec("en", 0), "CG-500", 13)),
            "version"
        );
        assert_eq!(
            field_of(publish_notice(
                &mut store,
                &spec("english", 3),
                "CG-500",
                13
            )),
            "language"
        );
        let empty = NoticeSpec {
            text: " ".into(),
            ..spec("en", 2)
        };
        assert_eq!(
            field_of(publish_notice(&mut store, &empty, "CG-500", 13)),
            "text"
        );

        let terms = current_terms(&store).expect("terms");
        assert!(!terms.adults_only);
        let current: Vec<(&str, u32)> = terms
            .notices
            .iter()
            .map(|notice| (notice.language.as_str(), notice.version))
            .collect();
        assert_eq!(current, vec![("en", 1), ("hi", 2)]);
        assert_eq!(terms.notices[1].published_by, "CG-500");
        assert_eq!(terms.notices[1].published_at_ms, 12);
    }

    #[test]
    fn a_published_notice_cannot_be_rewritten_in_the_database() {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        publish_notice(&mut store, &spec("hi", 1), "CG-500", 10).expect("published");
        let again = StoredNotice {
            language: "hi".into(),
            version: 1,
            text: "other".into(),
            published_at_ms: 11,
            published_by: "CG-500".into(),
        };
        assert!(store.save_notice(&again).is_err());
        assert_eq!(
            current_terms(&store).expect("terms").notices[0].text,
            "notice hi 1"
        );
    }

    #[test]
    fn the_policy_is_off_until_set_and_follows_the_last_setting() {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        assert!(!current_terms(&store).expect("terms").adults_only);
        set_policy(&mut store, PolicySpec { adults_only: true }, "CG-500", 1).expect("set");
        assert!(current_terms(&store).expect("terms").adults_only);
        set_policy(&mut store, PolicySpec { adults_only: false }, "CG-500", 2).expect("set");
        assert!(!current_terms(&store).expect("terms").adults_only);
    }
}
