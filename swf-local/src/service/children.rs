//! Child workflow executions: the StartChildWorkflowExecution decision, the
//! ChildWorkflowExecution* events a parent records as its child runs and closes, and the
//! child policy applied to open children when a parent closes.

use serde::Deserialize;

use super::executions::{RunSettings, StartRequest};
use super::state::{ChildLink, State};
use crate::error::SwfError;
use crate::history::{self, EventAttributes};
use crate::limits;
use crate::model::{ChildPolicy, CloseStatus, TypeId, WorkflowExecution};

/// `startChildWorkflowExecutionDecisionAttributes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartChild {
    pub workflow_type: TypeId,
    pub workflow_id: String,
    pub control: Option<String>,
    #[serde(flatten)]
    pub settings: RunSettings,
}

impl StartChild {
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        limits::name(
            "workflowType.name",
            &self.workflow_type.name,
            limits::NAME_MAX,
        )?;
        limits::name(
            "workflowType.version",
            &self.workflow_type.version,
            limits::VERSION_MAX,
        )?;
        limits::name("workflowId", &self.workflow_id, limits::NAME_MAX)?;
        limits::opt_length("control", self.control.as_deref(), limits::DATA_MAX)?;
        self.settings.validate()
    }
}

impl State {
    /// StartChildWorkflowExecution: records Initiated, starts the child and records
    /// ChildWorkflowExecutionStarted, or records StartChildWorkflowExecutionFailed.
    pub(crate) fn start_child(&mut self, run_id: &str, a: StartChild, completed: u64) {
        let Some(parent) = self.executions.get(run_id) else {
            return;
        };
        let parent_execution = WorkflowExecution {
            workflow_id: parent.workflow_id.clone(),
            run_id: parent.run_id.clone(),
        };
        let req = StartRequest {
            domain: parent.domain.clone(),
            workflow_id: a.workflow_id.clone(),
            workflow_type: a.workflow_type.clone(),
            settings: a.settings,
        };
        let failed = |state: &mut Self, cause: &str, initiated_event_id: u64| {
            state.record(
                run_id,
                EventAttributes::StartChildWorkflowExecutionFailed(
                    history::StartChildWorkflowExecutionFailed {
                        workflow_type: a.workflow_type.clone(),
                        cause: cause.to_owned(),
                        workflow_id: a.workflow_id.clone(),
                        initiated_event_id,
                        decision_task_completed_event_id: completed,
                        control: a.control.clone(),
                    },
                ),
            );
        };
        // SWF records Initiated only for a child it could have started: a type or default
        // problem fails the decision with initiatedEventId 0.
        let resolved = match self.resolve_start(&req) {
            Ok(resolved) => resolved,
            Err(refusal) => return failed(self, refusal.cause(), 0),
        };
        let initiated = self.record(
            run_id,
            EventAttributes::StartChildWorkflowExecutionInitiated(
                history::StartChildWorkflowExecutionInitiated {
                    workflow_id: a.workflow_id.clone(),
                    workflow_type: a.workflow_type.clone(),
                    control: a.control.clone(),
                    input: req.settings.input.clone(),
                    execution_start_to_close_timeout: resolved.execution_start_to_close,
                    task_list: resolved.task_list,
                    task_priority: resolved.task_priority,
                    decision_task_completed_event_id: completed,
                    child_policy: resolved.child_policy,
                    task_start_to_close_timeout: resolved.task_start_to_close,
                    tag_list: req.settings.tag_list.clone(),
                    lambda_role: resolved.lambda_role,
                },
            ),
        );
        let origin = super::executions::Origin {
            parent: Some((parent_execution, initiated)),
            ..Default::default()
        };
        let child_run = match self.start_run(req, origin) {
            Ok(child_run) => child_run,
            // WORKFLOW_ALREADY_RUNNING: the one refusal found only when starting.
            Err(refusal) => return failed(self, refusal.cause(), initiated),
        };
        let started = self.record(
            run_id,
            EventAttributes::ChildWorkflowExecutionStarted(
                history::ChildWorkflowExecutionStarted {
                    workflow_execution: WorkflowExecution {
                        workflow_id: a.workflow_id.clone(),
                        run_id: child_run.clone(),
                    },
                    workflow_type: a.workflow_type.clone(),
                    initiated_event_id: initiated,
                },
            ),
        );
        if let Some(parent) = self.executions.get_mut(run_id) {
            parent.children.insert(
                a.workflow_id,
                ChildLink {
                    run_id: child_run,
                    workflow_type: a.workflow_type,
                    initiated_event_id: initiated,
                    started_event_id: started,
                },
            );
        }
    }

