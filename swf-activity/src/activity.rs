//! The [`Activity`] trait that every activity type implements, and its registration data.
//!
//! Most code never implements [`Activity`] by hand: [`#[activity]`](macro@crate::activity) does it
//! for an `async fn`. Implementing it directly is useful for activity types whose name or version is
//! only known at run time.

use std::borrow::Cow;

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

#[doc(inline)]
pub use crate::task::ActivityType;

/// The defaults registered with an activity type (RegisterActivityType). A decider's
/// ScheduleActivityTask decision may override each of them for one task.
///
/// `None` leaves a field unregistered; the decider must then give it when scheduling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistrationDefaults {
    /// Shown in the SWF console (at most 1024 characters).
    pub description: Option<Cow<'static, str>>,
    /// The task list tasks go to when the decider names none.
    pub task_list: DefaultTaskList,
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
    /// No defaults of its own, usable in `const` and `static` items: the worker's first task
    /// list stands in as the default task list.
    pub const NONE: RegistrationDefaults = RegistrationDefaults {
        description: None,
        task_list: DefaultTaskList::WorkerTaskList,
        task_priority: None,
        heartbeat_timeout: None,
        start_to_close_timeout: None,
        schedule_to_start_timeout: None,
        schedule_to_close_timeout: None,
    };
}

/// The task list an activity type registers as its default: where SWF puts a task of the type
/// when the decider's ScheduleActivityTask names no list.
///
/// | `#[activity(...)]` | variant | registered default |
/// |---|---|---|
/// | no `task_list` key | [`WorkerTaskList`](Self::WorkerTaskList) | the first task list of the worker that registers the type |
/// | `task_list = "images"` | [`Named`](Self::Named) | `images` |
/// | `task_list = none` | [`NoDefault`](Self::NoDefault) | none (Flow's `NO_DEFAULT_TASK_LIST`) |
///
/// `NoDefault` is for types whose tasks must run on a list chosen per task, such as a host's own
/// list in Flow's file-processing pattern: registering the worker's list would bake one host's
/// list into the type. Every decision scheduling such a type must then name the list:
/// [`ScheduleActivity::decision`](crate::decider::ScheduleActivity::decision) refuses one that
/// does not, with [`DecisionError::NoDefaultTaskList`](crate::decider::DecisionError::NoDefaultTaskList).
///
/// ```
/// use swf_activity::activity::DefaultTaskList;
/// use swf_activity::{activity, Activity, ActivityError};
///
/// /// Processes a file already on this host's disk; scheduled on the host's own list.
/// #[activity(version = "1", task_list = none, start_to_close_timeout = "10m")]
/// async fn process(path: String) -> Result<String, ActivityError> {
///     Ok(path)
/// }
///
/// assert_eq!(process.definition().defaults.task_list, DefaultTaskList::NoDefault);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum DefaultTaskList {
    /// The first task list of the worker that registers the type
    /// ([`WorkerBuilder::task_list`](crate::worker::WorkerBuilder::task_list)).
    #[default]
    WorkerTaskList,
    /// This task list.
    Named(Cow<'static, str>),
    /// No default: every decision scheduling the type names the list.
    NoDefault,
}

impl DefaultTaskList {
    /// The list's name when it is [`Named`](Self::Named).
    pub fn name(&self) -> Option<&str> {
        match self {
            DefaultTaskList::Named(name) => Some(name),
            DefaultTaskList::WorkerTaskList | DefaultTaskList::NoDefault => None,
        }
    }

    /// The list registered as the default for a type registered by a worker whose first list is
    /// `worker_task_list`; `None` for [`NoDefault`](Self::NoDefault).
    pub fn registered<'a>(&'a self, worker_task_list: &'a str) -> Option<&'a str> {
        match self {
            DefaultTaskList::WorkerTaskList => Some(worker_task_list),
            DefaultTaskList::Named(name) => Some(name),
            DefaultTaskList::NoDefault => None,
        }
    }
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
