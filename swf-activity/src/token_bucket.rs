//! A token bucket on tokio's clock, so that paused-time tests drive it exactly.
//!
//! It holds up to `capacity` tokens and regains `per_second` of them, continuously. The heartbeat
//! budget slows its refill down when SWF throttles; the worker's task start rate takes a token
//! per poll and gives it back when the poll brings no task.

use std::time::Duration;

use tokio::time::Instant;

/// The longest wait [`TokenBucket::try_take_keeping`] names: callers look again by then, so even
/// a rate of a few tokens a day never asks for an instant beyond what the clock can hold.
const LONGEST_WAIT: Duration = Duration::from_secs(3600);

/// Tokens regained continuously at a rate, up to a capacity.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket. `capacity` and `per_second` must be positive and finite; the callers check.
    pub(crate) fn full(capacity: f64, per_second: f64, now: Instant) -> Self {
        TokenBucket {
            capacity,
            per_second,
            tokens: capacity,
            updated: now,
        }
    }

    /// Adds what was regained since the last look; answers how long that was.
    pub(crate) fn refill(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.updated);
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.per_second).min(self.capacity);
        self.updated = now;
        elapsed
    }

    /// The tokens held now.
    pub(crate) fn tokens(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.tokens
    }

    /// The most tokens the bucket holds.
    pub(crate) fn capacity(&self) -> f64 {
        self.capacity
    }

    /// The refill rate, per second.
    pub(crate) fn per_second(&self) -> f64 {
        self.per_second
    }

    /// Refills at the old rate until `now`, then at `per_second` (positive and finite).
    pub(crate) fn set_rate(&mut self, per_second: f64, now: Instant) {
        self.refill(now);
        self.per_second = per_second;
    }

    /// Drops the tokens beyond `tokens`.
    pub(crate) fn keep_at_most(&mut self, tokens: f64) {
        self.tokens = self.tokens.min(tokens);
    }

    /// Takes one token, or says when the next one will be there.
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
            let wait = Duration::try_from_secs_f64(wait_ms / 1000.0)
                .unwrap_or(LONGEST_WAIT)
                .min(LONGEST_WAIT);
            Err(now + wait)
        }
    }

    /// Returns a token taken for something that did not happen after all.
    pub(crate) fn give_back(&mut self, now: Instant) {
        self.refill(now);
        self.tokens = (self.tokens + 1.0).min(self.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_refill() {
        let now = Instant::now();
        let mut bucket = TokenBucket::full(2.0, 10.0, now);
        assert!(bucket.try_take(now).is_ok());
        assert!(bucket.try_take(now).is_ok());
        let next = bucket.try_take(now).unwrap_err();
        assert_eq!(next - now, Duration::from_millis(100));
        assert!(bucket.try_take(next).is_ok());
        assert!(bucket.try_take(next).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_given_back_can_be_taken_again_at_once() {
        let now = Instant::now();
        let mut bucket = TokenBucket::full(1.0, 0.5, now);
        assert!(bucket.try_take(now).is_ok());
        assert_eq!(
            bucket.try_take(now).unwrap_err() - now,
            Duration::from_secs(2)
        );
        bucket.give_back(now);
        assert!(bucket.try_take(now).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn giving_back_never_overfills() {
        let now = Instant::now();
        let mut bucket = TokenBucket::full(1.0, 10.0, now);
        bucket.give_back(now);
        bucket.give_back(now + Duration::from_secs(5));
        assert_eq!(bucket.tokens(now + Duration::from_secs(5)), 1.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_very_low_rate_names_a_wait_the_clock_can_hold() {
        let now = Instant::now();
        let mut bucket = TokenBucket::full(1.0, 1e-300, now);
        assert!(bucket.try_take(now).is_ok());
        assert_eq!(bucket.try_take(now).unwrap_err() - now, LONGEST_WAIT);
    }
}
