//! What tasks share with their engine: its wake-up and its counters.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::budget::TokenBucket;
use crate::activity::ActivityType;
use crate::metrics::{EngineMetrics, WorkerLabels};
use crate::progress::CancelReason;
use crate::task::ActivityTask;

/// Counts of what the engine did, since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeartbeatStats {
    /// Heartbeat calls made (first attempts and retries).
    pub sent: u64,
    /// Reports folded into a later heartbeat: replaced by a newer report before being sent.
    pub coalesced: u64,
    /// Waits on the budget, plus heartbeats answered with ThrottlingException.
    pub throttled: u64,
    /// Heartbeat calls that retried a failed one.
    pub retried: u64,
    /// Heartbeat calls that returned an error (of any kind).
    pub failed: u64,
}

/// The engine's counters, updated without locks. Each count is also recorded as a metric (see
/// [`crate::metrics`]), so the metrics agree with [`HeartbeatStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    sent: AtomicU64,
    coalesced: AtomicU64,
    throttled: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    metrics: EngineMetrics,
}

impl Counters {
    /// Labels the metrics recorded from now on with the worker's domain and task list.
    pub(crate) fn label_metrics(&self, labels: &WorkerLabels) {
        self.metrics.label(labels);
    }

    pub(crate) fn count_sent(&self, retry: bool) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        if retry {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        self.metrics.sent(retry);
    }

    pub(crate) fn count_coalesced(&self) {
        self.coalesced.fetch_add(1, Ordering::Relaxed);
        self.metrics.coalesced();
    }

    pub(crate) fn count_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        self.metrics.throttled();
    }

    pub(crate) fn count_failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.metrics.failed();
    }

    /// A task was cancelled (only a metric: `cancel_reason` tells each task's).
    fn count_cancelled(&self, reason: CancelReason, activity_type: Option<&ActivityType>) {
        self.metrics.cancelled(reason, activity_type);
    }

    /// Records what the budget holds at `now` (only a metric).
    pub(crate) fn observe_budget(&self, bucket: &TokenBucket, now: Instant) {
        self.metrics.budget_tokens(|| bucket.tokens_at(now));
    }

    pub(crate) fn snapshot(&self) -> HeartbeatStats {
        HeartbeatStats {
            sent: self.sent.load(Ordering::Relaxed),
            coalesced: self.coalesced.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

/// Shared by the engine, its handles and every task's state. Holds no task, so tasks can point
/// at it without a reference cycle.
#[derive(Debug, Default)]
pub(crate) struct EngineSignal {
    /// Wakes the scheduler (a stored permit covers a wake-up while it is busy).
    pub(crate) wake: Notify,
    /// Set when the last engine handle is gone: the scheduler exits.
    pub(crate) closed: AtomicBool,
    /// What the engine did.
    pub(crate) stats: Counters,
    /// OperationNotPermittedFault has been logged at warn level once.
    pub(crate) not_permitted_logged: AtomicBool,
}

impl EngineSignal {
    /// Counts the cancellation of `task` on its engine, if it has one.
    pub(crate) fn count_cancelled(
        signal: Option<&EngineSignal>,
        task: Option<&ActivityTask>,
        reason: CancelReason,
    ) {
        if let Some(signal) = signal {
            signal
                .stats
                .count_cancelled(reason, task.map(|task| &task.activity_type));
        }
    }
}
