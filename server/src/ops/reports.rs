//! Reports for the caller's units: progress against targets, household coverage, programme
//! counts (read on a connection of their own, never under the district's writer), and the
//! review queue and duplicate candidates, which show personal fields and are logged.

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Caller, Permission, Policy, ReadOperation, WriteOperation};
use crate::access;
use crate::district::District;
use crate::error::Result;
pub use crate::reports::cameras::CameraQuery;
use crate::reports::cameras::CameraReport;
use crate::reports::trainers::TrainerReport;
use crate::reports::{
    self, CoverageReport, DailyReport, DuplicateReport, ProgrammeReport, ProgressReport,
    ReportQuery, ReviewQueue,
};
use crate::store::ServerStore;

macro_rules! report_request {
    ($name:ident, $summary:literal) => {
        #[doc = $summary]
        // Transparent rather than flattened: serde's `flatten` reads numbers in a query
        // string as text and refuses `limit=10`.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args)]
        #[group(skip)]
        #[serde(transparent)]
        pub struct $name {
            /// Campaign, programme and paging.
            #[command(flatten)]
            pub query: ReportQuery,
        }

        // On the wire it is the query itself, so its schema is the query's, described as
        // this report.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::RefOr;
                use utoipa::openapi::schema::Schema;
                match <ReportQuery as utoipa::PartialSchema>::schema() {
                    RefOr::T(Schema::Object(mut query)) => {
                        query.description = Some($summary.to_owned());
                        RefOr::T(Schema::Object(query))
                    }
                    other => other,
                }
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

report_request!(
    Progress,
    "Progress of every unit and employee the caller reaches against its target."
);
report_request!(
    Coverage,
    "Households covered against households, per village, beat and station."
);
report_request!(
    Programmes,
    "Volunteers per programme in the caller's units."
);
/// Entries waiting for review, oldest first, with their personal fields (logged); narrowed to
/// a beat, a village, a constable, a programme or another status when asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Queue {
    /// Page size (100 if absent, at most 1,000).
    #[serde(default)]
    #[arg(long)]
    pub limit: Option<u32>,
    /// Rows to skip.
    #[serde(default)]
    #[arg(long)]
    pub offset: Option<u32>,
    /// Only this beat (within the caller's units).
    #[serde(default)]
    #[arg(long)]
    pub beat: Option<String>,
    /// Only this village (LGD code).
    #[serde(default)]
    #[arg(long)]
    pub village: Option<String>,
    /// Only entries this constable (badge) enrolled.
    #[serde(default)]
    #[arg(long)]
    pub constable: Option<String>,
    /// Only this programme.
    #[serde(default)]
    #[arg(long)]
    pub programme: Option<String>,
    /// Entries of this status instead of `pending`: `verified`, `rejected`, `duplicate`,
    /// `withdrawn` or `moved`.
    #[serde(default)]
    #[arg(long)]
    pub status: Option<String>,
}
report_request!(
    Daily,
    "Enrolments and verifications day by day in the caller's units, over the campaign's window."
);
report_request!(
    Duplicates,
    "Candidate duplicates: the same phone, or sound-alike names in one village (logged)."
);

route!(Progress => ProgressReport, Get "/v1/reports/progress");

impl ReadOperation for Progress {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<ProgressReport> {
        Policy::check(store, &caller.user, Permission::ReadCounts, None)?;
        reports::progress(store, &caller.user, &self.query)
    }
}

route!(Daily => DailyReport, Get "/v1/reports/daily");

impl ReadOperation for Daily {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<DailyReport> {
        Policy::check(store, &caller.user, Permission::ReadCounts, None)?;
        reports::daily(store, &caller.user, &self.query)
    }
}

route!(Coverage => CoverageReport, Get "/v1/reports/coverage");

impl ReadOperation for Coverage {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<CoverageReport> {
        Policy::check(store, &caller.user, Permission::ReadCounts, None)?;
        reports::coverage(store, &caller.user, &self.query)
    }
}

route!(Programmes => ProgrammeReport, Get "/v1/reports/programmes");

impl ReadOperation for Programmes {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<ProgrammeReport> {
        Policy::check(store, &caller.user, Permission::ReadCounts, None)?;
        reports::programmes(store, &caller.user, &self.query)
    }
}

/// The training cascade in the caller's units: each trainer (a volunteer or police staff)
/// with their trainees by status, and who trained each volunteer trainer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Trainers {}

route!(Trainers => TrainerReport, Get "/v1/reports/trainers");

impl ReadOperation for Trainers {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<TrainerReport> {
        Policy::check(store, &caller.user, Permission::ReadCounts, None)?;
        reports::trainers::trainers(store, &caller.user)
    }
}

route!(CameraQuery => CameraReport, Get "/v1/reports/cameras");

impl ReadOperation for CameraQuery {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<CameraReport> {
        Policy::check(store, &caller.user, Permission::ReadCounts, None)?;
        reports::cameras::cameras(store, &caller.user, &self)
    }
}

route!(Queue => ReviewQueue, Get "/v1/reports/review-queue");

impl WriteOperation for Queue {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ReviewQueue> {
        let store = district.store();
        Policy::check(store, &caller.user, Permission::ReadPersonal, None)?;
        access::review_queue(store, caller.reader(), &self, now_ms)
    }
}

route!(Duplicates => DuplicateReport, Get "/v1/reports/duplicates");

impl WriteOperation for Duplicates {
    fn write(
        self,
        district: &mut District,
        caller: &Caller,
        now_ms: i64,
    ) -> Result<DuplicateReport> {
        let store = district.store();
        Policy::check(store, &caller.user, Permission::ReadPersonal, None)?;
        access::duplicates(store, caller.reader(), &self.query, now_ms)
    }
}
