//! Supervisor decisions and withdrawals, stored as whole scalar values so that a decision and
//! its author can never be torn apart by a concurrent write.

use serde::{Deserialize, Serialize};

use super::id::{BadgeNumber, VolunteerId};
use super::volunteer::Status;

/// A supervisor's decision on a volunteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The entry checks out.
    Verify,
    /// The entry is refused, with a reason that the enrolling constable will see.
    Reject {
        /// Why.
        reason: String,
    },
    /// The entry is the same person as another one, which is kept.
    DuplicateOf(VolunteerId),
    /// Send the entry back to pending (e.g. a verification made in error).
    Reopen,
}

impl Decision {
    /// Which decision wins when two supervisors decide concurrently, without having seen each
    /// other's decision. The more cautious decision wins: a duplicate or a rejection is never
    /// silently overridden by a verification made at the same time.
    fn precedence(&self) -> u8 {
        match self {
            Decision::Reopen => 0,
            Decision::Verify => 1,
            Decision::Reject { .. } => 2,
            Decision::DuplicateOf(_) => 3,
        }
    }
}

/// A decision with its author and the device clock when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The decision.
    pub decision: Decision,
    /// The supervisor.
    pub by: BadgeNumber,
    /// The device clock when it was made.
    pub at_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct StoredReview {
    #[serde(rename = "s")]
    status: String,
    by: String,
    at: i64,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<String>,
}

impl Review {
    /// The scalar stored in the roster.
    pub(crate) fn encode(&self) -> String {
        let (status, reason, duplicate_of) = match &self.decision {
            Decision::Verify => ("verified", None, None),
            Decision::Reject { reason } => ("rejected", Some(reason.clone()), None),
            Decision::DuplicateOf(id) => ("duplicate", None, Some(id.to_string())),
            Decision::Reopen => ("pending", None, None),
        };
        let stored = StoredReview {
            status: status.to_owned(),
            by: self.by.to_string(),
            at: self.at_ms,
            reason,
            duplicate_of,
        };
        serde_json::to_string(&stored).expect("a struct of strings always serialises")
    }

    /// Reads a stored review; `None` if it is not one Mitan wrote.
    pub(crate) fn decode(text: &str) -> Option<Review> {
        let stored: StoredReview = serde_json::from_str(text).ok()?;
        let decision = match stored.status.as_str() {
            "verified" => Decision::Verify,
            "rejected" => Decision::Reject {
                reason: stored.reason?,
            },
            "duplicate" => Decision::DuplicateOf(stored.duplicate_of?.parse().ok()?),
            "pending" => Decision::Reopen,
            _ => return None,
        };
        Some(Review {
            decision,
            by: stored.by.parse().ok()?,
            at_ms: stored.at,
        })
    }

    /// The status this review gives a volunteer who has not withdrawn.
    pub fn status(&self) -> Status {
        match &self.decision {
            Decision::Verify => Status::Verified,
            Decision::Reject { reason } => Status::Rejected {
                reason: reason.clone(),
            },
            Decision::DuplicateOf(id) => Status::DuplicateOf(*id),
            Decision::Reopen => Status::Pending,
        }
    }

    /// Picks the review that stands among concurrent ones: highest precedence, then the later
    /// device clock, then the badge, so every replica picks the same one.
    pub(crate) fn winner(reviews: Vec<Review>) -> Option<Review> {
        reviews.into_iter().max_by(|left, right| {
            (left.decision.precedence(), left.at_ms, &left.by).cmp(&(
                right.decision.precedence(),
                right.at_ms,
                &right.by,
            ))
        })
    }
}

/// How a withdrawal of consent reached the police.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalChannel {
    /// The volunteer told a constable in person, who tapped "withdraw".
    InPerson,
    /// The volunteer phoned, and a supervisor recorded it.
    PhoneCall,
}

/// A withdrawal of consent. Once recorded on any replica it is never undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// Who recorded it.
    pub by: String,
    /// The device clock when it was recorded.
    pub at: i64,
    /// How it reached the police.
    pub via: WithdrawalChannel,
}

impl Withdrawal {
    pub(crate) fn encode(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings always serialises")
    }
}
