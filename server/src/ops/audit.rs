//! The auditors' operations: the merge history replayed (a roster's, a unit's or a
//! volunteer's changes; a roster at a past moment; what changed between two moments; the
//! progress report then, and what moved in it) and the access log. The requests are the
//! queries of `crate::audit`, `crate::reports::past` and `crate::access`, which own the work.

use super::{Caller, ReadOperation, ReplayOperation, Replayed};
use crate::access::{self, AccessLog, AccessLogQuery};
use crate::audit::{
    self, AuditDiff, AuditState, DiffQuery, HistoryPage, HistoryQuery, RecordQuery, StateQuery,
    VolunteerRecord,
};
use crate::error::Result;
use crate::reports::past::{self, PastProgressReport, PastReportQuery};
use crate::reports::progress_diff::{self, ReportDiff, ReportDiffQuery};
use crate::store::ServerStore;

route!(HistoryQuery => HistoryPage, Get "/v1/audit/history");

impl ReplayOperation for HistoryQuery {
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        _: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<HistoryPage>> {
        audit::history_with_progress(store, caller.reader(), &self, progress)
    }
}

route!(StateQuery => AuditState, Get "/v1/audit/state");

impl ReplayOperation for StateQuery {
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        _: i64,
        _: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<AuditState>> {
        audit::state(store, caller.reader(), &self)
    }
}

route!(DiffQuery => AuditDiff, Get "/v1/audit/diff");

impl ReplayOperation for DiffQuery {
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        _: i64,
        _: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<AuditDiff>> {
        audit::diff(store, caller.reader(), &self)
    }
}

route!(PastReportQuery => PastProgressReport, Get "/v1/audit/report");

impl ReplayOperation for PastReportQuery {
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        _: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<PastProgressReport>> {
        // Counts only: no personal field is read, so there is no access-log line.
        let value = past::progress_at(store, &caller.user, &self, progress)?;
        Ok(Replayed {
            value,
            access: None,
        })
    }
}

route!(ReportDiffQuery => ReportDiff, Get "/v1/audit/report/diff");

impl ReplayOperation for ReportDiffQuery {
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        now_ms: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<ReportDiff>> {
        // Counts only, as for the report itself.
        let value = progress_diff::progress_diff(store, &caller.user, &self, now_ms, progress)?;
        Ok(Replayed {
            value,
            access: None,
        })
    }
}

route!(AccessLogQuery => AccessLog, Get "/v1/audit/access-log");

impl ReadOperation for AccessLogQuery {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<AccessLog> {
        access::log(store, &caller.user, &self)
    }
}

route!(RecordQuery => VolunteerRecord, Get "/v1/volunteer-record");

impl ReplayOperation for RecordQuery {
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        _: i64,
        _: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<VolunteerRecord>> {
        audit::volunteer_record(store, caller.reader(), &self)
    }
}
