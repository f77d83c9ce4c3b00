//! What an [`ActivityEnvironment`](super::ActivityEnvironment) run produced.

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::transport::RecordedHeartbeat;
use crate::error::ActivityError;
use crate::heartbeat::HeartbeatStats;
use crate::progress::CancelReason;

/// How the activity ended: what the worker would answer SWF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivityOutcome {
    /// It returned a result (RespondActivityTaskCompleted); `None` for an empty result.
    Completed(Option<String>),
    /// It failed (RespondActivityTaskFailed).
    Failed {
        /// The failure's reason.
        reason: String,
        /// The failure's details.
        details: Option<String>,
    },
    /// It accepted a cancellation (RespondActivityTaskCanceled).
    Canceled {
        /// The cancellation's details.
        details: Option<String>,
    },
}

impl From<Result<Option<String>, ActivityError>> for ActivityOutcome {
    fn from(result: Result<Option<String>, ActivityError>) -> Self {
        match result {
            Ok(raw) => ActivityOutcome::Completed(raw),
            Err(err) if err.is_canceled() => ActivityOutcome::Canceled {
                details: err.details().map(str::to_owned),
            },
            Err(err) => ActivityOutcome::Failed {
                reason: err.reason().unwrap_or_default().to_owned(),
                details: err.details().map(str::to_owned),
            },
        }
    }
}

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
    /// How the activity ended.
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
            ActivityOutcome::Completed(raw) => raw.as_deref(),
            _ => None,
        }
    }

    /// The result decoded from JSON.
    pub fn result_json<T: DeserializeOwned>(&self) -> Result<T, ResultError> {
        match &self.outcome {
            ActivityOutcome::Completed(Some(raw)) => {
                serde_json::from_str(raw).map_err(ResultError::Json)
            }
            ActivityOutcome::Completed(None) => Err(ResultError::Empty),
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
