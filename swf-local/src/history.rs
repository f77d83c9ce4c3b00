//! Workflow history events, typed, serialized exactly as SWF sends them.

use serde::Serialize;

use crate::model::{TaskList, TypeId, WorkflowExecution};

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
    /// A signal arrived (SignalWorkflowExecution or another execution's decision).
    WorkflowExecutionSignaled => "workflowExecutionSignaledEventAttributes" (WorkflowExecutionSignaled),
    /// The execution closed and a new run of the same workflow id started.
    WorkflowExecutionContinuedAsNew => "workflowExecutionContinuedAsNewEventAttributes" (WorkflowExecutionContinuedAsNew),
    /// A CompleteWorkflowExecution decision failed.
    CompleteWorkflowExecutionFailed => "completeWorkflowExecutionFailedEventAttributes" (CloseDecisionFailed),
    /// A FailWorkflowExecution decision failed.
    FailWorkflowExecutionFailed => "failWorkflowExecutionFailedEventAttributes" (CloseDecisionFailed),
    /// A CancelWorkflowExecution decision failed.
    CancelWorkflowExecutionFailed => "cancelWorkflowExecutionFailedEventAttributes" (CloseDecisionFailed),
    /// A ContinueAsNewWorkflowExecution decision failed.
    ContinueAsNewWorkflowExecutionFailed => "continueAsNewWorkflowExecutionFailedEventAttributes" (CloseDecisionFailed),
    /// A timer was canceled by a CancelTimer decision.
    TimerCanceled => "timerCanceledEventAttributes" (TimerCanceled),
    /// A CancelTimer decision failed.
    CancelTimerFailed => "cancelTimerFailedEventAttributes" (CancelTimerFailed),
    /// A SignalExternalWorkflowExecution decision was accepted.
    SignalExternalWorkflowExecutionInitiated => "signalExternalWorkflowExecutionInitiatedEventAttributes" (SignalExternalWorkflowExecutionInitiated),
    /// The signal of a SignalExternalWorkflowExecution decision was delivered.
    ExternalWorkflowExecutionSignaled => "externalWorkflowExecutionSignaledEventAttributes" (ExternalWorkflowExecutionDelivered),
    /// A SignalExternalWorkflowExecution decision failed.
    SignalExternalWorkflowExecutionFailed => "signalExternalWorkflowExecutionFailedEventAttributes" (ExternalWorkflowExecutionFailed),
    /// A RequestCancelExternalWorkflowExecution decision was accepted.
    RequestCancelExternalWorkflowExecutionInitiated => "requestCancelExternalWorkflowExecutionInitiatedEventAttributes" (RequestCancelExternalWorkflowExecutionInitiated),
    /// The cancel request of a RequestCancelExternalWorkflowExecution decision was delivered.
    ExternalWorkflowExecutionCancelRequested => "externalWorkflowExecutionCancelRequestedEventAttributes" (ExternalWorkflowExecutionDelivered),
    /// A RequestCancelExternalWorkflowExecution decision failed.
    RequestCancelExternalWorkflowExecutionFailed => "requestCancelExternalWorkflowExecutionFailedEventAttributes" (ExternalWorkflowExecutionFailed),
    /// A StartChildWorkflowExecution decision was accepted.
    StartChildWorkflowExecutionInitiated => "startChildWorkflowExecutionInitiatedEventAttributes" (StartChildWorkflowExecutionInitiated),
    /// A StartChildWorkflowExecution decision failed.
    StartChildWorkflowExecutionFailed => "startChildWorkflowExecutionFailedEventAttributes" (StartChildWorkflowExecutionFailed),
    /// A child execution started.
    ChildWorkflowExecutionStarted => "childWorkflowExecutionStartedEventAttributes" (ChildWorkflowExecutionStarted),
    /// A child execution completed.
    ChildWorkflowExecutionCompleted => "childWorkflowExecutionCompletedEventAttributes" (ChildWorkflowExecutionClosed),
    /// A child execution failed.
    ChildWorkflowExecutionFailed => "childWorkflowExecutionFailedEventAttributes" (ChildWorkflowExecutionClosed),
    /// A child execution was canceled.
    ChildWorkflowExecutionCanceled => "childWorkflowExecutionCanceledEventAttributes" (ChildWorkflowExecutionClosed),
    /// A child execution timed out.
    ChildWorkflowExecutionTimedOut => "childWorkflowExecutionTimedOutEventAttributes" (ChildWorkflowExecutionClosed),
    /// A child execution was terminated.
    ChildWorkflowExecutionTerminated => "childWorkflowExecutionTerminatedEventAttributes" (ChildWorkflowExecutionClosed),
    /// A ScheduleLambdaFunction decision failed.
    ScheduleLambdaFunctionFailed => "scheduleLambdaFunctionFailedEventAttributes" (ScheduleLambdaFunctionFailed),
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
    /// The task priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_priority: Option<String>,
    /// The Lambda role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_role: Option<String>,
    /// The parent, for a child execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_workflow_execution: Option<WorkflowExecution>,
    /// The parent's `StartChildWorkflowExecutionInitiated` event, for a child execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_initiated_event_id: Option<u64>,
    /// The run this one continues, after ContinueAsNewWorkflowExecution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued_execution_run_id: Option<String>,
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
    /// `CHILD_POLICY_APPLIED` when the parent's close terminated it; absent for an operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
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
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionCancelRequested {
    /// The execution whose decision requested it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_workflow_execution: Option<WorkflowExecution>,
    /// That execution's `RequestCancelExternalWorkflowExecutionInitiated` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_initiated_event_id: Option<u64>,
    /// `CHILD_POLICY_APPLIED` when the parent's close requested it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

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

/// Attributes of `WorkflowExecutionSignaled`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionSignaled {
    /// The signal name.
    pub signal_name: String,
    /// The signal's input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The execution whose decision sent it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_workflow_execution: Option<WorkflowExecution>,
    /// That execution's `SignalExternalWorkflowExecutionInitiated` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_initiated_event_id: Option<u64>,
}

