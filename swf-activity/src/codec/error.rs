//! [`CodecError`]: why a payload could not be encoded or decoded.

/// Why a [`PayloadCodec`](super::PayloadCodec) could not encode or decode a payload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The payload does not carry the codec's marker: it was sent by a worker or decider that
    /// does not use this codec (or uses another one).
    #[error(
        "the payload is not {encoding} (it starts with {start:?}): was it sent without this payload codec? Use the same codec on the decider and the worker"
    )]
    NotEncoded {
        /// The encoding the codec expected, e.g. `gzip+base64`.
        encoding: &'static str,
        /// The payload's first characters.
        start: String,
    },
    /// The payload carries the codec's marker but its content does not decode.
    #[error("the payload is marked {encoding} but does not decode: {problem}")]
    Corrupt {
        /// The encoding the payload claims.
        encoding: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Anything else: a claim-check store that cannot be reached, a missing key.
    #[error("{message}")]
    Failed {
        /// What happened and what to do about it.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl CodecError {
    /// A failure described by `message`, e.g. a claim-check key the store does not hold.
    pub fn failed(message: impl Into<String>) -> Self {
        CodecError::Failed {
            message: message.into(),
            source: None,
        }
    }

    /// A failure caused by `source`, e.g. the store's own error.
    pub fn failed_with(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CodecError::Failed {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// [`NotEncoded`](CodecError::NotEncoded) for `payload`, quoting its first characters.
    pub fn not_encoded(encoding: &'static str, payload: &str) -> Self {
        CodecError::NotEncoded {
            encoding,
            start: payload.chars().take(16).collect(),
        }
    }
}
