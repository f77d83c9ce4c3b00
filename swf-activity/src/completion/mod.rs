//! Answering a task from another process, by its token: Flow's `ManualActivityCompletionClient`,
//! Temporal's async completion.
//!
//! An activity that another system finishes (an approval, a webhook, an AWS Batch or EMR job)
//! hands its [`TaskToken`] over ([`Progress::task_token`](crate::Progress::task_token)) and
//! returns [`ActivityError::completes_elsewhere`](crate::ActivityError::completes_elsewhere): the
//! worker sends no answer, stops the task's heartbeats and frees its slot. Later, anywhere, a
//! [`CompletionClient`] completes, fails, cancels or heartbeats the task by that token, with the
//! same limits, truncation and retries as the worker's own answers:
//!
//! | call | SWF operation | limits |
//! |---|---|---|
//! | [`complete`](CompletionClient::complete), [`complete_raw`](CompletionClient::complete_raw) | RespondActivityTaskCompleted | a result over 32,768 characters is refused before sending ([`CompletionError::ResultTooLarge`]) |
//! | [`fail`](CompletionClient::fail) | RespondActivityTaskFailed | reason cut to 256 characters, details to 32,768, ending with [`TRUNCATION_MARKER`](crate::limits::TRUNCATION_MARKER) |
//! | [`cancel`](CompletionClient::cancel) | RespondActivityTaskCanceled | details cut to 32,768 characters |
//! | [`heartbeat`](CompletionClient::heartbeat) | RecordActivityTaskHeartbeat | details over 2048 characters refused ([`CompletionError::DetailsTooLong`]) |
//!
//! Throttling and transient errors are retried with capped exponential backoff and jitter for up
//! to [`retry_period`](CompletionClient::retry_period) ([`DEFAULT_RETRY_PERIOD`]); the
//! task's own timeouts still apply: a task nobody answers (or heartbeats, if it has a heartbeat
//! timeout) times out as any other.
//!
//! ```no_run
//! use swf_activity::completion::CompletionClient;
//! use swf_activity::task::TaskToken;
//!
//! # async fn approve(token_from_the_queue: String) -> Result<(), Box<dyn std::error::Error>> {
//! let config = aws_config::load_from_env().await;
//! let completion = CompletionClient::from_sdk_config(&config);
//! let token = TaskToken::new(token_from_the_queue);
//! if completion.heartbeat(&token, Some("reviewing")).await?.cancel_requested {
//!     completion.cancel(&token, Some("withdrawn before review")).await?;
//!     return Ok(());
//! }
//! match completion.complete(&token, &serde_json::json!({"approved_by": "ada"})).await {
//!     Ok(()) => {}
//!     Err(err) if err.is_task_gone() => eprintln!("too late: {err}"),
//!     Err(err) => return Err(err.into()),
//! }
//! # Ok(()) }
//! ```

mod error;

use std::time::Duration;

use aws_sdk_swf::Client;
use serde::Serialize;
use tokio::time::Instant;

pub use self::error::CompletionError;
use crate::limits::HEARTBEAT_DETAILS_MAX_CHARS;
use crate::outcome::ActivityOutcome;
use crate::respond::{Call, RetryWindow, Sent, send_with_retries};
use crate::sdk_errors::ErrorClass;
use crate::task::TaskToken;

/// How long a [`CompletionClient`] retries a call by default.
pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(60);
/// Most characters in a task token.
const TASK_TOKEN_MAX_CHARS: usize = 1024;

/// Answers or heartbeats activity tasks by token, without a worker. Cheap to clone.
#[derive(Clone, Debug)]
pub struct CompletionClient {
    client: Client,
    retry_period: Duration,
}

/// SWF's answer to [`CompletionClient::heartbeat`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeartbeatReply {
    /// The decider asked to cancel the task (RequestCancelActivityTask): stop the work and
    /// answer with [`CompletionClient::cancel`] (or complete it anyway).
    pub cancel_requested: bool,
}

impl CompletionClient {
    /// A client using `client`'s configuration (region, credentials, endpoint), with the SDK's own
    /// retries turned off: this client retries by its own rules.
    pub fn new(client: &Client) -> Self {
        let client = Client::from_conf(
            client
                .config()
                .to_builder()
                .retry_config(aws_sdk_swf::config::retry::RetryConfig::disabled())
                .build(),
        );
        CompletionClient {
            client,
            retry_period: DEFAULT_RETRY_PERIOD,
        }
    }

