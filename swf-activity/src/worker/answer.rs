//! The one answer every task gets, and how it is delivered.

use std::time::Duration;

use aws_sdk_swf::Client;

use crate::backoff::Backoff;
use crate::error::ActivityError;
use crate::limits::{
    FAILURE_DETAILS_MAX_CHARS, FAILURE_REASON_MAX_CHARS, RESULT_MAX_CHARS, truncate_to_chars,
};
use crate::metrics::{self, TaskLabels};
use crate::sdk_errors::{ErrorClass, classify, describe};
use crate::task::token_fingerprint;

/// What the worker answers for one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// RespondActivityTaskCompleted.
    Completed { result: Option<String> },
    /// RespondActivityTaskFailed.
    Failed {
        reason: String,
        details: Option<String>,
    },
    /// RespondActivityTaskCanceled.
    Canceled { details: Option<String> },
}

impl Answer {
    /// A failure, cut to SWF's limits.
    pub(crate) fn failed(reason: &str, details: Option<&str>) -> Answer {
        Answer::Failed {
            reason: truncate_to_chars(reason, FAILURE_REASON_MAX_CHARS),
            details: details.map(|d| truncate_to_chars(d, FAILURE_DETAILS_MAX_CHARS)),
        }
    }

    /// The answer for what an activity returned.
    pub(crate) fn from_result(result: Result<Option<String>, ActivityError>) -> Answer {
        match result {
            Ok(Some(result)) => {
                let chars = result.chars().count();
                if chars > RESULT_MAX_CHARS {
                    Answer::failed(
                        &format!(
                            "result too large: {chars} characters, over SWF's limit of {RESULT_MAX_CHARS}"
                        ),
                        Some(
                            "return a smaller result, for example a reference to where the data is stored",
                        ),
                    )
                } else {
                    Answer::Completed {
                        result: Some(result),
                    }
                }
            }
            Ok(None) => Answer::Completed { result: None },
            Err(err) if err.is_canceled() => Answer::Canceled {
                details: err
                    .details()
                    .map(|d| truncate_to_chars(d, FAILURE_DETAILS_MAX_CHARS)),
            },
            Err(err) => Answer::failed(err.reason().unwrap_or("failed"), err.details()),
        }
    }

    /// A word for logs: completed, failed or canceled.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Answer::Completed { .. } => "completed",
            Answer::Failed { .. } => "failed",
            Answer::Canceled { .. } => "canceled",
        }
    }

    fn operation(&self) -> &'static str {
        match self {
            Answer::Completed { .. } => "RespondActivityTaskCompleted",
            Answer::Failed { .. } => "RespondActivityTaskFailed",
            Answer::Canceled { .. } => "RespondActivityTaskCanceled",
        }
    }
}

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
pub(crate) async fn deliver(
    client: &Client,
    task_token: &str,
    answer: &Answer,
    labels: &TaskLabels,
) -> Delivery {
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
                metrics::answer_retried(labels);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::TRUNCATION_MARKER;

    #[test]
    fn oversized_results_fail_with_size_and_limit() {
        let answer = Answer::from_result(Ok(Some("x".repeat(RESULT_MAX_CHARS + 1))));
        let Answer::Failed { reason, .. } = answer else {
            panic!("expected a failure, got {answer:?}");
        };
        assert!(reason.contains("32769"), "{reason}");
        assert!(reason.contains("32768"), "{reason}");
    }

    #[test]
    fn long_reasons_and_details_are_cut_with_a_marker() {
        let err = ActivityError::failed("r".repeat(1000)).with_details(&"d".repeat(40_000));
        let Answer::Failed { reason, details } = Answer::from_result(Err(err)) else {
            panic!("expected a failure");
        };
        assert_eq!(reason.chars().count(), FAILURE_REASON_MAX_CHARS);
        assert!(reason.ends_with(TRUNCATION_MARKER));
        assert_eq!(
            details.map(|d| d.chars().count()),
            Some(FAILURE_DETAILS_MAX_CHARS)
        );
    }

    #[test]
    fn canceled_errors_answer_canceled_with_details() {
        let answer = Answer::from_result(Err(ActivityError::canceled().with_details("3 of 10")));
        assert_eq!(
            answer,
            Answer::Canceled {
                details: Some("3 of 10".to_owned())
            }
        );
    }
}
