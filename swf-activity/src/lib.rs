//! Write Amazon SWF activity workers as plain async functions.
//!
//! An activity is one `async fn` marked with [`#[activity]`](macro@activity). The macro turns it
//! into a registered activity type with typed JSON input and output; a [`Worker`](worker::Worker)
//! polls a task list, runs activities concurrently, keeps them alive with batched heartbeats and
//! answers every task exactly once.
//!
//! # An activity, tested
//!
//! The activity reports progress with [`Progress::report`] (it never waits: the heartbeat engine
//! sends the latest details in its own time) and stops when [`Progress::cancelled`] resolves.
//! [`testing::ActivityEnvironment`] runs it on the real heartbeat engine against a scripted
//! service; under tokio's paused time, minutes of heartbeats take milliseconds:
//!
//! ```
//! use std::time::Duration;
//! use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, Trigger};
//! use swf_activity::{activity, ActivityError, CancelReason, Progress};
//!
//! /// Copies `files` files, one a second.
//! #[activity(version = "1", heartbeat_timeout = "10s", start_to_close_timeout = "5m")]
//! async fn copy(progress: Progress, files: u32) -> Result<u32, ActivityError> {
//!     for done in 0..files {
//!         progress.report(&format!("{done}/{files}"))?;
//!         tokio::select! {
//!             reason = progress.cancelled() => {
//!                 return Err(ActivityError::canceled().with_details(&format!("{reason} after {done}")));
//!             }
//!             () = tokio::time::sleep(Duration::from_secs(1)) => {}
//!         }
//!     }
//!     Ok(files)
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! // In a test: #[tokio::test(start_paused = true)] (tokio's `test-util` feature).
//! let env = ActivityEnvironment::new();
//! let run = env.run_json(&copy, &20).await.unwrap();
//! assert_eq!(run.result_json::<u32>().unwrap(), 20);
//! // The first report goes out at once, then the latest one every 0.8 x 10 s.
//! let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
//! assert_eq!(times, [0, 8, 16]);
//!
//! // The decider asks to cancel at 3 s: the answer to the heartbeat at 8 s says so.
//! let run = env
//!     .request_cancellation(Trigger::At(Duration::from_secs(3)))
//!     .run_json(&copy, &20)
//!     .await
//!     .unwrap();
//! assert_eq!(run.cancel_reason, Some(CancelReason::Requested));
//! assert_eq!(
//!     run.outcome,
//!     ActivityOutcome::Canceled { details: Some("cancellation requested after 8".into()) }
//! );
//! # });
//! ```
//!
//! # A worker
//!
//! Values the worker owns and its activities share (clients, pools, configuration) are typed
//! parameters, [`Resource<T>`](Resource), given once with
//! [`WorkerBuilder::resource`](worker::WorkerBuilder::resource); [`build`](worker::WorkerBuilder::build)
//! refuses a worker without one its activities take ([`resources`] says why this idiom):
//!
//! ```no_run
//! use swf_activity::registration::register_domain;
//! use swf_activity::worker::Worker;
//! use swf_activity::{activity, ActivityError, Progress, Resource};
//!
//! /// Where copies go: one value for every task (in a real worker an S3 or HTTP client).
//! struct Storage { bucket: String }
//!
//! /// Copies `files` files.
//! #[activity(version = "1", heartbeat_timeout = "10s", start_to_close_timeout = "5m")]
//! async fn copy(progress: Progress, storage: Resource<Storage>, files: u32) -> Result<String, ActivityError> {
//!     progress.report(&format!("copying {files} files"))?;
//!     Ok(format!("{files} files copied to {}", storage.bucket))
//! }
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let config = aws_config::load_from_env().await; // region, credentials, AWS_ENDPOINT_URL
//! let client = aws_sdk_swf::Client::new(&config);
//! register_domain(&client, "files", 7).await?;
//! let worker = Worker::builder(client)
//!     .domain("files")
//!     .task_list("copies")
//!     .resource(Storage { bucket: "backups".into() })
//!     .activity(copy)
//!     .build()?; // BuildError::MissingResource, naming `copy` and `Storage`, without the resource
//! worker.run().await?; // registers the types, polls until Ctrl-C or SIGTERM, shuts down gracefully
//! # Ok(()) }
//! ```
//!
//! # A decider
//!
//! [`decider`] builds the ScheduleActivityTask and RequestCancelActivityTask decisions from the
//! same function, and reads its outcome from the workflow's history, typed:
//!
//! ```
//! # use swf_activity::{activity, ActivityError};
//! # #[activity(version = "1", task_list = "copies", heartbeat_timeout = "10s", start_to_close_timeout = "5m",
//! #           schedule_to_start_timeout = "1h", schedule_to_close_timeout = "2h")]
//! # async fn copy(files: u32) -> Result<String, ActivityError> { Ok(files.to_string()) }
//! use swf_activity::decider::{ActivityHistory, Outcome, ScheduleActivity};
//!
//! # fn decide(events: &[aws_sdk_swf::types::HistoryEvent]) -> Result<(), Box<dyn std::error::Error>> {
//! match ActivityHistory::new(events).outcome(copy, "copy-1")? {
//!     None => {
//!         let decision = ScheduleActivity::new(copy, &20).activity_id("copy-1").decision()?;
//!         // send it with RespondDecisionTaskCompleted
//! #       let _ = decision;
//!     }
//!     Some(Outcome::Completed(summary)) => println!("{summary}"), // a String, as `copy` returns
//!     Some(Outcome::TimedOut { details, .. }) => {
//!         let last: Option<String> = details.decode()?; // what it last reported
//! #       let _ = last;
//!     }
//!     Some(other) => println!("copy ended: {other:?}"),
//! }
//! # Ok(()) }
//! # decide(&[]).unwrap();
//! ```
//!
//! # Where to read on
//!
//! | topic | where |
//! |---|---|
//! | the macro's keys and the function's shape | [`macro@activity`] |
//! | reporting progress, cancellation, [`CancelReason`] | [`progress`] |
//! | when heartbeats go out, the budget, errors | [`heartbeat`] |
//! | the worker's answers, settings and shutdown timeline | [`worker`], [`worker::WorkerBuilder`] |
//! | failing and canceling | [`ActivityError`] |
//! | SWF's size limits and what the framework does at each | [`limits`] |
//! | registering domains and types | [`registration`] |
//! | values activities share: clients, pools | [`resources`], [`Resource`] |
//! | scheduling activities and reading their outcomes, typed | [`decider`] |
//! | answering a task from another process, by its token | [`completion`], [`ActivityError::completes_elsewhere`] |
//! | blocking and CPU-bound activities on a bounded pool | `#[activity(blocking)]` in [`macro@activity`], [`worker::WorkerBuilder::max_blocking_activities`] |
//! | a task start rate, pausing and resuming polling | [`worker::WorkerBuilder::max_task_starts_per_second`], [`worker::PollingControl`] |
//! | several task lists, types with no default task list | [`worker::WorkerBuilder::also_poll`], [`DefaultTaskList`] |
//! | payloads beyond 32 KB, compression, encryption | [`codec`] |
//! | unit tests without SWF | [`testing`] |
//! | metrics for dashboards (feature `metrics`) | [`metrics`] |
//! | an in-memory SWF endpoint (feature `local`) | `swf_activity::local`, the `swf-local` crate |
//!
//! The repository's examples (`cargo run --example quickstart`, `cancellation`,
//! `graceful_shutdown`, `resumable`, `approval`, `blocking_work`, `pause_and_rate_limit`,
//! `host_task_lists`, `claim_check`, `testing_activities`, `metrics`, `real_aws`) show each of
//! these at work.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Without `aws-sdk` there is no worker, and the parts of the engine, the resources and the
// decider that only the worker and SWF's types use are left idle.
#![cfg_attr(not(feature = "aws-sdk"), allow(dead_code, unused_imports))]

