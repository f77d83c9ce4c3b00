//! The `#[activity]` attribute macro. Use it through `swf_activity::activity`.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Turns an `async fn` into an activity type. See `swf_activity::activity`.
#[proc_macro_attribute]
pub fn activity(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
