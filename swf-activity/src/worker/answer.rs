//! The one answer every task gets, and how it is delivered.

use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::http::HttpResponse;
use aws_sdk_swf::error::{ProvideErrorMetadata, SdkError};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::heartbeat::TaskHeartbeat;
use crate::metrics::{self, TaskLabels};
use crate::sdk_errors::{ErrorClass, ModeledFaults, classify, describe, may_have_been_applied};
use crate::task::token_fingerprint;

/// What the worker answers for one task.
pub(crate) use crate::outcome::ActivityOutcome as Answer;

/// What became of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// SWF took it. `after_lost_response`: a retry met UnknownResourceFault after an earlier
    /// attempt whose response was lost, so that attempt was applied.
    Delivered { after_lost_response: bool },
    /// SWF said the task is gone: it timed out or was closed elsewhere.
    TaskGone,
    /// It could not be delivered; the reason is logged.
    Undelivered,
}

/// How long one answer attempt may take before it is abandoned and retried.
pub const ANSWER_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries of a failed answer back off from this delay...
const ANSWER_BACKOFF_BASE: Duration = Duration::from_millis(20);
/// ...up to this one.
const ANSWER_BACKOFF_CAP: Duration = Duration::from_secs(5);

/// Sends `answer` with `client` (whose own retries are off), retrying throttling and transient errors with capped exponential backoff and
/// jitter, each attempt bounded by [`ANSWER_ATTEMPT_TIMEOUT`], for as long as SWF can still take
/// it: until the task's start-to-close or heartbeat deadline (plus the margin), UnknownResourceFault
/// or a forced shutdown (which gets one last attempt). While a failed answer waits for its retry,
/// keep-alive heartbeats hold the task open.
pub(crate) async fn deliver(
    client: &Client,
    task_token: &str,
    answer: &Answer,
    heartbeat: &TaskHeartbeat,
    mut forced: watch::Receiver<bool>,
    labels: &TaskLabels,
) -> Delivery {
    let mut backoff = Backoff::new(ANSWER_BACKOFF_BASE, ANSWER_BACKOFF_CAP);
    let mut maybe_applied = false;
    // A forced shutdown leaves time for one attempt.
    let mut last_attempt = *forced.borrow();
    for attempt in 1_u32.. {
        heartbeat.answering(true);
        metrics::answer_attempted(labels, attempt);
        let attempted =
            tokio::time::timeout(ANSWER_ATTEMPT_TIMEOUT, send(client, task_token, answer)).await;
        let failure = match attempted {
            Ok(Ok(())) => {
                return Delivery::Delivered {
                    after_lost_response: false,
                };
            }
            Ok(Err(failure)) => failure,
            Err(_) => Failure {
                class: ErrorClass::Transient,
                message: format!("no answer within {ANSWER_ATTEMPT_TIMEOUT:?}"),
                may_have_been_applied: true,
            },
        };
        match failure.class {
            ErrorClass::Gone if maybe_applied => {
                tracing::debug!(
                    operation = answer.operation(),
                    attempt,
                    "the task is gone after an attempt whose response was lost: that attempt was applied"
                );
                return Delivery::Delivered {
                    after_lost_response: true,
                };
            }
            ErrorClass::Gone => {
                tracing::warn!(
                    operation = answer.operation(),
                    token = %token_fingerprint(task_token),
                    "task was already gone (timed out or closed elsewhere); nothing more is sent for it"
                );
                return Delivery::TaskGone;
            }
            class if class.is_retryable() => maybe_applied |= failure.may_have_been_applied,
            _ => {
                tracing::error!(
                    operation = answer.operation(),
                    token = %token_fingerprint(task_token),
                    error = %failure.message,
                    "SWF refused the answer; SWF will time the task out"
                );
                return Delivery::Undelivered;
            }
        }
        let give_up = |why: &str| {
            tracing::error!(
                operation = answer.operation(),
                token = %token_fingerprint(task_token),
                attempts = attempt,
                error = %failure.message,
                "could not answer the task: {why}; SWF times it out and the decider may schedule it again"
            );
            Delivery::Undelivered
        };
        if last_attempt {
            return give_up("the worker was forced to stop");
        }
        if let Some(reason) = heartbeat.unanswerable() {
            return give_up(&format!("SWF no longer accepts an answer ({reason})"));
        }
        let now = Instant::now();
        let mut delay = backoff.next_delay();
        if let Some(deadline) = heartbeat.answer_deadline() {
            if deadline <= now {
                return give_up("its deadline has passed");
            }
            delay = delay.min(deadline - now);
        }
        tracing::debug!(
            operation = answer.operation(),
            attempt,
            error = %failure.message,
            retry_in_ms = delay.as_millis() as u64,
            "answer failed, retrying"
        );
        heartbeat.answering(false);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = forced.wait_for(|forced| *forced) => last_attempt = true,
            reason = heartbeat.until_unanswerable() => {
                return give_up(&format!("SWF no longer accepts an answer ({reason})"));
            }
        }
        if *forced.borrow() {
            last_attempt = true;
        }
    }
    Delivery::Undelivered
}

/// A failed answer attempt.
struct Failure {
    class: ErrorClass,
    message: String,
    may_have_been_applied: bool,
}

impl Failure {
    fn from_sdk<E>(err: &SdkError<E, HttpResponse>) -> Failure
    where
        E: ProvideErrorMetadata + ModeledFaults + std::error::Error + 'static,
    {
        Failure {
            class: classify(err),
            message: describe(err),
            may_have_been_applied: may_have_been_applied(err),
        }
    }
}

async fn send(client: &Client, task_token: &str, answer: &Answer) -> Result<(), Failure> {
    match answer {
        Answer::Completed { result } => client
            .respond_activity_task_completed()
            .task_token(task_token)
            .set_result(result.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| Failure::from_sdk(&e)),
        Answer::Failed { reason, details } => client
            .respond_activity_task_failed()
            .task_token(task_token)
            .reason(reason)
            .set_details(details.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| Failure::from_sdk(&e)),
        Answer::Canceled { details } => client
            .respond_activity_task_canceled()
            .task_token(task_token)
            .set_details(details.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| Failure::from_sdk(&e)),
    }
}
