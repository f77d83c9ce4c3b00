//! Sending an answer or a heartbeat for a task, by its token: the one retry loop the worker's
//! answers and the [`CompletionClient`](crate::completion::CompletionClient) share.
//!
//! Throttling and transient errors are retried with capped exponential backoff and jitter, each
//! attempt bounded by [`ATTEMPT_TIMEOUT`], while the caller's [`RetryWindow`] stays open. What
//! is sent is already within SWF's limits: [`ActivityOutcome`]'s constructors hold the one rule
//! for results, reasons and details.

use std::future::Future;
use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::http::HttpResponse;
use aws_sdk_swf::error::{ProvideErrorMetadata, SdkError};
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::outcome::ActivityOutcome;
use crate::sdk_errors::{ErrorClass, ModeledFaults, classify, describe, may_have_been_applied};

/// How long one attempt may take before it is abandoned and retried.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries back off from this delay...
const BACKOFF_BASE: Duration = Duration::from_millis(20);
/// ...up to this one.
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// One call about a task.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Call<'a> {
    /// RespondActivityTaskCompleted.
    Completed { result: Option<&'a str> },
    /// RespondActivityTaskFailed.
    Failed {
        reason: &'a str,
        details: Option<&'a str>,
    },
    /// RespondActivityTaskCanceled.
    Canceled { details: Option<&'a str> },
    /// RecordActivityTaskHeartbeat.
    Heartbeat { details: Option<&'a str> },
}

impl<'a> Call<'a> {
    /// The answer that sends `outcome`; `None` when nothing is sent for it.
    pub(crate) fn answer(outcome: &'a ActivityOutcome) -> Option<Call<'a>> {
        match outcome {
            ActivityOutcome::Completed { result } => Some(Call::Completed {
                result: result.as_deref(),
            }),
            ActivityOutcome::Failed { reason, details } => Some(Call::Failed {
                reason,
                details: details.as_deref(),
            }),
            ActivityOutcome::Canceled { details } => Some(Call::Canceled {
                details: details.as_deref(),
            }),
            ActivityOutcome::CompletesElsewhere => None,
        }
    }

    /// The SWF operation.
    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Call::Completed { .. } => "RespondActivityTaskCompleted",
            Call::Failed { .. } => "RespondActivityTaskFailed",
            Call::Canceled { .. } => "RespondActivityTaskCanceled",
            Call::Heartbeat { .. } => "RecordActivityTaskHeartbeat",
        }
    }

    /// Whether the call closes the task (every one but a heartbeat).
    fn closes_task(&self) -> bool {
        !matches!(self, Call::Heartbeat { .. })
    }
}

/// What became of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Sent {
    /// SWF took it. `cancel_requested`: a heartbeat's answer asked the task to stop.
    /// `after_lost_response`: a retry of an answer met UnknownResourceFault after an earlier
    /// attempt whose response was lost, so that attempt was applied.
    Accepted {
        cancel_requested: bool,
        after_lost_response: bool,
    },
    /// UnknownResourceFault: the task is gone (timed out, or closed already).
    Gone,
    /// SWF refused it and trying again will not help.
    Refused { class: ErrorClass, message: String },
    /// Retries stopped, for `why`, after `attempts` attempts; `message` is the last error.
    GaveUp {
        attempts: u32,
        message: String,
        why: String,
    },
}

/// What interrupts the wait before a retry.
pub(crate) enum Interruption {
    /// One more attempt, then stop, for this reason.
    LastAttempt(&'static str),
    /// No attempt can succeed any more, for this reason.
    Closed(String),
}

/// How long, and while what holds, a call may be retried; the worker's window also keeps its
/// task alive meanwhile.
pub(crate) trait RetryWindow {
    /// Attempt number `attempt` (from 1) goes out now.
    fn attempting(&mut self, attempt: u32);
    /// The last attempt failed and a retry waits.
    fn retry_waits(&mut self) {}
    /// Why only one more attempt may go out, if that is so.
    fn last_attempt_only(&self) -> Option<&'static str> {
        None
    }
    /// Why no attempt can succeed any more, if that is certain.
    fn closed(&self) -> Option<String> {
        None
    }
    /// When retries stop.
    fn deadline(&self) -> Option<Instant>;
    /// Resolves when something interrupts the wait before a retry; never when nothing can.
    fn interrupted(&mut self) -> impl Future<Output = Interruption> + Send {
        std::future::pending()
    }
}

