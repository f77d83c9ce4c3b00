//! Conveniences for tests and examples: schedule an activity without a decider, await its
//! outcome, cancel it, read its history and heartbeat count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::LocalError;
use crate::history::HistoryEvent;
use crate::model::{ActivityTimeoutType, CloseStatus, TypeId, WorkflowExecution};
use crate::service::{OutcomeReceiver, Service};

/// How an activity scheduled through the harness ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActivityOutcome {
    /// RespondActivityTaskCompleted.
    Completed {
        /// The result the worker sent.
        result: Option<String>,
    },
    /// RespondActivityTaskFailed.
    Failed {
        /// The reason the worker sent.
        reason: Option<String>,
        /// The details the worker sent.
        details: Option<String>,
    },
    /// RespondActivityTaskCanceled, or cancelled by the service before it started.
    Canceled {
        /// The details the worker sent (`None` when cancelled before it started).
        details: Option<String>,
    },
    /// A timeout fired.
    TimedOut {
        /// Which timeout.
        timeout_type: ActivityTimeoutType,
        /// The details of the last heartbeat.
        details: Option<String>,
    },
    /// The ScheduleActivityTask decision failed, e.g. `ACTIVITY_TYPE_DOES_NOT_EXIST` or
    /// `DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED`.
    ScheduleFailed {
        /// The SWF cause.
        cause: String,
    },
    /// The workflow execution was closed (e.g. terminated) while the activity was open.
    WorkflowClosed {
        /// How it was closed.
        status: CloseStatus,
    },
    /// The endpoint was dropped before the activity ended.
    EndpointStopped,
}

impl ActivityOutcome {
    /// One line describing the outcome.
    pub fn summary(&self) -> String {
        match self {
            Self::Completed { .. } => "activity completed".to_owned(),
            Self::Failed { reason, .. } => {
                format!("activity failed: {}", reason.as_deref().unwrap_or(""))
            }
            Self::Canceled { .. } => "activity canceled".to_owned(),
            Self::TimedOut { timeout_type, .. } => {
                format!("activity timed out: {}", timeout_type.as_str())
            }
            Self::ScheduleFailed { cause } => format!("scheduling the activity failed: {cause}"),
            Self::WorkflowClosed { status } => {
                format!("workflow execution closed: {}", status.as_str())
            }
            Self::EndpointStopped => "the endpoint stopped".to_owned(),
        }
    }
}

/// The endpoint's side of a harness activity: where its outcome and heartbeats are reported.
#[derive(Debug)]
pub(crate) struct ActivityShared {
    outcome: watch::Sender<Option<ActivityOutcome>>,
    pub(crate) heartbeats: Arc<AtomicU64>,
}

impl ActivityShared {
    pub(crate) fn new() -> (Self, OutcomeReceiver, Arc<AtomicU64>) {
        let (outcome, receiver) = watch::channel(None);
        let heartbeats = Arc::new(AtomicU64::new(0));
        (
            Self {
                outcome,
                heartbeats: heartbeats.clone(),
            },
            receiver,
            heartbeats,
        )
    }

    /// Reports the outcome; only the first report counts.
    pub(crate) fn finish(&self, outcome: ActivityOutcome) {
        self.outcome.send_if_modified(|slot| {
            if slot.is_none() {
                *slot = Some(outcome);
                true
            } else {
                false
            }
        });
    }
}

/// What to schedule with [`LocalSwf::schedule_activity`](crate::LocalSwf::schedule_activity).
///
/// Omitted timeouts and task list fall back to the activity type's registered defaults, as in
/// SWF. Timeouts are whole seconds; a fraction rounds up.
///
/// ```
/// use std::time::Duration;
/// let spec = swf_local::ActivitySpec::new("demo", "resize", "1")
///     .task_list("images")
///     .input(r#"{"width":64}"#)
///     .heartbeat_timeout(Duration::from_secs(10));
/// assert_eq!(spec.activity_type().name, "resize");
/// ```
#[derive(Debug, Clone)]
pub struct ActivitySpec {
    pub(crate) domain: String,
    pub(crate) activity_type: TypeId,
    pub(crate) activity_id: Option<String>,
    pub(crate) task_list: Option<String>,
    pub(crate) input: Option<String>,
    pub(crate) heartbeat_timeout: Option<Duration>,
    pub(crate) start_to_close_timeout: Option<Duration>,
    pub(crate) schedule_to_start_timeout: Option<Duration>,
    pub(crate) schedule_to_close_timeout: Option<Duration>,
}

