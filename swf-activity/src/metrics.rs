//! The worker's metrics, recorded through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! With the `metrics` feature (off by default), a [`Worker`](crate::worker::Worker) and its
//! heartbeat engine record what they do through the `metrics` crate's macros, into whatever
//! recorder the application installed (`metrics-exporter-prometheus` for a Prometheus scrape,
//! `metrics-util`'s debugging recorder in tests, ...). The library installs no recorder and
//! serves nothing; without one installed, what it records goes to the facade's no-op recorder.
//! Without the feature, no code records anything and the `metrics` crate is not compiled.
//!
//! The worker describes every metric (unit and help text) to the recorder when it starts
//! running, so install the recorder before calling [`Worker::run`](crate::worker::Worker::run).
//!
//! # The metrics
//!
//! Names follow Prometheus conventions: counters end in `_total`, durations are histograms in
//! seconds. Every metric carries the worker's `domain` and `task_list` labels; those about one
//! task also carry the activity type's `activity` (name) and `version`. For a worker polling
//! several task lists ([`WorkerBuilder::also_poll`](crate::worker::WorkerBuilder::also_poll)),
//! `task_list` is the list a poll polled or a task was polled from (the poll and task metrics,
//! from `polls_total` to `cancellations_total`), and the worker's first task list on the
//! worker-wide ones (slots and heartbeats), which the lists share.
//!
//! | name | type | labels beyond `domain`, `task_list` | what it counts |
//! |---|---|---|---|
//! | `swf_activity_polls_total` | counter | `result` = `task`, `empty`, `error` | PollForActivityTask calls that returned, by what they returned |
//! | `swf_activity_poll_duration_seconds` | histogram | `result` | how long each of those polls took (an empty one is held up to 60 s) |
//! | `swf_activity_tasks_started_total` | counter | `activity`, `version` | tasks handed to the worker and started |
//! | `swf_activity_tasks_answered_total` | counter | `activity`, `version`, `answer` = `completed`, `failed`, `canceled` | answers SWF took |
//! | `swf_activity_answers_undelivered_total` | counter | `activity`, `version`, `reason` = `task_gone`, `error` | answers SWF did not take: the task was already gone (timed out, closed elsewhere), or SWF refused it, or retries ran until it could no longer take one |
//! | `swf_activity_answer_retries_total` | counter | `activity`, `version` | answer calls retried after throttling or a transient error |
//! | `swf_activity_answers_after_lost_response_total` | counter | `activity`, `version` | answers found applied after a lost response (a retry met UnknownResourceFault); also counted in `tasks_answered_total` |
//! | `swf_activity_tasks_stopped_at_shutdown_total` | counter | `activity`, `version`, `reason` = `shutdown_grace`, `forced_shutdown` | activities the worker stopped while shutting down (they are answered failed, and counted there too) |
//! | `swf_activity_tasks_abandoned_total` | counter | `activity`, `version` | activities dropped unanswered: SWF no longer took an answer and they ignored their cancellation past the abandon grace |
//! | `swf_activity_tasks_completing_elsewhere_total` | counter | `activity`, `version` | tasks whose activity handed its token over ([`ActivityError::completes_elsewhere`](crate::ActivityError::completes_elsewhere)): no answer sent, slot freed, another system answers |
//! | `swf_activity_task_duration_seconds` | histogram | `activity`, `version` | from a task's start until its answer is ready |
//! | `swf_activity_cancellations_total` | counter | `activity`, `version`, `reason` = `requested`, `worker_shutdown`, `task_gone`, `not_permitted`, `start_to_close_elapsed`, `heartbeat_timeout_elapsed` | tasks whose [`cancelled()`](crate::Progress::cancelled) resolved, by [`CancelReason`] |
//! | `swf_activity_slots_in_use` | gauge | | tasks running now |
//! | `swf_activity_slots_free` | gauge | | further tasks the worker may run now (`max_concurrent_activities` less those in use) |
//! | `swf_activity_heartbeats_sent_total` | counter | | RecordActivityTaskHeartbeat calls made, retries included |
//! | `swf_activity_heartbeat_retries_total` | counter | | heartbeat calls that retried a failed one |
//! | `swf_activity_heartbeat_reports_coalesced_total` | counter | | reports folded into a later heartbeat instead of sent on their own |
//! | `swf_activity_heartbeats_throttled_total` | counter | | waits for the worker's heartbeat budget, plus heartbeats SWF answered with ThrottlingException |
//! | `swf_activity_heartbeats_failed_total` | counter | | heartbeat calls that returned an error of any kind |
//! | `swf_activity_heartbeat_timeouts_total` | counter | | tasks given up because no heartbeat was answered within their heartbeat timeout (plus the margin) |
//! | `swf_activity_heartbeat_overloads_total` | counter | | times the running tasks came to need more heartbeats per second than the budget refills (polling pauses meanwhile) |
//! | `swf_activity_heartbeat_budget_tokens` | gauge | | heartbeats the worker's budget allows at once, as of the engine's last look |
//! | `swf_activity_polling_paused` | gauge | | 1 while polling is paused through a [`PollingControl`](crate::worker::PollingControl), else 0 |
//!
//! [`Worker::stats`](crate::worker::Worker::stats) counts the same events, for one worker:
//! `tasks_started`, `tasks_completed` / `_failed` / `_canceled` (`tasks_answered_total` by
//! `answer`), `answered_after_gone` and `answers_undelivered` (`answers_undelivered_total` by
//! `reason`), `answers_after_lost_response`, `tasks_abandoned`, `tasks_completing_elsewhere`,
//! `heartbeats_sent`, `heartbeats_coalesced`, `heartbeats_throttled`, `heartbeat_timeouts` and `heartbeat_overloads`
//! are the sums of the matching metrics over their labels; `polling_paused` is the
//! `polling_paused` gauge.
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(feature = "metrics")]
//! # fn example() {
//! use swf_activity::metrics::TASKS_ANSWERED;
//! // Alert on failures: rate(swf_activity_tasks_answered_total{answer="failed"}[5m])
//! assert_eq!(TASKS_ANSWERED, "swf_activity_tasks_answered_total");
//! # }
//! ```

