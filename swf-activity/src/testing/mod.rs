//! Test activities without SWF: [`ActivityEnvironment`] runs one activity on the real heartbeat
//! engine against a scripted service that records every heartbeat. Its [`ActivityOutcome`] is
//! built as the worker builds its answer, so an oversized result fails here as it would there.
//!
//! Run it under tokio's paused time (`#[tokio::test(start_paused = true)]`, which needs tokio's
//! `test-util` feature in your dev-dependencies): timers then fire at once, in order, so a run
//! that covers hours of heartbeats takes milliseconds and its timings are exact, as long as the
//! activity only waits on timers. Real I/O (`tokio::fs`, sockets, `spawn_blocking`) takes real
//! time while the paused clock jumps ahead whenever the runtime is idle, so around such awaits the
//! recorded times are not exact: assert on them with slack, or put the I/O behind something the
//! test can replace.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, Trigger};
//! use swf_activity::{activity, ActivityError, Progress};
//!
//! /// Counts to its input, one step a second, reporting each step.
//! #[activity(version = "1", heartbeat_timeout = "10s")]
//! async fn count(progress: Progress, to: u32) -> Result<u32, ActivityError> {
//!     for step in 1..=to {
//!         tokio::select! {
//!             reason = progress.cancelled() => {
//!                 return Err(ActivityError::canceled().with_details(&format!("{reason} at step {step}")));
//!             }
//!             () = tokio::time::sleep(Duration::from_secs(1)) => {}
//!         }
//!         progress.report(&step)?;
//!     }
//!     Ok(to)
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! // Runs to the end: the first report goes out at once (1 s), then one heartbeat every 8 s
//! // (0.8 x the registered 10 s heartbeat timeout) with the latest report.
//! let env = ActivityEnvironment::new();
//! let run = env.run_json(&count, &20).await.unwrap();
//! assert_eq!(run.result_json::<u32>().unwrap(), 20);
//! let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
//! assert_eq!(times, [1, 9, 17]);
//! assert_eq!(run.heartbeats[0].details.as_deref(), Some("1"));
//!
//! // The decider cancels it after two heartbeats: the third answer says so.
//! let run = env.request_cancellation(Trigger::AfterHeartbeats(2)).run_json(&count, &20).await.unwrap();
//! assert_eq!(run.outcome, ActivityOutcome::Canceled { details: Some("cancellation requested at step 18".to_owned()) });
//! # });
//! ```
//!
//! A hand-written [`Activity`] runs the same way; see the trait's documentation.
//!
//! A [blocking activity](macro@crate::activity#blocking-activities) runs on one of tokio's
//! blocking threads, as in a worker. Under paused time on a current-thread runtime, tokio does not
//! advance the clock while a blocking body runs, so only heartbeats that need no timer go out
//! meanwhile (the first report's, a flush's): script a cancellation with
//! [`Trigger::AfterHeartbeats(0)`](Trigger::AfterHeartbeats), or test on real time.

mod outcome;
mod transport;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::activity::{Activity, HeartbeatMode};
use crate::blocking::BlockingPool;
use crate::codec::{self, EncodingTransport, PayloadCodec};
use crate::heartbeat::{HeartbeatConfig, HeartbeatEngine, TaskSchedule};
use crate::progress::CancelReason;
use crate::resources::Resources;
use crate::task::ActivityTask;
use crate::timeout::Timeout;

pub use crate::outcome::ActivityOutcome;
pub use outcome::{ActivityRun, ResultError};
pub use transport::{HeartbeatReply, RecordedHeartbeat, Trigger};
use transport::{Script, ScriptedTransport};

/// The domain a task run by [`ActivityEnvironment`] belongs to unless set.
const DEFAULT_DOMAIN: &str = "test-domain";
/// The task list a task run by [`ActivityEnvironment`] was polled from unless set.
const DEFAULT_TASK_LIST: &str = "test-task-list";

