//! What the worker tells the engine about a task's timing.

use std::time::Duration;

use super::HeartbeatConfig;
use crate::activity::HeartbeatMode;

/// What the engine knows about a task's timing, given by the worker at
/// [`start_task`](super::HeartbeatEngine::start_task). Both timeouts count from the task's start.
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
