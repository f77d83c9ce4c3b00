//! Payload codecs: what the worker and the decider do to inputs, results and details between
//! the activity's JSON and what SWF keeps in the workflow history.
//!
//! SWF takes at most 32,768 characters of input, result or failure details and 2,048 of
//! heartbeat details, and keeps all of them in the history for anyone allowed to read it. A
//! [`PayloadCodec`] sits between the two, like AWS Flow for Java's `DataConverter` or Temporal's
//! `PayloadCodec`: compression ([`GzipCodec`], feature `gzip`), the claim-check pattern (the
//! payload goes to a store such as S3, the history keeps only its key), encryption. Chain two
//! with [`CodecChain`].
//!
//! | where | what the codec does |
//! |---|---|
//! | [`WorkerBuilder::payload_codec`](crate::worker::WorkerBuilder::payload_codec) | decodes each task's input before the activity sees it; encodes its result, its failure or cancellation details, and its heartbeat details before they are sent |
//! | [`ScheduleActivity::encoded_decision`](crate::decider::ScheduleActivity::encoded_decision) | encodes the input the decider schedules |
//! | [`ActivityHistory::decoded_outcome`](crate::decider::ActivityHistory::decoded_outcome), [`HeartbeatDetails::decoded`](crate::decider::HeartbeatDetails::decoded) | decodes the results and details the decider reads |
//! | [`ActivityEnvironment::payload_codec`](crate::testing::ActivityEnvironment::payload_codec) | the same as the worker, in tests |
//!
//! # What the worker answers
//!
//! SWF's limits apply to what is sent, that is after encoding.
//!
//! | case | the answer |
//! |---|---|
//! | the input does not decode | RespondActivityTaskFailed, reason `undecodable input: ` and the codec's error; the activity does not run |
//! | the result does not encode | RespondActivityTaskFailed, reason `unencodable result: ` and the codec's error |
//! | the encoded result is over 32,768 characters | RespondActivityTaskFailed, reason `result too large after encoding`, giving both sizes and the limit |
//! | failure or cancellation details that do not encode (within [`DETAILS_ENCODE_TIMEOUT`], 10 s), or are over 32,768 characters encoded | the answer goes out with its reason and without details; a warning says why |
//! | heartbeat details that do not encode, or are over 2,048 characters encoded | the heartbeat goes out without details, so the task stays alive and cancellations still arrive; a warning says why |
//!
//! Decoding the input and encoding the result run in the activity's own tokio task: a codec
//! that hangs (an unreachable store) is stopped like an activity that hangs, by the shutdown
//! graces or once SWF no longer takes an answer. A codec that panics fails the task as a
//! panicking activity does.
//!
//! Failure reasons (at most 256 characters) are never encoded: they are what the SWF console
//! shows and what a decider matches on. [`Progress::report`](crate::Progress::report) stays
//! cheap and synchronous: it checks the plain details against 2,048 characters, and the codec
//! runs where the heartbeat is sent ([`EncodingTransport`]).
//!
//! # Writing a codec
//!
//! A claim-check codec against an in-memory store (`examples/claim_check.rs` runs one against a
//! local SWF endpoint):
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Mutex;
//! use futures::future::BoxFuture;
//! use swf_activity::codec::{CodecError, PayloadCodec};
//!
//! /// Keeps payloads in a map (S3 in production); the history holds `claim:<key>`.
//! #[derive(Default)]
//! struct ClaimCheck {
//!     store: Mutex<HashMap<String, String>>,
//! }
//!
//! impl PayloadCodec for ClaimCheck {
//!     fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
//!         Box::pin(async move {
//!             let mut store = self.store.lock().map_err(|_| CodecError::failed("store poisoned"))?;
//!             let key = format!("payload-{}", store.len());
//!             store.insert(key.clone(), payload.to_owned());
//!             Ok(format!("claim:{key}"))
//!         })
//!     }
//!
//!     fn decode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
//!         Box::pin(async move {
//!             let key = payload
//!                 .strip_prefix("claim:")
//!                 .ok_or_else(|| CodecError::not_encoded("a claim-check reference", payload))?;
//!             let store = self.store.lock().map_err(|_| CodecError::failed("store poisoned"))?;
//!             store
//!                 .get(key)
//!                 .cloned()
//!                 .ok_or_else(|| CodecError::failed(format!("the store holds no payload {key}")))
//!         })
//!     }
//! }
//!
//! # futures::executor::block_on(async {
//! let codec = ClaimCheck::default();
//! let reference = codec.encode(&"x".repeat(100_000)).await.unwrap();
//! assert_eq!(reference, "claim:payload-0");
//! assert_eq!(codec.decode(&reference).await.unwrap().len(), 100_000);
//! # });
//! ```

mod answer;
mod chain;
mod error;
#[cfg(feature = "gzip")]
mod gzip;
mod heartbeat;

use futures::future::BoxFuture;

pub use answer::DETAILS_ENCODE_TIMEOUT;
pub(crate) use answer::{
    EncodeRefusal, decode_input, encode_details, encode_result, encode_within,
};
pub use chain::CodecChain;
pub use error::CodecError;
#[cfg(feature = "gzip")]
pub use gzip::{GZIP_MARKER, GzipCodec};
pub use heartbeat::EncodingTransport;

/// Turns a payload (JSON or text, as the activity and the decider see it) into what is sent to
/// SWF, and back. See the [module documentation](self) for where each direction runs and what
/// happens when it fails.
///
/// Both methods are async, so a codec may call a store (S3, a database) or a key service. A
/// codec must round-trip: `decode(encode(p)) == p` for every `p`, on every worker and decider
/// that shares it. Its encoding should be recognisable, so a payload sent without the codec is
/// refused with [`CodecError::NotEncoded`] (or passed through, if the codec chooses to).
///
/// `decode` should only read: a decider decodes the same result on every decision task that
/// reads the history, so a claim-check store must keep a payload as long as a history refers
/// to it (SWF keeps closed histories for the domain's retention period).
pub trait PayloadCodec: Send + Sync + 'static {
    /// What to send instead of `payload`.
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>>;

    /// The payload that `encode` turned into `encoded`.
    fn decode<'a>(&'a self, encoded: &'a str) -> BoxFuture<'a, Result<String, CodecError>>;
}

impl<C: PayloadCodec + ?Sized> PayloadCodec for std::sync::Arc<C> {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        (**self).encode(payload)
    }

    fn decode<'a>(&'a self, encoded: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        (**self).decode(encoded)
    }
}

impl std::fmt::Debug for dyn PayloadCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dyn PayloadCodec")
    }
}
