//! An in-memory Amazon SWF endpoint speaking the real protocol.
#![forbid(unsafe_code)]
