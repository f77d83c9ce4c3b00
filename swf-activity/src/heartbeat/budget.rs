//! The worker-wide heartbeat budget: a token bucket.

use std::time::Duration;

use tokio::time::Instant;

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
pub(crate) struct TokenBucket {
    capacity: f64,
    /// The configured refill rate.
    target: f64,
    /// The refill rate in force.
    per_second: f64,
    tokens: f64,
    updated: Instant,
    /// When the rate was last halved.
    backed_off: Option<Instant>,
}

/// How long the refill rate takes to climb from nothing back to the configured rate.
const RECOVERY: Duration = Duration::from_secs(20);
/// The refill rate never falls below this, per second.
const FLOOR_PER_SECOND: f64 = 1.0;

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(budget: HeartbeatBudget, now: Instant) -> Self {
        let capacity = f64::from(budget.burst.max(1));
        let per_second = f64::from(budget.refill_per_second.max(1));
        TokenBucket {
            capacity,
            target: per_second,
            per_second,
            tokens: capacity,
            updated: now,
            backed_off: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        if self.per_second < self.target {
            let climb = self.target * elapsed / RECOVERY.as_secs_f64();
            self.per_second = (self.per_second + climb).min(self.target);
        }
        self.updated = now;
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
        self.per_second = (self.per_second / 2.0).max(FLOOR_PER_SECOND.min(self.target));
        self.tokens = self.tokens.min(1.0);
    }

    /// The tokens held now.
    pub(crate) fn tokens(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.tokens
    }

    /// Half the burst: what sending for lost causes must leave in the bucket.
    pub(crate) fn reserve(&self) -> f64 {
        (self.capacity / 2.0).floor()
    }

    /// The refill rate in force, per second.
    pub(crate) fn rate(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.per_second
    }

    /// Takes one token, or says when the next one will be there.
    #[cfg(test)]
    pub(crate) fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        self.try_take_keeping(now, 0.0)
    }

    /// Takes one token if `keep` more stay in the bucket, or says when they will be there.
    pub(crate) fn try_take_keeping(&mut self, now: Instant, keep: f64) -> Result<(), Instant> {
        self.refill(now);
        let needed = 1.0 + keep.min(self.capacity - 1.0).max(0.0);
        if self.tokens >= needed {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = needed - self.tokens;
            // Rounded up to a whole millisecond so the wake-up finds the token there.
            let wait_ms = (missing / self.per_second * 1000.0).ceil().max(1.0);
            Err(now + Duration::from_millis(wait_ms as u64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_refill() {
        let now = Instant::now();
        let mut bucket = TokenBucket::new(
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
        let mut bucket = TokenBucket::new(
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
