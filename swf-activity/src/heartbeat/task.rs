//! [`TaskHeartbeat`]: the worker's handle on one running task's heartbeats.

use std::sync::Arc;

use super::HeartbeatConfig;
use super::engine::Lifetime;
use super::schedule::TaskSchedule;
use super::state::AnswerPhase;
use crate::progress::state::TaskState;
use crate::progress::{CancelReason, Progress};

/// The worker's handle on one running task's heartbeats, from
/// [`HeartbeatEngine::start_task`](super::HeartbeatEngine::start_task). Dropping it or calling
/// [`finish`](Self::finish) stops the task's heartbeats.
#[derive(Debug)]
pub struct TaskHeartbeat {
    state: Arc<TaskState>,
    config: Arc<HeartbeatConfig>,
    _life: Arc<Lifetime>,
}

impl TaskHeartbeat {
    pub(crate) fn new(
        state: Arc<TaskState>,
        config: Arc<HeartbeatConfig>,
        life: Arc<Lifetime>,
    ) -> Self {
        TaskHeartbeat {
            state,
            config,
            _life: life,
        }
    }

    /// A [`Progress`] for the activity code: its reports go into this task's heartbeats and it
    /// hears this task's cancellation.
    pub fn progress(&self) -> Progress {
        Progress::from_state(Arc::clone(&self.state))
    }

    /// The task these heartbeats are for.
    pub(crate) fn task(&self) -> Option<&crate::task::ActivityTask> {
        self.state.task.as_ref()
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

    /// Replaces the task's timeouts once they are known (for example read from its scheduling
    /// event), keeping its start time: intervals and deadlines are recomputed at once.
    pub fn reschedule(&self, schedule: TaskSchedule) {
        self.rescheduler().reschedule(schedule);
    }

    /// The latest instant SWF may still accept an answer for the task, as far as the worker can
    /// tell (start-to-close or heartbeat deadline, plus the margin); `None` when no timeout bounds
    /// it.
    pub(crate) fn answer_deadline(&self) -> Option<tokio::time::Instant> {
        self.state.heart().answer_deadline()
    }

    /// An answer call is about to go out (`true`) or has failed and waits for its retry
    /// (`false`): no heartbeat overtakes an answer, and keep-alives hold the task open while
    /// the answer waits.
    pub(crate) fn answering(&self, sending: bool) {
        let phase = if sending {
            AnswerPhase::Sending
        } else {
            AnswerPhase::WaitingToRetry
        };
        self.state.heart().set_answer(phase);
        self.state.wake_engine();
    }

    /// Why SWF will no longer accept an answer for the task, if that is certain: gone, not
    /// permitted, or past its start-to-close or heartbeat deadline (plus the margin).
    pub(crate) fn unanswerable(&self) -> Option<CancelReason> {
        self.state.unanswerable()
    }

    /// Resolves once SWF will no longer accept an answer for the task, with the reason.
    pub(crate) async fn until_unanswerable(&self) -> CancelReason {
        self.state.until_unanswerable().await
    }

    /// A handle that can [`reschedule`](Self::reschedule) the task from another tokio task.
    pub(crate) fn rescheduler(&self) -> Rescheduler {
        Rescheduler {
            state: Arc::clone(&self.state),
            config: Arc::clone(&self.config),
        }
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

/// Changes a running task's timeouts from elsewhere (see [`TaskHeartbeat::reschedule`]).
#[derive(Debug)]
pub(crate) struct Rescheduler {
    state: Arc<TaskState>,
    config: Arc<HeartbeatConfig>,
}

impl Rescheduler {
    /// Replaces the task's timeouts, keeping its start time.
    pub(crate) fn reschedule(&self, schedule: TaskSchedule) {
        self.state.heart().reschedule(schedule, &self.config);
        self.state.wake_engine();
    }
}
