//! The state one running task shares between its [`Progress`](super::Progress) handles, its
//! [`TaskHeartbeat`](crate::heartbeat::TaskHeartbeat) and the heartbeat engine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::CancelReason;
use crate::heartbeat::signal::EngineSignal;
use crate::heartbeat::state::Heart;
use crate::task::ActivityTask;

/// How a task reaches its engine.
#[derive(Debug)]
pub(crate) struct EngineLink {
    pub(crate) signal: Arc<EngineSignal>,
    /// The task's number in the engine.
    pub(crate) id: u64,
}

impl EngineLink {
    /// Asks the scheduler to look at this task again.
    pub(crate) fn wake(&self) {
        self.signal.mark_dirty(self.id);
    }
}

/// Everything about one task that more than one party reads or writes.
#[derive(Debug)]
pub(crate) struct TaskState {
    /// The task, or `None` for a detached handle.
    pub(crate) task: Option<ActivityTask>,
    /// How to reach the engine; `None` for a detached handle.
    pub(crate) link: Option<EngineLink>,
    heart: Mutex<Heart>,
    reason: Mutex<Option<CancelReason>>,
    /// Wakes threads blocked in [`wait_cancelled_timeout`](Self::wait_cancelled_timeout).
    reason_set: Condvar,
    /// Set (after `reason`) once the task is cancelled: lets readers skip the lock.
    cancelled: AtomicBool,
    /// Why SWF will no longer accept an answer for the task, once that is certain.
    unanswerable: OnceLock<CancelReason>,
    /// Woken (all waiters) when the task is cancelled.
    pub(crate) cancel_notify: Arc<Notify>,
    /// Woken (all waiters) when a heartbeat is answered, the task stops or is cancelled.
    pub(crate) beat_notify: Notify,
}

impl TaskState {
    pub(crate) fn new(task: Option<ActivityTask>, link: Option<EngineLink>, heart: Heart) -> Self {
        TaskState {
            task,
            link,
            heart: Mutex::new(heart),
            reason: Mutex::new(None),
            reason_set: Condvar::new(),
            cancelled: AtomicBool::new(false),
            unanswerable: OnceLock::new(),
            cancel_notify: Arc::new(Notify::new()),
            beat_notify: Notify::new(),
        }
    }

    /// Locks the heartbeat state machine. A panic elsewhere while holding the lock leaves it
    /// consistent (every transition is a few plain assignments), so a poisoned lock is used as it
    /// is.
    pub(crate) fn heart(&self) -> MutexGuard<'_, Heart> {
        self.heart.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why the task was cancelled, if it was.
    pub(crate) fn reason(&self) -> Option<CancelReason> {
        if !self.cancelled.load(Ordering::Acquire) {
            return None;
        }
        *self.reason.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks the calling thread until the task is cancelled or `timeout` has passed; the reason
    /// if it was cancelled.
    pub(crate) fn wait_cancelled_timeout(&self, timeout: Duration) -> Option<CancelReason> {
        let slot = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
        let (slot, _) = self
            .reason_set
            .wait_timeout_while(slot, timeout, |reason| reason.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        *slot
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
            self.reason_set.notify_all();
        }
        EngineSignal::count_cancelled(self.link.as_ref(), self.task.as_ref(), reason);
        tracing::debug!(
            task = %self.fingerprint(),
            reason = ?reason,
            "activity task cancelled"
        );
        self.cancel_notify.notify_waiters();
        self.beat_notify.notify_waiters();
        true
    }

    /// SWF will accept nothing more for the task (gone, not permitted, or past a deadline): stops
    /// its heartbeats, records why and cancels it with that reason (unless it was cancelled
    /// already).
    pub(crate) fn expire(&self, reason: CancelReason) {
        let _ = self.unanswerable.set(reason);
        self.stop();
        if !self.cancel(reason) {
            // Already cancelled for another reason: still wake those waiting for this news.
            self.cancel_notify.notify_waiters();
        }
    }

    /// Why SWF will no longer accept an answer for the task, if that is certain.
    pub(crate) fn unanswerable(&self) -> Option<CancelReason> {
        self.unanswerable.get().copied()
    }

    /// Resolves once SWF will no longer accept an answer for the task, with the reason.
    pub(crate) async fn until_unanswerable(&self) -> CancelReason {
        loop {
            let notified = self.cancel_notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so an expiry in between is not missed.
            notified.as_mut().enable();
            if let Some(reason) = self.unanswerable() {
                return reason;
            }
            notified.await;
        }
    }

    /// Stops the task's heartbeats and wakes whoever waits on it.
    pub(crate) fn stop(&self) {
        let stopped_now = self.heart().stop();
        self.beat_notify.notify_waiters();
        if stopped_now && let Some(link) = &self.link {
            link.wake();
        }
    }

    /// Asks the scheduler to look at this task again.
    pub(crate) fn wake_engine(&self) {
        if let Some(link) = &self.link {
            link.wake();
        }
    }

    /// The task token's fingerprint, safe to log.
    pub(crate) fn fingerprint(&self) -> String {
        self.task
            .as_ref()
            .map_or_else(|| "detached".to_owned(), ActivityTask::token_fingerprint)
    }
}
