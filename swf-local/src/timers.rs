//! The clock and the timer queue. Everything runs on `tokio::time`, so tests can pause time.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use crate::model::ActivityTimeoutType;

/// Wall-clock timestamps derived from the Tokio clock, so paused time moves them too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    base_instant: Instant,
    base_epoch: f64,
}

impl Clock {
    pub(crate) fn new() -> Self {
        let base_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64();
        Self {
            base_instant: Instant::now(),
            base_epoch,
        }
    }

    /// Seconds since the Unix epoch, rounded to milliseconds like SWF timestamps.
    pub(crate) fn epoch_seconds(&self, now: Instant) -> f64 {
        let secs = self.base_epoch + now.duration_since(self.base_instant).as_secs_f64();
        (secs * 1000.0).round() / 1000.0
    }
}

/// What a timer does when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimerKind {
    /// An activity timeout of the task scheduled by event `scheduled_event_id`.
    Activity {
        run_id: String,
        scheduled_event_id: u64,
        timeout: ActivityTimeoutType,
    },
    /// The start-to-close timeout of a started decision task.
    Decision {
        run_id: String,
        started_event_id: u64,
    },
    /// A workflow timer from a StartTimer decision.
    Workflow { run_id: String, timer_id: String },
    /// The execution start-to-close timeout.
    Execution { run_id: String },
}

/// A key into the timer queue, used to cancel a timer.
pub(crate) type TimerKey = (Instant, u64);

/// Pending timers ordered by deadline.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    timers: BTreeMap<TimerKey, TimerKind>,
    seq: u64,
}

impl TimerQueue {
    /// Adds a timer; answers its key and whether it is now the earliest (the driver must wake).
    pub(crate) fn insert(&mut self, deadline: Instant, kind: TimerKind) -> (TimerKey, bool) {
        self.seq += 1;
        let key = (deadline, self.seq);
        let earliest = self.timers.first_key_value().is_none_or(|(k, _)| key < *k);
        self.timers.insert(key, kind);
        (key, earliest)
    }

    /// Removes a timer if it is still pending.
    pub(crate) fn remove(&mut self, key: TimerKey) {
        self.timers.remove(&key);
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.first_key_value().map(|((d, _), _)| *d)
    }

    /// Removes and answers the earliest timer if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<TimerKind> {
        let due = self
            .timers
            .first_key_value()
            .is_some_and(|((d, _), _)| *d <= now);
        if due {
            self.timers.pop_first().map(|(_, kind)| kind)
        } else {
            None
        }
    }

    /// How many timers are pending.
    pub(crate) fn len(&self) -> usize {
        self.timers.len()
    }
}
