//! The `#[activity]` attribute macro. Use it through `swf_activity::activity`, which documents
//! it.
//!
//! The entry point only converts token streams; arguments are parsed in `args`, the signature
//! is checked in `signature`, names, durations and the rest of the registration data are
//! validated in `model` (with `names` and `duration`), errors are collected in `ctxt`,
//! and code is generated in `expand` (private modules).
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod args;
mod ctxt;
mod duration;
mod expand;
mod model;
mod names;
mod signature;

/// Turns an `async fn` into an activity type; documented where `swf_activity` re-exports it.
#[proc_macro_attribute]
pub fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::activity(args.into(), item.into()).into()
}
