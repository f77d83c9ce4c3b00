//! [`Progress`]: how a running activity reports progress and learns that it should stop.
//!
//! Every running task gets a [`Progress`]. [`report`](Progress::report) stores the latest details
//! and returns at once; the [heartbeat engine](crate::heartbeat) sends them in its own time, at
//! most one heartbeat per interval, so an activity may report as often as it likes.
//! Cancellation arrives in heartbeat answers and is seen through
//! [`cancelled`](Progress::cancelled), [`is_cancelled`](Progress::is_cancelled) and
//! [`flush`](Progress::flush).
//!
//! ```
//! use swf_activity::{ActivityError, Progress};
//!
//! async fn copy_files(progress: Progress, files: Vec<String>) -> Result<usize, ActivityError> {
//!     for (done, _file) in files.iter().enumerate() {
//!         if let Some(reason) = progress.cancel_reason() {
//!             return Err(ActivityError::canceled().with_details(&format!("{reason}; {done} copied")));
//!         }
//!         // ... copy the file ...
//!         progress.report(&serde_json::json!({ "done": done + 1, "of": files.len() }))?;
//!     }
//!     Ok(files.len())
//! }
//! # let n = futures::executor::block_on(copy_files(Progress::detached(), vec!["a".into()])).unwrap();
//! # assert_eq!(n, 1);
//! ```

mod cancelled;
pub(crate) mod state;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::details::render_details_into;
use crate::error::ActivityError;
use crate::heartbeat::state::Heart;
use crate::limits::HEARTBEAT_DETAILS_MAX_CHARS;
use crate::task::{ActivityTask, TaskToken};

pub use cancelled::{Cancelled, CancelledOwned};
use state::TaskState;

/// Why an activity is asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The decider requested cancellation (a heartbeat answered `cancelRequested: true`). The
    /// activity should stop and return [`ActivityError::canceled`], or may ignore the request and
    /// complete.
    Requested,
    /// The task is gone (UnknownResourceFault): it timed out or was closed elsewhere. Nothing sent
    /// for it will be accepted; heartbeats have stopped.
    TaskGone,
    /// The worker may not act on this task (OperationNotPermittedFault); heartbeats have stopped.
    NotPermitted,
    /// The start-to-close deadline passed: nothing the activity does now can be recorded.
    StartToCloseElapsed,
    /// No heartbeat was answered within the task's heartbeat timeout (plus the worker's deadline
    /// margin), for example because SWF could not be reached: SWF has timed the task out and
    /// nothing the activity does now can be recorded.
    HeartbeatTimeoutElapsed,
    /// The worker is shutting down.
    WorkerShutdown,
}

impl CancelReason {
    /// Whether SWF will still accept an answer for the task: true for [`Requested`](Self::Requested)
    /// and [`WorkerShutdown`](Self::WorkerShutdown), false when the task is gone, not permitted or
    /// past its start-to-close deadline.
    pub fn task_still_open(self) -> bool {
        matches!(self, CancelReason::Requested | CancelReason::WorkerShutdown)
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CancelReason::Requested => "cancellation requested",
            CancelReason::TaskGone => "task gone (timed out or closed elsewhere)",
            CancelReason::NotPermitted => "operation not permitted on this task",
            CancelReason::StartToCloseElapsed => "start-to-close timeout elapsed",
            CancelReason::HeartbeatTimeoutElapsed => "heartbeat timeout elapsed",
            CancelReason::WorkerShutdown => "worker shutting down",
        })
    }
}

/// The answer for stopping because of `reason`, so `Err(reason.into())` and
/// `progress.flush().await?` answer what SWF and the decider expect:
///
/// | reason | answer |
/// |---|---|
/// | [`Requested`](CancelReason::Requested) | canceled (RespondActivityTaskCanceled): the decider asked for it |
/// | [`WorkerShutdown`](CancelReason::WorkerShutdown) | failed, so the decider can retry the task at once on another worker instead of waiting for a timeout |
/// | [`TaskGone`](CancelReason::TaskGone), [`NotPermitted`](CancelReason::NotPermitted), [`StartToCloseElapsed`](CancelReason::StartToCloseElapsed) | failed; SWF takes no answer for the task any more, so none reaches the history |
///
/// The reason's text is the details of a cancellation and the reason of a failure.
///
/// ```
/// use swf_activity::{ActivityError, CancelReason};
///
/// assert!(ActivityError::from(CancelReason::Requested).is_canceled());
/// let shutdown = ActivityError::from(CancelReason::WorkerShutdown);
/// assert_eq!(shutdown.reason(), Some("worker shutting down"));
/// ```
impl From<CancelReason> for ActivityError {
    fn from(reason: CancelReason) -> Self {
        // No wildcard: a new reason must choose its answer here.
        match reason {
            CancelReason::Requested => ActivityError::canceled().with_details(&reason.to_string()),
            CancelReason::WorkerShutdown => ActivityError::failed(reason.to_string()).with_details(
                "the worker stopped before the activity finished; the task can be retried at once",
            ),
            CancelReason::TaskGone
            | CancelReason::NotPermitted
            | CancelReason::StartToCloseElapsed
            | CancelReason::HeartbeatTimeoutElapsed => ActivityError::failed(reason.to_string()),
        }
    }
}

