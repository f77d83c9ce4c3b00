//! The sending side of a codec: decoding a task's input, encoding its answer, for the worker and
//! the [`CompletionClient`](crate::completion::CompletionClient).

use std::time::Duration;

use super::{CodecError, PayloadCodec};
use crate::error::ActivityError;
use crate::limits::{FAILURE_DETAILS_MAX_CHARS, RESULT_MAX_CHARS};
use crate::outcome::ActivityOutcome;

/// How long encoding an answer's failure or cancellation details may take before the answer
/// goes out without them.
pub const DETAILS_ENCODE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a payload cannot be sent encoded.
#[derive(Debug)]
pub(crate) enum EncodeRefusal {
    /// The codec could not encode it.
    Failed(CodecError),
    /// Encoded, it is over its limit.
    TooLong {
        /// The encoded payload's length in characters.
        chars: usize,
        /// The payload's length before encoding.
        plain_chars: usize,
    },
}

/// `payload` encoded with `codec`, if that is within `limit` characters: SWF's limits apply to
/// what is sent, that is after encoding. The one rule the worker and the completion client share.
pub(crate) async fn encode_within(
    codec: &dyn PayloadCodec,
    payload: &str,
    limit: usize,
) -> Result<String, EncodeRefusal> {
    let encoded = codec.encode(payload).await.map_err(EncodeRefusal::Failed)?;
    let chars = encoded.chars().count();
    if chars > limit {
        return Err(EncodeRefusal::TooLong {
            chars,
            plain_chars: payload.chars().count(),
        });
    }
    Ok(encoded)
}

/// The task's input as the activity takes it, or the failure to answer when it does not decode.
/// Runs in the activity's own tokio task, so a codec that hangs is stopped like an activity that
/// does (shutdown graces, a task SWF no longer takes).
pub(crate) async fn decode_input(
    codec: Option<&dyn PayloadCodec>,
    input: Option<String>,
) -> Result<Option<String>, ActivityError> {
    let (Some(codec), Some(input)) = (codec, input.as_deref()) else {
        return Ok(input);
    };
    match codec.decode(input).await {
        Ok(decoded) => Ok(Some(decoded)),
        Err(err) => {
            tracing::warn!(error = %err, "the payload codec could not decode the task's input");
            Err(
                ActivityError::failed(format!("undecodable input: {err}")).with_details(&format!(
                    "the worker's payload codec could not decode the task's input ({} characters): {err}",
                    input.chars().count()
                )),
            )
        }
    }
}

/// What the activity returned, its result encoded and checked against SWF's limit after
/// encoding: a result that does not encode or fit becomes a failure saying so. Details are left
/// as they are: [`encode_details`] encodes them. Runs in the activity's own tokio task, like
/// [`decode_input`].
pub(crate) async fn encode_result(
    codec: Option<&dyn PayloadCodec>,
    result: Result<Option<String>, ActivityError>,
) -> Result<Option<String>, ActivityError> {
    let (Some(codec), Ok(Some(plain))) = (codec, &result) else {
        return result;
    };
    match encode_within(codec, plain, RESULT_MAX_CHARS).await {
        Ok(encoded) => Ok(Some(encoded)),
        Err(EncodeRefusal::TooLong { chars, plain_chars }) => Err(ActivityError::failed(format!(
            "result too large after encoding: {chars} characters, over SWF's limit of {RESULT_MAX_CHARS}"
        ))
        .with_details(&format!(
            "the result was {plain_chars} characters before the payload codec; store it elsewhere and return a reference, for example with a claim-check codec"
        ))),
        Err(EncodeRefusal::Failed(err)) => {
            tracing::error!(error = %err, "the payload codec could not encode the result; answering failed");
            Err(
                ActivityError::failed(format!("unencodable result: {err}")).with_details(&format!(
                    "the activity completed, but the worker's payload codec could not encode its result ({} characters): {err}",
                    plain.chars().count()
                )),
            )
        }
    }
}

/// `outcome` with its failure or cancellation details encoded. Details that do not encode, or
/// are too long once encoded, are left out (cutting encoded text would only corrupt it); a
/// warning says why.
pub(crate) async fn encode_details(
    codec: Option<&dyn PayloadCodec>,
    outcome: ActivityOutcome,
) -> ActivityOutcome {
    let Some(codec) = codec else {
        return outcome;
    };
    match outcome {
        ActivityOutcome::Failed { reason, details } => ActivityOutcome::Failed {
            reason,
            details: encode_one(codec, details).await,
        },
        ActivityOutcome::Canceled { details } => ActivityOutcome::Canceled {
            details: encode_one(codec, details).await,
        },
        other @ (ActivityOutcome::Completed { .. } | ActivityOutcome::CompletesElsewhere) => other,
    }
}