    /// After `run_id` closed with `closing`: tells its parent (a ChildWorkflowExecution* event
    /// and a decision task; a continued run stays the parent's child), then applies the child
    /// policy to its own open children.
    pub(crate) fn after_close(&mut self, run_id: &str, closing: &EventAttributes) {
        let Some(exec) = self.executions.get_mut(run_id) else {
            return;
        };
        let children = std::mem::take(&mut exec.children);
        let parent = exec.parent.clone();
        let workflow_id = exec.workflow_id.clone();
        let policy = match closing {
            EventAttributes::WorkflowExecutionTerminated(t) => t.child_policy.clone(),
            EventAttributes::WorkflowExecutionTimedOut(t) => t.child_policy.clone(),
            _ => exec.child_policy.clone(),
        };
        if let Some((parent, _)) = parent {
            self.tell_parent(&parent.run_id, &workflow_id, run_id, closing);
        }
        let policy = ChildPolicy::parse(&policy).unwrap_or(ChildPolicy::Terminate);
        for link in children.into_values() {
            if !self
                .executions
                .get(&link.run_id)
                .is_some_and(|c| c.is_open())
            {
                continue;
            }
            match policy {
                ChildPolicy::Terminate => {
                    let child_policy = self
                        .executions
                        .get(&link.run_id)
                        .map(|c| c.child_policy.clone())
                        .unwrap_or_default();
                    self.close_execution(
                        &link.run_id,
                        CloseStatus::Terminated,
                        EventAttributes::WorkflowExecutionTerminated(
                            history::WorkflowExecutionTerminated {
                                reason: None,
                                details: None,
                                child_policy,
                                cause: Some("CHILD_POLICY_APPLIED".to_owned()),
                            },
                        ),
                    );
                }
                ChildPolicy::RequestCancel => self.request_cancel(
                    &link.run_id,
                    history::WorkflowExecutionCancelRequested {
                        cause: Some("CHILD_POLICY_APPLIED".to_owned()),
                        ..Default::default()
                    },
                ),
                ChildPolicy::Abandon => {}
            }
        }
    }

    fn tell_parent(
        &mut self,
        parent_run: &str,
        workflow_id: &str,
        run_id: &str,
        closing: &EventAttributes,
    ) {
        let Some(parent) = self.executions.get_mut(parent_run).filter(|p| p.is_open()) else {
            return;
        };
        let Some(mut link) = parent
            .children
            .remove(workflow_id)
            .filter(|l| l.run_id == run_id)
        else {
            return;
        };
        if let EventAttributes::WorkflowExecutionContinuedAsNew(c) = closing {
            link.run_id = c.new_execution_run_id.clone();
            parent.children.insert(workflow_id.to_owned(), link);
            return;
        }
        let closed =
            |result, reason, details, timeout_type| history::ChildWorkflowExecutionClosed {
                workflow_execution: WorkflowExecution {
                    workflow_id: workflow_id.to_owned(),
                    run_id: run_id.to_owned(),
                },
                workflow_type: link.workflow_type.clone(),
                result,
                reason,
                details,
                timeout_type,
                initiated_event_id: link.initiated_event_id,
                started_event_id: link.started_event_id,
            };
        let event = match closing {
            EventAttributes::WorkflowExecutionCompleted(c) => {
                EventAttributes::ChildWorkflowExecutionCompleted(closed(
                    c.result.clone(),
                    None,
                    None,
                    None,
                ))
            }
            EventAttributes::WorkflowExecutionFailed(f) => {
                EventAttributes::ChildWorkflowExecutionFailed(closed(
                    None,
                    f.reason.clone(),
                    f.details.clone(),
                    None,
                ))
            }
            EventAttributes::WorkflowExecutionCanceled(c) => {
                EventAttributes::ChildWorkflowExecutionCanceled(closed(
                    None,
                    None,
                    c.details.clone(),
                    None,
                ))
            }
            EventAttributes::WorkflowExecutionTimedOut(t) => {
                EventAttributes::ChildWorkflowExecutionTimedOut(closed(
                    None,
                    None,
                    None,
                    Some(t.timeout_type.clone()),
                ))
            }
            _ => EventAttributes::ChildWorkflowExecutionTerminated(closed(None, None, None, None)),
        };
        self.record(parent_run, event);
        self.schedule_decision(parent_run);
    }
}
