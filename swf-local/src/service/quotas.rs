//! SWF's API rate quotas as token buckets, enforced when [`ServiceConfig::enforce_quotas`]
//! is set: a request that finds its bucket empty is answered `ThrottlingException`.
//!
//! [`ServiceConfig::enforce_quotas`]: super::ServiceConfig::enforce_quotas

use std::collections::HashMap;

use tokio::time::Instant;

use crate::error::{ErrorKind, SwfError};

/// Burst and refill per second of each throttled operation (SWF's quotas, the same in every
/// region). Operations not listed are not throttled.
pub(crate) const QUOTAS: &[(&str, f64, f64)] = &[
    ("PollForActivityTask", 2000.0, 200.0),
    ("RecordActivityTaskHeartbeat", 2000.0, 160.0),
    ("RespondActivityTaskCompleted", 2000.0, 200.0),
    ("RespondActivityTaskFailed", 2000.0, 200.0),
    ("RespondActivityTaskCanceled", 2000.0, 200.0),
    ("RegisterActivityType", 200.0, 60.0),
    ("RegisterDomain", 100.0, 6.0),
];

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    burst: f64,
    refill_per_sec: f64,
    refilled_at: Instant,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> bool {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill_per_sec).min(self.burst);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One token bucket per throttled operation, all full at start.
#[derive(Debug)]
pub(crate) struct Quotas {
    buckets: HashMap<&'static str, Bucket>,
}

impl Quotas {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        let buckets = QUOTAS
            .iter()
            .map(|&(operation, burst, refill_per_sec)| {
                let bucket = Bucket {
                    tokens: burst,
                    burst,
                    refill_per_sec,
                    refilled_at: now,
                };
                (operation, bucket)
            })
            .collect();
        Self { buckets }
    }

    /// Takes a token for `operation`, or answers the `ThrottlingException` SWF would.
    pub(crate) fn admit(&mut self, operation: &str) -> Result<(), SwfError> {
        let Some(bucket) = self.buckets.get_mut(operation) else {
            return Ok(());
        };
        if bucket.take(Instant::now()) {
            return Ok(());
        }
        Err(SwfError::new(
            ErrorKind::Throttling,
            format!(
                "Rate exceeded for {operation} (quota: burst {}, {} per second); retry with backoff",
                bucket.burst, bucket.refill_per_sec
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bucket_empties_after_its_burst_and_refills_at_its_rate() {
        let mut quotas = Quotas::new();
        for _ in 0..100 {
            assert!(quotas.admit("RegisterDomain").is_ok());
        }
        let refused = quotas
            .admit("RegisterDomain")
            .expect_err("the burst is 100");
        assert_eq!(refused.kind, ErrorKind::Throttling);
        tokio::time::advance(Duration::from_millis(500)).await;
        for _ in 0..3 {
            assert!(
                quotas.admit("RegisterDomain").is_ok(),
                "6 per second refill"
            );
        }
        assert!(quotas.admit("RegisterDomain").is_err());
        assert!(quotas.admit("DescribeDomain").is_ok(), "not throttled");
    }
}
