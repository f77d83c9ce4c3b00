//! The one answer every task gets, and how the worker delivers it.

use std::time::Duration;

use aws_sdk_swf::Client;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::heartbeat::TaskHeartbeat;
use crate::metrics::{self, TaskLabels};
use crate::respond::{self, Call, Interruption, RetryWindow, Sent, send_with_retries};
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
    /// Nothing was sent: the activity handed its task token over, and another system answers.
    CompletesElsewhere,
}

/// How long one answer attempt may take before it is abandoned and retried.
pub const ANSWER_ATTEMPT_TIMEOUT: Duration = respond::ATTEMPT_TIMEOUT;

/// Sends `answer` with `client` (whose own retries are off), retrying throttling and transient
/// errors with capped exponential backoff and jitter, each attempt bounded by
/// [`ANSWER_ATTEMPT_TIMEOUT`], for as long as SWF can still take it: until the task's
/// start-to-close or heartbeat deadline (plus the margin), UnknownResourceFault or a forced
/// shutdown (which gets one last attempt). While a failed answer waits for its retry, keep-alive
/// heartbeats hold the task open. An answer left to another system sends nothing.
pub(crate) async fn deliver(
    client: &Client,
    task_token: &str,
    answer: &Answer,
    heartbeat: &TaskHeartbeat,
    forced: watch::Receiver<bool>,
    labels: &TaskLabels,
) -> Delivery {
    let Some(call) = Call::answer(answer) else {
        return Delivery::CompletesElsewhere;
    };
    let mut window = TaskWindow {
        heartbeat,
        forced,
        labels,
    };
    let sent = send_with_retries(client, task_token, call, &mut window).await;
    let operation = call.operation();
    match sent {
        Sent::Accepted {
            after_lost_response,
            ..
        } => Delivery::Delivered {
            after_lost_response,
        },
        Sent::Gone => {
            tracing::warn!(
                operation,
                token = %token_fingerprint(task_token),
                "task was already gone (timed out or closed elsewhere); nothing more is sent for it"
            );
            Delivery::TaskGone
        }
        Sent::Refused { message, .. } => {
            tracing::error!(
                operation,
                token = %token_fingerprint(task_token),
                error = %message,
                "SWF refused the answer; SWF will time the task out"
            );
            Delivery::Undelivered
        }
        Sent::GaveUp {
            attempts,
            message,
            why,
        } => {
            tracing::error!(
                operation,
                token = %token_fingerprint(task_token),
                attempts,
                error = %message,
                "could not answer the task: {why}; SWF times it out and the decider may schedule it again"
            );
            Delivery::Undelivered
        }
    }
}

/// A task's answer may be retried while SWF can still take it; keep-alives hold the task meanwhile.
struct TaskWindow<'a> {
    heartbeat: &'a TaskHeartbeat,
    forced: watch::Receiver<bool>,
    labels: &'a TaskLabels,
}

const FORCED: &str = "the worker was forced to stop";

impl RetryWindow for TaskWindow<'_> {
    fn attempting(&mut self, attempt: u32) {
        self.heartbeat.answering(true);
        metrics::answer_attempted(self.labels, attempt);
    }

    fn retry_waits(&mut self) {
        self.heartbeat.answering(false);
    }

    fn last_attempt_only(&self) -> Option<&'static str> {
        // A forced shutdown leaves time for one attempt.
        (*self.forced.borrow()).then_some(FORCED)
    }

    fn closed(&self) -> Option<String> {
        self.heartbeat
            .unanswerable()
            .map(|reason| format!("SWF no longer accepts an answer ({reason})"))
    }

    fn deadline(&self) -> Option<Instant> {
        self.heartbeat.answer_deadline()
    }

    async fn interrupted(&mut self) -> Interruption {
        tokio::select! {
            _ = self.forced.wait_for(|forced| *forced) => Interruption::LastAttempt(FORCED),
            reason = self.heartbeat.until_unanswerable() => {
                Interruption::Closed(format!("SWF no longer accepts an answer ({reason})"))
            }
        }
    }
}
