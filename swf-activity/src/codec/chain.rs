//! [`CodecChain`]: two codecs, one after the other.

use futures::future::BoxFuture;

use super::{CodecError, PayloadCodec};

/// Encodes with `first`, then with `second`; decodes in the reverse order. For example
/// compression, then a claim-check for what is still too large.
///
/// ```
/// use swf_activity::codec::{CodecChain, PayloadCodec};
/// # use futures::future::BoxFuture;
/// # use swf_activity::codec::CodecError;
/// # struct Tag(&'static str);
/// # impl PayloadCodec for Tag {
/// #     fn encode<'a>(&'a self, p: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
/// #         Box::pin(async move { Ok(format!("{}{p}", self.0)) })
/// #     }
/// #     fn decode<'a>(&'a self, p: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
/// #         Box::pin(async move { p.strip_prefix(self.0).map(str::to_owned).ok_or_else(|| CodecError::not_encoded("tagged", p)) })
/// #     }
/// # }
///
/// # futures::executor::block_on(async {
/// let codec = CodecChain::new(Tag("a:"), Tag("b:"));
/// let encoded = codec.encode("x").await.unwrap();
/// assert_eq!(encoded, "b:a:x");
/// assert_eq!(codec.decode(&encoded).await.unwrap(), "x");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct CodecChain<A, B> {
    first: A,
    second: B,
}

impl<A: PayloadCodec, B: PayloadCodec> CodecChain<A, B> {
    /// `first` applied first when encoding, last when decoding.
    pub fn new(first: A, second: B) -> Self {
        CodecChain { first, second }
    }
}

impl<A: PayloadCodec, B: PayloadCodec> PayloadCodec for CodecChain<A, B> {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            let inner = self.first.encode(payload).await?;
            self.second.encode(&inner).await
        })
    }

    fn decode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            let inner = self.second.decode(payload).await?;
            self.first.decode(&inner).await
        })
    }
}
