//! Exports of a unit's volunteers (a file, logged with who took it) and the export log. The
//! requests are `crate::exports`'s, which owns the work.

use super::{Caller, FileOperation, Method, Operation, ReadOperation};
use crate::district::District;
use crate::error::Result;
use crate::exports::{self, Export, ExportLog, ExportLogQuery, ExportQuery};
use crate::store::ServerStore;

impl Operation for ExportQuery {
    type Answer = String;
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/v1/exports";
    const ANSWERS: &'static [&'static str] = &["text/csv", "text/vcard"];
}

impl FileOperation for ExportQuery {
    fn take(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<Export> {
        exports::export(
            district.store_mut(),
            &caller.user,
            &caller.via,
            &self,
            now_ms,
        )
    }
}

route!(ExportLogQuery => ExportLog, Get "/v1/exports/log");

impl ReadOperation for ExportLogQuery {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<ExportLog> {
        exports::log(store, &caller.user, &self)
    }
}
