//! [`WorkerBuilder`]: a worker's settings and activities.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::Client;

use super::config::DEFAULT_MAX_BLOCKING_ACTIVITIES;
use super::config::{
    DEFAULT_ABANDON_GRACE, DEFAULT_CANCEL_GRACE, DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    DEFAULT_POLLERS, DEFAULT_SHUTDOWN_GRACE, POLL_ATTEMPT_TIMEOUT, TimeoutSource, WorkerConfig,
};
use super::error::BuildError;
use super::pacing::TaskStartRate;
use super::{EnginePlacement, Worker};
use crate::activity::{Activity, ActivityType};
use crate::codec::PayloadCodec;
use crate::heartbeat::HeartbeatConfig;
use crate::limits::IDENTITY_MAX_CHARS;
use crate::names::{NameField, name_problem};
use crate::resources::{Resources, bind};
use crate::timeout::Timeout;

/// Builds a [`Worker`]. Start from [`Worker::builder`] or [`Worker::from_sdk_config`].
///
/// | setting | default |
/// |---|---|
/// | [`domain`](Self::domain), [`task_list`](Self::task_list) | required |
/// | [`also_poll`](Self::also_poll), [`task_lists`](Self::task_lists) | no further task lists |
/// | [`identity`](Self::identity) | `host:pid` |
/// | [`max_concurrent_activities`](Self::max_concurrent_activities) | 16 |
/// | [`max_blocking_activities`](Self::max_blocking_activities) | 8 |
/// | [`pollers`](Self::pollers) | 2 per task list (never more than the concurrency) |
/// | [`register_activity_types`](Self::register_activity_types) | on |
/// | [`heartbeat`](Self::heartbeat) | [`HeartbeatConfig::default`] |
/// | [`heartbeat_timeout`](Self::heartbeat_timeout) | each activity's registered default |
/// | [`timeout_source`](Self::timeout_source) | [`TimeoutSource::RegisteredDefaults`] |
/// | [`shutdown_grace`](Self::shutdown_grace) | 30 s |
/// | [`cancel_grace`](Self::cancel_grace) | 10 s |
/// | [`abandon_grace`](Self::abandon_grace) | 10 s |
/// | [`deadline_margin`](Self::deadline_margin) | 2 s |
/// | [`resource`](Self::resource) | none; each one an activity takes is required |
/// | [`max_task_starts_per_second`](Self::max_task_starts_per_second) | no limit |
/// | [`task_start_burst`](Self::task_start_burst) | 1 (with a start rate) |
/// | [`payload_codec`](Self::payload_codec) | none: payloads go to SWF as the activities make them |
#[must_use = "a builder does nothing until build() is called"]
pub struct WorkerBuilder {
    client: Client,
    domain: Option<String>,
    task_list: Option<String>,
    other_task_lists: Vec<String>,
    identity: Option<String>,
    max_concurrent_activities: usize,
    max_blocking_activities: usize,
    pollers: usize,
    register_activity_types: bool,
    heartbeat: HeartbeatConfig,
    heartbeat_timeout_override: Option<Timeout>,
    timeout_source: TimeoutSource,
    shutdown_grace: Duration,
    cancel_grace: Duration,
    abandon_grace: Duration,
    deadline_margin: Option<Duration>,
    poll_timeout: Duration,
    engine_placement: EnginePlacement,
    activities: Vec<Arc<dyn Activity>>,
    resources: Resources,
    max_task_starts_per_second: Option<f64>,
    task_start_burst: Option<u32>,
    payload_codec: Option<Arc<dyn PayloadCodec>>,
}

impl WorkerBuilder {
    pub(crate) fn new(client: Client) -> Self {
        WorkerBuilder {
            client,
            domain: None,
            task_list: None,
            other_task_lists: Vec::new(),
            identity: None,
            max_concurrent_activities: DEFAULT_MAX_CONCURRENT_ACTIVITIES,
            max_blocking_activities: DEFAULT_MAX_BLOCKING_ACTIVITIES,
            pollers: DEFAULT_POLLERS,
            register_activity_types: true,
            heartbeat: HeartbeatConfig::default(),
            heartbeat_timeout_override: None,
            timeout_source: TimeoutSource::default(),
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            cancel_grace: DEFAULT_CANCEL_GRACE,
            abandon_grace: DEFAULT_ABANDON_GRACE,
            deadline_margin: None,
            poll_timeout: POLL_ATTEMPT_TIMEOUT,
            engine_placement: EnginePlacement::DedicatedThread,
            activities: Vec::new(),
            resources: Resources::new(),
            max_task_starts_per_second: None,
            task_start_burst: None,
            payload_codec: None,
        }
    }