/// Sends `call` for `task_token` with `client` (whose own retries are off), retrying as
/// `window` allows.
pub(crate) async fn send_with_retries<W: RetryWindow>(
    client: &Client,
    task_token: &str,
    call: Call<'_>,
    window: &mut W,
) -> Sent {
    let mut backoff = Backoff::new(BACKOFF_BASE, BACKOFF_CAP);
    let mut maybe_applied = false;
    let mut last_attempt = window.last_attempt_only();
    let mut attempt = 0_u32;
    loop {
        attempt += 1;
        window.attempting(attempt);
        let failure =
            match tokio::time::timeout(ATTEMPT_TIMEOUT, send(client, task_token, call)).await {
                Ok(Ok(cancel_requested)) => {
                    return Sent::Accepted {
                        cancel_requested,
                        after_lost_response: false,
                    };
                }
                Ok(Err(failure)) => failure,
                Err(_) => Failure {
                    class: ErrorClass::Transient,
                    message: format!("no answer within {ATTEMPT_TIMEOUT:?}"),
                    may_have_been_applied: true,
                },
            };
        match failure.class {
            ErrorClass::Gone if maybe_applied && call.closes_task() => {
                tracing::debug!(
                    operation = call.operation(),
                    attempt,
                    "the task is gone after an attempt whose response was lost: that attempt was applied"
                );
                return Sent::Accepted {
                    cancel_requested: false,
                    after_lost_response: true,
                };
            }
            ErrorClass::Gone => return Sent::Gone,
            class if class.is_retryable() => maybe_applied |= failure.may_have_been_applied,
            class => {
                return Sent::Refused {
                    class,
                    message: failure.message,
                };
            }
        }
        let give_up = |why: String| Sent::GaveUp {
            attempts: attempt,
            message: failure.message.clone(),
            why,
        };
        if let Some(why) = last_attempt {
            return give_up(why.to_owned());
        }
        if let Some(why) = window.closed() {
            return give_up(why);
        }
        let now = Instant::now();
        let mut delay = backoff.next_delay();
        if let Some(deadline) = window.deadline() {
            if deadline <= now {
                return give_up("its retry deadline has passed".to_owned());
            }
            delay = delay.min(deadline - now);
        }
        tracing::debug!(
            operation = call.operation(),
            attempt,
            error = %failure.message,
            retry_in_ms = delay.as_millis() as u64,
            "call failed, retrying"
        );
        window.retry_waits();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            interruption = window.interrupted() => match interruption {
                Interruption::LastAttempt(why) => last_attempt = Some(why),
                Interruption::Closed(why) => return give_up(why),
            },
        }
        last_attempt = last_attempt.or(window.last_attempt_only());
    }
}

/// A failed attempt.
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

/// One attempt; `Ok(true)` when a heartbeat's answer requests cancellation.
async fn send(client: &Client, task_token: &str, call: Call<'_>) -> Result<bool, Failure> {
    match call {
        Call::Completed { result } => client
            .respond_activity_task_completed()
            .task_token(task_token)
            .set_result(result.map(str::to_owned))
            .send()
            .await
            .map(|_| false)
            .map_err(|e| Failure::from_sdk(&e)),
        Call::Failed { reason, details } => client
            .respond_activity_task_failed()
            .task_token(task_token)
            .reason(reason)
            .set_details(details.map(str::to_owned))
            .send()
            .await
            .map(|_| false)
            .map_err(|e| Failure::from_sdk(&e)),
        Call::Canceled { details } => client
            .respond_activity_task_canceled()
            .task_token(task_token)
            .set_details(details.map(str::to_owned))
            .send()
            .await
            .map(|_| false)
            .map_err(|e| Failure::from_sdk(&e)),
        Call::Heartbeat { details } => client
            .record_activity_task_heartbeat()
            .task_token(task_token)
            .set_details(details.map(str::to_owned))
            .send()
            .await
            .map(|answer| answer.cancel_requested())
            .map_err(|e| Failure::from_sdk(&e)),
    }
}