use crate::activity::{Activity, ActivityType};
use crate::progress::CancelReason;
use crate::task::ActivityTask;

/// Counter: PollForActivityTask calls that returned, by `result` (`task`, `empty`, `error`).
pub const POLLS: &str = "swf_activity_polls_total";
/// Histogram, seconds: how long each PollForActivityTask call took, by `result`.
pub const POLL_DURATION: &str = "swf_activity_poll_duration_seconds";
/// Counter: tasks started.
pub const TASKS_STARTED: &str = "swf_activity_tasks_started_total";
/// Counter: answers SWF took, by `answer` (`completed`, `failed`, `canceled`).
pub const TASKS_ANSWERED: &str = "swf_activity_tasks_answered_total";
/// Counter: answers SWF did not take, by `reason` (`task_gone`, `error`).
pub const ANSWERS_UNDELIVERED: &str = "swf_activity_answers_undelivered_total";
/// Counter: answer calls retried after throttling or a transient error.
pub const ANSWER_RETRIES: &str = "swf_activity_answer_retries_total";
/// Counter: answers found applied after a lost response.
pub const ANSWERS_AFTER_LOST_RESPONSE: &str = "swf_activity_answers_after_lost_response_total";
/// Counter: activities stopped by the worker's shutdown, by `reason` (`shutdown_grace`,
/// `forced_shutdown`).
pub const TASKS_STOPPED_AT_SHUTDOWN: &str = "swf_activity_tasks_stopped_at_shutdown_total";
/// Counter: activities dropped unanswered because SWF no longer took an answer.
pub const TASKS_ABANDONED: &str = "swf_activity_tasks_abandoned_total";
/// Counter: tasks whose activity handed its token over for another system to answer.
pub const TASKS_COMPLETING_ELSEWHERE: &str = "swf_activity_tasks_completing_elsewhere_total";
/// Histogram, seconds: from a task's start until its answer is ready.
pub const TASK_DURATION: &str = "swf_activity_task_duration_seconds";
/// Counter: tasks cancelled, by `reason` (`requested`, `worker_shutdown`, `task_gone`,
/// `not_permitted`, `start_to_close_elapsed`, `heartbeat_timeout_elapsed`).
pub const CANCELLATIONS: &str = "swf_activity_cancellations_total";
/// Gauge: tasks running now.
pub const SLOTS_IN_USE: &str = "swf_activity_slots_in_use";
/// Gauge: further tasks the worker may run now.
pub const SLOTS_FREE: &str = "swf_activity_slots_free";
/// Counter: RecordActivityTaskHeartbeat calls made, retries included.
pub const HEARTBEATS_SENT: &str = "swf_activity_heartbeats_sent_total";
/// Counter: heartbeat calls that retried a failed one.
pub const HEARTBEAT_RETRIES: &str = "swf_activity_heartbeat_retries_total";
/// Counter: reports folded into a later heartbeat.
pub const HEARTBEAT_REPORTS_COALESCED: &str = "swf_activity_heartbeat_reports_coalesced_total";
/// Counter: waits for the heartbeat budget, plus heartbeats answered with ThrottlingException.
pub const HEARTBEATS_THROTTLED: &str = "swf_activity_heartbeats_throttled_total";
/// Counter: heartbeat calls that returned an error.
pub const HEARTBEATS_FAILED: &str = "swf_activity_heartbeats_failed_total";
/// Counter: tasks given up because no heartbeat was answered within their heartbeat timeout.
pub const HEARTBEAT_TIMEOUTS: &str = "swf_activity_heartbeat_timeouts_total";
/// Counter: times the running tasks came to need more heartbeats per second than the budget
/// refills.
pub const HEARTBEAT_OVERLOADS: &str = "swf_activity_heartbeat_overloads_total";
/// Gauge: heartbeats the worker's budget allows at once.
pub const HEARTBEAT_BUDGET_TOKENS: &str = "swf_activity_heartbeat_budget_tokens";
/// Gauge: 1 while polling is paused through a [`PollingControl`](crate::worker::PollingControl),
/// else 0.
pub const POLLING_PAUSED: &str = "swf_activity_polling_paused";

