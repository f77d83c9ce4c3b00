//! What an [`ActivityEnvironment`](super::ActivityEnvironment) run produced.

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::transport::RecordedHeartbeat;
use crate::heartbeat::HeartbeatStats;
use crate::outcome::ActivityOutcome;
use crate::progress::CancelReason;

/// Why [`ActivityRun::result_json`] has no value to give.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// The activity did not complete.
    #[error("the activity did not complete: {0:?}")]
    NotCompleted(ActivityOutcome),
    /// It completed with an empty result.
    #[error("the activity completed with an empty result; expected JSON")]
    Empty,
    /// Its result is not JSON of the asked type.
    #[error("the activity's result is not the expected JSON: {0}")]
    Json(#[source] serde_json::Error),
}

/// Everything one [`ActivityEnvironment::run`](super::ActivityEnvironment::run) observed.
#[derive(Clone, Debug)]
pub struct ActivityRun {
    /// How the activity ended: what the worker would answer, built the same way (see
    /// [`ActivityOutcome::from_result`]).
    pub outcome: ActivityOutcome,
    /// Every heartbeat sent, in order.
    pub heartbeats: Vec<RecordedHeartbeat>,
    /// Why the task was cancelled, if it was.
    pub cancel_reason: Option<CancelReason>,
    /// How long the activity ran.
    pub elapsed: Duration,
    /// The heartbeat engine's counters.
    pub stats: HeartbeatStats,
}

impl ActivityRun {
    /// The raw result, if the activity completed.
    pub fn result(&self) -> Option<&str> {
        match &self.outcome {
            ActivityOutcome::Completed { result } => result.as_deref(),
            _ => None,
        }
    }

    /// The result decoded from JSON.
    pub fn result_json<T: DeserializeOwned>(&self) -> Result<T, ResultError> {
        match &self.outcome {
            ActivityOutcome::Completed { result: Some(raw) } => {
                serde_json::from_str(raw).map_err(ResultError::Json)
            }
            ActivityOutcome::Completed { result: None } => Err(ResultError::Empty),
            other => Err(ResultError::NotCompleted(other.clone())),
        }
    }

    /// Whether the activity accepted a cancellation.
    pub fn is_canceled(&self) -> bool {
        matches!(self.outcome, ActivityOutcome::Canceled { .. })
    }

    /// The failure's reason, if the activity failed.
    pub fn failure_reason(&self) -> Option<&str> {
        match &self.outcome {
            ActivityOutcome::Failed { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The details each heartbeat carried, in order.
    pub fn heartbeat_details(&self) -> Vec<Option<&str>> {
        self.heartbeats
            .iter()
            .map(|h| h.details.as_deref())
            .collect()
    }
}
