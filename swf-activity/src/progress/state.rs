//! The state one running task shares between its [`Progress`](super::Progress) handles, its
//! [`TaskHeartbeat`](crate::heartbeat::TaskHeartbeat) and the heartbeat engine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::CancelReason;
use crate::heartbeat::signal::EngineSignal;
use crate::task::ActivityTask;

/// Everything about one task that more than one party reads or writes.
#[derive(Debug)]
pub(crate) struct TaskState {
    /// The task, or `None` for a detached handle.
    pub(crate) task: Option<ActivityTask>,
    /// How to reach the engine; `None` for a detached handle.
    pub(crate) signal: Option<Arc<EngineSignal>>,
    beat: Mutex<BeatState>,
    reason: Mutex<Option<CancelReason>>,
    /// Set (after `reason`) once the task is cancelled: lets readers skip the lock.
    cancelled: AtomicBool,
    /// Woken (all waiters) when the task is cancelled.
    pub(crate) cancel_notify: Arc<Notify>,
    /// Woken (all waiters) when a heartbeat is answered, the task stops or is cancelled.
    pub(crate) beat_notify: Notify,
}

/// Progress details and heartbeat bookkeeping, guarded by one lock.
#[derive(Debug)]
pub(crate) struct BeatState {
    /// The latest reported details.
    pub(crate) details: Option<String>,
    /// Counts reports; `sent_version` is the value a heartbeat last carried.
    pub(crate) version: u64,
    /// The `version` the last heartbeat carried (0: no report sent yet).
    pub(crate) sent_version: u64,
    /// The engine asked to be woken by the next report (nothing is pending and a report would
    /// change its plan).
    pub(crate) wake_on_report: bool,
    /// A flush waits for the heartbeat with this sequence number (0: none).
    pub(crate) flush_wanted: u64,
    /// The sequence number the next heartbeat gets (starts at 1).
    pub(crate) next_seq: u64,
    /// The sequence number of the last heartbeat that was answered successfully.
    pub(crate) answered_seq: u64,
    /// No more heartbeats for this task: finished, gone, not permitted or past start-to-close.
    pub(crate) stopped: bool,
    /// A heartbeat call is outstanding.
    pub(crate) in_flight: bool,
    /// When the last heartbeat call started.
    pub(crate) last_sent: Option<Instant>,
    /// When the last heartbeat that was answered successfully started.
    pub(crate) last_success: Option<Instant>,
    /// A failed heartbeat is retried at this instant.
    pub(crate) retry_at: Option<Instant>,
    /// Failed attempts in a row.
    pub(crate) attempts: u32,
    /// The task is due but waits for the budget (counted once per wait).
    pub(crate) waiting_for_budget: bool,
}

impl TaskState {
    pub(crate) fn new(task: Option<ActivityTask>, signal: Option<Arc<EngineSignal>>) -> Self {
        TaskState {
            task,
            signal,
            beat: Mutex::new(BeatState {
                details: None,
                version: 0,
                sent_version: 0,
                wake_on_report: false,
                flush_wanted: 0,
                next_seq: 1,
                answered_seq: 0,
                stopped: false,
                in_flight: false,
                last_sent: None,
                last_success: None,
                retry_at: None,
                attempts: 0,
                waiting_for_budget: false,
            }),
            reason: Mutex::new(None),
            cancelled: AtomicBool::new(false),
            cancel_notify: Arc::new(Notify::new()),
            beat_notify: Notify::new(),
        }
    }

    /// Locks the heartbeat bookkeeping. A panic elsewhere while holding the lock leaves the data
    /// consistent field by field, so a poisoned lock is used as it is.
    pub(crate) fn beat(&self) -> MutexGuard<'_, BeatState> {
        self.beat.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why the task was cancelled, if it was.
    pub(crate) fn reason(&self) -> Option<CancelReason> {
        if !self.cancelled.load(Ordering::Acquire) {
            return None;
        }
        *self.reason.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cancels the task with `reason` unless it already is; the first reason wins. Returns whether
    /// this call cancelled it.
    pub(crate) fn cancel(&self, reason: CancelReason) -> bool {
        {
            let mut slot = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.is_some() {
                return false;
            }
            *slot = Some(reason);
            // Published before the wake-ups below, so every woken waiter sees it.
            self.cancelled.store(true, Ordering::Release);
        }
        EngineSignal::count_cancelled(self.signal.as_deref(), self.task.as_ref(), reason);
        tracing::debug!(
            task = %self.fingerprint(),
            reason = ?reason,
            "activity task cancelled"
        );
        self.cancel_notify.notify_waiters();
        self.beat_notify.notify_waiters();
        true
    }

    /// Marks the task stopped (no more heartbeats) and wakes whoever waits on it.
    pub(crate) fn stop(&self) {
        self.beat().stopped = true;
        self.beat_notify.notify_waiters();
        if let Some(signal) = &self.signal {
            signal.wake.notify_one();
        }
    }

    /// The task token's fingerprint, safe to log.
    pub(crate) fn fingerprint(&self) -> String {
        self.task
            .as_ref()
            .map_or_else(|| "detached".to_owned(), ActivityTask::token_fingerprint)
    }
}