/// What a metric is, for the recorder.
#[cfg(feature = "metrics")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One row of the table above.
#[cfg(feature = "metrics")]
struct MetricSpec {
    name: &'static str,
    kind: Kind,
    unit: ::metrics::Unit,
    help: &'static str,
    /// The labels beyond `domain` and `task_list`.
    labels: &'static [&'static str],
}

#[cfg(feature = "metrics")]
const TASK: &[&str] = &["activity", "version"];
#[cfg(feature = "metrics")]
const TASK_AND_ANSWER: &[&str] = &["activity", "version", "answer"];
#[cfg(feature = "metrics")]
const TASK_AND_REASON: &[&str] = &["activity", "version", "reason"];

/// Every metric the worker records: the module documentation's table, for the recorder.
#[cfg(feature = "metrics")]
const TABLE: &[MetricSpec] = {
    use ::metrics::Unit::{Count, Seconds};
    use Kind::{Counter, Gauge, Histogram};
    &[
        row(
            POLLS,
            Counter,
            Count,
            &["result"],
            "PollForActivityTask calls that returned, by result (task, empty, error)",
        ),
        row(
            POLL_DURATION,
            Histogram,
            Seconds,
            &["result"],
            "How long each PollForActivityTask call took",
        ),
        row(
            TASKS_STARTED,
            Counter,
            Count,
            TASK,
            "Activity tasks started",
        ),
        row(
            TASKS_ANSWERED,
            Counter,
            Count,
            TASK_AND_ANSWER,
            "Answers SWF took, by answer (completed, failed, canceled)",
        ),
        row(
            ANSWERS_UNDELIVERED,
            Counter,
            Count,
            TASK_AND_REASON,
            "Answers SWF did not take: the task was gone, SWF refused it, or it could no longer take one",
        ),
        row(
            ANSWER_RETRIES,
            Counter,
            Count,
            TASK,
            "Answer calls retried after throttling or a transient error",
        ),
        row(
            ANSWERS_AFTER_LOST_RESPONSE,
            Counter,
            Count,
            TASK,
            "Answers found applied after a lost response",
        ),
        row(
            TASKS_STOPPED_AT_SHUTDOWN,
            Counter,
            Count,
            TASK_AND_REASON,
            "Activities stopped by the worker's shutdown and answered failed",
        ),
        row(
            TASKS_ABANDONED,
            Counter,
            Count,
            TASK,
            "Activities dropped unanswered because SWF no longer took an answer",
        ),
        row(
            TASKS_COMPLETING_ELSEWHERE,
            Counter,
            Count,
            TASK,
            "Tasks whose activity handed its token over for another system to answer",
        ),
        row(
            TASK_DURATION,
            Histogram,
            Seconds,
            TASK,
            "From a task's start until its answer is ready",
        ),
        row(
            CANCELLATIONS,
            Counter,
            Count,
            TASK_AND_REASON,
            "Tasks whose cancelled() resolved, by reason",
        ),
        row(
            SLOTS_IN_USE,
            Gauge,
            Count,
            &[],
            "Activity tasks running now",
        ),
        row(
            SLOTS_FREE,
            Gauge,
            Count,
            &[],
            "Further activity tasks the worker may run now",
        ),
        row(
            HEARTBEATS_SENT,
            Counter,
            Count,
            &[],
            "RecordActivityTaskHeartbeat calls made, retries included",
        ),
        row(
            HEARTBEAT_RETRIES,
            Counter,
            Count,
            &[],
            "Heartbeat calls that retried a failed one",
        ),
        row(
            HEARTBEAT_REPORTS_COALESCED,
            Counter,
            Count,
            &[],
            "Progress reports folded into a later heartbeat",
        ),
        row(
            HEARTBEATS_THROTTLED,
            Counter,
            Count,
            &[],
            "Waits for the heartbeat budget, plus heartbeats answered with ThrottlingException",
        ),
        row(
            HEARTBEATS_FAILED,
            Counter,
            Count,
            &[],
            "Heartbeat calls that returned an error",
        ),
        row(
            HEARTBEAT_TIMEOUTS,
            Counter,
            Count,
            &[],
            "Tasks given up because no heartbeat was answered within their heartbeat timeout",
        ),
        row(
            HEARTBEAT_OVERLOADS,
            Counter,
            Count,
            &[],
            "Times the running tasks needed more heartbeats per second than the budget refills",
        ),
        row(
            HEARTBEAT_BUDGET_TOKENS,
            Gauge,
            Count,
            &[],
            "Heartbeats the worker's budget allows at once",
        ),
        row(
            POLLING_PAUSED,
            Gauge,
            Count,
            &[],
            "1 while polling is paused through a PollingControl, else 0",
        ),
    ]
};

