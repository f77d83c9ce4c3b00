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
//! With a [`payload_codec`](CompletionClient::payload_codec) the client encodes results and
//! details as the worker with that codec does, and the limits above apply to what is sent, that
//! is after encoding; the failure reason is never encoded.
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

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::Client;
use serde::Serialize;
use tokio::time::Instant;

pub use self::error::CompletionError;
use crate::codec::{EncodeRefusal, PayloadCodec, encode_within};
use crate::limits::{FAILURE_DETAILS_MAX_CHARS, HEARTBEAT_DETAILS_MAX_CHARS, RESULT_MAX_CHARS};
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
    payload_codec: Option<Arc<dyn PayloadCodec>>,
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
            payload_codec: None,
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

    /// Encodes what the client sends with `codec`, as a worker with
    /// [`WorkerBuilder::payload_codec`](crate::worker::WorkerBuilder::payload_codec) does: the
    /// result, failure and cancellation details, heartbeat details (never the failure reason).
    /// Give it the codec the worker that handed the token over uses, so the decider decodes the
    /// result as any other (share one instance through an `Arc`, or build two alike).
    ///
    /// SWF's limits apply to the encoded payload. Where the worker answers anyway (failing the
    /// task, or sending without the details), the client sends nothing and returns the typed
    /// error, so the caller still has the payload:
    /// [`TooLargeAfterEncoding`](CompletionError::TooLargeAfterEncoding) (both sizes and the
    /// limit) or [`Unencodable`](CompletionError::Unencodable) (the codec's error). A codec that
    /// hangs holds the call; dropping its future (e.g. with `tokio::time::timeout`) sends nothing.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use swf_activity::codec::GzipCodec;
    /// use swf_activity::completion::CompletionClient;
    /// use swf_activity::task::TaskToken;
    /// use swf_activity::worker::Worker;
    /// # use swf_activity::{activity, ActivityError};
    /// # /// Hands its token over.
    /// # #[activity(version = "1", start_to_close_timeout = "1h")]
    /// # async fn review() -> Result<(), ActivityError> { Err(ActivityError::completes_elsewhere()) }
    ///
    /// # async fn example(client: aws_sdk_swf::Client, token: TaskToken) -> Result<(), Box<dyn std::error::Error>> {
    /// let codec = Arc::new(GzipCodec::new());
    /// let worker = Worker::builder(client.clone())
    ///     .domain("approvals")
    ///     .task_list("reviews")
    ///     .payload_codec(Arc::clone(&codec))
    ///     .activity(review)
    ///     .build()?;
    /// // Elsewhere, with the token the activity handed over:
    /// let completion = CompletionClient::new(&client).payload_codec(codec);
    /// completion.complete(&token, &serde_json::json!({"approved_by": "ada"})).await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn payload_codec(mut self, codec: impl PayloadCodec) -> Self {
        self.payload_codec = Some(Arc::new(codec));
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
        check_token(token)?;
        let result = self
            .encoded("result", result.map(str::to_owned), RESULT_MAX_CHARS)
            .await?;
        let outcome = ActivityOutcome::completed(result)?;
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
        self.answer_with_details(
            token,
            ActivityOutcome::failed(reason, details),
            "failure details",
        )
        .await
    }

    /// Answers that the task accepted a cancellation. Details over 32,768 characters are cut.
    pub async fn cancel(
        &self,
        token: &TaskToken,
        details: Option<&str>,
    ) -> Result<(), CompletionError> {
        self.answer_with_details(
            token,
            ActivityOutcome::canceled(details),
            "cancellation details",
        )
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
        check_token(token)?;
        let details = self
            .encoded(
                "heartbeat details",
                details.map(str::to_owned),
                HEARTBEAT_DETAILS_MAX_CHARS,
            )
            .await?;
        let details = details.as_deref();
        let cancel_requested = self.send(token, Call::Heartbeat { details }).await?;
        Ok(HeartbeatReply { cancel_requested })
    }

    /// `payload` as it is sent: encoded with the payload codec, if there is one, and within
    /// `limit` characters once encoded.
    async fn encoded(
        &self,
        what: &'static str,
        payload: Option<String>,
        limit: usize,
    ) -> Result<Option<String>, CompletionError> {
        let (Some(codec), Some(plain)) = (self.payload_codec.as_deref(), payload.as_deref()) else {
            return Ok(payload);
        };
        match encode_within(codec, plain, limit).await {
            Ok(encoded) => Ok(Some(encoded)),
            Err(EncodeRefusal::TooLong { chars, plain_chars }) => {
                Err(CompletionError::TooLargeAfterEncoding {
                    payload: what,
                    chars,
                    plain_chars,
                    limit,
                })
            }
            Err(EncodeRefusal::Failed(source)) => Err(CompletionError::Unencodable {
                payload: what,
                source,
            }),
        }
    }

    /// Sends `outcome` (already cut to SWF's limits) with its failure or cancellation details
    /// encoded as `what`.
    async fn answer_with_details(
        &self,
        token: &TaskToken,
        mut outcome: ActivityOutcome,
        what: &'static str,
    ) -> Result<(), CompletionError> {
        check_token(token)?;
        if let ActivityOutcome::Failed { details, .. } | ActivityOutcome::Canceled { details } =
            &mut outcome
        {
            *details = self
                .encoded(what, details.take(), FAILURE_DETAILS_MAX_CHARS)
                .await?;
        }
        self.answer(token, &outcome).await
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

    /// Sends `call` for a token already checked, retrying within the retry period; `Ok(true)` when
    /// a heartbeat's answer requests cancellation.
    async fn send(&self, token: &TaskToken, call: Call<'_>) -> Result<bool, CompletionError> {
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

/// Refuses a token SWF cannot have issued, before anything is encoded (a claim-check codec would
/// store a payload nobody can refer to) or sent.
fn check_token(token: &TaskToken) -> Result<(), CompletionError> {
    let chars = token.as_str().chars().count();
    if chars == 0 || chars > TASK_TOKEN_MAX_CHARS {
        return Err(CompletionError::InvalidToken { chars });
    }
    Ok(())
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
