//! [`TaskHeartbeat`]: the worker's handle on one running task's heartbeats.

use std::sync::Arc;

use super::engine::Lifetime;
use crate::progress::state::TaskState;
use crate::progress::{CancelReason, Progress};

/// The worker's handle on one running task's heartbeats, from
/// [`HeartbeatEngine::start_task`](super::HeartbeatEngine::start_task). Dropping it or calling
/// [`finish`](Self::finish) stops the task's heartbeats.
#[derive(Debug)]
pub struct TaskHeartbeat {
    state: Arc<TaskState>,
    _life: Arc<Lifetime>,
}

impl TaskHeartbeat {
    pub(crate) fn new(state: Arc<TaskState>, life: Arc<Lifetime>) -> Self {
        TaskHeartbeat { state, _life: life }
    }

    /// A [`Progress`] for the activity code: its reports go into this task's heartbeats and it
    /// hears this task's cancellation.
    pub fn progress(&self) -> Progress {
        Progress::from_state(Arc::clone(&self.state))
    }

    /// Cancels the task (for example [`CancelReason::WorkerShutdown`]). The first reason wins:
    /// later calls, and later cancellations from heartbeat answers, change nothing. Heartbeats go
    /// on until [`finish`](Self::finish), so the task stays alive while it winds down.
    pub fn cancel(&self, reason: CancelReason) {
        self.state.cancel(reason);
    }

    /// Why the task was cancelled, if it was.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        self.state.reason()
    }

    /// Stops heartbeats for this task now: it is being answered. A heartbeat already in flight
    /// completes, but none starts after this. Dropping the handle does the same.
    pub fn finish(self) {
        drop(self);
    }
}

impl Drop for TaskHeartbeat {
    fn drop(&mut self) {
        self.state.stop();
        tracing::trace!(task = %self.state.fingerprint(), "heartbeats finished");
    }
}