    /// A client from a loaded AWS configuration (`aws_config::load_from_env().await`).
    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        CompletionClient::new(&Client::new(config))
    }

    /// How long a call is retried after throttling or transient errors before it fails with
    /// [`CompletionError::RetriesExhausted`] (default [`DEFAULT_RETRY_PERIOD`], 60 s). Each
    /// attempt is bounded by 10 s on its own.
    #[must_use]
    pub fn retry_period(mut self, period: Duration) -> Self {
        self.retry_period = period;
        self
    }

    /// Completes the task with `result` encoded as JSON, as an activity's return value is (a
    /// value that encodes as JSON `null` sends an empty result). A result over 32,768 characters
    /// is refused before sending ([`CompletionError::ResultTooLarge`]).
    pub async fn complete<T: Serialize + ?Sized>(
        &self,
        token: &TaskToken,
        result: &T,
    ) -> Result<(), CompletionError> {
        let json = serde_json::to_string(result).map_err(CompletionError::Encode)?;
        let result = (json != "null").then_some(json);
        self.complete_raw(token, result.as_deref()).await
    }

    /// Completes the task with `result` as it is (`None`: an empty result). A result over 32,768
    /// characters is refused before sending ([`CompletionError::ResultTooLarge`]).
    pub async fn complete_raw(
        &self,
        token: &TaskToken,
        result: Option<&str>,
    ) -> Result<(), CompletionError> {
        let outcome = ActivityOutcome::completed(result.map(str::to_owned))?;
        self.answer(token, &outcome).await
    }

    /// Fails the task. A reason over 256 characters and details over 32,768 are cut, ending with
    /// [`TRUNCATION_MARKER`](crate::limits::TRUNCATION_MARKER), as the worker cuts its own.
    pub async fn fail(
        &self,
        token: &TaskToken,
        reason: &str,
        details: Option<&str>,
    ) -> Result<(), CompletionError> {
        self.answer(token, &ActivityOutcome::failed(reason, details))
            .await
    }

    /// Answers that the task accepted a cancellation. Details over 32,768 characters are cut.
    pub async fn cancel(
        &self,
        token: &TaskToken,
        details: Option<&str>,
    ) -> Result<(), CompletionError> {
        self.answer(token, &ActivityOutcome::canceled(details))
            .await
    }

    /// Records a heartbeat for the task, keeping it alive through its heartbeat timeout, and says
    /// whether the decider asked to cancel it. Details over 2048 characters are refused before
    /// sending ([`CompletionError::DetailsTooLong`]).
    pub async fn heartbeat(
        &self,
        token: &TaskToken,
        details: Option<&str>,
    ) -> Result<HeartbeatReply, CompletionError> {
        if let Some(chars) = details
            .map(|d| d.chars().count())
            .filter(|chars| *chars > HEARTBEAT_DETAILS_MAX_CHARS)
        {
            return Err(CompletionError::DetailsTooLong { chars });
        }
        let cancel_requested = self.send(token, Call::Heartbeat { details }).await?;
        Ok(HeartbeatReply { cancel_requested })
    }

    async fn answer(
        &self,
        token: &TaskToken,
        outcome: &ActivityOutcome,
    ) -> Result<(), CompletionError> {
        match Call::answer(outcome) {
            Some(call) => self.send(token, call).await.map(drop),
            None => Ok(()),
        }
    }

    /// Sends `call`, retrying within the retry period; `Ok(true)` when a heartbeat's answer
    /// requests cancellation.
    async fn send(&self, token: &TaskToken, call: Call<'_>) -> Result<bool, CompletionError> {
        let chars = token.as_str().chars().count();
        if chars == 0 || chars > TASK_TOKEN_MAX_CHARS {
            return Err(CompletionError::InvalidToken { chars });
        }
        let mut window = ClientWindow {
            deadline: Instant::now() + self.retry_period,
        };
        let sent = send_with_retries(&self.client, token.as_str(), call, &mut window).await;
        let operation = call.operation();
        let token = token.fingerprint();
        match sent {
            Sent::Accepted {
                cancel_requested, ..
            } => Ok(cancel_requested),
            Sent::Gone => Err(CompletionError::TaskGone { operation, token }),
            Sent::Refused {
                class: ErrorClass::NotPermitted,
                message,
            } => Err(CompletionError::NotPermitted {
                operation,
                token,
                message,
            }),
            Sent::Refused { message, .. } => Err(CompletionError::Refused {
                operation,
                token,
                message,
            }),
            Sent::GaveUp {
                attempts,
                message,
                why,
            } => Err(CompletionError::RetriesExhausted {
                operation,
                token,
                attempts,
                retry_period: self.retry_period,
                why,
                message,
            }),
        }
    }
}

/// A call outside a worker is retried until the client's retry period has passed.
struct ClientWindow {
    deadline: Instant,
}

impl RetryWindow for ClientWindow {
    fn attempting(&mut self, _attempt: u32) {}

    fn deadline(&self) -> Option<Instant> {
        Some(self.deadline)
    }
}
