//! The [`Worker`]: polls one or more task lists, runs activities, answers every task exactly once.
//!
//! # Lifecycle
//!
//! 1. [`Worker::run`] (or [`run_until`](Worker::run_until)) registers the activity types (unless
//!    turned off), then starts the pollers.
//! 2. A poller long-polls PollForActivityTask only while a concurrency slot is free, polling is
//!    not paused ([`Worker::polling_control`]) and, with
//!    [`max_task_starts_per_second`](WorkerBuilder::max_task_starts_per_second), the rate allows
//!    another start. An empty
//!    answer is normal and the poller polls again; errors back off with jitter; UnknownResourceFault
//!    (no such domain) and OperationNotPermittedFault end the run with an error that says what to fix.
//! 3. Each task runs in its own tokio task with its own [`Progress`](crate::Progress); the heartbeat
//!    engine keeps it alive and delivers cancellation. The worker then answers it exactly once:
//!
//! | the activity | the answer |
//! |---|---|
//! | returns `Ok(result)` | RespondActivityTaskCompleted with the JSON result |
//! | returns a result over 32768 characters | RespondActivityTaskFailed, the reason giving size and limit |
//! | returns `ActivityError::failed(..)` | RespondActivityTaskFailed (reason cut to 256, details to 32768 characters) |
//! | returns `ActivityError::canceled()` | RespondActivityTaskCanceled with its details |
//! | returns [`ActivityError::completes_elsewhere()`](crate::ActivityError::completes_elsewhere) | nothing: it handed its token over and another process answers ([`completion`](crate::completion)); heartbeats stop and the slot is freed at once |
//! | panics | RespondActivityTaskFailed with the panic message; the worker keeps running |
//! | input that does not deserialize | RespondActivityTaskFailed, reason "invalid input", serde's message in details |
//! | input the [payload codec](crate::codec) cannot decode | RespondActivityTaskFailed, reason "undecodable input: " and the codec's error |
//! | unknown type or version | RespondActivityTaskFailed naming it and the types this worker runs |
//!
//! Answers retry throttling and transient errors with backoff. An answer refused with
//! UnknownResourceFault (the task is already gone) is logged at warn and nothing more is sent.
//!
//! # Shutdown timeline
//!
//! Shutdown begins when the future given to [`run_until`](Worker::run_until) resolves, on Ctrl-C or
//! SIGTERM under [`run`](Worker::run), or through a [`ShutdownHandle`]. From then on (time `T`):
//!
//! | when | what happens |
//! |---|---|
//! | `T` | no new poll starts. Polls in flight are **not** aborted (a task they return would sit open until it timed out): the worker waits for them, up to SWF's 60 s, and runs what they return |
//! | `T` to `T + shutdown_grace` (30 s) | running activities go on undisturbed and are answered as usual |
//! | `T + shutdown_grace` | the activities still running see [`cancelled()`](crate::Progress::cancelled) resolve with [`WorkerShutdown`](crate::CancelReason::WorkerShutdown) |
//! | `T + shutdown_grace + cancel_grace` (10 s more) | those still running are stopped and answered failed, reason "worker shut down", so the decider can reschedule them at once |
//!
//! A task that arrives from an in-flight poll after `T` gets the same two graces counted from its
//! own start. `run` returns once every poll has returned and every task is answered.
//!
//! [`ShutdownHandle::force`], or a second Ctrl-C or SIGTERM under [`run`](Worker::run), cuts this
//! short: running activities are stopped and answered failed ("worker shut down") at once, and
//! polls in flight are abandoned; a task such a poll was about to hand over then stays open until
//! one of its timeouts fires.
//!
//! # Observability
//!
//! Each task runs in a `tracing` span `activity_task` with the activity's name, version, activity
//! id, workflow id and run id, inside the span `poller` of the poller that polled it, which names
//! its `task_list`; task tokens are only ever logged as a short fingerprint.
//! [`Worker::stats`] gives counters; with the `metrics` feature they, and more, are recorded
//! through the `metrics` facade (see [`crate::metrics`]).

mod answer;
mod builder;
mod config;
mod error;
mod execution;
mod history;
mod pacing;
mod poller;
mod shutdown;
mod signals;
mod stats;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use aws_sdk_swf::Client;
use tokio::sync::Semaphore;