/// Runs an [`Activity`] as a worker would, on the real heartbeat engine, against a scripted
/// service that records every heartbeat. See the [module documentation](self) for an example.
///
/// Timeouts and the heartbeat mode default to the activity's registered definition; each can be
/// overridden. The service answers every heartbeat with success unless scripted otherwise.
///
/// The environment turns the first keep-alive's jitter off
/// ([`HeartbeatConfig::first_beat_jitter`] = 0) so heartbeat times are exact; a configuration
/// given to [`heartbeat_config`](Self::heartbeat_config) is used as it is.
#[derive(Clone, Debug)]
pub struct ActivityEnvironment {
    heartbeat_timeout: Option<Option<Duration>>,
    start_to_close_timeout: Option<Option<Duration>>,
    mode: Option<HeartbeatMode>,
    config: HeartbeatConfig,
    script: Script,
    worker_shutdown: Option<Trigger>,
    task_token: Option<String>,
    domain: Arc<str>,
    task_list: Arc<str>,
    resources: Resources,
    payload_codec: Option<Arc<dyn PayloadCodec>>,
}

impl Default for ActivityEnvironment {
    fn default() -> Self {
        ActivityEnvironment {
            heartbeat_timeout: None,
            start_to_close_timeout: None,
            mode: None,
            config: HeartbeatConfig {
                first_beat_jitter: 0.0,
                ..HeartbeatConfig::default()
            },
            script: Script::default(),
            worker_shutdown: None,
            task_token: None,
            domain: Arc::from(DEFAULT_DOMAIN),
            task_list: Arc::from(DEFAULT_TASK_LIST),
            resources: Resources::new(),
            payload_codec: None,
        }
    }
}

impl ActivityEnvironment {
    /// An environment where every heartbeat succeeds.
    pub fn new() -> Self {
        Self::default()
    }

