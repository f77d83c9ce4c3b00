//! The heartbeat engine: turns every running task's [`Progress`](crate::Progress) into
//! RecordActivityTaskHeartbeat calls, and their answers into cancellations.
//!
//! # What goes out when
//!
//! Each task has an **interval**: 0.8 x its heartbeat timeout, at most
//! [`HeartbeatConfig::max_interval`] (60 s). A task with no heartbeat timeout (`NONE` or unknown)
//! still heartbeats every [`HeartbeatConfig::cancel_check_interval`] (30 s), because cancellation
//! only ever arrives in a heartbeat's answer.
//!
//! - No heartbeat goes out before one is needed: SWF's heartbeat clock starts with the task, so
//!   a task that ends within its first interval sends none.
//! - The first [report](crate::Progress::report) goes out at once (right after the answer of a
//!   heartbeat already in flight). After that at most one heartbeat per interval goes out,
//!   carrying the latest details; reports in between are folded into it (counted as `coalesced`).
//!   Every heartbeat carries the latest details, even when they did not change, because SWF keeps
//!   the last heartbeat's details for its timeout event.
//! - [`HeartbeatMode::Auto`](crate::HeartbeatMode::Auto) (the default): a keep-alive goes out one
//!   interval after the start (up to [`HeartbeatConfig::first_beat_jitter`] of it early, at random,
//!   so tasks started together do not heartbeat together) and then one every interval while the
//!   task runs, reported or not. A task stuck forever is then only stopped by its start-to-close
//!   timeout.
//! - [`HeartbeatMode::Manual`](crate::HeartbeatMode::Manual): only reports cause heartbeats (at
//!   most one per interval), so an activity that stops reporting times out after its heartbeat
//!   timeout, as SWF intends. Without a heartbeat timeout there is nothing to time out, and
//!   cancel-check heartbeats still go out (jittered the same way).
//! - [`Progress::flush`](crate::Progress::flush) sends at once, ignoring the interval, and waits
//!   for the answer.
//! - Once the worker starts answering the task, no heartbeat overtakes the answer; if the answer
//!   fails and waits for a retry, keep-alives hold the task open until it is delivered.
//!
//! # Timeouts and deadlines
//!
//! SWF's task does not say what its heartbeat or start-to-close timeout is; the worker works it out
//! (the defaults SWF holds for the type, an override, or the scheduling event) and passes it in
//! [`TaskSchedule`], with the instant the poll returned the task as its start. The engine uses the
//! heartbeat timeout for the interval and as the task's **heartbeat deadline** (last answered
//! heartbeat + timeout): tasks nearer it are sent first when the budget is short, and retries of
//! failed heartbeats are kept before it. The worker acts on a deadline only once
//! [`HeartbeatConfig::deadline_margin`] (2 s) has passed beyond it, so clock skew and network delay
//! never make it give up on a task SWF would still accept:
//!
//! - start-to-close deadline + margin: heartbeats stop and the task is cancelled with
//!   [`StartToCloseElapsed`](crate::progress::CancelReason::StartToCloseElapsed);
//! - heartbeat deadline + margin with no answered heartbeat (SWF unreachable, or a manual activity
//!   that stopped reporting): SWF has timed the task out; heartbeats stop and the task is cancelled
//!   with [`HeartbeatTimeoutElapsed`](crate::progress::CancelReason::HeartbeatTimeoutElapsed).
//!
//! # Budget
//!
//! One [`HeartbeatBudget`] (a token bucket) covers all of a worker's tasks, and at most
//! [`HeartbeatConfig::max_in_flight`] calls are in flight at once. When several tasks are due and
//! tokens are short, the one nearest its deadline goes first; a task already past its heartbeat
//! deadline (SWF has most likely timed it out) waits behind every task that can still be saved and
//! only gets tokens the budget can spare, so an insufficient budget keeps as many tasks alive as
//! it can rather than losing all of them. When the running tasks need more heartbeats per second
//! than the budget refills (counting the tasks with a heartbeat timeout: cancel checks may slip
//! without losing a task), the engine warns once with the numbers and reports itself
//! [overloaded](HeartbeatEngine::is_overloaded): the worker polls no new task until they need less.
//! SWF's ThrottlingException (the quota is the account's, shared with other workers) halves the
//! budget's refill rate, which climbs back to the configured rate over 20 s.
//!
//! # Errors
//!
//! Throttling and transient errors are retried with exponential backoff and jitter, with the
//! latest details, kept before the heartbeat deadline. UnknownResourceFault stops the task's
//! heartbeats and cancels it with [`TaskGone`](crate::progress::CancelReason::TaskGone);
//! OperationNotPermittedFault stops them and cancels with
//! [`NotPermitted`](crate::progress::CancelReason::NotPermitted), logging the cause once.
//!
//! # Scheduling
//!
//! Each task's bookkeeping is a small state machine (idle, in flight, retrying, stopped) that only
//! decides; one scheduler per engine keeps tasks in a timer heap keyed by when they next need
//! attention, so a wake-up costs in proportion to the tasks due or signalled, not to the tasks
//! running. [`Progress::report`](crate::Progress::report) writes only its own task's state.
//!
//! # Where it runs
//!
//! [`HeartbeatEngine::new`] runs the engine on its own thread with its own runtime: activity code
//! that blocks its threads (a CPU-bound loop without `.await`) cannot delay heartbeats.
//! [`HeartbeatEngine::on_current_runtime`] runs it on the caller's runtime, for tests under paused
//! time.
//!
//! # Logging
//!
//! `tracing` events at debug level (heartbeat sent, failed, cancellation, deadline passed), and
//! at warn and info level when the budget cannot cover the running tasks. Tasks are named by their token's
//! [fingerprint](crate::task::ActivityTask::token_fingerprint), never by the token.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use futures::future::BoxFuture;
//! use swf_activity::{ActivityType, HeartbeatMode};
//! use swf_activity::heartbeat::*;
//! use swf_activity::task::ActivityTask;
//!
//! struct AlwaysCancel;
//! impl HeartbeatTransport for AlwaysCancel {
//!     fn record_heartbeat(&self, _token: String, _details: Option<String>)
//!         -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
//!         Box::pin(async { Ok(HeartbeatAnswer { cancel_requested: true }) })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = HeartbeatEngine::new(Arc::new(AlwaysCancel), HeartbeatConfig::default());
//! let task = ActivityTask::new("token", ActivityType::from_static("A", "1"), "a1", "w", "r", 3);
//! let heartbeat = engine.start_task(task, TaskSchedule {
//!     heartbeat_timeout: Some(Duration::from_secs(30)),
//!     start_to_close_timeout: None,
//!     mode: HeartbeatMode::Auto,
//! });
//! let progress = heartbeat.progress();
//! progress.report("starting").unwrap(); // the first report goes out at once
//! let reason = tokio::time::timeout(Duration::from_secs(10), progress.cancelled())
//!     .await
//!     .expect("the first heartbeat's answer cancels the task");
//! assert_eq!(reason, swf_activity::progress::CancelReason::Requested);
//! heartbeat.finish();
//! # });
//! ```

