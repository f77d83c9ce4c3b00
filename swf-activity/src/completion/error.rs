//! [`CompletionError`]: why a [`CompletionClient`](super::CompletionClient) call did not land.

use std::time::Duration;

use crate::codec::CodecError;
use crate::limits::HEARTBEAT_DETAILS_MAX_CHARS;
use crate::outcome::ResultTooLarge;

/// Why a [`CompletionClient`](super::CompletionClient) call did not land. Tokens appear only as
/// their fingerprint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompletionError {
    /// UnknownResourceFault: the task is already closed (answered, canceled, or its workflow
    /// closed) or timed out. SWF accepts nothing more for it; do not retry.
    #[error(
        "{operation} for task {token}: the task is gone (already closed or timed out); \
         SWF accepts nothing more for it, so do not retry"
    )]
    TaskGone {
        /// The SWF operation.
        operation: &'static str,
        /// The token's fingerprint.
        token: String,
    },
    /// OperationNotPermittedFault: the caller's credentials may not answer tasks in this domain.
    #[error(
        "{operation} for task {token} is not permitted: {message}; \
         grant the caller's IAM identity this action on the domain"
    )]
    NotPermitted {
        /// The SWF operation.
        operation: &'static str,
        /// The token's fingerprint.
        token: String,
        /// SWF's message.
        message: String,
    },
    /// The result is over SWF's 32,768-character limit. Nothing was sent: the caller still has
    /// the result, and the task is still open.
    #[error("{0}; nothing was sent and the task is still open")]
    ResultTooLarge(#[from] ResultTooLarge),
    /// Heartbeat details over SWF's 2048-character limit. Nothing was sent.
    #[error(
        "heartbeat details too long: {chars} characters, over SWF's limit of \
         {HEARTBEAT_DETAILS_MAX_CHARS}; nothing was sent: report less"
    )]
    DetailsTooLong {
        /// The details' length in characters.
        chars: usize,
    },
    /// Over SWF's limit once the [payload codec](super::CompletionClient::payload_codec) encoded
    /// it (the limit applies to what is sent). Nothing was sent: the caller still has the payload,
    /// and the task is still open.
    #[error(
        "{payload} too large after encoding: {chars} characters ({plain_chars} before the payload \
         codec), over SWF's limit of {limit}; nothing was sent and the task is still open: send \
         less, or store the payload elsewhere and send a reference (a claim-check codec)"
    )]
    TooLargeAfterEncoding {
        /// What was encoded: `result`, `failure details`, `cancellation details` or
        /// `heartbeat details`.
        payload: &'static str,
        /// The encoded payload's length in characters.
        chars: usize,
        /// Its length before encoding.
        plain_chars: usize,
        /// SWF's limit for it.
        limit: usize,
    },
    /// The [payload codec](super::CompletionClient::payload_codec) could not encode the result or
    /// details (a claim-check store out of reach, say). Nothing was sent: the caller still has
    /// the payload, and the task is still open.
    #[error(
        "the payload codec could not encode the {payload}: {source}; nothing was sent and the \
         task is still open: fix what the codec needs and call again"
    )]
    Unencodable {
        /// What was to be encoded: `result`, `failure details`, `cancellation details` or
        /// `heartbeat details`.
        payload: &'static str,
        /// The codec's error.
        #[source]
        source: CodecError,
    },
    /// The result could not be encoded as JSON. Nothing was sent.
    #[error("the result could not be encoded as JSON: {0}; nothing was sent")]
    Encode(#[source] serde_json::Error),
    /// The token is empty or longer than SWF's tokens (1 to 1024 characters): it was cut or
    /// mixed up on its way here. Nothing was sent.
    #[error(
        "not a task token: {chars} characters, SWF's have 1 to 1024; \
         check how the token was stored and read back"
    )]
    InvalidToken {
        /// The token's length in characters.
        chars: usize,
    },
    /// SWF refused the call and trying again will not help (for example a ValidationException).
    #[error("SWF refused {operation} for task {token}: {message}")]
    Refused {
        /// The SWF operation.
        operation: &'static str,
        /// The token's fingerprint.
        token: String,
        /// SWF's message.
        message: String,
    },
    /// Throttling or transient errors lasted through the client's retry period. The task is
    /// still open until its timeouts: the call may be tried again later.
    #[error(
        "{operation} for task {token} failed {attempts} times within the retry period of \
         {retry_period:?} ({why}); last error: {message}; the task stays open until its \
         timeouts, so try again later or lengthen the retry period"
    )]
    RetriesExhausted {
        /// The SWF operation.
        operation: &'static str,
        /// The token's fingerprint.
        token: String,
        /// Attempts made.
        attempts: u32,
        /// The client's retry period.
        retry_period: Duration,
        /// Why retries stopped.
        why: String,
        /// The last error.
        message: String,
    },
}

impl CompletionError {
    /// Whether the task is gone (already closed or timed out), so nothing more can be sent for it.
    pub fn is_task_gone(&self) -> bool {
        matches!(self, CompletionError::TaskGone { .. })
    }
}
