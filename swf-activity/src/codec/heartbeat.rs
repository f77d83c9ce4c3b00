//! [`EncodingTransport`]: heartbeat details encoded where the heartbeat is sent.

use std::sync::Arc;

use futures::future::BoxFuture;

use super::PayloadCodec;
use super::answer::{EncodeRefusal, encode_within};
use crate::heartbeat::{HeartbeatAnswer, HeartbeatError, HeartbeatTransport};
use crate::limits::HEARTBEAT_DETAILS_MAX_CHARS;

/// A [`HeartbeatTransport`] that encodes each heartbeat's details with a codec before the
/// inner transport sends them. The worker wraps its transport in one when it has a
/// [payload codec](crate::worker::WorkerBuilder::payload_codec), so
/// [`Progress::report`](crate::Progress::report) stays synchronous and cheap: only the details
/// that actually go out are encoded.
///
/// Details that do not encode, or are over 2,048 characters once encoded, are left out: the
/// heartbeat still goes out, so the task stays alive and a cancellation request still arrives,
/// and a warning gives the reason. (SWF then keeps no details for that heartbeat; keep
/// checkpoints small, or let a claim-check codec store them.)
///
/// The encoding is part of the heartbeat call, so the engine's timeout for each call bounds it
/// too: a codec that hangs costs a heartbeat, which the engine retries as any other that timed
/// out.
pub struct EncodingTransport {
    inner: Arc<dyn HeartbeatTransport>,
    codec: Arc<dyn PayloadCodec>,
}

impl EncodingTransport {
    /// Sends through `inner`, encoding details with `codec`.
    pub fn new(inner: impl HeartbeatTransport, codec: Arc<dyn PayloadCodec>) -> Self {
        EncodingTransport {
            inner: Arc::new(inner),
            codec,
        }
    }
}

impl std::fmt::Debug for EncodingTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncodingTransport").finish_non_exhaustive()
    }
}

impl HeartbeatTransport for EncodingTransport {
    fn record_heartbeat(
        &self,
        task_token: String,
        details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        let inner = Arc::clone(&self.inner);
        let codec = Arc::clone(&self.codec);
        Box::pin(async move {
            let details = match details {
                Some(details) => encode(&*codec, &details).await,
                None => None,
            };
            inner.record_heartbeat(task_token, details).await
        })
    }
}

async fn encode(codec: &dyn PayloadCodec, details: &str) -> Option<String> {
    match encode_within(codec, details, HEARTBEAT_DETAILS_MAX_CHARS).await {
        Ok(encoded) => Some(encoded),
        Err(EncodeRefusal::TooLong { chars, plain_chars }) => {
            tracing::warn!(
                chars,
                plain_chars,
                limit = HEARTBEAT_DETAILS_MAX_CHARS,
                "heartbeat details too long after encoding; the heartbeat goes out without them"
            );
            None
        }
        Err(EncodeRefusal::Failed(err)) => {
            tracing::warn!(error = %err, "the payload codec could not encode heartbeat details; the heartbeat goes out without them");
            None
        }
    }
}