mod budget;
mod engine;
mod schedule;
mod scheduler;
pub(crate) mod signal;
pub(crate) mod state;
mod task;
mod transport;

use std::time::Duration;

pub use budget::HeartbeatBudget;
pub use engine::HeartbeatEngine;
pub use schedule::TaskSchedule;
pub use signal::HeartbeatStats;
pub(crate) use task::Rescheduler;
pub use task::TaskHeartbeat;
pub use transport::{HeartbeatAnswer, HeartbeatError, HeartbeatTransport};

/// How a worker's heartbeat engine paces heartbeats.
#[derive(Clone, Debug, PartialEq)]
pub struct HeartbeatConfig {
    /// The longest time between two heartbeats of a task with a heartbeat timeout (default 60 s).
    pub max_interval: Duration,
    /// The time between heartbeats of a task without a heartbeat timeout (default 30 s): they only
    /// check for cancellation.
    pub cancel_check_interval: Duration,
    /// The rate budget all the worker's tasks share.
    pub budget: HeartbeatBudget,
    /// How long one heartbeat call may take before it counts as a transient failure and is
    /// retried (default 20 s). Keeps a hung connection from silencing a task.
    pub call_timeout: Duration,
    /// Heartbeat calls in flight at once, at most (default 64): bounds the connections a worker
    /// opens however many tasks fall due together.
    pub max_in_flight: usize,
    /// The share of the first interval by which a task's first keep-alive may come early, chosen
    /// at random per task (default 0.2: between 0.8 and 1 interval after the start), so tasks that
    /// start together do not heartbeat together. 0 makes heartbeat times exact.
    pub first_beat_jitter: f64,
    /// Slack added to a deadline the worker computes itself (start-to-close, and last answered
    /// heartbeat + heartbeat timeout) before acting on it (default 2 s), so clock skew and network
    /// delay never make the worker give up on a task SWF would still accept.
    pub deadline_margin: Duration,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        HeartbeatConfig {
            max_interval: Duration::from_secs(60),
            cancel_check_interval: Duration::from_secs(30),
            budget: HeartbeatBudget::default(),
            call_timeout: Duration::from_secs(20),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            first_beat_jitter: 0.2,
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
        }
    }
}

/// Default cap on heartbeat calls in flight.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// Default slack before acting on a locally computed deadline.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(2);
