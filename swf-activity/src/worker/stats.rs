//! Counters a worker keeps, and the snapshot it hands out.

use std::sync::atomic::{AtomicU64, Ordering};

use super::answer::{Answer, Delivery};
use crate::heartbeat::HeartbeatStats;
use crate::metrics::{self, AnswerResult, TaskLabels};

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
    /// Answers that could not be delivered: refused, or retried until SWF could no longer take
    /// them.
    pub answers_undelivered: u64,
    /// Answers whose retry met UnknownResourceFault after an earlier attempt's response was lost:
    /// that attempt was applied, and the task is also counted completed, failed or canceled.
    pub answers_after_lost_response: u64,
    /// Tasks whose activity handed its token over and ended with
    /// [`ActivityError::completes_elsewhere`](crate::ActivityError::completes_elsewhere): the
    /// worker sent no answer and freed the slot; another system answers the task.
    pub tasks_completing_elsewhere: u64,
    /// Tasks whose activity was dropped, unanswered, because SWF no longer accepted an answer
    /// (timed out, gone or not permitted) and it ignored its cancellation past the abandon grace.
    pub tasks_abandoned: u64,
    /// RecordActivityTaskHeartbeat calls made.
    pub heartbeats_sent: u64,
    /// Reports folded into a later heartbeat instead of sent on their own.
    pub heartbeats_coalesced: u64,
    /// Heartbeats delayed by the worker's budget or by SWF throttling.
    pub heartbeats_throttled: u64,
    /// Tasks cancelled with
    /// [`HeartbeatTimeoutElapsed`](crate::CancelReason::HeartbeatTimeoutElapsed): no heartbeat
    /// answered within their heartbeat timeout.
    pub heartbeat_timeouts: u64,
    /// Times polling paused because the running tasks needed more heartbeats per second than
    /// the budget refills.
    pub heartbeat_overloads: u64,
    /// Whether polling is paused now, through a [`PollingControl`](super::PollingControl).
    pub polling_paused: bool,
}

/// The worker's task counters. Each count is also recorded as a metric (see [`crate::metrics`]),
/// so the metrics agree with [`WorkerStats`].
#[derive(Debug, Default)]
pub(crate) struct TaskCounters {
    pub(crate) started: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) canceled: AtomicU64,
    pub(crate) answered_after_gone: AtomicU64,
    pub(crate) undelivered: AtomicU64,
    pub(crate) after_lost_response: AtomicU64,
    pub(crate) abandoned: AtomicU64,
    pub(crate) completing_elsewhere: AtomicU64,
}

impl TaskCounters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A task started.
    pub(crate) fn count_started(&self, labels: &TaskLabels) {
        Self::bump(&self.started);
        metrics::task_started(labels);
    }

    /// What became of a task's answer.
    pub(crate) fn count_answer(&self, labels: &TaskLabels, answer: &Answer, delivery: &Delivery) {
        let (counter, result) = match (delivery, answer) {
            (Delivery::Delivered { .. }, Answer::Completed { .. }) => {
                (&self.completed, AnswerResult::Completed)
            }
            (Delivery::Delivered { .. }, Answer::Failed { .. }) => {
                (&self.failed, AnswerResult::Failed)
            }
            (Delivery::Delivered { .. }, Answer::Canceled { .. }) => {
                (&self.canceled, AnswerResult::Canceled)
            }
            (Delivery::TaskGone, _) => (&self.answered_after_gone, AnswerResult::TaskGone),
            (Delivery::Undelivered, _) => (&self.undelivered, AnswerResult::Undelivered),
            (Delivery::CompletesElsewhere, _)
            | (Delivery::Delivered { .. }, Answer::CompletesElsewhere) => {
                (&self.completing_elsewhere, AnswerResult::CompletesElsewhere)
            }
        };
        Self::bump(counter);
        metrics::task_answered(labels, result);
        if let Delivery::Delivered {
            after_lost_response: true,
        } = delivery
        {
            Self::bump(&self.after_lost_response);
            metrics::answer_after_lost_response(labels);
        }
    }

    /// A task's activity was dropped unanswered: SWF no longer accepted an answer.
    pub(crate) fn count_abandoned(&self, labels: &TaskLabels) {
        Self::bump(&self.abandoned);
        metrics::task_abandoned(labels);
    }

    pub(crate) fn snapshot(&self, heartbeats: HeartbeatStats) -> WorkerStats {
        WorkerStats {
            tasks_started: self.started.load(Ordering::Relaxed),
            tasks_completed: self.completed.load(Ordering::Relaxed),
            tasks_failed: self.failed.load(Ordering::Relaxed),
            tasks_canceled: self.canceled.load(Ordering::Relaxed),
            answered_after_gone: self.answered_after_gone.load(Ordering::Relaxed),
            answers_undelivered: self.undelivered.load(Ordering::Relaxed),
            answers_after_lost_response: self.after_lost_response.load(Ordering::Relaxed),
            tasks_abandoned: self.abandoned.load(Ordering::Relaxed),
            tasks_completing_elsewhere: self.completing_elsewhere.load(Ordering::Relaxed),
            heartbeats_sent: heartbeats.sent,
            heartbeats_coalesced: heartbeats.coalesced,
            heartbeats_throttled: heartbeats.throttled,
            heartbeat_timeouts: heartbeats.heartbeat_timeouts,
            heartbeat_overloads: heartbeats.overloads,
            polling_paused: false,
        }
    }
}