/// The timeouts the worker times a running task by, from [`Progress::timeouts`]: the worker's
/// [`heartbeat_timeout`](crate::worker::WorkerBuilder::heartbeat_timeout) override, else the
/// task's own as read from its scheduling event (with
/// [`TimeoutSource::ScheduledEvent`](crate::worker::TimeoutSource::ScheduledEvent)), else the
/// activity type's registered defaults. Both count from when the task was polled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskTimeouts {
    /// How long the task may go without a heartbeat; `None` when it has no heartbeat timeout.
    pub heartbeat: Option<Duration>,
    /// How long the task may run; `None` when it has no start-to-close timeout.
    pub start_to_close: Option<Duration>,
}

/// Why [`Progress::report`] refused details.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The details are longer than SWF accepts in a heartbeat.
    #[error(
        "progress details are {chars} characters, over SWF's limit of {limit}: report a summary; the previous details are kept"
    )]
    DetailsTooLong {
        /// Characters in the refused details.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// The details could not be serialized to JSON.
    #[error("progress details could not be serialized to JSON: {0}; the previous details are kept")]
    NotSerializable(#[source] serde_json::Error),
}

/// A running activity's handle to report progress and to learn that it should stop.
///
/// Cheap to clone (one reference count), `Send + Sync`: pass clones to spawned tasks and helper
/// functions. Every clone reports to and hears from the same task.
#[derive(Clone)]
pub struct Progress {
    state: Arc<TaskState>,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("task", &self.state.fingerprint())
            .field("cancel_reason", &self.cancel_reason())
            .finish()
    }
}

/// Holds a task's heartbeats on schedule while it lives; see [`Progress::keep_alive`].
pub(crate) struct KeptAlive {
    state: Arc<TaskState>,
}

impl Drop for KeptAlive {
    fn drop(&mut self) {
        self.state.heart().hold_alive(false);
        self.state.wake_engine();
    }
}

impl Progress {
    /// A handle attached to no task: reports are checked and kept but go nowhere,
    /// [`flush`](Self::flush) returns at once and it is never cancelled. For calling an activity's
    /// function directly.
    pub fn detached() -> Self {
        Progress {
            state: Arc::new(TaskState::new(None, None, Heart::detached())),
        }
    }

    pub(crate) fn from_state(state: Arc<TaskState>) -> Self {
        Progress { state }
    }

    /// Cancels the task from the worker's side (first reason wins), as
    /// [`TaskHeartbeat::cancel`](crate::heartbeat::TaskHeartbeat::cancel) does.
    pub(crate) fn cancel_from_worker(&self, reason: CancelReason) {
        self.state.cancel(reason);
    }

    /// The task this handle belongs to, with its domain and the task list it was polled from;
    /// `None` when [detached](Self::detached).
    pub fn task(&self) -> Option<&ActivityTask> {
        self.state.task.as_ref()
    }

    /// The timeouts the worker times this task by (none for a [detached](Self::detached) handle).
    /// They can change once while the task runs: with
    /// [`TimeoutSource::ScheduledEvent`](crate::worker::TimeoutSource::ScheduledEvent), when the
    /// worker has read the task's own timeouts from its history.
    ///
    /// ```
    /// use std::time::Duration;
    /// use swf_activity::Progress;
    ///
    /// /// Splits its work into chunks that each fit well inside the task's start-to-close timeout.
    /// fn chunk_time(progress: &Progress) -> Duration {
    ///     let budget = progress.timeouts().start_to_close.unwrap_or(Duration::from_secs(600));
    ///     budget / 10
    /// }
    /// assert_eq!(chunk_time(&Progress::detached()), Duration::from_secs(60));
    /// ```
    pub fn timeouts(&self) -> TaskTimeouts {
        if self.state.link.is_none() {
            return TaskTimeouts::default();
        }
        let (heartbeat, start_to_close) = self.state.heart().timeouts();
        TaskTimeouts {
            heartbeat,
            start_to_close,
        }
    }

