//! The district's hierarchy and users imported from CSV files, all or nothing: a file with
//! any bad row is refused whole, listing its problems (`crate::admin` reads and checks them).

use serde::{Deserialize, Serialize};

use super::{Caller, Method, Operation, Permission, Policy, TextRequest, WriteOperation};
use crate::admin::{self, ImportSummary};
use crate::district::District;
use crate::error::Result;

/// Import the district's units and villages (with LGD codes) from CSV, all or nothing: a
/// header row, then one unit per row: kind, code, parent, name_hi, name_en, and optionally
/// lgd_code and households.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportHierarchy {
    /// The file's text.
    pub csv: String,
}

impl Operation for ImportHierarchy {
    type Answer = ImportSummary;
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/v1/admin/hierarchy";
    const BODY: Option<&'static str> = Some("text/csv");
}

impl TextRequest for ImportHierarchy {
    fn from_text(csv: String) -> Self {
        ImportHierarchy { csv }
    }
}

impl WriteOperation for ImportHierarchy {
    fn write(self, district: &mut District, caller: &Caller, _: i64) -> Result<ImportSummary> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        admin::import_hierarchy_by(district.store_mut(), &caller.user, &self.csv)
    }
}

/// Import users and their roles from CSV, all or nothing: a header row, then one user per
/// row: badge, name, role, unit, and a constable's beats. Every user is placed within the
/// caller's units (a state admin places state, range and district staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportUsers {
    /// The file's text.
    pub csv: String,
}

impl Operation for ImportUsers {
    type Answer = ImportSummary;
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/v1/admin/users";
    const BODY: Option<&'static str> = Some("text/csv");
}

impl TextRequest for ImportUsers {
    fn from_text(csv: String) -> Self {
        ImportUsers { csv }
    }
}

impl WriteOperation for ImportUsers {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ImportSummary> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        admin::import_users_by(district.store_mut(), &caller.user, &self.csv, now_ms)
    }
}