pub mod activity;
#[cfg(feature = "aws-sdk")]
mod backoff;
mod blocking;
pub mod codec;
#[cfg(feature = "aws-sdk")]
pub mod completion;
pub mod decider;
pub mod details;
pub mod error;
pub mod heartbeat;
pub mod limits;
pub mod metrics;
#[cfg(feature = "aws-sdk")]
mod names;
pub mod outcome;
pub mod progress;
#[cfg(feature = "aws-sdk")]
pub mod registration;
pub mod resources;
#[cfg(feature = "aws-sdk")]
mod respond;
#[cfg(feature = "aws-sdk")]
mod sdk_errors;
pub mod task;
pub mod testing;
pub mod timeout;
mod token_bucket;
#[cfg(feature = "aws-sdk")]
pub mod worker;

#[cfg(feature = "local")]
#[doc(inline)]
pub use swf_local as local;

/// Turns an `async fn` (or, with `blocking`, a plain `fn`) into an activity type that a
/// [`Worker`](worker::Worker) can run.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use swf_activity::activity::Activity;
/// use swf_activity::{activity, ActivityError, Progress, Timeout};
///
/// #[derive(Deserialize)]
/// pub struct ResizeInput {
///     pub width: u32,
/// }
///
/// #[derive(Serialize)]
/// pub struct Thumbnails {
///     pub widths: Vec<u32>,
/// }
///
/// /// Resizes one image.
/// #[activity(version = "1", heartbeat_timeout = "30s", start_to_close_timeout = "10m")]
/// pub async fn resize_image(progress: Progress, input: ResizeInput) -> Result<Thumbnails, ActivityError> {
///     let _ = progress.report("resizing");
///     Ok(Thumbnails { widths: vec![input.width / 2, input.width / 4] })
/// }
///
/// // The registration data:
/// let definition = resize_image.definition();
/// assert_eq!(definition.activity_type.name, "resize_image");
/// assert_eq!(definition.defaults.description.as_deref(), Some("Resizes one image."));
/// assert_eq!(definition.defaults.heartbeat_timeout, Some(Timeout::Seconds(30)));
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // The body, called directly (in tests):
/// let thumbnails = resize_image::run(Progress::detached(), ResizeInput { width: 800 }).await?;
/// assert_eq!(thumbnails.widths, [400, 200]);
///
/// // What a worker does with a task's JSON input:
/// let result = resize_image.execute(Progress::detached(), Some(r#"{"width":100}"#.into())).await?;
/// assert_eq!(result.as_deref(), Some(r#"{"widths":[50,25]}"#));
/// # Ok::<(), ActivityError>(())
/// # }).unwrap();
/// ```
///
/// Register it with `worker.activity(resize_image)`.
///
/// # The function
///
/// - It must be `async` (or a plain `fn` with the `blocking` key, see
///   [Blocking activities](#blocking-activities)), without `self`, generics or explicit
///   lifetimes.
/// - It may take a [`Progress`] (by value, `&Progress` or `&mut Progress`; any type whose name is
///   `Progress`) and at most one input, in either order; either may be left out. The input is
///   decoded from the task's JSON input and must implement `serde::de::DeserializeOwned`; a task
///   without input decodes as JSON `null`, which suits `Option<T>` and `()`. An input that does
///   not decode fails the task with the reason `"invalid input"` and serde's message as details.
/// - It returns a value that implements `serde::Serialize`, sent as the task's JSON result, or a
///   `Result<O, E>` (any type named `Result`, so aliases such as `io::Result<T>` work) whose `Ok`
///   value is sent and whose error, any `E: Into<ActivityError>`, fails or cancels the task.
///   A value that encodes as JSON `null` (`()`, no return type, `None`) is an empty result.
/// - The future must be `Send`: the worker runs activities on a multi-threaded runtime.
///
/// # Blocking activities
///
/// Code that blocks its thread (a synchronous SDK, a subprocess such as ffmpeg, FFI, CPU-bound
/// loops) must not run inside an `async fn`: it would stall the worker's runtime threads, and
/// with them polls, heartbeats and other activities. Write it as a plain `fn` with the
/// `blocking` key instead:
///
/// ```
/// use std::time::Duration;
/// use swf_activity::{activity, ActivityError, Progress};
///
/// /// Hashes `rounds` rounds, checking for cancellation between rounds.
/// #[activity(blocking, version = "1", heartbeat_timeout = "30s", start_to_close_timeout = "10m")]
/// fn hash(progress: &Progress, rounds: u32) -> Result<u64, ActivityError> {
///     let mut value = 0u64;
///     for round in 0..rounds {
///         progress.check_cancelled()?;
///         value = value.rotate_left(5) ^ u64::from(round);
///         progress.report(&format!("{}/{rounds}", round + 1))?;
///         // A loop that waits uses the blocking wait, which returns early on cancellation:
///         if let Some(reason) = progress.wait_cancelled_timeout(Duration::from_millis(1)) {
///             return Err(reason.into());
///         }
///     }
///     Ok(value)
/// }
///
/// // `run` is the plain function as written:
/// assert_eq!(hash::run(&Progress::detached(), 2).unwrap(), 1);
/// ```
///
/// The worker runs its tasks on tokio's blocking threads, at most
/// [`max_blocking_activities`](worker::WorkerBuilder::max_blocking_activities) at once (each also
/// takes one of [`max_concurrent_activities`](worker::WorkerBuilder::max_concurrent_activities)).
/// A task waiting for a place keeps heartbeating, whatever its heartbeat mode, and one cancelled
/// while it waits answers at once (`Err(reason.into())`) without running. Everything else is
/// as for an `async fn`: keys, registration defaults, typed input and output, `Progress` in any
/// of its three forms, [`Resource`] parameters; the input is decoded and the output encoded on
/// the blocking thread. The [`Progress`] works from a plain thread: [`Progress::report`],
/// [`Progress::is_cancelled`], [`Progress::check_cancelled`] (for `?`) and
/// [`Progress::wait_cancelled_timeout`] (instead of `std::thread::sleep`).
///
/// A thread cannot be stopped from outside: once a task is cancelled, the activity stops only
/// when it checks. If it does not return within
/// [`abandon_grace`](worker::WorkerBuilder::abandon_grace) after SWF stops accepting an answer,
/// the worker gives up on the task, but the thread runs on and keeps its place on the blocking
/// pool until it returns. [`testing::ActivityEnvironment`] runs blocking activities on a blocking
/// thread too.
///
/// # What it generates
///
/// The function's name becomes a unit struct that implements [`Activity`]; the body stays
/// callable, with the signature as written, as the associated function `run`:
///
/// ```text
/// /// <the function's doc comment>
/// #[derive(Clone, Copy, Debug, Default)]
/// pub struct resize_image;
///
/// impl resize_image {
///     pub async fn run(progress: Progress, input: ResizeInput) -> Result<Thumbnails, ActivityError>;
///     pub const DEFINITION: ActivityDefinition;
/// }
///
/// impl Activity for resize_image { /* decodes the input, calls run, encodes the output */ }
/// ```
///
/// For a blocking activity, `run` is the plain `fn` as written, and `execute` runs it on the
/// blocking pool.
///
/// `DEFINITION` is a constant (usable in `const` contexts and `match` arms);
/// [`Activity::definition`] returns a reference to a `static` copy of it. Other attributes on the
/// function (`#[allow]`, `#[tracing::instrument]`, ...) go on `run`; `#[cfg]` goes on every item.
/// Inside the body, call the activity recursively as `Self::run`.
///
/// # Keys
///
/// | key | value | default |
/// |---|---|---|
/// | `version` | the type's version, 1 to 64 characters | required: registered types never change |
/// | `name` | the type's name, 1 to 256 characters | the function's name as written |
/// | `description` | at most 1024 characters | the doc comment, lines joined, trimmed; none without one |
/// | `task_list` | the default task list, 1 to 256 characters, no leading or trailing whitespace; or `none` (unquoted) to register no default task list, see [`DefaultTaskList`] | the worker's first task list |
/// | `task_priority` | an integer literal that fits an `i32`, e.g. `10` or `-5` | none |
/// | `heartbeat_timeout` | a duration | none |
/// | `start_to_close_timeout` | a duration | none |
/// | `schedule_to_start_timeout` | a duration | none |
/// | `schedule_to_close_timeout` | a duration | none |
/// | `heartbeat` | `"auto"` or `"manual"`, see [`HeartbeatMode`] | `"auto"` |
/// | `crate` | the path of this crate when it is renamed, e.g. `crate = "swf"` | `"::swf_activity"` |
/// | `blocking` | written alone, no value: a plain `fn` run on the blocking pool, see [Blocking activities](#blocking-activities) | off: an `async fn` |
///
/// A key left out registers no default ([`RegistrationDefaults`] field `None`), so the decider
/// must give that value when it schedules the activity; except `task_list`, for which the
/// worker's first task list stands in unless the key says `none`.
///
/// Names, versions and task lists must not contain `:`, `/`, `|` or control characters
/// (`\u{0}`-`\u{1f}`, `\u{7f}`-`\u{9f}`), and must not be the literal string `arn`.
///
/// Durations are `"none"` (no limit) or parts with units `h`, `m`, `s` and `ms`, largest first:
/// `"30s"`, `"10m"`, `"1h30m"`, `"1.5h"`, `"90s"`. SWF takes whole seconds written in at most 8
/// digits, so a duration must be a whole number of seconds no longer than
/// [`Timeout::MAX_SECONDS`]. `heartbeat_timeout` may not be longer than `start_to_close_timeout`.
///
/// Every rule is checked at compile time and every broken one is reported in the same build,
/// at the tokens that break it. When only the keys are wrong, the activity is still generated so
/// code that uses it keeps compiling.
#[doc(inline)]
pub use swf_activity_macros::activity;

pub use activity::{Activity, ActivityType, DefaultTaskList, HeartbeatMode, RegistrationDefaults};
pub use error::ActivityError;
pub use progress::{CancelReason, Progress};
pub use resources::Resource;
pub use timeout::Timeout;

/// What code generated by [`#[activity]`](macro@activity) needs. Not part of the public API.
#[doc(hidden)]
pub mod __private;
