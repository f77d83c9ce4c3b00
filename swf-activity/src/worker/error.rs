//! Errors from building and running a worker.

use crate::activity::ActivityType;

/// Why [`WorkerBuilder::build`](super::WorkerBuilder::build) refused its settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No domain was given.
    #[error("no domain: call WorkerBuilder::domain with the SWF domain to poll")]
    MissingDomain,
    /// No task list was given.
    #[error("no task list: call WorkerBuilder::task_list with the task list to poll")]
    MissingTaskList,
    /// A task list is given twice.
    #[error(
        "task list {task_list:?} is given twice: each list is polled once by a worker (set how many polls each list gets with WorkerBuilder::pollers); remove the repeat"
    )]
    DuplicateTaskList {
        /// The task list given twice.
        task_list: String,
    },
    /// No activity was added.
    #[error("no activities: add at least one with WorkerBuilder::activity")]
    NoActivities,
    /// Two activities share a name and version.
    #[error(
        "activity type {activity_type} is added twice: a worker runs one implementation per name and version, so give one of them another name or version"
    )]
    DuplicateActivity {
        /// The type added twice.
        activity_type: ActivityType,
    },
    /// An activity takes a `Resource<T>` the builder was not given.
    #[error(
        "activity {activity_type} takes Resource<{resource}>, but the worker has no {resource}: add it with WorkerBuilder::resource(value) before build()"
    )]
    MissingResource {
        /// The activity that takes it.
        activity_type: ActivityType,
        /// The resource's type, as Rust names it.
        resource: &'static str,
    },
    /// A domain, task list, activity name or version breaks SWF's naming rules.
    #[error("{field} {value:?} is not a valid SWF name: {problem}")]
    InvalidName {
        /// Which setting.
        field: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The identity is too long for SWF.
    #[error(
        "identity is {chars} characters, over SWF's limit of 256: pass a shorter one to WorkerBuilder::identity"
    )]
    IdentityTooLong {
        /// Characters in the identity.
        chars: usize,
    },
    /// The maximum task start rate is not a positive, finite number.
    #[error(
        "max_task_starts_per_second is {per_second}: pass a positive, finite number of task starts per second (e.g. 10.0, or 0.5 for one every 2 s), or leave it unset for no limit"
    )]
    InvalidTaskStartRate {
        /// The rate given.
        per_second: f64,
    },
    /// A task start burst was given without a task start rate.
    #[error(
        "task_start_burst is set but max_task_starts_per_second is not: set the rate too, or drop the burst (without a rate, starts are not limited)"
    )]
    TaskStartBurstWithoutRate,
    /// A count that must be positive is zero.
    #[error("{setting} must be at least 1")]
    Zero {
        /// Which setting.
        setting: &'static str,
    },
}

/// Why [`Worker::run`](super::Worker::run) stopped with an error. Running activities were still
/// given their shutdown grace and answered before it returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// SWF answered UnknownResourceFault: the domain does not exist.
    #[error(
        "domain {domain:?} does not exist ({operation} answered UnknownResourceFault: {message}): register it first (swf_activity::registration::register_domain) or fix the domain name"
    )]
    UnknownDomain {
        /// The domain.
        domain: String,
        /// The operation that failed.
        operation: &'static str,
        /// The service's message.
        message: String,
    },
    /// SWF answered OperationNotPermittedFault.
    #[error(
        "not permitted to call {operation} on domain {domain:?} ({message}): grant the IAM permission swf:{operation} on that domain to this worker's credentials"
    )]
    NotPermitted {
        /// The domain.
        domain: String,
        /// The operation that was refused.
        operation: &'static str,
        /// The service's message.
        message: String,
    },
    /// Registering an activity type failed for a reason other than it already existing.
    #[error(
        "registering activity type {activity_type} failed: {message}; turn registration off with WorkerBuilder::register_activity_types(false) if the types are registered elsewhere"
    )]
    Registration {
        /// The type.
        activity_type: ActivityType,
        /// What the service said.
        message: String,
    },
    /// [`Worker::run_until`](super::Worker::run_until) was called a second time.
    #[error("this worker has already run: build a new one to run again")]
    AlreadyRan,
    /// Listening for Ctrl-C or SIGTERM failed.
    #[error(
        "could not listen for shutdown signals: {0}; use Worker::run_until with your own shutdown future"
    )]
    Signal(#[source] std::io::Error),
}
