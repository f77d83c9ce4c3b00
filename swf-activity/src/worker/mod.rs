//! The [`Worker`]: polls a task list, runs activities, answers every task exactly once.
//!
//! # Lifecycle
//!
//! 1. [`Worker::run`] (or [`run_until`](Worker::run_until)) registers the activity types (unless
//!    turned off), then starts the pollers.
//! 2. A poller long-polls PollForActivityTask only while a concurrency slot is free. An empty
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
//! | panics | RespondActivityTaskFailed with the panic message; the worker keeps running |
//! | input that does not deserialize | RespondActivityTaskFailed, reason "invalid input", serde's message in details |
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
//! id, workflow id and run id; task tokens are only ever logged as a short fingerprint.
//! [`Worker::stats`] gives counters; with the `metrics` feature they, and more, are recorded
//! through the `metrics` facade (see [`crate::metrics`]).

mod answer;
mod builder;
mod config;
mod error;
mod execution;
mod history;
mod poller;
mod shutdown;
mod stats;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_swf::Client;
use tokio::sync::Semaphore;

pub use builder::WorkerBuilder;
pub use config::{
    DEFAULT_CANCEL_GRACE, DEFAULT_MAX_CONCURRENT_ACTIVITIES, DEFAULT_POLLERS,
    DEFAULT_SHUTDOWN_GRACE, POLL_ATTEMPT_TIMEOUT, TimeoutSource,
};
pub use error::{BuildError, WorkerError};
pub use shutdown::ShutdownHandle;
pub use stats::WorkerStats;

use crate::activity::{Activity, ActivityType};
use crate::heartbeat::{HeartbeatEngine, HeartbeatTransport};
use crate::metrics::WorkerLabels;
use config::WorkerConfig;
use stats::TaskCounters;

/// Where the heartbeat engine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnginePlacement {
    DedicatedThread,
    WorkerRuntime,
}

/// Polls one task list of one domain and runs the activities added to it.
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
    pub(crate) client: Client,
    pub(crate) config: WorkerConfig,
    pub(crate) activities: HashMap<ActivityType, Arc<dyn Activity>>,
    pub(crate) counters: TaskCounters,
    /// The `domain` and `task_list` labels of the worker's metrics.
    pub(crate) metric_labels: WorkerLabels,
    pub(crate) shutdown: ShutdownHandle,
    engine_placement: EnginePlacement,
    engine: std::sync::Mutex<Option<HeartbeatEngine>>,
    started: AtomicBool,
    registered: AtomicBool,
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
        Worker {
            shared: Arc::new(WorkerShared {
                client,
                metric_labels: WorkerLabels::new(&config.domain, &config.task_list),
                config,
                activities,
                counters: TaskCounters::default(),
                shutdown: ShutdownHandle::new(),
                engine_placement,
                engine: std::sync::Mutex::new(None),
                started: AtomicBool::new(false),
                registered: AtomicBool::new(false),
            }),
        }
    }

    /// A handle that begins this worker's shutdown from anywhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shared.shutdown.clone()
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
        self.shared.counters.snapshot(heartbeats)
    }

    /// The activity types this worker runs.
    pub fn activity_types(&self) -> Vec<ActivityType> {
        let mut types: Vec<_> = self.shared.activities.keys().cloned().collect();
        types.sort();
        types
    }

    /// Registers every activity type with its declared defaults, now. An existing type is
    /// described and compared: differences are logged at warn, and SWF keeps the registered
    /// defaults.
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
        let mut definitions: Vec<_> = shared.activities.values().map(|a| a.definition()).collect();
        definitions.sort_by(|a, b| a.activity_type.cmp(&b.activity_type));
        crate::registration::register_activity_types(
            &shared.client,
            &shared.config.domain,
            &shared.config.task_list,
            &definitions,
        )
        .await
        .map_err(|(activity_type, err)| {
            registration_error(&shared.config.domain, activity_type, err)
        })?;
        shared.registered.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Runs until Ctrl-C or SIGTERM, then shuts down gracefully (see the module docs). A second
    /// Ctrl-C or SIGTERM stops at once, as [`ShutdownHandle::force`] does.
    pub async fn run(&self) -> Result<(), WorkerError> {
        let mut signals = Signals::new().map_err(WorkerError::Signal)?;
        let handle = self.shutdown_handle();
        let watch_signals = async move {
            signals.next().await;
            tracing::info!("shutdown signal: finishing gracefully; send it again to stop at once");
            handle.shutdown();
            signals.next().await;
            tracing::warn!("second shutdown signal: stopping at once");
            handle.force();
        };
        let run = self.run_until(std::future::pending());
        tokio::pin!(run);
        tokio::select! {
            result = &mut run => result,
            () = watch_signals => run.await,
        }
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
        }

        let transport: Arc<dyn HeartbeatTransport> = Arc::new(shared.client.clone());
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
            identity = %shared.config.identity,
            activities = shared.activities.len(),
            max_concurrent = shared.config.max_concurrent_activities,
            pollers = shared.config.pollers,
            "worker started"
        );

        crate::metrics::worker_started(
            &shared.metric_labels,
            shared.config.max_concurrent_activities,
        );
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

/// Ctrl-C, and SIGTERM where there is such a thing, each time they arrive.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Signals {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
        })
    }

    /// Resolves on the next signal (never, if signals cannot be listened for).
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            result = tokio::signal::ctrl_c() => {
                if result.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
