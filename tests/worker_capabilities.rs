//! What users of AWS Flow for Java and Temporal rely on beyond the basics, end to end: the worker
//! against `swf-local` over HTTP on 127.0.0.1, each scenario checked from the workflow histories
//! and the endpoint's records. One module per capability, under `tests/worker_capabilities/`.

#[path = "support/mod.rs"]
#[allow(dead_code, reason = "each capability's module uses what it needs")]
mod support;

#[path = "worker_capabilities/pacing.rs"]
mod pacing;

#[path = "worker_capabilities/external_completion.rs"]
mod external_completion;

#[path = "worker_capabilities/blocking.rs"]
mod blocking;

#[path = "worker_capabilities/task_lists.rs"]
mod task_lists;

#[path = "worker_capabilities/payload_codec.rs"]
mod payload_codec;