pub use answer::ANSWER_ATTEMPT_TIMEOUT;
pub use builder::WorkerBuilder;
pub use config::DEFAULT_MAX_BLOCKING_ACTIVITIES;
pub use config::{
    DEFAULT_ABANDON_GRACE, DEFAULT_CANCEL_GRACE, DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    DEFAULT_POLLERS, DEFAULT_SHUTDOWN_GRACE, POLL_ATTEMPT_TIMEOUT, TimeoutSource,
};
pub use error::{BuildError, WorkerError};
pub use pacing::PollingControl;
pub use shutdown::ShutdownHandle;
pub use signals::FORCED_EXIT_AFTER;
pub use stats::WorkerStats;

use crate::activity::{Activity, ActivityType, HeartbeatMode};
use crate::blocking::BlockingPool;
use crate::codec::EncodingTransport;
use crate::heartbeat::{HeartbeatEngine, HeartbeatTransport, TaskSchedule};
use crate::metrics::WorkerLabels;
use crate::registration::RegisteredTimeouts;
use config::WorkerConfig;
use pacing::PollGate;
use poller::PolledList;
use stats::TaskCounters;

/// Where the heartbeat engine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnginePlacement {
    DedicatedThread,
    WorkerRuntime,
}

/// Polls one or more task lists of one domain and runs the activities added to it.
///
/// ```no_run
/// use swf_activity::{activity, ActivityError, Progress};
/// use swf_activity::worker::Worker;
///
/// /// Counts the words of a text.
/// #[activity(version = "1", heartbeat_timeout = "30s", start_to_close_timeout = "5m")]
/// async fn count_words(progress: Progress, text: String) -> Result<usize, ActivityError> {
///     progress.report("counting")?;
///     Ok(text.split_whitespace().count())
/// }
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let config = aws_config::load_from_env().await;
/// let worker = Worker::from_sdk_config(&config)
///     .domain("text")
///     .task_list("words")
///     .activity(count_words)
///     .build()?;
/// worker.run().await?; // until Ctrl-C or SIGTERM
/// # Ok(()) }
/// ```
pub struct Worker {
    shared: Arc<WorkerShared>,
}

pub(crate) struct WorkerShared {
    /// The caller's client: registration, describes and history reads, with its retries.
    pub(crate) client: Client,
    /// The same client with the SDK's retries off, for polls, answers and heartbeats, which the
    /// worker retries itself (with its own short backoff, deadlines and budget).
    pub(crate) task_client: Client,
    pub(crate) config: WorkerConfig,
    pub(crate) activities: HashMap<ActivityType, Arc<dyn Activity>>,
    pub(crate) counters: TaskCounters,
    /// The `domain` and `task_list` labels of the worker-wide metrics (slots, heartbeats): the
    /// first task list's.
    pub(crate) metric_labels: WorkerLabels,
    /// The domain, shared by every task the worker runs.
    pub(crate) domain_name: Arc<str>,
    /// The task lists polled, the first one first.
    pub(crate) polled_lists: Vec<Arc<PolledList>>,
    pub(crate) shutdown: ShutdownHandle,
    /// What every poll passes first: the pause switch and the task start rate.
    pub(crate) poll_gate: PollGate,
    /// The places blocking activities run in.
    pub(crate) blocking_pool: BlockingPool,
    engine_placement: EnginePlacement,
    engine: std::sync::Mutex<Option<HeartbeatEngine>>,
    started: AtomicBool,
    registered: AtomicBool,
    /// The timeouts SWF holds for each type, learnt at start.
    registered_timeouts: RwLock<HashMap<ActivityType, RegisteredTimeouts>>,
}

impl WorkerShared {
    /// The timeouts SWF holds for `activity_type`: as registered or described at start, else as
    /// the code declares them, else none.
    pub(crate) fn registered_timeouts(&self, activity_type: &ActivityType) -> RegisteredTimeouts {
        if let Some(timeouts) = self
            .registered_timeouts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(activity_type)
        {
            return *timeouts;
        }
        self.activities
            .get(activity_type)
            .map_or_else(RegisteredTimeouts::default, |activity| {
                RegisteredTimeouts::declared(activity.definition())
            })
    }

    /// What the heartbeat engine times a task of `activity_type` by, before anything more is
    /// known about the task.
    pub(crate) fn schedule_for(
        &self,
        activity_type: &ActivityType,
        mode: HeartbeatMode,
    ) -> TaskSchedule {
        self.schedule_from(self.registered_timeouts(activity_type), mode)
    }

    /// The engine's schedule for a task with these timeouts, the worker's override applied.
    pub(crate) fn schedule_from(
        &self,
        timeouts: RegisteredTimeouts,
        mode: HeartbeatMode,
    ) -> TaskSchedule {
        let heartbeat = self
            .config
            .heartbeat_timeout_override
            .or(timeouts.heartbeat);
        TaskSchedule {
            heartbeat_timeout: heartbeat.and_then(|t| t.as_duration()),
            start_to_close_timeout: timeouts.start_to_close.and_then(|t| t.as_duration()),
            mode,
        }
    }