    /// The task's token, for an activity that another system will answer: hand it over, then
    /// return [`ActivityError::completes_elsewhere`](crate::ActivityError::completes_elsewhere).
    /// `None` when [detached](Self::detached).
    ///
    /// ```
    /// use swf_activity::{ActivityError, Progress};
    ///
    /// /// Asks a person to approve; the approval service answers the task later.
    /// async fn request_approval(progress: Progress, outbox: &std::sync::mpsc::Sender<String>) -> Result<(), ActivityError> {
    ///     let token = progress.task_token().ok_or_else(|| ActivityError::failed("not run by a worker"))?;
    ///     tracing::info!(%token, "waiting for approval"); // logs only the fingerprint
    ///     outbox.send(token.into_string()).map_err(|_| ActivityError::failed("approval service is down"))?;
    ///     Err(ActivityError::completes_elsewhere())
    /// }
    /// ```
    pub fn task_token(&self) -> Option<TaskToken> {
        self.task().map(ActivityTask::token)
    }

    /// Reports progress details: a string is sent as it is, any other value as JSON.
    ///
    /// Never waits and never touches the network: it replaces the details the next heartbeat will
    /// carry (only the latest are sent). The first report of a task goes out at once; later ones
    /// ride on the next scheduled heartbeat. Details over
    /// [`HEARTBEAT_DETAILS_MAX_CHARS`] (2048 characters) are refused with
    /// [`ReportError::DetailsTooLong`], nothing is sent and the previous details are kept.
    ///
    /// ```
    /// use swf_activity::Progress;
    /// use swf_activity::progress::ReportError;
    ///
    /// let progress = Progress::detached();
    /// progress.report("50%").unwrap();
    /// let too_long = "x".repeat(2049);
    /// assert!(matches!(progress.report(&too_long), Err(ReportError::DetailsTooLong { chars: 2049, .. })));
    /// assert_eq!(progress.last_details().as_deref(), Some("50%"));
    /// ```
    pub fn report<T: Serialize + ?Sized>(&self, details: &T) -> Result<(), ReportError> {
        // Rendered straight into the task's spare buffer; only this task's state is written, so
        // reports from many tasks never contend.
        let wake = self.state.heart().report(|buffer| {
            render_details_into(details, buffer).map_err(ReportError::NotSerializable)?;
            // Characters never outnumber bytes: count only when the bytes could be too many.
            if buffer.len() > HEARTBEAT_DETAILS_MAX_CHARS {
                let chars = std::str::from_utf8(buffer).map_or(buffer.len(), |t| t.chars().count());
                if chars > HEARTBEAT_DETAILS_MAX_CHARS {
                    return Err(ReportError::DetailsTooLong {
                        chars,
                        limit: HEARTBEAT_DETAILS_MAX_CHARS,
                    });
                }
            }
            Ok(())
        })?;
        if wake {
            self.state.wake_engine();
        }
        Ok(())
    }

    /// The latest details accepted by [`report`](Self::report), sent or not.
    pub fn last_details(&self) -> Option<String> {
        self.state.heart().details().map(str::to_owned)
    }

    /// Sends a heartbeat now with the latest details (as soon as the worker's heartbeat budget
    /// allows, ignoring the interval) and waits for its answer: the way to check for cancellation
    /// at a point of the activity's choosing.
    ///
    /// Returns `Ok(())` when the heartbeat was answered and the task is not cancelled, and
    /// `Err(reason)` as soon as it is cancelled (including by that answer). Returns at once with
    /// `Ok(())` on a [detached](Self::detached) handle or a task whose heartbeats have stopped,
    /// and with `Err` if the task is already cancelled. A failed heartbeat is retried and the
    /// flush waits for the retry. `Err` converts into [`ActivityError::canceled`], so `?` works:
    ///
    /// ```
    /// use swf_activity::{ActivityError, Progress};
    ///
    /// async fn step(progress: &Progress) -> Result<(), ActivityError> {
    ///     progress.report("phase 1 done")?;
    ///     progress.flush().await?; // stops here if cancellation was requested
    ///     Ok(())
    /// }
    /// # futures::executor::block_on(step(&Progress::detached())).unwrap();
    /// ```
    ///
    /// # Cancellation safety
    ///
    /// Cancel-safe: dropping the future loses nothing; the heartbeat it asked for is still sent.
    pub async fn flush(&self) -> Result<(), CancelReason> {
        if self.state.link.is_none() {
            return Ok(());
        }
        if let Some(reason) = self.state.reason() {
            return Err(reason);
        }
        let Some(wanted) = self.state.heart().request_flush() else {
            return Ok(());
        };
        self.state.wake_engine();
        loop {
            let notified = self.state.beat_notify.notified();
            tokio::pin!(notified);
            // Registered before the checks, so an answer in between is not missed.
            notified.as_mut().enable();
            if let Some(reason) = self.state.reason() {
                return Err(reason);
            }
            if self.state.heart().flushed(wanted) {
                return Ok(());
            }
            notified.await;
        }
    }