/// Attributes of `WorkflowExecutionContinuedAsNew`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionContinuedAsNew {
    /// The new run's input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The decision.
    pub decision_task_completed_event_id: u64,
    /// The new run.
    pub new_execution_run_id: String,
    /// The new run's execution start-to-close timeout.
    pub execution_start_to_close_timeout: String,
    /// The new run's decision task list.
    pub task_list: TaskList,
    /// The new run's task priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_priority: Option<String>,
    /// The new run's decision task start-to-close timeout.
    pub task_start_to_close_timeout: String,
    /// The new run's child policy.
    pub child_policy: String,
    /// The new run's tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_list: Vec<String>,
    /// The new run's workflow type.
    pub workflow_type: TypeId,
    /// The new run's Lambda role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_role: Option<String>,
}

/// Attributes of the `*Failed` events of the close decisions (`CompleteWorkflowExecutionFailed`,
/// `FailWorkflowExecutionFailed`, `CancelWorkflowExecutionFailed`,
/// `ContinueAsNewWorkflowExecutionFailed`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseDecisionFailed {
    /// Why, e.g. `UNHANDLED_DECISION`.
    pub cause: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `TimerCanceled`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerCanceled {
    /// The timer id.
    pub timer_id: String,
    /// The `TimerStarted` event.
    pub started_event_id: u64,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `CancelTimerFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelTimerFailed {
    /// The timer id.
    pub timer_id: String,
    /// Why, e.g. `TIMER_ID_UNKNOWN`.
    pub cause: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}

/// Attributes of `SignalExternalWorkflowExecutionInitiated`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalExternalWorkflowExecutionInitiated {
    /// The target workflow id.
    pub workflow_id: String,
    /// The target run, when the decision named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The signal name.
    pub signal_name: String,
    /// The signal's input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The decision.
    pub decision_task_completed_event_id: u64,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
}

/// Attributes of `RequestCancelExternalWorkflowExecutionInitiated`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestCancelExternalWorkflowExecutionInitiated {
    /// The target workflow id.
    pub workflow_id: String,
    /// The target run, when the decision named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The decision.
    pub decision_task_completed_event_id: u64,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
}

/// Attributes of `ExternalWorkflowExecutionSignaled` and
/// `ExternalWorkflowExecutionCancelRequested`: the request reached its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalWorkflowExecutionDelivered {
    /// The target execution.
    pub workflow_execution: WorkflowExecution,
    /// The `*Initiated` event of the decision.
    pub initiated_event_id: u64,
}

/// Attributes of `SignalExternalWorkflowExecutionFailed` and
/// `RequestCancelExternalWorkflowExecutionFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalWorkflowExecutionFailed {
    /// The target workflow id.
    pub workflow_id: String,
    /// The target run, when the decision named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Why, e.g. `UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION`.
    pub cause: String,
    /// The `*Initiated` event of the decision.
    pub initiated_event_id: u64,
    /// The decision.
    pub decision_task_completed_event_id: u64,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
}

/// Attributes of `StartChildWorkflowExecutionInitiated`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartChildWorkflowExecutionInitiated {
    /// The child's workflow id.
    pub workflow_id: String,
    /// The child's workflow type.
    pub workflow_type: TypeId,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The child's input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The child's execution start-to-close timeout.
    pub execution_start_to_close_timeout: String,
    /// The child's decision task list.
    pub task_list: TaskList,
    /// The child's task priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_priority: Option<String>,
    /// The decision.
    pub decision_task_completed_event_id: u64,
    /// The child's own child policy.
    pub child_policy: String,
    /// The child's decision task start-to-close timeout.
    pub task_start_to_close_timeout: String,
    /// The child's tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_list: Vec<String>,
    /// The child's Lambda role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_role: Option<String>,
}

/// Attributes of `StartChildWorkflowExecutionFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartChildWorkflowExecutionFailed {
    /// The child's workflow type.
    pub workflow_type: TypeId,
    /// Why, e.g. `WORKFLOW_ALREADY_RUNNING`.
    pub cause: String,
    /// The child's workflow id.
    pub workflow_id: String,
    /// The `StartChildWorkflowExecutionInitiated` event, 0 when none was recorded.
    pub initiated_event_id: u64,
    /// The decision.
    pub decision_task_completed_event_id: u64,
    /// The decider's control data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
}

/// Attributes of `ChildWorkflowExecutionStarted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildWorkflowExecutionStarted {
    /// The child execution.
    pub workflow_execution: WorkflowExecution,
    /// The child's workflow type.
    pub workflow_type: TypeId,
    /// The `StartChildWorkflowExecutionInitiated` event.
    pub initiated_event_id: u64,
}

/// Attributes of the events recorded in a parent when its child closes
/// (`ChildWorkflowExecutionCompleted`, `...Failed`, `...Canceled`, `...TimedOut`,
/// `...Terminated`); each carries only the fields of its kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildWorkflowExecutionClosed {
    /// The child execution.
    pub workflow_execution: WorkflowExecution,
    /// The child's workflow type.
    pub workflow_type: TypeId,
    /// The child's result (completed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The child's failure reason (failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The child's details (failed, canceled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// `START_TO_CLOSE` (timed out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_type: Option<String>,
    /// The `StartChildWorkflowExecutionInitiated` event.
    pub initiated_event_id: u64,
    /// The `ChildWorkflowExecutionStarted` event.
    pub started_event_id: u64,
}

/// Attributes of `ScheduleLambdaFunctionFailed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleLambdaFunctionFailed {
    /// The id of the decision.
    pub id: String,
    /// The function name.
    pub name: String,
    /// Why, e.g. `LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION`.
    pub cause: String,
    /// The decision.
    pub decision_task_completed_event_id: u64,
}
