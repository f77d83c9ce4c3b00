//! Examples and end-to-end tests of swf-activity. Not published.
#![forbid(unsafe_code)]
