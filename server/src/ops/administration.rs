//! The district's settings: campaigns and their targets, consent notices and the policy on
//! minors. The district admin sets them; every caller reads them (a phone needs the notices
//! before it enrols anyone).

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Caller, Permission, Policy, ReadOperation, WriteOperation};
use crate::admin::{self, CampaignSpec, CampaignView, TargetSpec};
use crate::consent::{self, ConsentTermsView, NoticeSpec, NoticeView, PolicySpec};
use crate::district::District;
use crate::error::Result;
use crate::programmes::{self, ProgrammeSpec, ProgrammeView};
use crate::store::ServerStore;

/// The campaigns the caller sees (their units' and those above them: a state's campaign is
/// every district's), each with the explicit targets set within the caller's units, newest
/// first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Campaigns {}

/// The campaigns listed (`GET /v1/admin/campaigns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignList {
    /// Newest first.
    pub campaigns: Vec<CampaignView>,
}

route!(Campaigns => CampaignList, Get "/v1/admin/campaigns");

impl ReadOperation for Campaigns {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<CampaignList> {
        Policy::check(store, &caller.user, Permission::ReadSettings, None)?;
        Ok(CampaignList {
            campaigns: admin::load_campaigns_for(store, &caller.user)?,
        })
    }
}

/// The consent notices in force (the newest of each language) and the policy on minors: what
/// a phone fetches at registration and after each sync, and enrols under offline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Notices {}

route!(Notices => ConsentTermsView, Get "/v1/notices");

impl ReadOperation for Notices {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<ConsentTermsView> {
        Policy::check(store, &caller.user, Permission::ReadSettings, None)?;
        consent::current_terms(store)
    }
}

route!(CampaignSpec => CampaignSpec, Put "/v1/admin/campaigns");

impl WriteOperation for CampaignSpec {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<CampaignSpec> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        let campaign = admin::set_campaign_by(
            district.store_mut(),
            &caller.user,
            &self,
            caller.user.badge.as_str(),
            now_ms,
        )?;
        Ok(CampaignSpec {
            unit: campaign.unit.map(|unit| unit.to_string()),
            ..self
        })
    }
}

route!(TargetSpec => TargetSpec, Put "/v1/admin/targets");

impl WriteOperation for TargetSpec {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<TargetSpec> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        admin::set_target_by(
            district.store_mut(),
            &caller.user,
            &self,
            caller.user.badge.as_str(),
            now_ms,
        )?;
        Ok(self)
    }
}

route!(NoticeSpec => NoticeView, Put "/v1/admin/notices");

impl WriteOperation for NoticeSpec {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<NoticeView> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        consent::publish_notice(
            district.store_mut(),
            &self,
            caller.user.badge.as_str(),
            now_ms,
        )
    }
}

/// The district's programmes, by code: the only codes an enrolment may name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Programmes {}

/// The programmes listed (`GET /v1/admin/programmes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeList {
    /// By code.
    pub programmes: Vec<ProgrammeView>,
}

route!(Programmes => ProgrammeList, Get "/v1/admin/programmes");

impl ReadOperation for Programmes {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<ProgrammeList> {
        Policy::check(store, &caller.user, Permission::ReadSettings, None)?;
        Ok(ProgrammeList {
            programmes: programmes::load_programmes(store)?,
        })
    }
}

route!(ProgrammeSpec => ProgrammeView, Put "/v1/admin/programmes");

impl WriteOperation for ProgrammeSpec {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ProgrammeView> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        programmes::set_programme(
            district.store_mut(),
            &self,
            caller.user.badge.as_str(),
            now_ms,
        )
    }
}

route!(PolicySpec => PolicySpec, Put "/v1/admin/policy");

impl WriteOperation for PolicySpec {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<PolicySpec> {
        Policy::check(district.store(), &caller.user, Permission::Administer, None)?;
        consent::set_policy(
            district.store_mut(),
            self,
            caller.user.badge.as_str(),
            now_ms,
        )
    }
}