#[cfg(feature = "metrics")]
const fn row(
    name: &'static str,
    kind: Kind,
    unit: ::metrics::Unit,
    labels: &'static [&'static str],
    help: &'static str,
) -> MetricSpec {
    MetricSpec {
        name,
        kind,
        unit,
        help,
        labels,
    }
}

/// Describes every metric (unit, and help text naming its labels) to the installed recorder.
#[cfg(feature = "metrics")]
fn describe() {
    for spec in TABLE {
        let help = format!("{} (labels: {})", spec.help, spec.label_names().join(", "));
        match spec.kind {
            Kind::Counter => ::metrics::describe_counter!(spec.name, spec.unit, help),
            Kind::Gauge => ::metrics::describe_gauge!(spec.name, spec.unit, help),
            Kind::Histogram => ::metrics::describe_histogram!(spec.name, spec.unit, help),
        }
    }
}

#[cfg(feature = "metrics")]
impl MetricSpec {
    /// Every label of the metric: `domain`, `task_list`, then its own.
    fn label_names(&self) -> Vec<&'static str> {
        let mut names = vec!["domain", "task_list"];
        names.extend_from_slice(self.labels);
        names
    }
}

/// The labels of everything one worker records: `domain` and `task_list`. Made once per worker.
#[derive(Clone, Debug, Default)]
pub(crate) struct WorkerLabels {
    #[cfg(feature = "metrics")]
    domain: ::metrics::SharedString,
    #[cfg(feature = "metrics")]
    task_list: ::metrics::SharedString,
}

impl WorkerLabels {
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn new(domain: &str, task_list: &str) -> Self {
        WorkerLabels {
            #[cfg(feature = "metrics")]
            domain: ::metrics::SharedString::from_owned(domain.to_owned()),
            #[cfg(feature = "metrics")]
            task_list: ::metrics::SharedString::from_owned(task_list.to_owned()),
        }
    }

    /// These labels with `task_list` set to the list a task was polled from (kept when empty).
    #[cfg(feature = "metrics")]
    fn polled_from(&self, task_list: &str) -> WorkerLabels {
        let mut labels = self.clone();
        if !task_list.is_empty() && *task_list != *self.task_list {
            labels.task_list = ::metrics::SharedString::from_owned(task_list.to_owned());
        }
        labels
    }

