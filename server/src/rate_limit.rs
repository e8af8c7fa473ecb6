//! The per-device limit on sync requests: a phone stuck in a loop, or a stolen credential,
//! must not be able to keep the single district writer busy.
//!
//! The limit is a GCRA (`governor`) keyed by device id, checked right after authentication and
//! before the body is decompressed, so a refused request costs one hash lookup. The keyed
//! state grows with the number of devices that synced recently (bounded by the registered
//! devices) and [`SyncRateLimiter::forget_idle`] drops the entries of devices back at full
//! allowance; `check` calls it every [`FORGET_EVERY`] requests, so no timer is needed.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use mitan_core::model::DeviceId;

use crate::error::{Error, Result};

/// How many sync requests a device may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncRate {
    /// Requests per minute, sustained.
    pub per_minute: NonZeroU32,
    /// Requests allowed back to back before the sustained rate applies.
    pub burst: NonZeroU32,
}

impl SyncRate {
    /// `per_minute` sustained with bursts of `burst`; `None` if either is zero.
    pub fn new(per_minute: u32, burst: u32) -> Option<Self> {
        Some(SyncRate {
            per_minute: NonZeroU32::new(per_minute)?,
            burst: NonZeroU32::new(burst)?,
        })
    }
}

impl Default for SyncRate {
    /// One sync takes at most `Limits::max_rounds` (8) requests, so a burst of 30 lets a phone
    /// sync three or four times back to back (a retry after a cut connection, a supervisor
    /// pressing the button again), while a device looping at full speed is held to one
    /// request every two seconds.
    fn default() -> Self {
        SyncRate {
            per_minute: NonZeroU32::new(30).expect("30 is not zero"),
            burst: NonZeroU32::new(30).expect("30 is not zero"),
        }
    }
}

/// How many checks pass between two sweeps of idle devices: a sweep walks every entry, so
/// it runs rarely, yet often enough that a district's few thousand phones never pile up.
pub const FORGET_EVERY: u64 = 4_096;

/// Counts sync requests per device.
#[derive(Debug)]
pub struct SyncRateLimiter {
    limiter: DefaultKeyedRateLimiter<DeviceId>,
    rate: SyncRate,
    checks: AtomicU64,
}

impl SyncRateLimiter {
    /// A limiter allowing `rate` to every device.
    pub fn new(rate: SyncRate) -> Self {
        let quota = Quota::per_minute(rate.per_minute).allow_burst(rate.burst);
        SyncRateLimiter {
            limiter: RateLimiter::keyed(quota),
            rate,
            checks: AtomicU64::new(0),
        }
    }

    /// The rate in force.
    pub fn rate(&self) -> SyncRate {
        self.rate
    }

    /// Counts one request by `device`; refused with [`Error::RateLimited`] when the device
    /// is over its allowance, saying when it may try again.
    pub fn check(&self, device: &DeviceId) -> Result<()> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.forget_idle();
        }
        self.limiter.check_key(device).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::RateLimited {
                caller: format!("device {device}"),
                retry_after_secs: retry_after_secs(wait),
            }
        })
    }

    /// Drops the state of devices whose allowance is full again; they are indistinguishable
    /// from devices never seen.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
    }

    /// How many devices the limiter holds state for.
    pub fn tracked_devices(&self) -> usize {
        self.limiter.len()
    }
}

/// `Retry-After` counts whole seconds; rounding up means a client that waits as told is let in.
/// How many registrations the server takes, per client address and in all. A code is 48
/// random bits and lives at most three days, so even the overall allowance leaves guessing
/// one hopeless; the per-address one keeps a single client from using it all up, while a
/// training camp's phones behind one hotspot still register in a minute or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationRate {
    /// Attempts per minute from one address.
    pub per_address_per_minute: NonZeroU32,
    /// Attempts per minute in all.
    pub overall_per_minute: NonZeroU32,
}

impl RegistrationRate {
    /// An allowance, or `None` when either figure is 0 (no limit).
    pub fn new(per_address_per_minute: u32, overall_per_minute: u32) -> Option<Self> {
        Some(RegistrationRate {
            per_address_per_minute: NonZeroU32::new(per_address_per_minute)?,
            overall_per_minute: NonZeroU32::new(overall_per_minute)?,
        })
    }
}

