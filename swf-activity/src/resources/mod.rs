//! Values the worker owns and its activities share: clients, pools, configuration.
//!
//! An activity asks for one by taking a [`Resource<T>`] parameter; the worker is given the value
//! once with [`WorkerBuilder::resource`](crate::worker::WorkerBuilder::resource), keyed by its
//! type, and every task gets a cheap handle to the same value:
//!
//! ```no_run
//! use swf_activity::{activity, ActivityError, Progress, Resource};
//! use swf_activity::worker::Worker;
//!
//! /// A client every task shares (in a real worker: an S3 client, an HTTP client, a pool).
//! struct Storage { bucket: String }
//!
//! /// Copies one object.
//! #[activity(version = "1", start_to_close_timeout = "5m")]
//! async fn copy(progress: Progress, storage: Resource<Storage>, key: String) -> Result<String, ActivityError> {
//!     progress.report(&key)?;
//!     Ok(format!("{}/{key}", storage.bucket))
//! }
//!
//! # fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::worker::BuildError> {
//! let worker = Worker::builder(client)
//!     .domain("files")
//!     .task_list("copies")
//!     .resource(Storage { bucket: "media".into() })
//!     .activity(copy)
//!     .build()?; // refused with BuildError::MissingResource had `.resource(...)` been forgotten
//! # Ok(()) }
//! ```
//!
//! # Why a typed parameter
//!
//! An activity stays a free `async fn` whose signature says everything it uses: its input, its
//! `Progress` and each shared value, by type. Nothing is global, so a test passes its own doubles
//! ([`ActivityEnvironment::resource`](crate::testing::ActivityEnvironment::resource)), and the
//! worker knows each activity's needs before it starts: a missing resource is refused by
//! [`build()`](crate::worker::WorkerBuilder::build), naming the activity and the type, never
//! discovered by a task. Methods on a struct would also work, but they tie every activity of a
//! worker to one struct and one set of fields; a typed parameter lets each activity take exactly
//! what it needs, as axum's `State<T>` does for handlers.
//!
//! A resource is shared by every running task at once, so it must be `Send + Sync + 'static`.
//! Wrap what needs exclusive access in a `tokio::sync::Mutex`, or hand out connections from a
//! pool.

mod bound;
mod registry;
mod resource;

pub(crate) use bound::bind;
pub use registry::{ResourceKey, Resources};
pub use resource::Resource;