    /// `domain`, `task_list`, then `extra`.
    #[cfg(feature = "metrics")]
    fn with(&self, extra: &[(&'static str, ::metrics::SharedString)]) -> Vec<::metrics::Label> {
        let mut labels = Vec::with_capacity(2 + extra.len());
        labels.push(::metrics::Label::new("domain", self.domain.clone()));
        labels.push(::metrics::Label::new("task_list", self.task_list.clone()));
        labels.extend(
            extra
                .iter()
                .map(|(key, value)| ::metrics::Label::new(*key, value.clone())),
        );
        labels
    }
}

/// The labels of what one task records: the worker's, plus `activity` and `version`. Made once
/// per task.
#[derive(Clone, Debug)]
pub(crate) struct TaskLabels {
    #[cfg(feature = "metrics")]
    worker: WorkerLabels,
    #[cfg(feature = "metrics")]
    activity: ::metrics::SharedString,
    #[cfg(feature = "metrics")]
    version: ::metrics::SharedString,
}

impl TaskLabels {
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn new(worker: &WorkerLabels, activity_type: &ActivityType) -> Self {
        TaskLabels {
            #[cfg(feature = "metrics")]
            worker: worker.clone(),
            #[cfg(feature = "metrics")]
            activity: ::metrics::SharedString::from_owned(activity_type.name.to_string()),
            #[cfg(feature = "metrics")]
            version: ::metrics::SharedString::from_owned(activity_type.version.to_string()),
        }
    }

    /// `domain`, `task_list`, `activity`, `version`, then `extra`.
    #[cfg(feature = "metrics")]
    fn with(&self, extra: Option<(&'static str, &'static str)>) -> Vec<::metrics::Label> {
        let mut pairs = vec![
            ("activity", self.activity.clone()),
            ("version", self.version.clone()),
        ];
        if let Some((key, value)) = extra {
            pairs.push((key, ::metrics::SharedString::const_str(value)));
        }
        self.worker.with(&pairs)
    }
}

/// Measures a duration for a histogram; holds nothing without the `metrics` feature.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stopwatch {
    #[cfg(feature = "metrics")]
    started: tokio::time::Instant,
}

impl Stopwatch {
    pub(crate) fn start() -> Self {
        Stopwatch {
            #[cfg(feature = "metrics")]
            started: tokio::time::Instant::now(),
        }
    }

    #[cfg(feature = "metrics")]
    fn seconds(self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// What a PollForActivityTask call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PollResult {
    Task,
    Empty,
    Error,
}

impl PollResult {
    /// `Ok(Some(task))`, `Ok(None)` (an empty poll) or an error.
    pub(crate) fn of<T, E>(polled: &Result<Option<T>, E>) -> Self {
        match polled {
            Ok(Some(_)) => PollResult::Task,
            Ok(None) => PollResult::Empty,
            Err(_) => PollResult::Error,
        }
    }

    #[cfg(feature = "metrics")]
    fn label(self) -> &'static str {
        match self {
            PollResult::Task => "task",
            PollResult::Empty => "empty",
            PollResult::Error => "error",
        }
    }
}

/// Why the worker stopped an activity while shutting down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShutdownStop {
    /// The shutdown graces ran out.
    Grace,
    /// The shutdown was forced.
    Forced,
}

/// What became of a task's answer, for [`TASKS_ANSWERED`], [`ANSWERS_UNDELIVERED`] and
/// [`TASKS_COMPLETING_ELSEWHERE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnswerResult {
    Completed,
    Failed,
    Canceled,
    TaskGone,
    Undelivered,
    CompletesElsewhere,
}

/// The worker starts running: describes the metrics and sets the slot gauges.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn worker_started(labels: &WorkerLabels, slots: usize) {
    #[cfg(feature = "metrics")]
    {
        describe();
        ::metrics::gauge!(SLOTS_IN_USE, labels.with(&[])).set(0.0);
        ::metrics::gauge!(SLOTS_FREE, labels.with(&[])).set(slots as f64);
    }
}

/// Polling was paused or resumed (or the worker starts, paused or not).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn polling_paused(labels: &WorkerLabels, paused: bool) {
    #[cfg(feature = "metrics")]
    ::metrics::gauge!(POLLING_PAUSED, labels.with(&[])).set(if paused { 1.0 } else { 0.0 });
}

