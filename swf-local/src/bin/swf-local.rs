//! `swf-local`: the in-memory SWF endpoint as a standalone server.
fn main() {}