    /// The task's heartbeat timeout (`None`: no heartbeat timeout). Defaults to the activity's
    /// registered default.
    #[must_use]
    pub fn heartbeat_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    /// The task's start-to-close timeout (`None`: none). Defaults to the activity's registered
    /// default. When it passes, the activity is cancelled with
    /// [`StartToCloseElapsed`](CancelReason::StartToCloseElapsed); the run still waits for the
    /// activity to return.
    #[must_use]
    pub fn start_to_close_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.start_to_close_timeout = Some(timeout);
        self
    }

    /// The heartbeat mode. Defaults to the activity's definition.
    #[must_use]
    pub fn heartbeat_mode(mut self, mode: HeartbeatMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The heartbeat engine's configuration (intervals, budget).
    #[must_use]
    pub fn heartbeat_config(mut self, config: HeartbeatConfig) -> Self {
        self.config = config;
        self
    }

    /// The decider requests cancellation: heartbeats from `when` on answer `cancelRequested`.
    #[must_use]
    pub fn request_cancellation(mut self, when: Trigger) -> Self {
        self.script.cancel_requested = Some(when);
        self
    }

    /// The task goes away (times out or is closed elsewhere): heartbeats from `when` on answer
    /// UnknownResourceFault.
    #[must_use]
    pub fn task_gone(mut self, when: Trigger) -> Self {
        self.script.task_gone = Some(when);
        self
    }

    /// Heartbeats from `when` on answer OperationNotPermittedFault.
    #[must_use]
    pub fn not_permitted(mut self, when: Trigger) -> Self {
        self.script.not_permitted = Some(when);
        self
    }

    /// The worker shuts down at `when`: the task is cancelled with
    /// [`WorkerShutdown`](CancelReason::WorkerShutdown).
    #[must_use]
    pub fn worker_shutdown(mut self, when: Trigger) -> Self {
        self.worker_shutdown = Some(when);
        self
    }

    /// The task token the activity sees (default `"test-task-token"`).
    #[must_use]
    pub fn task_token(mut self, token: impl Into<String>) -> Self {
        self.task_token = Some(token.into());
        self
    }

    /// The domain the task belongs to, as [`ActivityTask::domain`] shows it (default
    /// `"test-domain"`).
    #[must_use]
    pub fn domain(mut self, domain: impl Into<Arc<str>>) -> Self {
        self.domain = domain.into();
        self
    }

    /// The task list the task was polled from, as [`ActivityTask::task_list`] shows it (default
    /// `"test-task-list"`): for activities that pass their host's list on, or act on where they
    /// run.
    ///
    /// ```
    /// use swf_activity::testing::ActivityEnvironment;
    /// use swf_activity::{activity, ActivityError, Progress};
    ///
    /// /// Returns the task list its host polls, for the next activities to be scheduled there.
    /// #[activity(version = "1", start_to_close_timeout = "1m")]
    /// async fn host_list(progress: Progress) -> Result<String, ActivityError> {
    ///     let task = progress.task().ok_or_else(|| ActivityError::failed("no task"))?;
    ///     Ok(task.task_list().to_owned())
    /// }
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let env = ActivityEnvironment::new().task_list("host-a");
    /// let run = env.run(&host_list, None).await;
    /// assert_eq!(run.result_json::<String>().unwrap(), "host-a");
    /// # });
    /// ```
    #[must_use]
    pub fn task_list(mut self, task_list: impl Into<Arc<str>>) -> Self {
        self.task_list = task_list.into();
        self
    }

    /// Gives activities that take `Resource<T>` this value of `T`, as
    /// [`WorkerBuilder::resource`](crate::worker::WorkerBuilder::resource) does for a worker:
    /// a test double, a client pointed at a local server. An activity run without a resource it
    /// takes fails with reason `missing resource`, naming the type.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use swf_activity::testing::{ActivityEnvironment, ActivityOutcome};
    /// use swf_activity::{activity, ActivityError, Resource};
    ///
    /// /// Where uploads go; tests use an in-memory double.
    /// trait Store: Send + Sync {
    ///     fn put(&self, key: &str);
    /// }
    ///
    /// #[activity(version = "1", start_to_close_timeout = "1m")]
    /// async fn upload(store: Resource<Box<dyn Store>>, key: String) -> Result<(), ActivityError> {
    ///     store.put(&key);
    ///     Ok(())
    /// }
    ///
    /// #[derive(Default)]
    /// struct Recorder(Mutex<Vec<String>>);
    /// impl Store for std::sync::Arc<Recorder> {
    ///     fn put(&self, key: &str) { self.0.lock().unwrap().push(key.to_owned()); }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let recorder = std::sync::Arc::new(Recorder::default());
    /// let store: Box<dyn Store> = Box::new(recorder.clone());
    /// let env = ActivityEnvironment::new().resource(store);
    /// let run = env.run_json(&upload, "a.png").await.unwrap();
    /// assert_eq!(run.outcome, ActivityOutcome::Completed { result: None });
    /// assert_eq!(*recorder.0.lock().unwrap(), ["a.png"]);
    ///
    /// // Without it, the run fails and says which resource is missing.
    /// let run = ActivityEnvironment::new().run_json(&upload, "a.png").await.unwrap();
    /// assert!(matches!(run.outcome, ActivityOutcome::Failed { reason, .. } if reason == "missing resource"));
    /// # });
    /// ```
    #[must_use]
    pub fn resource<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.resources.insert(value);
        self
    }

    /// Like [`resource`](Self::resource), for a value the test keeps a handle to (to inspect a
    /// double after the run).
    #[must_use]
    pub fn resource_arc<T: Send + Sync + 'static>(mut self, value: std::sync::Arc<T>) -> Self {
        self.resources.insert_arc(value);
        self
    }

    /// Runs with a payload codec, as a worker with
    /// [`WorkerBuilder::payload_codec`](crate::worker::WorkerBuilder::payload_codec): the input
    /// given to [`run`](Self::run) is decoded before the activity sees it (and
    /// [`run_json`](Self::run_json) encodes its JSON first, as a decider with the codec would),
    /// and the outcome and the recorded heartbeats hold what SWF would receive, encoded and
    /// checked against SWF's limits after encoding.
    ///
    /// ```
    /// use swf_activity::codec::{GzipCodec, PayloadCodec, GZIP_MARKER};
    /// use swf_activity::testing::ActivityEnvironment;
    /// use swf_activity::{activity, ActivityError};
    ///
    /// /// Repeats a word.
    /// #[activity(version = "1", start_to_close_timeout = "1m")]
    /// async fn repeat(word: String) -> Result<Vec<String>, ActivityError> {
    ///     Ok(vec![word; 10_000])
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let env = ActivityEnvironment::new().payload_codec(GzipCodec::new());
    /// let run = env.run_json(&repeat, "again").await.unwrap();
    /// let sent = run.result().unwrap(); // about 200 characters instead of 80,001
    /// assert!(sent.starts_with(GZIP_MARKER) && sent.len() < 1_000);
    /// let words: Vec<String> = serde_json::from_str(&GzipCodec::new().decode(sent).await.unwrap()).unwrap();
    /// assert_eq!(words.len(), 10_000);
    /// # });
    /// ```
    #[must_use]
    pub fn payload_codec(mut self, codec: impl PayloadCodec) -> Self {
        self.payload_codec = Some(Arc::new(codec));
        self
    }

    /// Runs `activity` with the raw `input` until it returns.
    pub async fn run<A: Activity + ?Sized>(
        &self,
        activity: &A,
        input: Option<String>,
    ) -> ActivityRun {
        let definition = activity.definition();
        let start = Instant::now();
        let transport = Arc::new(ScriptedTransport::new(start, self.script));
        let engine = match &self.payload_codec {
            Some(codec) => HeartbeatEngine::on_current_runtime(
                EncodingTransport::new(Arc::clone(&transport), Arc::clone(codec)),
                self.config.clone(),
            ),
            None => {
                HeartbeatEngine::on_current_runtime(Arc::clone(&transport), self.config.clone())
            }
        };
        let task = ActivityTask::new(
            self.task_token
                .clone()
                .unwrap_or_else(|| "test-task-token".to_owned()),
            definition.activity_type.clone(),
            "test-activity-id",
            "test-workflow-id",
            "test-run-id",
            1,
        )
        .polled_from(Arc::clone(&self.domain), Arc::clone(&self.task_list));
        let registered = |timeout: Option<Timeout>| timeout.and_then(Timeout::as_duration);
        let schedule = TaskSchedule {
            heartbeat_timeout: self
                .heartbeat_timeout
                .unwrap_or_else(|| registered(definition.defaults.heartbeat_timeout)),
            start_to_close_timeout: self
                .start_to_close_timeout
                .unwrap_or_else(|| registered(definition.defaults.start_to_close_timeout)),
            mode: self.mode.unwrap_or(definition.heartbeat),
        };
        let heartbeat = engine.start_task(task, schedule);
        let progress = heartbeat.progress();

        let shutdown = {
            let progress = progress.clone();
            let transport = Arc::clone(&transport);
            let when = self.worker_shutdown;
            async move {
                match when {
                    None => std::future::pending::<()>().await,
                    Some(Trigger::At(at)) => tokio::time::sleep_until(start + at).await,
                    Some(Trigger::AfterHeartbeats(n)) => transport.answered(n).await,
                }
                progress.cancel_from_worker(CancelReason::WorkerShutdown);
                std::future::pending::<()>().await
            }
        };
        let codec = self.payload_codec.as_deref();
        let run = async {
            let input = codec::decode_input(codec, input).await?;
            let result = activity
                .execute_with(progress, input, &self.resources)
                .await;
            codec::encode_result(codec, result).await
        };
        let result = tokio::select! {
            // A blocking activity runs on tokio's blocking threads, as in a worker.
            result = BlockingPool::new(1).scope(run) => result,
            () = shutdown => unreachable_pending(),
        };
        let outcome = codec::encode_details(codec, ActivityOutcome::from_result(result)).await;
        let elapsed = start.elapsed();
        let cancel_reason = heartbeat.cancel_reason();
        heartbeat.finish();
        ActivityRun {
            outcome,
            heartbeats: transport.recorded(),
            cancel_reason,
            elapsed,
            stats: engine.stats(),
        }
    }

    /// Runs `activity` with `input` serialized to JSON (a string input is passed as it is, like
    /// SWF would deliver it from a decider that sent a plain string), encoded with the
    /// [payload codec](Self::payload_codec) if there is one (an input the codec cannot encode
    /// is passed as plain JSON, which the run then decodes like any other).
    pub async fn run_json<A: Activity + ?Sized, I: Serialize + ?Sized>(
        &self,
        activity: &A,
        input: &I,
    ) -> Result<ActivityRun, serde_json::Error> {
        let raw = serde_json::to_string(input)?;
        let raw = match &self.payload_codec {
            Some(codec) => match codec.encode(&raw).await {
                Ok(encoded) => encoded,
                // Passed on as it is: the run fails it, saying why.
                Err(_) => raw,
            },
            None => raw,
        };
        Ok(self.run(activity, Some(raw)).await)
    }
}

/// The shutdown branch never completes; this keeps the `select!` arms the same type.
fn unreachable_pending() -> Result<Option<String>, crate::error::ActivityError> {
    Err(crate::error::ActivityError::failed(
        "internal: the worker-shutdown script ended the run",
    ))
}
