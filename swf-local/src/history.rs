//! Workflow history events, typed, serialized exactly as SWF sends them.

use serde::Serialize;

use crate::model::{TaskList, TypeId};

/// One event of a workflow execution history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// The event id, 1-based and consecutive within an execution.
    pub event_id: u64,
    /// When the event was recorded, in seconds since the Unix epoch.
    pub event_timestamp: f64,
    /// The event's attributes; the variant names the event type.
    pub attributes: EventAttributes,
}

impl HistoryEvent {
    /// The SWF event type, e.g. `ActivityTaskCompleted`.
    pub fn event_type(&self) -> &'static str {
        self.attributes.event_type()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent<'a> {
    event_id: u64,
    event_timestamp: f64,
    event_type: &'static str,
    #[serde(flatten)]
    attributes: &'a EventAttributes,
}

impl Serialize for HistoryEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireEvent {
            event_id: self.event_id,
            event_timestamp: self.event_timestamp,
            event_type: self.event_type(),
            attributes: &self.attributes,
        }
        .serialize(serializer)
    }
}

macro_rules! attributes {
    ($( $(#[$doc:meta])* $variant:ident => $key:literal ($ty:ident) ),* $(,)?) => {
        /// The attributes of a history event; one variant per event type this endpoint records.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[non_exhaustive]
        pub enum EventAttributes {
            $( $(#[$doc])* #[serde(rename = $key)] $variant($ty), )*
        }

        impl EventAttributes {
            /// The SWF event type name.
            pub fn event_type(&self) -> &'static str {
                match self { $( Self::$variant(_) => stringify!($variant), )* }
            }
        }
    };
}

attributes! {
    /// The execution started.
    WorkflowExecutionStarted => "workflowExecutionStartedEventAttributes" (WorkflowExecutionStarted),
    /// The execution completed.
    WorkflowExecutionCompleted => "workflowExecutionCompletedEventAttributes" (WorkflowExecutionCompleted),
    /// The execution failed.
    WorkflowExecutionFailed => "workflowExecutionFailedEventAttributes" (WorkflowExecutionFailed),
    /// The execution was canceled by its decider.
    WorkflowExecutionCanceled => "workflowExecutionCanceledEventAttributes" (WorkflowExecutionCanceled),
    /// The execution was terminated.
    WorkflowExecutionTerminated => "workflowExecutionTerminatedEventAttributes" (WorkflowExecutionTerminated),
    /// The execution timed out.
    WorkflowExecutionTimedOut => "workflowExecutionTimedOutEventAttributes" (WorkflowExecutionTimedOut),
    /// Cancellation of the execution was requested.
    WorkflowExecutionCancelRequested => "workflowExecutionCancelRequestedEventAttributes" (WorkflowExecutionCancelRequested),
    /// A decision task was scheduled.
    DecisionTaskScheduled => "decisionTaskScheduledEventAttributes" (DecisionTaskScheduled),
    /// A decider took the decision task.
    DecisionTaskStarted => "decisionTaskStartedEventAttributes" (DecisionTaskStarted),
    /// The decider answered the decision task.
    DecisionTaskCompleted => "decisionTaskCompletedEventAttributes" (DecisionTaskCompleted),
    /// The decision task timed out.
    DecisionTaskTimedOut => "decisionTaskTimedOutEventAttributes" (DecisionTaskTimedOut),
    /// An activity task was scheduled.
    ActivityTaskScheduled => "activityTaskScheduledEventAttributes" (ActivityTaskScheduled),
    /// A worker took the activity task.
    ActivityTaskStarted => "activityTaskStartedEventAttributes" (ActivityTaskStarted),
    /// The worker completed the activity task.
    ActivityTaskCompleted => "activityTaskCompletedEventAttributes" (ActivityTaskCompleted),
    /// The worker failed the activity task.
    ActivityTaskFailed => "activityTaskFailedEventAttributes" (ActivityTaskFailed),
    /// The activity task timed out.
    ActivityTaskTimedOut => "activityTaskTimedOutEventAttributes" (ActivityTaskTimedOut),
    /// The activity task was canceled.
    ActivityTaskCanceled => "activityTaskCanceledEventAttributes" (ActivityTaskCanceled),
    /// Cancellation of the activity task was requested.
    ActivityTaskCancelRequested => "activityTaskCancelRequestedEventAttributes" (ActivityTaskCancelRequested),
    /// A ScheduleActivityTask decision failed.
    ScheduleActivityTaskFailed => "scheduleActivityTaskFailedEventAttributes" (ScheduleActivityTaskFailed),
    /// A RequestCancelActivityTask decision failed.
    RequestCancelActivityTaskFailed => "requestCancelActivityTaskFailedEventAttributes" (RequestCancelActivityTaskFailed),
    /// A timer started.
    TimerStarted => "timerStartedEventAttributes" (TimerStarted),
    /// A timer fired.
    TimerFired => "timerFiredEventAttributes" (TimerFired),
    /// A StartTimer decision failed.
    StartTimerFailed => "startTimerFailedEventAttributes" (StartTimerFailed),
    /// A marker was recorded.
    MarkerRecorded => "markerRecordedEventAttributes" (MarkerRecorded),
}

/// Attributes of `WorkflowExecutionStarted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionStarted {
    /// The workflow type.
    pub workflow_type: TypeId,
    /// The decision task list.
    pub task_list: TaskList,
    /// The input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The execution start-to-close timeout (seconds or `NONE`).
    pub execution_start_to_close_timeout: String,
    /// The decision task start-to-close timeout (seconds or `NONE`).
    pub task_start_to_close_timeout: String,
    /// The child policy.
    pub child_policy: String,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_list: Vec<String>,
}

/// Attributes of `WorkflowExecutionCompleted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionCompleted {
    /// The result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The `DecisionTaskCompleted` event of the decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `WorkflowExecutionFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionFailed {
    /// The reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The `DecisionTaskCompleted` event of the decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `WorkflowExecutionCanceled`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionCanceled {
    /// The details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The `DecisionTaskCompleted` event of the decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `WorkflowExecutionTerminated`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionTerminated {
    /// The reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The child policy.
    pub child_policy: String,
}

/// Attributes of `WorkflowExecutionTimedOut`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionTimedOut {
    /// Always `START_TO_CLOSE`.
    pub timeout_type: String,
    /// The child policy.
    pub child_policy: String,
}

