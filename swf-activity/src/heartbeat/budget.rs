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

/// The bucket itself, owned by the scheduler.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(budget: HeartbeatBudget, now: Instant) -> Self {
        let capacity = f64::from(budget.burst.max(1));
        TokenBucket {
            capacity,
            per_second: f64::from(budget.refill_per_second.max(1)),
            tokens: capacity,
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated = now;
    }

    /// The tokens the bucket would hold at `now`, without taking any.
    pub(crate) fn tokens_at(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        (self.tokens + elapsed * self.per_second).min(self.capacity)
    }

    /// Takes one token, or says when the next one will be there.
    pub(crate) fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
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
}