impl ActivitySpec {
    /// An activity of type `name`/`version` in `domain`.
    pub fn new(
        domain: impl Into<String>,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Self {
            domain: domain.into(),
            activity_type: TypeId::new(name, version),
            activity_id: None,
            task_list: None,
            input: None,
            heartbeat_timeout: None,
            start_to_close_timeout: None,
            schedule_to_start_timeout: None,
            schedule_to_close_timeout: None,
        }
    }

    /// The activity type.
    pub fn activity_type(&self) -> &TypeId {
        &self.activity_type
    }

    /// The activity id (default: a generated one).
    #[must_use]
    pub fn activity_id(mut self, id: impl Into<String>) -> Self {
        self.activity_id = Some(id.into());
        self
    }

    /// The task list (default: the type's default task list).
    #[must_use]
    pub fn task_list(mut self, name: impl Into<String>) -> Self {
        self.task_list = Some(name.into());
        self
    }

    /// The input string.
    #[must_use]
    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.input = Some(input.into());
        self
    }

    /// The heartbeat timeout.
    #[must_use]
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    /// The start-to-close timeout.
    #[must_use]
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.start_to_close_timeout = Some(timeout);
        self
    }

    /// The schedule-to-start timeout.
    #[must_use]
    pub fn schedule_to_start_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_start_timeout = Some(timeout);
        self
    }

    /// The schedule-to-close timeout.
    #[must_use]
    pub fn schedule_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_close_timeout = Some(timeout);
        self
    }
}

/// A scheduled harness activity. Dropping the handle changes nothing at the endpoint.
#[derive(Debug, Clone)]
pub struct ActivityHandle {
    service: Service,
    domain: String,
    execution: WorkflowExecution,
    activity_id: String,
    outcome: OutcomeReceiver,
    heartbeats: Arc<AtomicU64>,
}

impl ActivityHandle {
    pub(crate) fn new(
        service: Service,
        domain: String,
        execution: WorkflowExecution,
        activity_id: String,
        outcome: OutcomeReceiver,
        heartbeats: Arc<AtomicU64>,
    ) -> Self {
        Self {
            service,
            domain,
            execution,
            activity_id,
            outcome,
            heartbeats,
        }
    }

    /// The activity id.
    pub fn activity_id(&self) -> &str {
        &self.activity_id
    }

    /// The domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The workflow execution the harness started for this activity.
    pub fn execution(&self) -> &WorkflowExecution {
        &self.execution
    }

    /// Waits until the activity closes and answers how.
    ///
    /// # Cancellation safety
    /// Cancel-safe: dropping the future changes nothing; call it again to keep waiting.
    pub async fn outcome(&self) -> ActivityOutcome {
        let mut receiver = self.outcome.clone();
        match receiver.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(ActivityOutcome::EndpointStopped),
            Err(_) => ActivityOutcome::EndpointStopped,
        }
    }

    /// The outcome if the activity already closed.
    pub fn try_outcome(&self) -> Option<ActivityOutcome> {
        self.outcome.borrow().clone()
    }

    /// Makes the RequestCancelActivityTask decision: a started task sees `cancelRequested: true`
    /// on its next heartbeat; a task not yet started is cancelled at once.
    ///
    /// # Errors
    /// [`LocalError::Swf`] with `UnknownResourceFault` when the activity already closed.
    pub fn request_cancel(&self) -> Result<(), LocalError> {
        Ok(self
            .service
            .cancel_harness_activity(&self.execution.run_id, &self.activity_id)?)
    }

    /// The workflow history (harness decisions included).
    ///
    /// # Errors
    /// [`LocalError::Swf`] with `UnknownResourceFault` when the execution was evicted
    /// (see the closed-execution retention).
    pub fn history(&self) -> Result<Vec<HistoryEvent>, LocalError> {
        self.service.history(&self.execution).ok_or_else(|| {
            LocalError::Swf(crate::SwfError::unknown(
                "the execution was evicted after close; raise the closed-execution retention",
            ))
        })
    }

    /// How many heartbeats the endpoint accepted for this activity (survives eviction).
    pub fn heartbeat_count(&self) -> u64 {
        self.heartbeats.load(Ordering::Relaxed)
    }
}
