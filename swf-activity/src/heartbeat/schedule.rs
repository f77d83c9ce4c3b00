//! When each task's next heartbeat is due, and how urgent it is.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::HeartbeatConfig;
use crate::activity::HeartbeatMode;
use crate::progress::CancelReason;
use crate::progress::state::TaskState;

/// What the engine knows about a task's timing, given by the worker at
/// [`start_task`](super::HeartbeatEngine::start_task). Both timeouts count from that call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskSchedule {
    /// The task's heartbeat timeout; `None` when it is `NONE` or unknown.
    pub heartbeat_timeout: Option<Duration>,
    /// The task's start-to-close timeout; `None` when it is `NONE` or unknown.
    pub start_to_close_timeout: Option<Duration>,
    /// Whether heartbeats go out without reports.
    pub mode: HeartbeatMode,
}

impl TaskSchedule {
    /// The time between two heartbeats of this task: 0.8 x the heartbeat timeout, at most
    /// `config.max_interval`; `config.cancel_check_interval` when there is no heartbeat timeout.
    /// Never below 100 ms.
    ///
    /// ```
    /// use std::time::Duration;
    /// use swf_activity::HeartbeatMode;
    /// use swf_activity::heartbeat::{HeartbeatConfig, TaskSchedule};
    ///
    /// let schedule = TaskSchedule {
    ///     heartbeat_timeout: Some(Duration::from_secs(10)),
    ///     start_to_close_timeout: None,
    ///     mode: HeartbeatMode::Auto,
    /// };
    /// assert_eq!(schedule.interval(&HeartbeatConfig::default()), Duration::from_secs(8));
    /// ```
    pub fn interval(&self, config: &HeartbeatConfig) -> Duration {
        let interval = match self.heartbeat_timeout {
            Some(timeout) => timeout.mul_f64(0.8).min(config.max_interval),
            None => config.cancel_check_interval,
        };
        interval.max(MIN_INTERVAL)
    }
}

/// No task heartbeats more often than this on schedule, whatever its timeout.
const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// One running task as the scheduler sees it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) state: Arc<TaskState>,
    pub(crate) token: String,
    pub(crate) mode: HeartbeatMode,
    pub(crate) heartbeat_timeout: Option<Duration>,
    pub(crate) interval: Duration,
    pub(crate) started: Instant,
    pub(crate) start_to_close_deadline: Option<Instant>,
}

/// What the scheduler does with a task now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Its heartbeats are over: forget it.
    Remove,
    /// Send now; tasks with the earliest key go first.
    Due { key: Instant },
    /// Look again at this instant (or earlier, if woken).
    At(Instant),
    /// Nothing to do until something happens (a report, an answer).
    Idle,
}

impl Entry {
    /// The heartbeat rate this task needs, per second.
    pub(crate) fn demand(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }

    /// Decides what to do with the task at `now`. May stop the task when its start-to-close
    /// deadline has passed.
    pub(crate) fn plan(&self, now: Instant) -> Plan {
        if self
            .start_to_close_deadline
            .is_some_and(|deadline| now >= deadline)
        {
            self.state.stop();
            self.state.cancel(CancelReason::StartToCloseElapsed);
            return Plan::Remove;
        }
        let mut beat = self.state.beat();
        if beat.stopped {
            return Plan::Remove;
        }
        let later = |at: Instant| match self.start_to_close_deadline {
            Some(deadline) if deadline < at => Plan::At(deadline),
            _ => Plan::At(at),
        };
        if beat.in_flight {
            // The answer wakes the scheduler.
            return self.start_to_close_deadline.map_or(Plan::Idle, Plan::At);
        }
        let pending = beat.version > beat.sent_version;
        let keep_alive = self.mode == HeartbeatMode::Auto || self.heartbeat_timeout.is_none();
        // A report would change the plan only when nothing is pending and either no report has
        // gone out yet (the first goes at once) or only reports cause heartbeats.
        beat.wake_on_report = !pending && (beat.sent_version == 0 || !keep_alive);
        let due_at = if beat.flush_wanted >= beat.next_seq {
            Some(now)
        } else if let Some(retry_at) = beat.retry_at {
            Some(retry_at)
        } else if pending && beat.sent_version == 0 {
            Some(now)
        } else {
            match beat.last_sent {
                None if self.mode == HeartbeatMode::Auto => Some(now),
                None if keep_alive => Some(self.started + self.interval),
                None => None,
                Some(last) if keep_alive || pending => Some(last + self.interval),
                Some(_) => None,
            }
        };
        let Some(due_at) = due_at else {
            return self.start_to_close_deadline.map_or(Plan::Idle, Plan::At);
        };
        if due_at > now {
            return later(due_at);
        }
        let key = match self.heartbeat_timeout {
            Some(timeout) => beat.last_success.unwrap_or(self.started) + timeout,
            None => due_at + self.interval,
        };
        Plan::Due { key }
    }
}
