//! Counters and a latency histogram for `/metrics`, in the Prometheus text format. Written by
//! hand: a dozen atomics need no metrics framework.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the sync duration buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Sync outcomes counted separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    /// Answered.
    Ok,
    /// Refused as malformed or oversize.
    BadRequest,
    /// Unknown or revoked credential.
    Unauthorized,
    /// A roster the device may not touch.
    Forbidden,
    /// Over the device's request allowance.
    RateLimited,
    /// The server failed.
    Failed,
}

impl SyncStatus {
    const ALL: [SyncStatus; 6] = [
        SyncStatus::Ok,
        SyncStatus::BadRequest,
        SyncStatus::Unauthorized,
        SyncStatus::Forbidden,
        SyncStatus::RateLimited,
        SyncStatus::Failed,
    ];

    fn label(self) -> &'static str {
        match self {
            SyncStatus::Ok => "ok",
            SyncStatus::BadRequest => "bad_request",
            SyncStatus::Unauthorized => "unauthorized",
            SyncStatus::Forbidden => "forbidden",
            SyncStatus::RateLimited => "rate_limited",
            SyncStatus::Failed => "failed",
        }
    }
}

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    sync_requests: [AtomicU64; 6],
    sync_bytes_in: AtomicU64,
    sync_bytes_out: AtomicU64,
    changes_merged: AtomicU64,
    changes_rejected: AtomicU64,
    registrations: AtomicU64,
    duration_buckets: [AtomicU64; BUCKETS.len()],
    duration_count: AtomicU64,
    duration_micros: AtomicU64,
}

impl Metrics {
    /// Records one sync request.
    pub fn record_sync(
        &self,
        status: SyncStatus,
        bytes_in: usize,
        bytes_out: usize,
        merged: u64,
        rejected: u64,
        took: Duration,
    ) {
        let index = SyncStatus::ALL
            .iter()
            .position(|candidate| *candidate == status)
            .unwrap_or(0);
        self.sync_requests[index].fetch_add(1, Ordering::Relaxed);
        self.sync_bytes_in
            .fetch_add(bytes_in as u64, Ordering::Relaxed);
        self.sync_bytes_out
            .fetch_add(bytes_out as u64, Ordering::Relaxed);
        self.changes_merged.fetch_add(merged, Ordering::Relaxed);
        self.changes_rejected.fetch_add(rejected, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        for (bucket, bound) in self.duration_buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.duration_count.fetch_add(1, Ordering::Relaxed);
        self.duration_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Records one device registration.
    pub fn record_registration(&self) {
        self.registrations.fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        // Writing into a String cannot fail; the results are ignored for that reason.
        let _ = writeln!(
            out,
            "# HELP mitan_sync_requests_total Sync requests by outcome."
        );
        let _ = writeln!(out, "# TYPE mitan_sync_requests_total counter");
        for (status, counter) in SyncStatus::ALL.iter().zip(&self.sync_requests) {
            let _ = writeln!(
                out,
                "mitan_sync_requests_total{{status=\"{}\"}} {}",
                status.label(),
                load(counter)
            );
        }
        for (name, help, counter) in [
            (
                "mitan_sync_bytes_in_total",
                "Sync request body bytes received.",
                &self.sync_bytes_in,
            ),
            (
                "mitan_sync_bytes_out_total",
                "Sync reply body bytes sent.",
                &self.sync_bytes_out,
            ),
            (
                "mitan_changes_merged_total",
                "Changes new to the change log.",
                &self.changes_merged,
            ),
            (
                "mitan_changes_rejected_total",
                "Offered changes refused.",
                &self.changes_rejected,
            ),
            (
                "mitan_device_registrations_total",
                "Devices registered.",
                &self.registrations,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", load(counter));
        }
        let name = "mitan_sync_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time to answer a sync request.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bucket, bound) in self.duration_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", load(bucket));
        }
        let count = load(&self.duration_count);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            load(&self.duration_micros) as f64 / 1_000_000.0
        );
        let _ = writeln!(out, "{name}_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_sync_shows_in_every_family() {
        let metrics = Metrics::default();
        metrics.record_sync(SyncStatus::Ok, 100, 200, 3, 1, Duration::from_millis(20));
        let text = metrics.render();
        assert!(text.contains("mitan_sync_requests_total{status=\"ok\"} 1"));
        assert!(text.contains("mitan_sync_bytes_in_total 100"));
        assert!(text.contains("mitan_sync_bytes_out_total 200"));
        assert!(text.contains("mitan_changes_merged_total 3"));
        assert!(text.contains("mitan_sync_duration_seconds_bucket{le=\"0.01\"} 0"));
        assert!(text.contains("mitan_sync_duration_seconds_bucket{le=\"0.025\"} 1"));
        assert!(text.contains("mitan_sync_duration_seconds_count 1"));
    }
}
