//! [`GzipCodec`]: payloads compressed with gzip, sent as base64 text.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use futures::future::BoxFuture;

use super::{CodecError, PayloadCodec};

/// What every payload the codec encodes starts with.
pub const GZIP_MARKER: &str = "gzip+base64:";

const ENCODING: &str = "gzip+base64";

/// Compresses payloads with gzip and sends them as base64 text after the marker
/// [`GZIP_MARKER`] (`gzip+base64:`), so an encoded payload is recognisable in the history and
/// can be read with `base64 -d | gunzip`.
///
/// JSON compresses well (often to a tenth), so results and inputs of a few hundred kilobytes fit
/// SWF's 32,768 characters; base64 adds a third to the compressed size. For payloads that stay
/// too large, chain it with a claim-check codec ([`CodecChain`](super::CodecChain)).
///
/// # Payloads without the marker
///
/// By default decoding refuses a payload without the marker with
/// [`CodecError::NotEncoded`]: a decider or worker that does not use the codec sent it, and the
/// task fails saying so instead of running on data of the wrong form. While deciders and
/// workers move to the codec one by one, [`accept_plain`](Self::accept_plain) passes such
/// payloads through unchanged instead. (No JSON value and no text a decider is likely to send
/// starts with the marker.)
///
/// ```
/// use swf_activity::codec::{GzipCodec, PayloadCodec, GZIP_MARKER};
///
/// # futures::executor::block_on(async {
/// let codec = GzipCodec::new();
/// let json = serde_json::to_string(&vec!["the same words again"; 1000]).unwrap();
/// let encoded = codec.encode(&json).await.unwrap();
/// assert!(encoded.starts_with(GZIP_MARKER));
/// assert!(encoded.len() < json.len() / 20);
/// assert_eq!(codec.decode(&encoded).await.unwrap(), json);
///
/// // A payload sent without the codec is refused, or passed through with accept_plain.
/// assert!(codec.decode("[1,2,3]").await.is_err());
/// assert_eq!(GzipCodec::new().accept_plain().decode("[1,2,3]").await.unwrap(), "[1,2,3]");
/// # });
/// ```
#[derive(Clone, Copy, Debug)]
pub struct GzipCodec {
    level: u32,
    accept_plain: bool,
}

impl Default for GzipCodec {
    fn default() -> Self {
        GzipCodec {
            level: Compression::default().level(),
            accept_plain: false,
        }
    }
}

impl GzipCodec {
    /// gzip's default level (6), refusing payloads without the marker.
    pub fn new() -> Self {
        Self::default()
    }

    /// The compression level, 0 (none) to 9 (smallest, slowest); higher values are taken as 9.
    #[must_use]
    pub fn level(mut self, level: u32) -> Self {
        self.level = level.min(9);
        self
    }

    /// Decodes payloads without the marker as they are, instead of refusing them.
    #[must_use]
    pub fn accept_plain(mut self) -> Self {
        self.accept_plain = true;
        self
    }

    fn compress(&self, payload: &str) -> Result<String, CodecError> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::new(self.level));
        let compressed = encoder
            .write_all(payload.as_bytes())
            .and_then(|()| encoder.finish())
            .map_err(|err| CodecError::failed_with("gzip could not compress the payload", err))?;
        let mut encoded = String::with_capacity(GZIP_MARKER.len() + compressed.len() * 4 / 3 + 4);
        encoded.push_str(GZIP_MARKER);
        STANDARD.encode_string(&compressed, &mut encoded);
        Ok(encoded)
    }

    fn decompress(&self, payload: &str) -> Result<String, CodecError> {
        let Some(body) = payload.strip_prefix(GZIP_MARKER) else {
            return if self.accept_plain {
                Ok(payload.to_owned())
            } else {
                Err(CodecError::not_encoded(ENCODING, payload))
            };
        };
        let corrupt = |problem: String| CodecError::Corrupt {
            encoding: ENCODING,
            problem,
        };
        let compressed = STANDARD
            .decode(body)
            .map_err(|err| corrupt(format!("not base64: {err}")))?;
        let mut plain = String::new();
        GzDecoder::new(compressed.as_slice())
            .read_to_string(&mut plain)
            .map_err(|err| corrupt(format!("not gzip-compressed UTF-8 text: {err}")))?;
        Ok(plain)
    }
}

impl PayloadCodec for GzipCodec {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(std::future::ready(self.compress(payload)))
    }

    fn decode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(std::future::ready(self.decompress(payload)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(future: BoxFuture<'_, T>) -> T {
        futures::executor::block_on(future)
    }

    #[test]
    fn round_trips_text_of_every_kind() {
        let codec = GzipCodec::new();
        for plain in ["", "\"\"", "null", "{\"a\":[1,2,3]}", "é€😀 and \u{0}"] {
            let encoded = block_on(codec.encode(plain)).unwrap();
            assert!(encoded.starts_with(GZIP_MARKER), "{encoded}");
            assert_eq!(block_on(codec.decode(&encoded)).unwrap(), plain);
        }
    }

    #[test]
    fn repetitive_json_shrinks_below_swf_limits() {
        let json = serde_json::to_string(&vec![("row", 42, "some repeated text"); 5000]).unwrap();
        assert!(json.len() > 100_000);
        let encoded = block_on(GzipCodec::new().level(9).encode(&json)).unwrap();
        assert!(
            encoded.len() < crate::limits::RESULT_MAX_CHARS,
            "{}",
            encoded.len()
        );
    }

    #[test]
    fn refuses_plain_payloads_naming_the_encoding() {
        let err = block_on(GzipCodec::new().decode("{\"plain\":true}")).unwrap_err();
        assert!(matches!(err, CodecError::NotEncoded { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("gzip+base64"), "{message}");
        assert!(message.contains("{\\\"plain\\\""), "{message}");
    }

    #[test]
    fn accept_plain_passes_unmarked_payloads_through() {
        let codec = GzipCodec::new().accept_plain();
        assert_eq!(block_on(codec.decode("[1]")).unwrap(), "[1]");
        let encoded = block_on(codec.encode("[1]")).unwrap();
        assert_eq!(block_on(codec.decode(&encoded)).unwrap(), "[1]");
    }

    #[test]
    fn corrupt_payloads_say_what_is_wrong() {
        let codec = GzipCodec::new();
        let not_base64 = block_on(codec.decode("gzip+base64:!!!")).unwrap_err();
        assert!(
            not_base64.to_string().contains("not base64"),
            "{not_base64}"
        );
        let not_gzip = format!("{GZIP_MARKER}{}", STANDARD.encode(b"plain bytes"));
        let err = block_on(codec.decode(&not_gzip)).unwrap_err();
        assert!(err.to_string().contains("not gzip"), "{err}");
    }
}
