//! The worker-wide heartbeat budget: a token bucket whose refill slows down when SWF throttles.

use std::time::Duration;

use tokio::time::Instant;

use crate::token_bucket::TokenBucket;

/// The heartbeat rate budget one worker's activities share: a token bucket holding up to `burst`
/// heartbeats, refilled by `refill_per_second`.
///
/// SWF's account-wide RecordActivityTaskHeartbeat quota is 2000 burst and 160 per second; the
/// default (1000 / 100) leaves room for other workers of the same account. Zero values are
/// treated as 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeartbeatBudget {
    /// Heartbeats that may go out at once after a quiet period.
    pub burst: u32,
    /// Heartbeats the budget regains per second.
    pub refill_per_second: u32,
}

impl Default for HeartbeatBudget {
    fn default() -> Self {
        HeartbeatBudget {
            burst: 1000,
            refill_per_second: 100,
        }
    }
}

/// The bucket itself, owned by the scheduler. Its refill rate halves when SWF answers
/// ThrottlingException (the quota is the account's, shared with other workers) and climbs back to
/// the configured rate over about [`RECOVERY`].
#[derive(Debug)]
pub(crate) struct ThrottledBucket {
    bucket: TokenBucket,
    /// The configured refill rate.
    target: f64,
    /// When the rate was last halved.
    backed_off: Option<Instant>,
}

/// How long the refill rate takes to climb from nothing back to the configured rate.
const RECOVERY: Duration = Duration::from_secs(20);
/// The refill rate never falls below this, per second.
const FLOOR_PER_SECOND: f64 = 1.0;

impl ThrottledBucket {
    /// A full bucket.
    pub(crate) fn new(budget: HeartbeatBudget, now: Instant) -> Self {
        let per_second = f64::from(budget.refill_per_second.max(1));
        ThrottledBucket {
            bucket: TokenBucket::full(f64::from(budget.burst.max(1)), per_second, now),
            target: per_second,
            backed_off: None,
        }
    }

    /// Refills at the rate in force, then lets a lowered rate climb back for the time that passed.
    fn refill(&mut self, now: Instant) {
        let elapsed = self.bucket.refill(now);
        let per_second = self.bucket.per_second();
        if per_second < self.target {
            let climb = self.target * elapsed.as_secs_f64() / RECOVERY.as_secs_f64();
            self.bucket
                .set_rate((per_second + climb).min(self.target), now);
        }
    }

    /// SWF answered ThrottlingException: halve the refill rate (at most once a second, so a burst
    /// of throttled answers counts once) and drop the tokens saved up.
    pub(crate) fn back_off(&mut self, now: Instant) {
        self.refill(now);
        if self
            .backed_off
            .is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1))
        {
            return;
        }
        self.backed_off = Some(now);
        let halved = (self.bucket.per_second() / 2.0).max(FLOOR_PER_SECOND.min(self.target));
        self.bucket.set_rate(halved, now);
        self.bucket.keep_at_most(1.0);
    }

    /// The tokens held now.
    pub(crate) fn tokens(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.bucket.tokens(now)
    }

    /// Half the burst: what sending for lost causes must leave in the bucket.
    pub(crate) fn reserve(&self) -> f64 {
        (self.bucket.capacity() / 2.0).floor()
    }

    /// The refill rate in force, per second.
    pub(crate) fn rate(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.bucket.per_second()
    }

    /// Takes one token, or says when the next one will be there.
    #[cfg(test)]
    pub(crate) fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        self.try_take_keeping(now, 0.0)
    }

    /// Takes one token if `keep` more stay in the bucket, or says when they will be there.
    pub(crate) fn try_take_keeping(&mut self, now: Instant, keep: f64) -> Result<(), Instant> {
        self.refill(now);
        self.bucket.try_take_keeping(now, keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_refill() {
        let now = Instant::now();
        let mut bucket = ThrottledBucket::new(
            HeartbeatBudget {
                burst: 2,
                refill_per_second: 10,
            },
            now,
        );
        assert!(bucket.try_take(now).is_ok());
        assert!(bucket.try_take(now).is_ok());
        let next = bucket.try_take(now).unwrap_err();
        assert_eq!(next - now, Duration::from_millis(100));
        assert!(bucket.try_take(next).is_ok());
        assert!(bucket.try_take(next).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_halves_the_rate_which_recovers_gradually() {
        let now = Instant::now();
        let mut bucket = ThrottledBucket::new(
            HeartbeatBudget {
                burst: 10,
                refill_per_second: 100,
            },
            now,
        );
        bucket.back_off(now);
        assert_eq!(bucket.rate(now), 50.0);
        // A second throttle within the same second counts once.
        bucket.back_off(now + Duration::from_millis(500));
        assert!(bucket.rate(now + Duration::from_millis(500)) < 55.0);
        bucket.back_off(now + Duration::from_millis(1500));
        let low = bucket.rate(now + Duration::from_millis(1500));
        assert!(low < 30.0, "{low}");
        let later = now + Duration::from_millis(1500) + RECOVERY;
        assert_eq!(bucket.rate(later), 100.0);
    }
}