    /// Whether the activity has been asked to stop. Never waits.
    pub fn is_cancelled(&self) -> bool {
        self.state.reason().is_some()
    }

    /// Why the activity has been asked to stop, if it has. Never waits.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        self.state.reason()
    }

    /// `Err(reason)` once the activity has been asked to stop, for `?` in code that cannot await
    /// (a [blocking activity](macro@crate::activity#blocking-activities)). Never waits.
    ///
    /// ```
    /// use swf_activity::{activity, ActivityError, Progress};
    ///
    /// #[activity(blocking, version = "1")]
    /// fn checksum(progress: Progress, chunks: Vec<Vec<u8>>) -> Result<u32, ActivityError> {
    ///     let mut sum = 0u32;
    ///     for chunk in &chunks {
    ///         progress.check_cancelled()?;
    ///         sum = chunk.iter().fold(sum, |s, b| s.wrapping_add(u32::from(*b)));
    ///     }
    ///     Ok(sum)
    /// }
    /// assert_eq!(checksum::run(Progress::detached(), vec![vec![1, 2], vec![3]]).unwrap(), 6);
    /// ```
    pub fn check_cancelled(&self) -> Result<(), CancelReason> {
        self.cancel_reason().map_or(Ok(()), Err)
    }

    /// Blocks the calling thread until the activity is asked to stop or `timeout` has passed,
    /// whichever comes first; the reason if it was asked to stop. The blocking counterpart of
    /// [`cancelled`](Self::cancelled), for loops on a plain thread that wait between steps (in
    /// place of `std::thread::sleep`). Never call it from async code: it blocks the runtime's
    /// thread; use [`cancelled`](Self::cancelled) in a `tokio::select!` there.
    ///
    /// ```
    /// use std::time::Duration;
    /// use swf_activity::Progress;
    ///
    /// let progress = Progress::detached();
    /// assert_eq!(progress.wait_cancelled_timeout(Duration::from_millis(1)), None);
    /// ```
    pub fn wait_cancelled_timeout(&self, timeout: Duration) -> Option<CancelReason> {
        self.state.wait_cancelled_timeout(timeout)
    }

    /// Keeps the task alive on schedule, whatever its heartbeat mode, until the guard is dropped.
    pub(crate) fn keep_alive(&self) -> KeptAlive {
        self.state.heart().hold_alive(true);
        self.state.wake_engine();
        KeptAlive {
            state: Arc::clone(&self.state),
        }
    }

    /// Resolves when the activity is asked to stop, with the reason; at once if it already was.
    ///
    /// ```
    /// use swf_activity::{ActivityError, Progress};
    ///
    /// async fn work(progress: Progress) -> Result<(), ActivityError> {
    ///     tokio::select! {
    ///         reason = progress.cancelled() => Err(reason.into()),
    ///         () = tokio::time::sleep(std::time::Duration::from_millis(1)) => Ok(()),
    ///     }
    /// }
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap()
    /// #     .block_on(work(Progress::detached())).unwrap();
    /// ```
    ///
    /// # Cancellation safety
    ///
    /// Cancel-safe (see [`Cancelled`]): use it freely in `tokio::select!`.
    pub fn cancelled(&self) -> Cancelled<'_> {
        Cancelled::new(&self.state)
    }

    /// Like [`cancelled`](Self::cancelled), but the future owns its handle: it is `'static` and
    /// can be moved into a spawned task.
    ///
    /// # Cancellation safety
    ///
    /// Cancel-safe (see [`CancelledOwned`]).
    pub fn cancelled_owned(&self) -> CancelledOwned {
        CancelledOwned::new(Arc::clone(&self.state))
    }
}
