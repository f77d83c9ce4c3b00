//! The settings a worker runs with.

use std::sync::Arc;
use std::time::Duration;

use super::pacing::TaskStartRate;
use crate::codec::PayloadCodec;
use crate::heartbeat::HeartbeatConfig;
use crate::timeout::Timeout;

/// Where a worker takes each task's heartbeat and start-to-close timeouts from.
///
/// SWF does not send a task's timeouts with the task. They come from the decider's
/// ScheduleActivityTask decision, falling back to the type's registered defaults.
///
/// | source | cost | exact when |
/// |---|---|---|
/// | [`RegisteredDefaults`](TimeoutSource::RegisteredDefaults) (default) | none | deciders never override the defaults |
/// | [`ScheduledEvent`](TimeoutSource::ScheduledEvent) | one GetWorkflowExecutionHistory call per task, read while the task already runs | always |
///
/// The registered defaults are the ones SWF holds, learnt when the worker registers (or, with
/// registration off, describes) its types at start; the code's declared values are used only
/// for a type SWF could not describe. A worker-wide
/// [`WorkerBuilder::heartbeat_timeout`](super::WorkerBuilder::heartbeat_timeout) overrides both.
/// When the history cannot be read, the registered defaults are kept and a warning says why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeoutSource {
    /// The activity type's registered defaults, as SWF holds them.
    #[default]
    RegisteredDefaults,
    /// The task's ActivityTaskScheduled event in the workflow history.
    ScheduledEvent,
}

/// Everything a worker needs besides its client and activities.
#[derive(Clone, Debug)]
pub(crate) struct WorkerConfig {
    pub(crate) domain: String,
    /// The first task list: polled, and registered as the default list of types that declare
    /// none.
    pub(crate) task_list: String,
    /// The further task lists polled with the same slots, heartbeat engine and budget.
    pub(crate) other_task_lists: Vec<String>,
    pub(crate) identity: String,
    pub(crate) max_concurrent_activities: usize,
    pub(crate) max_blocking_activities: usize,
    pub(crate) pollers: usize,
    pub(crate) register_activity_types: bool,
    pub(crate) heartbeat: HeartbeatConfig,
    pub(crate) heartbeat_timeout_override: Option<Timeout>,
    pub(crate) timeout_source: TimeoutSource,
    pub(crate) shutdown_grace: Duration,
    pub(crate) cancel_grace: Duration,
    pub(crate) abandon_grace: Duration,
    pub(crate) poll_timeout: Duration,
    pub(crate) task_start_rate: Option<TaskStartRate>,
    pub(crate) payload_codec: Option<Arc<dyn PayloadCodec>>,
}

/// Default number of activities a worker runs at once.
pub const DEFAULT_MAX_CONCURRENT_ACTIVITIES: usize = 16;
/// Default number of blocking activities (`#[activity(blocking)]`) a worker runs at once.
pub const DEFAULT_MAX_BLOCKING_ACTIVITIES: usize = 8;
/// Default number of concurrent long polls on each task list.
pub const DEFAULT_POLLERS: usize = 2;
/// Default time running activities get to finish after shutdown begins.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Default time activities get after their cancellation resolves `WorkerShutdown`.
pub const DEFAULT_CANCEL_GRACE: Duration = Duration::from_secs(10);
/// Default time an activity gets to return after SWF stops accepting an answer for its task,
/// before it is dropped and its slot freed.
pub const DEFAULT_ABANDON_GRACE: Duration = Duration::from_secs(10);
/// How long a poll's HTTP attempt may take: SWF holds a long poll up to 60 s.
pub const POLL_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(70);
