//! Counters a worker keeps, and the snapshot it hands out.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::heartbeat::HeartbeatStats;

/// A snapshot of what a worker has done since it was built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerStats {
    /// Tasks polled and started.
    pub tasks_started: u64,
    /// Tasks answered RespondActivityTaskCompleted.
    pub tasks_completed: u64,
    /// Tasks answered RespondActivityTaskFailed.
    pub tasks_failed: u64,
    /// Tasks answered RespondActivityTaskCanceled.
    pub tasks_canceled: u64,
    /// Answers SWF refused because the task was already gone (timed out or closed elsewhere).
    pub answered_after_gone: u64,
    /// Answers that could not be delivered after every retry.
    pub answers_undelivered: u64,
    /// RecordActivityTaskHeartbeat calls made.
    pub heartbeats_sent: u64,
    /// Reports folded into a later heartbeat instead of sent on their own.
    pub heartbeats_coalesced: u64,
    /// Heartbeats delayed by the worker's budget or by SWF throttling.
    pub heartbeats_throttled: u64,
}

#[derive(Debug, Default)]
pub(crate) struct TaskCounters {
    pub(crate) started: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) canceled: AtomicU64,
    pub(crate) answered_after_gone: AtomicU64,
    pub(crate) undelivered: AtomicU64,
}

impl TaskCounters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, heartbeats: HeartbeatStats) -> WorkerStats {
        WorkerStats {
            tasks_started: self.started.load(Ordering::Relaxed),
            tasks_completed: self.completed.load(Ordering::Relaxed),
            tasks_failed: self.failed.load(Ordering::Relaxed),
            tasks_canceled: self.canceled.load(Ordering::Relaxed),
            answered_after_gone: self.answered_after_gone.load(Ordering::Relaxed),
            answers_undelivered: self.undelivered.load(Ordering::Relaxed),
            heartbeats_sent: heartbeats.sent,
            heartbeats_coalesced: heartbeats.coalesced,
            heartbeats_throttled: heartbeats.throttled,
        }
    }
}
