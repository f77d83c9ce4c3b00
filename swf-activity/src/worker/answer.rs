//! The one answer every task gets, and how it is delivered.

use std::time::Duration;

use aws_sdk_swf::Client;

use crate::backoff::Backoff;
use crate::sdk_errors::{ErrorClass, classify, describe};
use crate::task::token_fingerprint;

/// What the worker answers for one task.
pub(crate) use crate::outcome::ActivityOutcome as Answer;

/// What became of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// SWF took it.
    Delivered,
    /// SWF said the task is gone: it timed out or was closed elsewhere.
    TaskGone,
    /// It could not be delivered; the reason is logged.
    Undelivered,
}

const ATTEMPTS: u32 = 6;

/// Sends `answer`, retrying throttling and transient errors with backoff.
pub(crate) async fn deliver(client: &Client, task_token: &str, answer: &Answer) -> Delivery {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    for attempt in 1..=ATTEMPTS {
        let (class, message) = match send(client, task_token, answer).await {
            Ok(()) => return Delivery::Delivered,
            Err(failure) => failure,
        };
        match class {
            ErrorClass::Gone => {
                tracing::warn!(
                    operation = answer.operation(),
                    token = %token_fingerprint(task_token),
                    "task was already gone (timed out or closed elsewhere); nothing more is sent for it"
                );
                return Delivery::TaskGone;
            }
            class if class.is_retryable() && attempt < ATTEMPTS => {
                tracing::debug!(operation = answer.operation(), attempt, error = %message, "answer failed, retrying");
                tokio::time::sleep(backoff.next_delay()).await;
            }
            _ => {
                tracing::error!(
                    operation = answer.operation(),
                    token = %token_fingerprint(task_token),
                    error = %message,
                    "could not answer the task; SWF will time it out"
                );
                return Delivery::Undelivered;
            }
        }
    }
    Delivery::Undelivered
}

async fn send(
    client: &Client,
    task_token: &str,
    answer: &Answer,
) -> Result<(), (ErrorClass, String)> {
    match answer {
        Answer::Completed { result } => client
            .respond_activity_task_completed()
            .task_token(task_token)
            .set_result(result.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| (classify(&e), describe(&e))),
        Answer::Failed { reason, details } => client
            .respond_activity_task_failed()
            .task_token(task_token)
            .reason(reason)
            .set_details(details.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| (classify(&e), describe(&e))),
        Answer::Canceled { details } => client
            .respond_activity_task_canceled()
            .task_token(task_token)
            .set_details(details.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| (classify(&e), describe(&e))),
    }
}