impl Default for RegistrationRate {
    fn default() -> Self {
        RegistrationRate {
            per_address_per_minute: NonZeroU32::new(30).expect("30 is not zero"),
            overall_per_minute: NonZeroU32::new(300).expect("300 is not zero"),
        }
    }
}

/// Counts registration attempts, successful or not, per client address and in all.
#[derive(Debug)]
pub struct RegistrationLimiter {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    overall: DefaultDirectRateLimiter,
    checks: AtomicU64,
}

impl RegistrationLimiter {
    /// A limiter allowing `rate`, each allowance available at once as a burst.
    pub fn new(rate: RegistrationRate) -> Self {
        RegistrationLimiter {
            per_address: RateLimiter::keyed(Quota::per_minute(rate.per_address_per_minute)),
            overall: RateLimiter::direct(Quota::per_minute(rate.overall_per_minute)),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one attempt from `address` (unknown behind some proxies: then only the overall
    /// allowance applies), refusing it with how long to wait when over either allowance.
    pub fn check(&self, address: Option<IpAddr>) -> Result<()> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.per_address.retain_recent();
        }
        let refused = |caller: String, wait: Duration| Error::RateLimited {
            caller,
            retry_after_secs: retry_after_secs(wait),
        };
        if let Some(address) = address {
            self.per_address.check_key(&address).map_err(|not_until| {
                refused(
                    format!("registrations from {address}"),
                    not_until.wait_time_from(DefaultClock::default().now()),
                )
            })?;
        }
        self.overall.check().map_err(|not_until| {
            refused(
                "registrations".to_owned(),
                not_until.wait_time_from(DefaultClock::default().now()),
            )
        })
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs();
    if wait.subsec_nanos() > 0 || secs == 0 {
        secs + 1
    } else {
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(name: &str) -> DeviceId {
        name.parse().expect("a valid device id")
    }

    #[test]
    fn a_device_over_its_burst_is_refused_and_others_are_not() {
        let limiter = SyncRateLimiter::new(SyncRate::new(1, 2).expect("non-zero"));
        let busy = device("dev-busy");
        limiter.check(&busy).expect("first request");
        limiter
            .check(&busy)
            .expect("second request, within the burst");
        match limiter.check(&busy) {
            Err(Error::RateLimited {
                retry_after_secs, ..
            }) => assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}"),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        limiter
            .check(&device("dev-quiet"))
            .expect("another device has its own allowance");
        assert_eq!(limiter.tracked_devices(), 2);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1_500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn devices_back_at_full_allowance_are_forgotten_as_requests_go_on() {
        // A rate so high that every device is back at full allowance within microseconds.
        let limiter = SyncRateLimiter::new(SyncRate::new(6_000_000, 1).expect("non-zero"));
        for index in 0..FORGET_EVERY - 1 {
            limiter
                .check(&device(&format!("dev-{index}")))
                .expect("within the allowance");
        }
        assert_eq!(limiter.tracked_devices() as u64, FORGET_EVERY - 1);
        std::thread::sleep(Duration::from_millis(20));
        limiter.check(&device("dev-last")).expect("allowed");
        assert_eq!(limiter.tracked_devices(), 1, "only the device just seen");
    }

    #[test]
    fn registrations_are_counted_per_address_and_in_all() {
        let limiter = RegistrationLimiter::new(RegistrationRate {
            per_address_per_minute: NonZeroU32::new(2).expect("non-zero"),
            overall_per_minute: NonZeroU32::new(3).expect("non-zero"),
        });
        let guesser: IpAddr = [10, 0, 0, 7].into();
        limiter.check(Some(guesser)).expect("first");
        limiter.check(Some(guesser)).expect("second");
        let refused = limiter
            .check(Some(guesser))
            .expect_err("third from one address");
        assert!(refused.to_string().contains("10.0.0.7"), "{refused}");
        limiter
            .check(Some([10, 0, 0, 8].into()))
            .expect("another address has its own allowance");
        let refused = limiter
            .check(Some([10, 0, 0, 9].into()))
            .expect_err("over the allowance in all");
        assert!(matches!(refused, Error::RateLimited { .. }));
    }

    #[test]
    fn a_zero_rate_is_not_a_rate() {
        assert!(SyncRate::new(0, 5).is_none());
        assert!(SyncRate::new(5, 0).is_none());
    }
}
