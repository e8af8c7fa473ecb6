//! Groups made by rule: a district admin defines them, anyone in reach lists them with their
//! counts, and the members themselves (names and numbers) are read under the access log. The
//! requests are `crate::groups`'s, which owns the work.

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Caller, Permission, Policy, ReadOperation, WriteOperation};
use crate::district::District;
use crate::error::Result;
use crate::groups::{self, GroupList, GroupQuery, GroupSpec, GroupView, Member};
use crate::store::ServerStore;

route!(GroupSpec => GroupView, Put "/v1/admin/groups");

impl WriteOperation for GroupSpec {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<GroupView> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        groups::define_group(district.store_mut(), &caller.user, &self, now_ms)
    }
}

route!(GroupQuery => GroupList, Get "/v1/groups");

impl ReadOperation for GroupQuery {
    fn read(self, store: &ServerStore, caller: &Caller, now_ms: i64) -> Result<GroupList> {
        groups::list_groups(store, &caller.user, &self, now_ms)
    }
}

/// `GET /v1/groups/members` and `mitan admin group-members`: the members of one group, each
/// phone once, with their names and numbers; logged in the access log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct GroupMembers {
    /// The group's unit.
    #[arg(long)]
    pub unit: String,
    /// The group's code.
    #[arg(long)]
    pub code: String,
}

/// The members of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberList {
    /// The group, with its counts.
    pub group: GroupView,
    /// Its members, in the order its rules select them.
    pub members: Vec<Member>,
}

route!(GroupMembers => MemberList, Get "/v1/groups/members");

impl WriteOperation for GroupMembers {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<MemberList> {
        crate::access::group_members(district.store(), caller.reader(), &self, now_ms)
    }
}
