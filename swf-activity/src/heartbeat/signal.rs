//! What tasks share with their engine: its wake-up, the tasks to look at again, and its
//! counters.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::{Notify, watch};

use crate::metrics::{EngineMetrics, WorkerLabels};
use crate::progress::CancelReason;
use crate::progress::state::EngineLink;
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
    /// Tasks cancelled because no heartbeat was answered within their heartbeat timeout (plus the
    /// margin): SWF has timed them out.
    pub heartbeat_timeouts: u64,
    /// Times the running tasks came to need more heartbeats per second than the budget refills
    /// (the worker stops polling until they need less).
    pub overloads: u64,
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
    heartbeat_timeouts: AtomicU64,
    overloads: AtomicU64,
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

    pub(crate) fn count_coalesced(&self, reports: u64) {
        if reports > 0 {
            self.coalesced.fetch_add(reports, Ordering::Relaxed);
            self.metrics.coalesced(reports);
        }
    }

    pub(crate) fn count_heartbeat_timeout(&self) {
        self.heartbeat_timeouts.fetch_add(1, Ordering::Relaxed);
        self.metrics.heartbeat_timeout();
    }

    pub(crate) fn count_overload(&self) {
        self.overloads.fetch_add(1, Ordering::Relaxed);
        self.metrics.overload();
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
    fn count_cancelled(&self, reason: CancelReason, task: Option<&ActivityTask>) {
        self.metrics.cancelled(reason, task);
    }

    /// Records what the heartbeat budget holds now (only a metric); `tokens` is called only when
    /// metrics are recorded.
    pub(crate) fn observe_budget(&self, tokens: impl FnOnce() -> f64) {
        self.metrics.budget_tokens(tokens);
    }

    pub(crate) fn snapshot(&self) -> HeartbeatStats {
        HeartbeatStats {
            sent: self.sent.load(Ordering::Relaxed),
            coalesced: self.coalesced.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            heartbeat_timeouts: self.heartbeat_timeouts.load(Ordering::Relaxed),
            overloads: self.overloads.load(Ordering::Relaxed),
        }
    }
}

/// Shared by the engine, its handles and every task's state. Holds no task, so tasks can point
/// at it without a reference cycle.
#[derive(Debug)]
pub(crate) struct EngineSignal {
    /// Wakes the scheduler (a stored permit covers a wake-up while it is busy).
    pub(crate) wake: Notify,
    /// Tasks the scheduler must look at again (reported, answered, flushed, stopped).
    dirty: Mutex<Vec<u64>>,
    /// Set when the last engine handle is gone: the scheduler exits.
    pub(crate) closed: AtomicBool,
    /// What the engine did.
    pub(crate) stats: Counters,
    /// ThrottlingException answers not yet seen by the scheduler's budget.
    pub(crate) throttled_answers: AtomicU64,
    /// Heartbeats per second the running tasks need, in millionths.
    pub(crate) demand_micros: AtomicU64,
    /// Heartbeats per second the budget refills now, in millionths.
    pub(crate) rate_micros: AtomicU64,
    /// The scheduler's last word on whether the running tasks need more heartbeats per second
    /// than the budget refills (changes wake the pollers).
    pub(crate) overloaded: watch::Sender<bool>,
    /// OperationNotPermittedFault has been logged at warn level once.
    pub(crate) not_permitted_logged: AtomicBool,
}

impl Default for EngineSignal {
    fn default() -> Self {
        EngineSignal {
            wake: Notify::new(),
            dirty: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            stats: Counters::default(),
            throttled_answers: AtomicU64::new(0),
            demand_micros: AtomicU64::new(0),
            rate_micros: AtomicU64::new(u64::MAX),
            overloaded: watch::channel(false).0,
            not_permitted_logged: AtomicBool::new(false),
        }
    }
}

impl EngineSignal {
    /// Asks the scheduler to look at task `id` again.
    pub(crate) fn mark_dirty(&self, id: u64) {
        self.dirty
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(id);
        self.wake.notify_one();
    }

    /// Whether the running tasks need more heartbeats per second than the budget refills, counting
    /// tasks started a moment ago that the scheduler has not seen yet.
    pub(crate) fn is_overloaded(&self) -> bool {
        self.demand_micros.load(Ordering::Acquire) > self.rate_micros.load(Ordering::Acquire)
    }

    /// The tasks marked since the last call, into `into` (which is cleared first).
    pub(crate) fn take_dirty(&self, into: &mut Vec<u64>) {
        into.clear();
        std::mem::swap(
            &mut *self.dirty.lock().unwrap_or_else(PoisonError::into_inner),
            into,
        );
    }
}

impl EngineSignal {
    /// Counts the cancellation of `task` on the engine `link` leads to, if it has one.
    pub(crate) fn count_cancelled(
        link: Option<&EngineLink>,
        task: Option<&ActivityTask>,
        reason: CancelReason,
    ) {
        if let Some(link) = link {
            link.signal.stats.count_cancelled(reason, task);
        }
    }
}
