//! The [`Activity`] trait that every activity type implements, and its registration data.
//!
//! Most code never implements [`Activity`] by hand: [`#[activity]`](macro@crate::activity) does it
//! for an `async fn`. Implementing it directly is useful for activity types whose name or version is
//! only known at run time.

use std::borrow::Cow;
use std::fmt;

use futures::future::BoxFuture;

use crate::error::ActivityError;
use crate::progress::Progress;
use crate::resources::{ResourceKey, Resources};
use crate::timeout::Timeout;

/// The future an activity's entry point returns: the raw result (`None` for an empty result) or
/// the activity's error.
pub type ActivityFuture = BoxFuture<'static, Result<Option<String>, ActivityError>>;

/// An activity type a [`Worker`](crate::worker::Worker) can run.
///
/// # Example
///
/// A hand-written implementation; `#[activity]` generates the same from an `async fn`.
///
/// ```
/// use swf_activity::activity::{Activity, ActivityDefinition, ActivityFuture};
/// use swf_activity::{ActivityType, Progress, RegistrationDefaults, HeartbeatMode};
///
/// struct Echo;
///
/// static ECHO: ActivityDefinition = ActivityDefinition {
///     activity_type: ActivityType::from_static("Echo", "1"),
///     defaults: RegistrationDefaults::NONE,
///     heartbeat: HeartbeatMode::Auto,
/// };
///
/// impl Activity for Echo {
///     fn definition(&self) -> &ActivityDefinition {
///         &ECHO
///     }
///
///     fn execute(&self, _progress: Progress, input: Option<String>) -> ActivityFuture {
///         Box::pin(async move { Ok(input) })
///     }
/// }
/// ```
pub trait Activity: Send + Sync + 'static {
    /// The type's name, version, registration defaults and heartbeat mode.
    fn definition(&self) -> &ActivityDefinition;

    /// Runs one task: `input` is the task's raw input (`None` when the task has none), the
    /// result is the raw result to send back (`None` for an empty result).
    fn execute(&self, progress: Progress, input: Option<String>) -> ActivityFuture;

    /// The [resources](crate::resources) the activity takes. A
    /// [`WorkerBuilder::build`](crate::worker::WorkerBuilder::build) without one of them is
    /// refused. None by default.
    fn resources(&self) -> Vec<ResourceKey> {
        Vec::new()
    }

    /// Runs one task with the worker's resources. The worker calls this for activities that list
    /// [`resources`](Self::resources); the default ignores them and calls
    /// [`execute`](Self::execute).
    fn execute_with(
        &self,
        progress: Progress,
        input: Option<String>,
        resources: &Resources,
    ) -> ActivityFuture {
        let _ = resources;
        self.execute(progress, input)
    }
}

impl<A: Activity + ?Sized> Activity for std::sync::Arc<A> {
    fn definition(&self) -> &ActivityDefinition {
        (**self).definition()
    }

    fn execute(&self, progress: Progress, input: Option<String>) -> ActivityFuture {
        (**self).execute(progress, input)
    }

    fn resources(&self) -> Vec<ResourceKey> {
        (**self).resources()
    }

    fn execute_with(
        &self,
        progress: Progress,
        input: Option<String>,
        resources: &Resources,
    ) -> ActivityFuture {
        (**self).execute_with(progress, input, resources)
    }
}

/// An activity whose input and output types are known: every `#[activity]` function implements
/// it. The [`decider`](crate::decider) module builds typed decisions and reads typed outcomes
/// from it.
///
/// ```
/// use swf_activity::activity::TypedActivity;
/// use swf_activity::{activity, ActivityError};
///
/// #[activity(version = "1", start_to_close_timeout = "1m")]
/// async fn count(words: Vec<String>) -> Result<usize, ActivityError> {
///     Ok(words.len())
/// }
///
/// fn input_of<A: TypedActivity>(_: A) -> &'static str {
///     std::any::type_name::<A::Input>()
/// }
/// assert_eq!(input_of(count), "alloc::vec::Vec<alloc::string::String>");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no typed input and output: the decider's typed API takes an `#[activity]` function",
    label = "not an `#[activity]` function",
    note = "pass the `#[activity]` function's name, or implement `swf_activity::activity::TypedActivity` for `{Self}`, naming its input and output types"
)]
pub trait TypedActivity: Activity {
    /// What the activity decodes its JSON input into (`()` when it takes no input).
    type Input;
    /// What it returns when it completes, encoded as the JSON result (`()` when it returns
    /// nothing; the `Ok` type when it returns a `Result`).
    type Output;
}

