//! An in-memory Amazon SWF endpoint speaking the real protocol (AWS JSON 1.0 over HTTP), for
//! examples and tests without an AWS account.
//!
//! Start it in-process with [`LocalSwf::start`] and point any AWS SDK at [`LocalSwf::url`]
//! (or use the ready [`LocalSwf::sdk_config`]), or run the `swf-local` binary
//! (`swf-local --listen 127.0.0.1:8042`) for the AWS CLI and boto3.
//!
//! Unlike the existing emulators it implements long polls, all four activity timeouts on
//! time, and activity cancellation (RequestCancelActivityTask, `cancelRequested: true` on the
//! next heartbeat, RespondActivityTaskCanceled). It also answers the rest of the SWF API for
//! deciders and workers ([`OPERATIONS`]) and carries out every decision type, child workflows
//! and their child policies included. Signatures are not verified.
//!
//! ```
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use swf_local::{ActivityOutcome, ActivitySpec, LocalSwf};
//! let local = LocalSwf::start().await?;
//! let swf = aws_sdk_swf::Client::new(local.sdk_config());
//! swf.register_domain().name("demo").workflow_execution_retention_period_in_days("1").send().await?;
//! swf.register_activity_type()
//!     .domain("demo").name("greet").version("1")
//!     .default_task_start_to_close_timeout("60").default_task_heartbeat_timeout("NONE")
//!     .default_task_schedule_to_start_timeout("NONE").default_task_schedule_to_close_timeout("NONE")
//!     .send().await?;
//! let handle = local.schedule_activity(ActivitySpec::new("demo", "greet", "1").task_list("work").input("Ada"))?;
//! let task = swf.poll_for_activity_task()
//!     .domain("demo")
//!     .task_list(aws_sdk_swf::types::TaskList::builder().name("work").build()?)
//!     .send().await?;
//! swf.respond_activity_task_completed()
//!     .task_token(task.task_token())
//!     .result(format!("Hello, {}", task.input().unwrap_or_default()))
//!     .send().await?;
//! assert_eq!(handle.outcome().await, ActivityOutcome::Completed { result: Some("Hello, Ada".into()) });
//! # Ok(()) }
//! ```
//!
//! # Memory
//! Closed executions are retained for their history until more than
//! [`LocalSwfBuilder::retain_closed`] (default 1000) executions have closed after them; then
//! the oldest are evicted. Open executions are never evicted.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod connections;
mod error;
mod faults;
mod harness;
pub mod history;
mod limits;
pub mod model;
mod server;
mod service;
mod timers;

pub use connections::{
    ConnectionLimits, ConnectionStats, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
};
pub use error::{ErrorKind, LocalError, SwfError};
pub use faults::{FaultConfig, FaultRule};
pub use harness::{ActivityHandle, ActivityOutcome, ActivitySpec};
pub use history::{EventAttributes, HistoryEvent};
pub use model::{
    ActivityTimeoutType, ChildPolicy, CloseStatus, TaskList, TypeId, WorkflowExecution,
};
pub use server::{LocalSwf, LocalSwfBuilder, MAX_REQUEST_BYTES, REGION, loopback_addr};
pub use service::{
    HARNESS_WORKFLOW_TYPE, OPERATIONS, REQUEST_LOG_TARGET, Service, ServiceConfig, StateStats,
};
