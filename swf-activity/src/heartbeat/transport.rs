//! [`HeartbeatTransport`]: how the engine calls RecordActivityTaskHeartbeat.

use aws_sdk_swf::config::http::HttpResponse;
use aws_sdk_swf::error::SdkError;
use aws_sdk_swf::operation::record_activity_task_heartbeat::RecordActivityTaskHeartbeatError;
use futures::future::BoxFuture;

use crate::sdk_errors::{ErrorClass, describe};

/// SWF's answer to a heartbeat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeartbeatAnswer {
    /// The decider asked to cancel the task.
    pub cancel_requested: bool,
}

/// Why a heartbeat failed, sorted by what the engine does next.
#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    /// UnknownResourceFault: the task timed out or was closed elsewhere. The engine stops the
    /// task's heartbeats and cancels it with [`TaskGone`](crate::progress::CancelReason::TaskGone).
    #[error("the task is gone (timed out or closed elsewhere); stop working on it: {0}")]
    TaskGone(String),
    /// OperationNotPermittedFault: the worker's credentials may not heartbeat this task. The
    /// engine stops its heartbeats and cancels it with
    /// [`NotPermitted`](crate::progress::CancelReason::NotPermitted). Check the IAM policy allows
    /// `swf:RecordActivityTaskHeartbeat` on the domain.
    #[error(
        "not permitted to heartbeat this task; check the IAM policy allows swf:RecordActivityTaskHeartbeat on the domain: {0}"
    )]
    NotPermitted(String),
    /// ThrottlingException: over the account's heartbeat quota. Retried with backoff; lower the
    /// worker's [`HeartbeatBudget`](super::HeartbeatBudget) if it persists.
    #[error(
        "heartbeat throttled by SWF; retried with backoff (lower the heartbeat budget if this persists): {0}"
    )]
    Throttled(String),
    /// Anything else (network, 5xx, ...). Retried with backoff.
    #[error("heartbeat failed, will be retried: {0}")]
    Transient(String),
}

/// Sends one RecordActivityTaskHeartbeat. Implemented for [`aws_sdk_swf::Client`]; tests and
/// [`ActivityEnvironment`](crate::testing::ActivityEnvironment) use their own.
pub trait HeartbeatTransport: Send + Sync + 'static {
    /// Records a heartbeat for `task_token` with `details`.
    fn record_heartbeat(
        &self,
        task_token: String,
        details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>>;
}

impl<T: HeartbeatTransport + ?Sized> HeartbeatTransport for std::sync::Arc<T> {
    fn record_heartbeat(
        &self,
        task_token: String,
        details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        (**self).record_heartbeat(task_token, details)
    }
}

/// Failed heartbeats are retried by the engine, within the task's deadline and the worker's
/// budget; the SDK's own retries would only add blind waits.
impl HeartbeatTransport for aws_sdk_swf::Client {
    fn record_heartbeat(
        &self,
        task_token: String,
        details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        let call = self
            .record_activity_task_heartbeat()
            .task_token(task_token)
            .set_details(details)
            .customize()
            .config_override(crate::sdk_errors::single_attempt());
        Box::pin(async move {
            match call.send().await {
                Ok(output) => Ok(HeartbeatAnswer {
                    cancel_requested: output.cancel_requested,
                }),
                Err(err) => Err(classify(err)),
            }
        })
    }
}

/// Sorts an SDK error into what the engine does next.
fn classify(err: SdkError<RecordActivityTaskHeartbeatError, HttpResponse>) -> HeartbeatError {
    let text = describe(&err);
    match crate::sdk_errors::classify(&err) {
        ErrorClass::Gone => HeartbeatError::TaskGone(text),
        ErrorClass::NotPermitted => HeartbeatError::NotPermitted(text),
        ErrorClass::Throttled => HeartbeatError::Throttled(text),
        // Anything else may pass: the engine retries within the task's heartbeat deadline.
        ErrorClass::Transient | ErrorClass::Permanent => HeartbeatError::Transient(text),
    }
}