/// A PollForActivityTask call returned.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn poll_returned(labels: &WorkerLabels, stopwatch: Stopwatch, result: PollResult) {
    #[cfg(feature = "metrics")]
    {
        let labels = labels.with(&[("result", result.label().into())]);
        ::metrics::histogram!(POLL_DURATION, labels.clone()).record(stopwatch.seconds());
        ::metrics::counter!(POLLS, labels).increment(1);
    }
}

/// A polled task takes a slot.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn slot_taken(labels: &WorkerLabels) {
    #[cfg(feature = "metrics")]
    {
        ::metrics::gauge!(SLOTS_IN_USE, labels.with(&[])).increment(1.0);
        ::metrics::gauge!(SLOTS_FREE, labels.with(&[])).decrement(1.0);
    }
}

/// An answered task gives its slot back.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn slot_released(labels: &WorkerLabels) {
    #[cfg(feature = "metrics")]
    {
        ::metrics::gauge!(SLOTS_IN_USE, labels.with(&[])).decrement(1.0);
        ::metrics::gauge!(SLOTS_FREE, labels.with(&[])).increment(1.0);
    }
}

/// A task started. Called by the worker's task counters.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn task_started(labels: &TaskLabels) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(TASKS_STARTED, labels.with(None)).increment(1);
}

/// A task's answer was delivered or not. Called by the worker's task counters.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn task_answered(labels: &TaskLabels, result: AnswerResult) {
    #[cfg(feature = "metrics")]
    {
        let (name, label) = match result {
            AnswerResult::Completed => (TASKS_ANSWERED, ("answer", "completed")),
            AnswerResult::Failed => (TASKS_ANSWERED, ("answer", "failed")),
            AnswerResult::Canceled => (TASKS_ANSWERED, ("answer", "canceled")),
            AnswerResult::TaskGone => (ANSWERS_UNDELIVERED, ("reason", "task_gone")),
            AnswerResult::Undelivered => (ANSWERS_UNDELIVERED, ("reason", "error")),
            AnswerResult::CompletesElsewhere => {
                ::metrics::counter!(TASKS_COMPLETING_ELSEWHERE, labels.with(None)).increment(1);
                return;
            }
        };
        ::metrics::counter!(name, labels.with(Some(label))).increment(1);
    }
}

/// A task's answer is ready, `stopwatch` after the task started.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn task_ran(labels: &TaskLabels, stopwatch: Stopwatch) {
    #[cfg(feature = "metrics")]
    ::metrics::histogram!(TASK_DURATION, labels.with(None)).record(stopwatch.seconds());
}

/// An answer call goes out: its `attempt`th (from 1); every one after the first is a retry.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn answer_attempted(labels: &TaskLabels, attempt: u32) {
    #[cfg(feature = "metrics")]
    if attempt > 1 {
        ::metrics::counter!(ANSWER_RETRIES, labels.with(None)).increment(1);
    }
}

/// The worker stopped `activity` while shutting down.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn shutdown_stopped(labels: &WorkerLabels, activity: &dyn Activity, why: ShutdownStop) {
    #[cfg(feature = "metrics")]
    {
        let reason = match why {
            ShutdownStop::Grace => "shutdown_grace",
            ShutdownStop::Forced => "forced_shutdown",
        };
        let activity_type = &activity.definition().activity_type;
        let labels = TaskLabels::new(labels, activity_type).with(Some(("reason", reason)));
        ::metrics::counter!(TASKS_STOPPED_AT_SHUTDOWN, labels).increment(1);
    }
}

/// A task's activity was dropped unanswered. Called by the worker's task counters.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn task_abandoned(labels: &TaskLabels) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(TASKS_ABANDONED, labels.with(None)).increment(1);
}

/// A delivered answer was found applied after a lost response. Called by the worker's task
/// counters.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn answer_after_lost_response(labels: &TaskLabels) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(ANSWERS_AFTER_LOST_RESPONSE, labels.with(None)).increment(1);
}

/// What the heartbeat engine records, with its worker's labels once a worker gives them.
/// Engines outside a worker (tests, [`ActivityEnvironment`](crate::testing::ActivityEnvironment))
/// record nothing.
#[derive(Debug, Default)]
pub(crate) struct EngineMetrics {
    #[cfg(feature = "metrics")]
    labels: std::sync::OnceLock<WorkerLabels>,
}

