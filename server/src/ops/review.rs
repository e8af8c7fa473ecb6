//! Supervisors' review of volunteers: verify, reject with a reason, mark a duplicate, move to
//! another beat, record a withdrawal given by telephone. Each writes a roster change that
//! reaches the constable's phone at its next sync (`crate::supervisor`).

use clap::Args;
use mitan_core::model::{LgdCode, UnitCode, VolunteerId};
use serde::{Deserialize, Serialize};

use super::{Caller, WriteOperation};
use crate::district::District;
use crate::error::{Error, Problem, Result};
use crate::supervisor::{self, ActionDone, SupervisorAction};

/// Verify a volunteer: the entry checks out.
///
/// The worked example of an operation: the request's fields are typed (`VolunteerId` parses
/// where the request arrives, from the path or the command line), `route!` says how it
/// travels over HTTP, and `write` is the one function behind the HTTP route, the `mitan review
/// verify` command and the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Verify {
    /// The volunteer's id.
    #[schema(value_type = String)]
    pub volunteer: VolunteerId,
}

route!(Verify => ActionDone, Post "/v1/volunteers/{volunteer}/verify");

impl WriteOperation for Verify {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ActionDone> {
        act(
            district,
            caller,
            &self.volunteer,
            SupervisorAction::Verify,
            now_ms,
        )
    }
}

/// Reject a volunteer's entry, with a reason the constable sees on their phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Reject {
    /// The volunteer's id.
    #[schema(value_type = String)]
    pub volunteer: VolunteerId,
    /// Why, in words the constable can act on (1 to 280 characters).
    #[arg(long)]
    pub reason: String,
}

route!(Reject => ActionDone, Post "/v1/volunteers/{volunteer}/reject");

impl WriteOperation for Reject {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ActionDone> {
        let action = SupervisorAction::Reject {
            reason: self.reason,
        };
        act(district, caller, &self.volunteer, action, now_ms)
    }
}

/// Mark a volunteer as the same person as another, who is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct MarkDuplicate {
    /// The volunteer's id.
    #[schema(value_type = String)]
    pub volunteer: VolunteerId,
    /// The volunteer kept.
    #[arg(long)]
    #[schema(value_type = String)]
    pub duplicate_of: VolunteerId,
}

route!(MarkDuplicate => ActionDone, Post "/v1/volunteers/{volunteer}/duplicate");

impl WriteOperation for MarkDuplicate {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ActionDone> {
        let action = SupervisorAction::DuplicateOf(self.duplicate_of);
        act(district, caller, &self.volunteer, action, now_ms)
    }
}

/// Move a volunteer to another beat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Move {
    /// The volunteer's id.
    #[schema(value_type = String)]
    pub volunteer: VolunteerId,
    /// The beat they move to.
    #[arg(long = "to")]
    #[schema(value_type = String)]
    pub to_beat: UnitCode,
    /// Their village in that beat (LGD code), when it changes; it must be one the hierarchy
    /// lists under the beat.
    #[arg(long)]
    #[serde(default)]
    pub village: Option<String>,
}

route!(Move => ActionDone, Post "/v1/volunteers/{volunteer}/move");

impl WriteOperation for Move {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ActionDone> {
        let village = self
            .village
            .as_deref()
            .map(|code| {
                code.parse::<LgdCode>()
                    .map_err(|invalid| Error::invalid("village", Problem::Core(invalid.code)))
            })
            .transpose()?;
        let action = SupervisorAction::Move {
            to: self.to_beat,
            village,
        };
        act(district, caller, &self.volunteer, action, now_ms)
    }
}

/// Record a withdrawal of consent given by telephone: the person is erased from the district
/// and from every phone at its next sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Withdraw {
    /// The volunteer's id.
    #[schema(value_type = String)]
    pub volunteer: VolunteerId,
    /// What the supervisor notes about the call (who called, when).
    #[arg(long)]
    #[serde(default)]
    pub note: Option<String>,
}

route!(Withdraw => ActionDone, Post "/v1/volunteers/{volunteer}/withdraw");

impl WriteOperation for Withdraw {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<ActionDone> {
        let action = SupervisorAction::Withdraw { note: self.note };
        act(district, caller, &self.volunteer, action, now_ms)
    }
}

fn act(
    district: &mut District,
    caller: &Caller,
    volunteer: &VolunteerId,
    action: SupervisorAction,
    now_ms: i64,
) -> Result<ActionDone> {
    supervisor::act(
        district,
        &caller.user,
        &caller.via,
        volunteer,
        action,
        now_ms,
    )
}

/// Find volunteers in the caller's units by name (sound-alike, in either script), mobile
/// number or village code (logged; the text searched for is not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Search {
    /// A name in Devanagari or Latin letters, a mobile number, or a six-digit LGD code.
    pub q: String,
    /// How many to list (50 if absent, at most 200).
    #[arg(long)]
    #[serde(default)]
    pub limit: Option<u32>,
}

route!(Search => crate::reports::SearchResults, Get "/v1/search");

impl WriteOperation for Search {
    fn write(
        self,
        district: &mut District,
        caller: &Caller,
        now_ms: i64,
    ) -> Result<crate::reports::SearchResults> {
        let store = district.store();
        crate::ops::Policy::check(
            store,
            &caller.user,
            crate::ops::Permission::ReadPersonal,
            None,
        )?;
        crate::access::search(store, caller.reader(), &self, now_ms)
    }
}