    /// The SWF domain to poll.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The task list to poll: the worker's first one. It is also registered as the default task
    /// list of the activity types that declare none (see [`DefaultTaskList`](crate::activity::DefaultTaskList)).
    pub fn task_list(mut self, task_list: impl Into<String>) -> Self {
        self.task_list = Some(task_list.into());
        self
    }

    /// Polls `task_list` too, with the same slots, heartbeat engine and heartbeat budget as the
    /// first. Call it once per further list. For work on a host's local disk (Flow's
    /// file-processing pattern): poll a list shared by every host and one only this host polls,
    /// and have an activity return the host's list so the decider schedules the next steps there.
    ///
    /// Each list gets [`pollers`](Self::pollers) long polls. A poll holds one of the
    /// [`max_concurrent_activities`](Self::max_concurrent_activities) slots while it waits, so
    /// across all lists no more polls are in flight than slots are free, and when fewer slots are
    /// free than lists are polled, the lists take turns: give the worker at least one slot per
    /// list, and a few more, so no list waits on another's long poll. The
    /// [task start rate](Self::max_task_starts_per_second) and a pause hold for all lists
    /// together. Activity types are
    /// registered once, with the first list as their default (unless they declare another, or
    /// none).
    ///
    /// ```no_run
    /// use swf_activity::{activity, ActivityError};
    /// use swf_activity::worker::Worker;
    ///
    /// /// Downloads a file to this host's disk and returns the task list only this host polls.
    /// #[activity(version = "1", task_list = "files", start_to_close_timeout = "10m")]
    /// async fn download(url: String) -> Result<String, ActivityError> {
    ///     // ... fetch `url` to local disk ...
    ///     Ok(format!("files-{}", "host-a"))
    /// }
    ///
    /// # fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::worker::BuildError> {
    /// let worker = Worker::builder(client)
    ///     .domain("media")
    ///     .task_list("files")          // shared by every host
    ///     .also_poll("files-host-a")   // this host's own list
    ///     .max_concurrent_activities(8) // one pool of slots for both
    ///     .activity(download)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn also_poll(mut self, task_list: impl Into<String>) -> Self {
        self.other_task_lists.push(task_list.into());
        self
    }

    /// Polls exactly these task lists, replacing any given before: the first is the worker's
    /// first list (as [`task_list`](Self::task_list) sets it), the others are polled as
    /// [`also_poll`](Self::also_poll) adds them. For lists read from configuration.
    ///
    /// ```no_run
    /// # fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::worker::BuildError> {
    /// # use swf_activity::{activity, ActivityError};
    /// # /// Does nothing.
    /// # #[activity(version = "1", start_to_close_timeout = "1m")]
    /// # async fn noop() -> Result<(), ActivityError> { Ok(()) }
    /// let lists = std::env::var("TASK_LISTS").unwrap_or_else(|_| "files,files-host-a".into());
    /// let worker = swf_activity::worker::Worker::builder(client)
    ///     .domain("media")
    ///     .task_lists(lists.split(','))
    ///     .activity(noop)
    ///     .build()?; // refuses an empty, invalid or repeated list
    /// # Ok(()) }
    /// ```
    pub fn task_lists<I, S>(mut self, task_lists: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut lists = task_lists.into_iter().map(Into::into);
        self.task_list = lists.next();
        self.other_task_lists = lists.collect();
        self
    }

    /// The identity recorded in ActivityTaskStarted events (at most 256 characters).
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// How many activities run at once. The worker polls only while a slot is free, so no task
    /// waits on a busy worker.
    pub fn max_concurrent_activities(mut self, max: usize) -> Self {
        self.max_concurrent_activities = max;
        self
    }

    /// How many [blocking activities](macro@crate::activity#blocking-activities) run at once, on
    /// tokio's blocking threads (default 8). They count against
    /// [`max_concurrent_activities`](Self::max_concurrent_activities) too; a blocking task the
    /// worker has polled waits for a place while its heartbeats go on (it is already started in
    /// SWF); cancelled meanwhile, it answers at once without running.
    ///
    /// The pool bounds threads actually in use: a blocking activity keeps its place until its
    /// thread returns, even after the worker has given up on its task (see
    /// [`abandon_grace`](Self::abandon_grace)), so one that ignores cancellation holds its place
    /// until it ends by itself. Tokio's runtime also waits for blocking threads when it is dropped,
    /// so such an activity keeps the process alive after [`Worker::run`] returns, until a second
    /// shutdown signal ends it (see [`FORCED_EXIT_AFTER`](super::FORCED_EXIT_AFTER)).
    pub fn max_blocking_activities(mut self, max: usize) -> Self {
        self.max_blocking_activities = max;
        self
    }

    /// How many long polls run at once on each task list (capped at the concurrency). Every poll
    /// waits for a free slot first, so idle polls never hold more slots than are free.
    pub fn pollers(mut self, pollers: usize) -> Self {
        self.pollers = pollers;
        self
    }

    /// Whether the worker registers its activity types when it starts.
    pub fn register_activity_types(mut self, register: bool) -> Self {
        self.register_activity_types = register;
        self
    }

    /// Heartbeat intervals and the worker's heartbeat budget.
    pub fn heartbeat(mut self, config: HeartbeatConfig) -> Self {
        self.heartbeat = config;
        self
    }

    /// Uses this heartbeat timeout for every task, whatever the activities declare: for deciders
    /// that schedule with another timeout than the registered default.
    pub fn heartbeat_timeout(mut self, timeout: Timeout) -> Self {
        self.heartbeat_timeout_override = Some(timeout);
        self
    }

    /// Where each task's heartbeat and start-to-close timeouts are read from.
    pub fn timeout_source(mut self, source: TimeoutSource) -> Self {
        self.timeout_source = source;
        self
    }

    /// How long running activities may go on after shutdown begins before their
    /// [`cancelled()`](crate::Progress::cancelled) resolves with
    /// [`WorkerShutdown`](crate::CancelReason::WorkerShutdown).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long activities may go on after that cancellation before they are stopped and answered
    /// failed ("worker shut down"), so the decider can reschedule them at once.
    pub fn cancel_grace(mut self, grace: Duration) -> Self {
        self.cancel_grace = grace;
        self
    }

    /// How long an activity may go on once SWF no longer accepts an answer for its task (it timed
    /// out, was closed elsewhere, or the worker may not act on it) before the worker drops the
    /// activity's future, frees its slot and counts it
    /// [`tasks_abandoned`](super::WorkerStats::tasks_abandoned). The activity sees
    /// [`cancelled()`](crate::Progress::cancelled) resolve at the start of this grace.
    ///
    /// Dropping a future cannot stop code that blocks its thread: write blocking or CPU-bound
    /// code as a [blocking activity](macro@crate::activity#blocking-activities), which checks its
    /// [`Progress`](crate::Progress) from its own thread. A blocking activity that ignores the
    /// cancellation is abandoned all the same, but its thread runs on and keeps its place in
    /// [`max_blocking_activities`](Self::max_blocking_activities) until it returns.
    pub fn abandon_grace(mut self, grace: Duration) -> Self {
        self.abandon_grace = grace;
        self
    }

    /// Slack added to every deadline the worker computes itself before acting on it (default
    /// 2 s): a task's start-to-close deadline (counted from when its poll returned) and its
    /// heartbeat deadline (last answered heartbeat + heartbeat timeout). Answers are retried and
    /// activities left running until then, so clock skew and network delay never make the
    /// worker give up on a task SWF would still accept. Overrides
    /// [`HeartbeatConfig::deadline_margin`].
    pub fn deadline_margin(mut self, margin: Duration) -> Self {
        self.deadline_margin = Some(margin);
        self
    }

    /// Runs the heartbeat engine on the runtime that calls [`Worker::run`] instead of a thread of
    /// its own. Meant for tests under tokio's paused time; in production activity code that blocks
    /// its thread could then delay heartbeats.
    pub fn heartbeat_on_worker_runtime(mut self) -> Self {
        self.engine_placement = EnginePlacement::WorkerRuntime;
        self
    }

    #[doc(hidden)]
    /// How long one poll attempt may take. SWF holds a long poll up to 60 s; only endpoints that
    /// answer sooner may use less.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = timeout;
        self
    }

    /// Adds an activity, usually by the name of its `#[activity]` function.
    ///
    /// ```no_run
    /// use swf_activity::{activity, ActivityError};
    /// use swf_activity::worker::Worker;
    ///
    /// /// Says hello.
    /// #[activity(version = "1", start_to_close_timeout = "1m")]
    /// async fn greet(name: String) -> Result<String, ActivityError> {
    ///     Ok(format!("hello, {name}"))
    /// }
    ///
    /// # fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::worker::BuildError> {
    /// let worker = Worker::builder(client)
    ///     .domain("demo")
    ///     .task_list("greetings")
    ///     .activity(greet)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn activity<A: Activity>(mut self, activity: A) -> Self {
        self.activities.push(Arc::new(activity));
        self
    }

    /// Shares `value` with every activity that takes a `Resource<T>` of its type: one value per
    /// type, a later one replacing an earlier. [`build`](Self::build) refuses a worker whose
    /// activities take a resource it was not given. See [`resources`](crate::resources) for an
    /// example and why activities get shared values this way.
    pub fn resource<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.resources.insert(value);
        self
    }

    /// Like [`resource`](Self::resource), for a value already shared through an `Arc` (the
    /// activities take it as `Resource<T>`, not `Resource<Arc<T>>`).
    pub fn resource_arc<T: Send + Sync + 'static>(mut self, value: Arc<T>) -> Self {
        self.resources.insert_arc(value);
        self
    }

    /// The most tasks this worker starts per second, on average, whatever its slots allow: for a
    /// downstream that must not see more (SWF has no task list rate limit, so the worker is the
    /// throttle). AWS Flow for Java's `ActivityWorker.setMaximumPollRatePerSecond` and Temporal's
    /// `MaxWorkerActivitiesPerSecond` do the same. No limit unless set; [`build`](Self::build)
    /// refuses zero, negative, infinite and NaN rates.
    ///
    /// A token bucket shared by all pollers: a poll starts only with a token, which is spent when
    /// the poll brings a task and given back when it comes back empty or fails, so long polls
    /// with no work do not use the rate up. After a quiet period up to
    /// [`task_start_burst`](Self::task_start_burst) tasks (default 1) start at once. Tokens are
    /// taken when a poll starts, and SWF may hold a poll up to 60 s before it hands a task over:
    /// when tasks arrive while several polls wait, up to [`pollers`](Self::pollers) of them may
    /// start together: over any `t` seconds at most `burst + rate × t` tasks start, plus one for
    /// each poll already waiting when those seconds began.
    ///
    /// The limit is per worker: with several workers on one task list, divide the downstream's
    /// limit among them.
    ///
    /// ```no_run
    /// # use swf_activity::{activity, ActivityError};
    /// # #[activity(version = "1", start_to_close_timeout = "1m")]
    /// # async fn charge(order: String) -> Result<(), ActivityError> { Ok(()) }
    /// # fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::worker::BuildError> {
    /// use swf_activity::worker::Worker;
    ///
    /// // The payment provider takes at most 5 requests a second.
    /// let worker = Worker::builder(client)
    ///     .domain("shop")
    ///     .task_list("payments")
    ///     .activity(charge)
    ///     .max_task_starts_per_second(5.0)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn max_task_starts_per_second(mut self, per_second: f64) -> Self {
        self.max_task_starts_per_second = Some(per_second);
        self
    }

    /// How many tasks may start at once after a quiet period, under
    /// [`max_task_starts_per_second`](Self::max_task_starts_per_second) (default 1: starts are
    /// spaced evenly). [`build`](Self::build) refuses 0, and a burst without a rate.
    pub fn task_start_burst(mut self, burst: u32) -> Self {
        self.task_start_burst = Some(burst);
        self
    }

    /// Encodes what the worker sends SWF (results, failure and cancellation details, heartbeat
    /// details) and decodes each task's input with `codec`: compression, a claim-check store,
    /// encryption. SWF's limits apply to the encoded payloads. Deciders use the same codec (see
    /// [`codec`](crate::codec) for both sides and for what happens when a payload does not
    /// encode or decode).
    ///
    /// ```no_run
    /// use swf_activity::codec::GzipCodec;
    /// use swf_activity::worker::Worker;
    /// # use swf_activity::{activity, ActivityError};
    /// # /// Says hello.
    /// # #[activity(version = "1", start_to_close_timeout = "1m")]
    /// # async fn greet(name: String) -> Result<String, ActivityError> { Ok(name) }
    ///
    /// # fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::worker::BuildError> {
    /// let worker = Worker::builder(client)
    ///     .domain("demo")
    ///     .task_list("greetings")
    ///     .payload_codec(GzipCodec::new())
    ///     .activity(greet)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn payload_codec(mut self, codec: impl PayloadCodec) -> Self {
        self.payload_codec = Some(Arc::new(codec));
        self
    }

    /// Checks the settings and builds the worker.
    pub fn build(self) -> Result<Worker, BuildError> {
        let domain = self.domain.ok_or(BuildError::MissingDomain)?;
        check_name(NameField::Domain, &domain)?;
        let task_list = self.task_list.ok_or(BuildError::MissingTaskList)?;
        check_name(NameField::TaskList, &task_list)?;
        for (index, other) in self.other_task_lists.iter().enumerate() {
            check_name(NameField::TaskList, other)?;
            if *other == task_list || self.other_task_lists[..index].contains(other) {
                return Err(BuildError::DuplicateTaskList {
                    task_list: other.clone(),
                });
            }
        }
        let identity = self.identity.unwrap_or_else(default_identity);
        let chars = identity.chars().count();
        if chars > IDENTITY_MAX_CHARS {
            return Err(BuildError::IdentityTooLong { chars });
        }
        if self.max_concurrent_activities == 0 {
            return Err(BuildError::Zero {
                setting: "max_concurrent_activities",
            });
        }
        if self.max_blocking_activities == 0 {
            return Err(BuildError::Zero {
                setting: "max_blocking_activities",
            });
        }
        if self.pollers == 0 {
            return Err(BuildError::Zero { setting: "pollers" });
        }
        let task_start_rate =
            task_start_rate(self.max_task_starts_per_second, self.task_start_burst)?;
        if self.activities.is_empty() {
            return Err(BuildError::NoActivities);
        }
        let mut activities: HashMap<ActivityType, Arc<dyn Activity>> = HashMap::new();
        for activity in self.activities {
            let activity_type = activity.definition().activity_type.clone();
            check_name(NameField::ActivityName, &activity_type.name)?;
            check_name(NameField::ActivityVersion, &activity_type.version)?;
            for resource in activity.resources() {
                if !self.resources.contains(resource) {
                    return Err(BuildError::MissingResource {
                        activity_type,
                        resource: resource.type_name(),
                    });
                }
            }
            let activity = bind(activity, &self.resources);
            if activities.insert(activity_type.clone(), activity).is_some() {
                return Err(BuildError::DuplicateActivity { activity_type });
            }
        }
        let config = WorkerConfig {
            domain,
            task_list,
            other_task_lists: self.other_task_lists,
            identity,
            max_concurrent_activities: self.max_concurrent_activities,
            max_blocking_activities: self.max_blocking_activities,
            pollers: self.pollers.min(self.max_concurrent_activities),
            register_activity_types: self.register_activity_types,
            heartbeat: HeartbeatConfig {
                deadline_margin: self
                    .deadline_margin
                    .unwrap_or(self.heartbeat.deadline_margin),
                ..self.heartbeat
            },
            heartbeat_timeout_override: self.heartbeat_timeout_override,
            timeout_source: self.timeout_source,
            shutdown_grace: self.shutdown_grace,
            cancel_grace: self.cancel_grace,
            abandon_grace: self.abandon_grace,
            poll_timeout: self.poll_timeout,
            task_start_rate,
            payload_codec: self.payload_codec,
        };
        Ok(Worker::new(
            self.client,
            config,
            activities,
            self.engine_placement,
        ))
    }
}

/// The task start rate the settings ask for, if any.
fn task_start_rate(
    per_second: Option<f64>,
    burst: Option<u32>,
) -> Result<Option<TaskStartRate>, BuildError> {
    let Some(per_second) = per_second else {
        return match burst {
            Some(_) => Err(BuildError::TaskStartBurstWithoutRate),
            None => Ok(None),
        };
    };
    if !(per_second.is_finite() && per_second > 0.0) {
        return Err(BuildError::InvalidTaskStartRate { per_second });
    }
    let burst = burst.unwrap_or(1);
    if burst == 0 {
        return Err(BuildError::Zero {
            setting: "task_start_burst",
        });
    }
    Ok(Some(TaskStartRate { per_second, burst }))
}

fn check_name(field: NameField, value: &str) -> Result<(), BuildError> {
    match name_problem(field, value) {
        Some(problem) => Err(BuildError::InvalidName {
            field: field.what(),
            value: value.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// `host:pid`, the identity SWF shows for the worker that started a task.
fn default_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned());
    let identity = format!("{host}:{}", std::process::id());
    crate::limits::truncate_to_chars(&identity, IDENTITY_MAX_CHARS)
}