/// Everything about an activity type except the code that runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityDefinition {
    /// The registered name and version.
    pub activity_type: ActivityType,
    /// The defaults registered with the type.
    pub defaults: RegistrationDefaults,
    /// Whether heartbeats are sent while the activity runs without reporting.
    pub heartbeat: HeartbeatMode,
}

/// An activity type's identity in SWF: its name and version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityType {
    /// The type's name (1 to 256 characters).
    pub name: Cow<'static, str>,
    /// The type's version (1 to 64 characters).
    pub version: Cow<'static, str>,
}

impl ActivityType {
    /// A type from owned or borrowed strings.
    pub fn new(name: impl Into<Cow<'static, str>>, version: impl Into<Cow<'static, str>>) -> Self {
        ActivityType {
            name: name.into(),
            version: version.into(),
        }
    }

    /// A type from string literals, usable in `const` and `static` items.
    pub const fn from_static(name: &'static str, version: &'static str) -> Self {
        ActivityType {
            name: Cow::Borrowed(name),
            version: Cow::Borrowed(version),
        }
    }
}

impl fmt::Display for ActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (version {})", self.name, self.version)
    }
}

/// The defaults registered with an activity type (RegisterActivityType). A decider's
/// ScheduleActivityTask decision may override each of them for one task.
///
/// `None` leaves a field unregistered; the decider must then give it when scheduling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistrationDefaults {
    /// Shown in the SWF console (at most 1024 characters).
    pub description: Option<Cow<'static, str>>,
    /// The task list tasks go to when the decider names none.
    pub task_list: Option<Cow<'static, str>>,
    /// The task priority (higher runs first).
    pub task_priority: Option<i32>,
    /// How long a task may go without a heartbeat.
    pub heartbeat_timeout: Option<Timeout>,
    /// How long a task may run once a worker has it.
    pub start_to_close_timeout: Option<Timeout>,
    /// How long a task may wait for a worker.
    pub schedule_to_start_timeout: Option<Timeout>,
    /// How long a task may take from scheduling to its end.
    pub schedule_to_close_timeout: Option<Timeout>,
}

impl RegistrationDefaults {
    /// No defaults at all, usable in `const` and `static` items.
    pub const NONE: RegistrationDefaults = RegistrationDefaults {
        description: None,
        task_list: None,
        task_priority: None,
        heartbeat_timeout: None,
        start_to_close_timeout: None,
        schedule_to_start_timeout: None,
        schedule_to_close_timeout: None,
    };
}

/// Whether the framework keeps a running task alive on its own.
///
/// | mode | heartbeats go out |
/// |---|---|
/// | [`Auto`](HeartbeatMode::Auto) (default) | on schedule while the activity runs, reported or not |
/// | [`Manual`](HeartbeatMode::Manual) | only after [`Progress::report`] or [`Progress::flush`] |
///
/// With `Manual`, an activity that gets stuck stops reporting, so SWF times it out after its
/// heartbeat timeout and the decider can retry it elsewhere: pick it for work whose progress you
/// can report from inside its loop. `Auto` suits work that cannot report (one long call into a
/// library), at the price that a stuck task is only noticed at its start-to-close timeout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HeartbeatMode {
    /// Heartbeats go out on schedule while the activity runs.
    #[default]
    Auto,
    /// Only reports cause heartbeats.
    Manual,
}
