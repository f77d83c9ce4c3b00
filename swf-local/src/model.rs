//! JSON shapes shared by requests, responses and history events (AWS JSON 1.0, camelCase).

use serde::{Deserialize, Serialize};

/// A task list, `{"name": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskList {
    /// The task list name.
    pub name: String,
}

/// An activity or workflow type, `{"name": ..., "version": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TypeId {
    /// The type name.
    pub name: String,
    /// The type version.
    pub version: String,
}

impl TypeId {
    /// A type id from a name and a version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// A workflow execution, `{"workflowId": ..., "runId": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecution {
    /// The workflow id chosen by the starter.
    pub workflow_id: String,
    /// The run id chosen by the service.
    pub run_id: String,
}

/// The timeout kinds of an activity task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityTimeoutType {
    /// No heartbeat arrived within the heartbeat timeout.
    Heartbeat,
    /// The task was not started within its schedule-to-start timeout.
    ScheduleToStart,
    /// The task was not closed within its schedule-to-close timeout.
    ScheduleToClose,
    /// The started task was not closed within its start-to-close timeout.
    StartToClose,
}

impl ActivityTimeoutType {
    /// The wire name, e.g. `HEARTBEAT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Heartbeat => "HEARTBEAT",
            Self::ScheduleToStart => "SCHEDULE_TO_START",
            Self::ScheduleToClose => "SCHEDULE_TO_CLOSE",
            Self::StartToClose => "START_TO_CLOSE",
        }
    }
}

/// How a closed workflow execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CloseStatus {
    /// CompleteWorkflowExecution.
    Completed,
    /// FailWorkflowExecution.
    Failed,
    /// CancelWorkflowExecution.
    Canceled,
    /// TerminateWorkflowExecution.
    Terminated,
    /// The execution start-to-close timeout fired.
    TimedOut,
    /// ContinueAsNewWorkflowExecution: a new run of the same workflow id took over.
    ContinuedAsNew,
}

impl CloseStatus {
    /// The wire name, e.g. `COMPLETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Canceled => "CANCELED",
            Self::Terminated => "TERMINATED",
            Self::TimedOut => "TIMED_OUT",
            Self::ContinuedAsNew => "CONTINUED_AS_NEW",
        }
    }

    /// Parses a wire name such as `COMPLETED`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Completed,
            Self::Failed,
            Self::Canceled,
            Self::Terminated,
            Self::TimedOut,
            Self::ContinuedAsNew,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// What happens to a workflow execution's open children when it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildPolicy {
    /// The children are terminated (`WorkflowExecutionTerminated`, cause `CHILD_POLICY_APPLIED`).
    Terminate,
    /// Each child gets `WorkflowExecutionCancelRequested` and a decision task.
    RequestCancel,
    /// The children go on untouched.
    Abandon,
}

impl ChildPolicy {
    /// The wire name, e.g. `REQUEST_CANCEL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terminate => "TERMINATE",
            Self::RequestCancel => "REQUEST_CANCEL",
            Self::Abandon => "ABANDON",
        }
    }

    /// Parses a wire name such as `TERMINATE`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Terminate, Self::RequestCancel, Self::Abandon]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}