    fn learn_timeouts(&self, learnt: Vec<(ActivityType, RegisteredTimeouts)>) {
        self.registered_timeouts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(learnt);
    }

    fn definitions(&self) -> Vec<&crate::activity::ActivityDefinition> {
        let mut definitions: Vec<_> = self.activities.values().map(|a| a.definition()).collect();
        definitions.sort_by(|a, b| a.activity_type.cmp(&b.activity_type));
        definitions
    }
}

impl Worker {
    /// A builder for a worker using this SWF client.
    pub fn builder(client: Client) -> WorkerBuilder {
        WorkerBuilder::new(client)
    }

    /// A builder for a worker using a client made from this AWS configuration.
    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> WorkerBuilder {
        WorkerBuilder::new(Client::new(config))
    }

    pub(crate) fn new(
        client: Client,
        config: WorkerConfig,
        activities: HashMap<ActivityType, Arc<dyn Activity>>,
        engine_placement: EnginePlacement,
    ) -> Self {
        let task_client = Client::from_conf(
            client
                .config()
                .to_builder()
                .retry_config(aws_sdk_swf::config::retry::RetryConfig::disabled())
                .build(),
        );
        let metric_labels = WorkerLabels::new(&config.domain, &config.task_list);
        let blocking_pool = BlockingPool::new(config.max_blocking_activities);
        Worker {
            shared: Arc::new(WorkerShared {
                client,
                task_client,
                domain_name: Arc::from(config.domain.as_str()),
                polled_lists: std::iter::once(&config.task_list)
                    .chain(&config.other_task_lists)
                    .map(|name| Arc::new(PolledList::new(&config.domain, name)))
                    .collect(),
                poll_gate: PollGate::new(config.task_start_rate, metric_labels.clone()),
                metric_labels,
                config,
                activities,
                counters: TaskCounters::default(),
                shutdown: ShutdownHandle::new(),
                blocking_pool,
                engine_placement,
                engine: std::sync::Mutex::new(None),
                started: AtomicBool::new(false),
                registered: AtomicBool::new(false),
                registered_timeouts: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// A handle that begins this worker's shutdown from anywhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shared.shutdown.clone()
    }

    /// A handle that pauses and resumes this worker's polling from anywhere, while running tasks
    /// go on (see [`PollingControl`]).
    pub fn polling_control(&self) -> PollingControl {
        self.shared.poll_gate.control()
    }

    /// What the worker has done so far.
    pub fn stats(&self) -> WorkerStats {
        let heartbeats = self
            .shared
            .engine
            .lock()
            .ok()
            .and_then(|engine| engine.as_ref().map(HeartbeatEngine::stats))
            .unwrap_or_default();
        let mut stats = self.shared.counters.snapshot(heartbeats);
        stats.polling_paused = self.shared.poll_gate.is_paused();
        stats
    }

    /// The activity types this worker runs.
    pub fn activity_types(&self) -> Vec<ActivityType> {
        let mut types: Vec<_> = self.shared.activities.keys().cloned().collect();
        types.sort();
        types
    }

    /// Registers every activity type with its declared defaults, now. An existing type is
    /// described and compared: differences are logged at warn, SWF keeps the registered defaults
    /// and the worker times the type's tasks by them.
    ///
    /// [`run`](Self::run) does this itself unless
    /// [`register_activity_types(false)`](WorkerBuilder::register_activity_types) was set; call it
    /// first when something must schedule tasks as soon as the types exist (SWF refuses to
    /// schedule an unregistered type), and `run` will not register again.
    ///
    /// ```no_run
    /// # async fn example(worker: swf_activity::worker::Worker) -> Result<(), swf_activity::worker::WorkerError> {
    /// worker.register_activity_types().await?;
    /// // ... tasks of these types can be scheduled from here on ...
    /// worker.run().await
    /// # }
    /// ```
    pub async fn register_activity_types(&self) -> Result<(), WorkerError> {
        let shared = &self.shared;
        let learnt = crate::registration::register_activity_types(
            &shared.client,
            &shared.config.domain,
            &shared.config.task_list,
            &shared.definitions(),
        )
        .await
        .map_err(|(activity_type, err)| {
            registration_error(&shared.config.domain, activity_type, err)
        })?;
        shared.learn_timeouts(learnt);
        shared.registered.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Runs until Ctrl-C or SIGTERM, then shuts down gracefully (see the module docs).
    ///
    /// A second Ctrl-C or SIGTERM stops at once, as [`ShutdownHandle::force`] does: running
    /// activities are stopped and answered failed (one attempt each), and `run` returns. An
    /// activity that blocks its thread (a CPU-bound loop or a synchronous call on the async
    /// runtime) would then keep the runtime, and so the process, from ending: the signals are
    /// watched from a thread of the worker's own, and if the process still runs
    /// [`FORCED_EXIT_AFTER`] after the second signal, that thread ends it with
    /// `std::process::exit(130)`. After a shutdown begun by a signal, that thread keeps listening
    /// once `run` has returned: a second signal then ends the process at once.
    pub async fn run(&self) -> Result<(), WorkerError> {
        let watcher =
            signals::SignalWatcher::start(self.shutdown_handle()).map_err(WorkerError::Signal)?;
        let result = self.run_until(std::future::pending()).await;
        watcher.finish();
        result
    }

    /// Runs until `shutdown` resolves (or a [`ShutdownHandle`] asks), then shuts down gracefully.
    /// A worker runs once: calling this again returns [`WorkerError::AlreadyRan`].
    pub async fn run_until<F: Future<Output = ()>>(&self, shutdown: F) -> Result<(), WorkerError> {
        if self.shared.started.swap(true, Ordering::SeqCst) {
            return Err(WorkerError::AlreadyRan);
        }
        let shared = &self.shared;
        if shared.config.register_activity_types && !shared.registered.load(Ordering::SeqCst) {
            self.register_activity_types().await?;
        } else if !shared.registered.load(Ordering::SeqCst) {
            // The types are registered elsewhere: learn the timeouts SWF holds for them.
            let learnt = crate::registration::describe_activity_types(
                &shared.client,
                &shared.config.domain,
                &shared.config.task_list,
                &shared.definitions(),
            )
            .await;
            shared.learn_timeouts(learnt);
        }

        let mut transport: Arc<dyn HeartbeatTransport> = Arc::new(shared.task_client.clone());
        if let Some(codec) = &shared.config.payload_codec {
            transport = Arc::new(EncodingTransport::new(transport, Arc::clone(codec)));
        }
        let engine = match shared.engine_placement {
            EnginePlacement::DedicatedThread => {
                HeartbeatEngine::new(transport, shared.config.heartbeat.clone())
            }
            EnginePlacement::WorkerRuntime => {
                HeartbeatEngine::on_current_runtime(transport, shared.config.heartbeat.clone())
            }
        };
        engine.counters().label_metrics(&shared.metric_labels);
        if let Ok(mut slot) = shared.engine.lock() {
            *slot = Some(engine.clone());
        }

        tracing::info!(
            domain = %shared.config.domain,
            task_list = %shared.config.task_list,
            other_task_lists = ?shared.config.other_task_lists,
            identity = %shared.config.identity,
            activities = shared.activities.len(),
            max_concurrent = shared.config.max_concurrent_activities,
            pollers_per_task_list = shared.config.pollers,
            max_task_starts_per_second = ?shared.config.task_start_rate.map(|rate| rate.per_second),
            polling_paused = shared.poll_gate.is_paused(),
            "worker started"
        );

        crate::metrics::worker_started(
            &shared.metric_labels,
            shared.config.max_concurrent_activities,
        );
        crate::metrics::polling_paused(&shared.metric_labels, shared.poll_gate.is_paused());
        let slots = Arc::new(Semaphore::new(shared.config.max_concurrent_activities));
        let work = poller::run_pollers(Arc::clone(shared), engine, Arc::clone(&slots));
        tokio::pin!(work);
        let result = tokio::select! {
            result = &mut work => result,
            () = shutdown => {
                tracing::info!("shutdown requested: no new polls; waiting for polls in flight and running activities");
                shared.shutdown.shutdown();
                work.await
            }
        };
        tracing::info!(stats = ?self.stats(), "worker stopped");
        result
    }
}

fn registration_error(
    domain: &str,
    activity_type: ActivityType,
    err: crate::registration::RegistrationError,
) -> WorkerError {
    use crate::registration::RegistrationError;
    match err {
        RegistrationError::UnknownDomain { domain } => WorkerError::UnknownDomain {
            domain,
            operation: "RegisterActivityType",
            message: "the domain is not registered".to_owned(),
        },
        RegistrationError::NotPermitted { operation, message } => WorkerError::NotPermitted {
            domain: domain.to_owned(),
            operation,
            message,
        },
        other => WorkerError::Registration {
            activity_type,
            message: other.to_string(),
        },
    }
}