async fn encode_one(codec: &dyn PayloadCodec, details: Option<String>) -> Option<String> {
    let details = details?;
    // Bounded: a worker shutting down or forced to stop must not wait on a hung store.
    let Ok(encoded) = tokio::time::timeout(
        DETAILS_ENCODE_TIMEOUT,
        encode_within(codec, &details, FAILURE_DETAILS_MAX_CHARS),
    )
    .await
    else {
        tracing::warn!(
            timeout = ?DETAILS_ENCODE_TIMEOUT,
            "the payload codec did not encode the details in time; the answer goes out without them"
        );
        return None;
    };
    match encoded {
        Ok(encoded) => Some(encoded),
        Err(EncodeRefusal::TooLong { chars, .. }) => {
            tracing::warn!(
                chars,
                limit = FAILURE_DETAILS_MAX_CHARS,
                "details too long after encoding; the answer goes out without them"
            );
            None
        }
        Err(EncodeRefusal::Failed(err)) => {
            tracing::warn!(error = %err, "the payload codec could not encode the details; the answer goes out without them");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use futures::future::BoxFuture;

    use super::*;
    use crate::codec::CodecError;

    /// Doubles every payload; refuses to decode "bad" and to encode "fail".
    struct Doubling;

    impl PayloadCodec for Doubling {
        fn encode<'a>(&'a self, p: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
            Box::pin(async move {
                if p == "fail" {
                    Err(CodecError::failed("store unreachable"))
                } else {
                    Ok(p.repeat(2))
                }
            })
        }
        fn decode<'a>(&'a self, p: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
            Box::pin(async move {
                if p == "bad" {
                    Err(CodecError::not_encoded("doubled", p))
                } else {
                    Ok(p[..p.len() / 2].to_owned())
                }
            })
        }
    }

    #[test]
    fn inputs_decode_and_undecodable_ones_fail_saying_why() {
        assert_eq!(
            block_on(decode_input(Some(&Doubling), Some("abab".into()))).unwrap(),
            Some("ab".into())
        );
        assert_eq!(block_on(decode_input(Some(&Doubling), None)).unwrap(), None);
        let err = block_on(decode_input(Some(&Doubling), Some("bad".into()))).unwrap_err();
        let reason = err.reason().unwrap();
        assert!(reason.starts_with("undecodable input: "), "{reason}");
        assert!(reason.contains("doubled"), "{reason}");
    }

    #[test]
    fn limits_apply_to_the_encoded_result() {
        let half = "x".repeat(RESULT_MAX_CHARS / 2);
        assert!(matches!(
            block_on(encode_result(Some(&Doubling), Ok(Some(half.clone())))),
            Ok(Some(r)) if r.len() == RESULT_MAX_CHARS
        ));
        let over = format!("{half}y");
        let err = block_on(encode_result(Some(&Doubling), Ok(Some(over)))).unwrap_err();
        let (reason, details) = (err.reason().unwrap(), err.details());
        assert!(
            reason.contains("32770") && reason.contains("32768"),
            "{reason}"
        );
        assert!(details.unwrap().contains("16385 characters before"));
    }

    #[test]
    fn an_unencodable_result_fails_instead_of_vanishing() {
        let err = block_on(encode_result(Some(&Doubling), Ok(Some("fail".into())))).unwrap_err();
        assert_eq!(err.reason(), Some("unencodable result: store unreachable"));
    }

    #[tokio::test(start_paused = true)]
    async fn details_are_encoded_or_left_out() {
        let encoded =
            encode_details(Some(&Doubling), ActivityOutcome::failed("r", Some("d"))).await;
        assert_eq!(encoded, ActivityOutcome::failed("r", Some("dd")));
        let long = "d".repeat(FAILURE_DETAILS_MAX_CHARS);
        let dropped = encode_details(
            Some(&Doubling),
            ActivityOutcome::Canceled {
                details: Some(long),
            },
        )
        .await;
        assert_eq!(dropped, ActivityOutcome::Canceled { details: None });
        let failed =
            encode_details(Some(&Doubling), ActivityOutcome::failed("r", Some("fail"))).await;
        assert_eq!(failed, ActivityOutcome::failed("r", None));
    }

    /// Never finishes encoding, as a store that does not answer.
    struct Hung;

    impl PayloadCodec for Hung {
        fn encode<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
            Box::pin(std::future::pending())
        }
        fn decode<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_codec_holds_an_answer_back_only_until_the_details_timeout() {
        let started = tokio::time::Instant::now();
        let answer = encode_details(Some(&Hung), ActivityOutcome::failed("r", Some("d"))).await;
        assert_eq!(answer, ActivityOutcome::failed("r", None));
        assert_eq!(started.elapsed(), DETAILS_ENCODE_TIMEOUT);
    }
}
