//! The district's programmes: the built-in ones of the state orders and those the district
//! adds. Phones receive the list with the notices (`GET /v1/notices`) and refuse any other
//! code, so a typo cannot make a programme of its own.

use clap::Args;
use mitan_core::model::validate::{MAX_LABEL_CHARS, clean_label};
use mitan_core::model::{DistrictProgramme, Field, Programme};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};
use crate::store::ServerStore;

/// `PUT /v1/admin/programmes`: a programme to add, or to rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ProgrammeSpec {
    /// The code: 2 to 32 lowercase letters, digits or `_`, starting with a letter.
    #[arg(long)]
    pub code: String,
    /// Its name in Hindi.
    #[arg(long)]
    pub name_hi: String,
    /// Its name in English.
    #[arg(long)]
    pub name_en: String,
}

/// One programme of the district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeView {
    /// The code.
    pub code: String,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
}

/// Adds or renames a programme; the names are cleaned as every label an officer types.
pub fn set_programme(
    store: &mut ServerStore,
    spec: &ProgrammeSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<ProgrammeView> {
    let refused = |field: &'static str| {
        move |invalid: mitan_core::model::Invalid| {
            Error::invalid(field, Problem::Core(invalid.code))
        }
    };
    let label = |name: &str| clean_label(Field::Programmes, name, MAX_LABEL_CHARS);
    let code: Programme = spec.code.parse().map_err(refused("code"))?;
    let checked = DistrictProgramme {
        code,
        name_hi: label(&spec.name_hi).map_err(refused("name_hi"))?,
        name_en: label(&spec.name_en).map_err(refused("name_en"))?,
    };
    store.save_programme(&checked, set_by, now_ms)?;
    Ok(view(checked))
}

/// Every programme of the district, by code.
pub fn load_programmes(store: &ServerStore) -> Result<Vec<ProgrammeView>> {
    Ok(store
        .load_programmes()?
        .into_iter()
        .map(|(code, name_hi, name_en)| ProgrammeView {
            code,
            name_hi,
            name_en,
        })
        .collect())
}

fn view(programme: DistrictProgramme) -> ProgrammeView {
    ProgrammeView {
        code: programme.code.to_string(),
        name_hi: programme.name_hi,
        name_en: programme.name_en,
    }
}