/// Attributes of `WorkflowExecutionCancelRequested`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionCancelRequested {}

/// Attributes of `DecisionTaskScheduled`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionTaskScheduled {
    /// The decision task list.
    pub task_list: TaskList,
    /// The start-to-close timeout (seconds or `NONE`).
    pub start_to_close_timeout: String,
}

/// Attributes of `DecisionTaskStarted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionTaskStarted {
    /// The poller's identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The `DecisionTaskScheduled` event.
    pub scheduled_event_id: u64,
}

/// Attributes of `DecisionTaskCompleted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionTaskCompleted {
    /// The decider's execution context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_context: Option<String>,
    /// The `DecisionTaskScheduled` event.
    pub scheduled_event_id: u64,
    /// The `DecisionTaskStarted` event.
    pub started_event_id: u64,
}

/// Attributes of `DecisionTaskTimedOut`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionTaskTimedOut {
    /// Always `START_TO_CLOSE`.
    pub timeout_type: String,
    /// The `DecisionTaskScheduled` event.
    pub scheduled_event_id: u64,
    /// The `DecisionTaskStarted` event.
    pub started_event_id: u64,
}

/// Attributes of `ActivityTaskScheduled`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskScheduled {
    /// The activity type.
    pub activity_type: TypeId,
    /// The activity id.
    pub activity_id: String,
    /// The input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Schedule-to-start timeout (seconds or `NONE`).
    pub schedule_to_start_timeout: String,
    /// Schedule-to-close timeout (seconds or `NONE`).
    pub schedule_to_close_timeout: String,
    /// Start-to-close timeout (seconds or `NONE`).
    pub start_to_close_timeout: String,
    /// Heartbeat timeout (seconds or `NONE`).
    pub heartbeat_timeout: String,
    /// The activity task list.
    pub task_list: TaskList,
    /// The task priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_priority: Option<String>,
    /// The decision that scheduled the task.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `ActivityTaskStarted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskStarted {
    /// The poller's identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The `ActivityTaskScheduled` event.
    pub scheduled_event_id: u64,
}

/// Attributes of `ActivityTaskCompleted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskCompleted {
    /// The result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The `ActivityTaskScheduled` event.
    pub scheduled_event_id: u64,
    /// The `ActivityTaskStarted` event.
    pub started_event_id: u64,
}

/// Attributes of `ActivityTaskFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskFailed {
    /// The reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The `ActivityTaskScheduled` event.
    pub scheduled_event_id: u64,
    /// The `ActivityTaskStarted` event.
    pub started_event_id: u64,
}

/// Attributes of `ActivityTaskTimedOut`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskTimedOut {
    /// Which timeout fired.
    pub timeout_type: crate::model::ActivityTimeoutType,
    /// The `ActivityTaskScheduled` event.
    pub scheduled_event_id: u64,
    /// The `ActivityTaskStarted` event, 0 when the task never started.
    pub started_event_id: u64,
    /// The details of the last heartbeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// Attributes of `ActivityTaskCanceled`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskCanceled {
    /// The details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The `ActivityTaskScheduled` event.
    pub scheduled_event_id: u64,
    /// The `ActivityTaskStarted` event, 0 when the task never started.
    pub started_event_id: u64,
    /// The latest `ActivityTaskCancelRequested` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_cancel_requested_event_id: Option<u64>,
}

/// Attributes of `ActivityTaskCancelRequested`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTaskCancelRequested {
    /// The decision that requested it.
    pub decision_task_completed_event_id: u64,
    /// The activity id.
    pub activity_id: String,
}

/// Attributes of `ScheduleActivityTaskFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleActivityTaskFailed {
    /// The activity type.
    pub activity_type: TypeId,
    /// The activity id.
    pub activity_id: String,
    /// Why, e.g. `ACTIVITY_TYPE_DOES_NOT_EXIST`.
    pub cause: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `RequestCancelActivityTaskFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestCancelActivityTaskFailed {
    /// The activity id.
    pub activity_id: String,
    /// Why, e.g. `ACTIVITY_ID_UNKNOWN`.
    pub cause: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `TimerStarted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerStarted {
    /// The timer id.
    pub timer_id: String,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Seconds until it fires.
    pub start_to_fire_timeout: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `TimerFired`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerFired {
    /// The timer id.
    pub timer_id: String,
    /// The `TimerStarted` event.
    pub started_event_id: u64,
}

/// Attributes of `StartTimerFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTimerFailed {
    /// The timer id.
    pub timer_id: String,
    /// Why, e.g. `TIMER_ID_ALREADY_IN_USE`.
    pub cause: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `MarkerRecorded`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkerRecorded {
    /// The marker name.
    pub marker_name: String,
    /// The details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}
