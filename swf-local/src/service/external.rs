//! Decisions that reach another execution: SignalExternalWorkflowExecution and
//! RequestCancelExternalWorkflowExecution, with their Initiated, delivered and Failed events.

use serde::Deserialize;

use super::state::State;
use crate::error::SwfError;
use crate::history::{self, EventAttributes};
use crate::limits;
use crate::model::WorkflowExecution;

/// The cause recorded when the target is not an open execution of the domain.
const UNKNOWN_TARGET: &str = "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION";

/// `signalExternalWorkflowExecutionDecisionAttributes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignalExternal {
    pub workflow_id: String,
    pub run_id: Option<String>,
    pub signal_name: String,
    pub input: Option<String>,
    pub control: Option<String>,
}

/// `requestCancelExternalWorkflowExecutionDecisionAttributes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelExternal {
    pub workflow_id: String,
    pub run_id: Option<String>,
    pub control: Option<String>,
}

impl SignalExternal {
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        limits::length("workflowId", &self.workflow_id, 1, limits::NAME_MAX)?;
        limits::opt_length("runId", self.run_id.as_deref(), 64)?;
        limits::length("signalName", &self.signal_name, 1, limits::NAME_MAX)?;
        limits::opt_length("input", self.input.as_deref(), limits::DATA_MAX)?;
        limits::opt_length("control", self.control.as_deref(), limits::DATA_MAX)
    }
}

impl CancelExternal {
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        limits::length("workflowId", &self.workflow_id, 1, limits::NAME_MAX)?;
        limits::opt_length("runId", self.run_id.as_deref(), 64)?;
        limits::opt_length("control", self.control.as_deref(), limits::DATA_MAX)
    }
}

impl State {
    /// The execution a decision of `run_id` is made in, and its domain.
    fn source(&self, run_id: &str) -> Option<(WorkflowExecution, String)> {
        self.executions.get(run_id).map(|e| {
            (
                WorkflowExecution {
                    workflow_id: e.workflow_id.clone(),
                    run_id: e.run_id.clone(),
                },
                e.domain.clone(),
            )
        })
    }

    /// SignalExternalWorkflowExecution: the target gets WorkflowExecutionSignaled and a decision
    /// task; the sender records delivery or the failure.
    pub(crate) fn signal_external(&mut self, run_id: &str, a: SignalExternal, completed: u64) {
        let Some((source, domain)) = self.source(run_id) else {
            return;
        };
        let initiated = self.record(
            run_id,
            EventAttributes::SignalExternalWorkflowExecutionInitiated(
                history::SignalExternalWorkflowExecutionInitiated {
                    workflow_id: a.workflow_id.clone(),
                    run_id: a.run_id.clone(),
                    signal_name: a.signal_name.clone(),
                    input: a.input.clone(),
                    decision_task_completed_event_id: completed,
                    control: a.control.clone(),
                },
            ),
        );
        let event = match self.open_run(&domain, &a.workflow_id, a.run_id.as_deref()) {
            Ok(target) => {
                self.record(
                    &target,
                    EventAttributes::WorkflowExecutionSignaled(
                        history::WorkflowExecutionSignaled {
                            signal_name: a.signal_name,
                            input: a.input,
                            external_workflow_execution: Some(source),
                            external_initiated_event_id: Some(initiated),
                        },
                    ),
                );
                self.schedule_decision(&target);
                EventAttributes::ExternalWorkflowExecutionSignaled(
                    history::ExternalWorkflowExecutionDelivered {
                        workflow_execution: WorkflowExecution {
                            workflow_id: a.workflow_id,
                            run_id: target,
                        },
                        initiated_event_id: initiated,
                    },
                )
            }
            Err(_) => EventAttributes::SignalExternalWorkflowExecutionFailed(
                history::ExternalWorkflowExecutionFailed {
                    workflow_id: a.workflow_id,
                    run_id: a.run_id,
                    cause: UNKNOWN_TARGET.to_owned(),
                    initiated_event_id: initiated,
                    decision_task_completed_event_id: completed,
                    control: a.control,
                },
            ),
        };
        self.record(run_id, event);
    }

    /// RequestCancelExternalWorkflowExecution: the target gets WorkflowExecutionCancelRequested
    /// and a decision task; the requester records delivery or the failure.
    pub(crate) fn request_cancel_external(
        &mut self,
        run_id: &str,
        a: CancelExternal,
        completed: u64,
    ) {
        let Some((source, domain)) = self.source(run_id) else {
            return;
        };
        let initiated = self.record(
            run_id,
            EventAttributes::RequestCancelExternalWorkflowExecutionInitiated(
                history::RequestCancelExternalWorkflowExecutionInitiated {
                    workflow_id: a.workflow_id.clone(),
                    run_id: a.run_id.clone(),
                    decision_task_completed_event_id: completed,
                    control: a.control.clone(),
                },
            ),
        );
        let event = match self.open_run(&domain, &a.workflow_id, a.run_id.as_deref()) {
            Ok(target) => {
                self.request_cancel(
                    &target,
                    history::WorkflowExecutionCancelRequested {
                        external_workflow_execution: Some(source),
                        external_initiated_event_id: Some(initiated),
                        cause: None,
                    },
                );
                EventAttributes::ExternalWorkflowExecutionCancelRequested(
                    history::ExternalWorkflowExecutionDelivered {
                        workflow_execution: WorkflowExecution {
                            workflow_id: a.workflow_id,
                            run_id: target,
                        },
                        initiated_event_id: initiated,
                    },
                )
            }
            Err(_) => EventAttributes::RequestCancelExternalWorkflowExecutionFailed(
                history::ExternalWorkflowExecutionFailed {
                    workflow_id: a.workflow_id,
                    run_id: a.run_id,
                    cause: UNKNOWN_TARGET.to_owned(),
                    initiated_event_id: initiated,
                    decision_task_completed_event_id: completed,
                    control: a.control,
                },
            ),
        };
        self.record(run_id, event);
    }

    /// Records a cancel request in an open execution and gives it a decision task.
    pub(crate) fn request_cancel(
        &mut self,
        run_id: &str,
        attrs: history::WorkflowExecutionCancelRequested,
    ) {
        self.record(
            run_id,
            EventAttributes::WorkflowExecutionCancelRequested(attrs),
        );
        if let Some(exec) = self.executions.get_mut(run_id) {
            exec.cancel_requested = true;
        }
        self.schedule_decision(run_id);
    }
}