impl EngineMetrics {
    /// Labels what this engine records from now on; only the first call counts.
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn label(&self, labels: &WorkerLabels) {
        #[cfg(feature = "metrics")]
        let _ = self.labels.set(labels.clone());
    }

    #[cfg(feature = "metrics")]
    fn count(&self, name: &'static str, n: u64) {
        if let Some(labels) = self.labels.get() {
            ::metrics::counter!(name, labels.with(&[])).increment(n);
        }
    }

    /// A heartbeat call goes out; `retry` when it retries a failed one.
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn sent(&self, retry: bool) {
        #[cfg(feature = "metrics")]
        {
            self.count(HEARTBEATS_SENT, 1);
            if retry {
                self.count(HEARTBEAT_RETRIES, 1);
            }
        }
    }

    /// `reports` reports were folded into the heartbeat going out.
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn coalesced(&self, reports: u64) {
        #[cfg(feature = "metrics")]
        self.count(HEARTBEAT_REPORTS_COALESCED, reports);
    }

    /// A heartbeat waited for the budget, or SWF throttled one.
    pub(crate) fn throttled(&self) {
        #[cfg(feature = "metrics")]
        self.count(HEARTBEATS_THROTTLED, 1);
    }

    /// A heartbeat call returned an error.
    pub(crate) fn failed(&self) {
        #[cfg(feature = "metrics")]
        self.count(HEARTBEATS_FAILED, 1);
    }

    /// A task's heartbeat timeout elapsed without an answered heartbeat.
    pub(crate) fn heartbeat_timeout(&self) {
        #[cfg(feature = "metrics")]
        self.count(HEARTBEAT_TIMEOUTS, 1);
    }

    /// The running tasks came to need more heartbeats than the budget refills.
    pub(crate) fn overload(&self) {
        #[cfg(feature = "metrics")]
        self.count(HEARTBEAT_OVERLOADS, 1);
    }

    /// `task` (when known) was cancelled.
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn cancelled(&self, reason: CancelReason, task: Option<&ActivityTask>) {
        #[cfg(feature = "metrics")]
        if let Some(labels) = self.labels.get() {
            let labels = &labels.polled_from(task.map_or("", ActivityTask::task_list));
            let activity_type = task.map(|task| &task.activity_type);
            let reason = match reason {
                CancelReason::Requested => "requested",
                CancelReason::WorkerShutdown => "worker_shutdown",
                CancelReason::TaskGone => "task_gone",
                CancelReason::NotPermitted => "not_permitted",
                CancelReason::StartToCloseElapsed => "start_to_close_elapsed",
                CancelReason::HeartbeatTimeoutElapsed => "heartbeat_timeout_elapsed",
            };
            let unknown = ActivityType::from_static("", "");
            let activity_type = activity_type.unwrap_or(&unknown);
            let labels = TaskLabels::new(labels, activity_type).with(Some(("reason", reason)));
            ::metrics::counter!(CANCELLATIONS, labels).increment(1);
        }
    }

    /// The budget holds `tokens` now.
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn budget_tokens(&self, tokens: impl FnOnce() -> f64) {
        #[cfg(feature = "metrics")]
        if let Some(labels) = self.labels.get() {
            ::metrics::gauge!(HEARTBEAT_BUDGET_TOKENS, labels.with(&[])).set(tokens());
        }
    }
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        let mut names: Vec<_> = TABLE.iter().map(|spec| spec.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len(), "a name appears twice");
        for spec in TABLE {
            assert!(spec.name.starts_with("swf_activity_"), "{}", spec.name);
            match spec.kind {
                Kind::Counter => assert!(spec.name.ends_with("_total"), "{}", spec.name),
                Kind::Histogram => assert!(spec.name.ends_with("_seconds"), "{}", spec.name),
                Kind::Gauge => assert!(!spec.name.ends_with("_total"), "{}", spec.name),
            }
            assert!(!spec.help.is_empty());
            assert!(!spec.labels.contains(&"domain") && !spec.labels.contains(&"task_list"));
        }
    }

    #[test]
    fn every_name_is_documented_in_the_module_table() {
        let docs = include_str!("metrics.rs");
        for spec in TABLE {
            assert!(
                docs.contains(&format!("//! | `{}` |", spec.name)),
                "{} is missing from the documentation table",
                spec.name
            );
        }
    }
}
