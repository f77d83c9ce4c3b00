//! ContinueAsNewWorkflowExecution: the run closes as CONTINUED_AS_NEW and a new run of the same
//! workflow id starts with the decision's input, inheriting the parent.

use serde::Deserialize;

use super::executions::{Origin, RunSettings, StartRequest};
use super::state::State;
use crate::error::SwfError;
use crate::history::{self, EventAttributes};
use crate::limits;
use crate::model::{CloseStatus, TypeId};

/// `continueAsNewWorkflowExecutionDecisionAttributes`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContinueAsNew {
    pub workflow_type_version: Option<String>,
    #[serde(flatten)]
    pub settings: RunSettings,
}

impl ContinueAsNew {
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        self.settings.validate()?;
        if let Some(version) = &self.workflow_type_version {
            limits::name("workflowTypeVersion", version, limits::VERSION_MAX)?;
        }
        Ok(())
    }
}

impl State {
    /// Closes `run_id` as continued and starts its next run; answers the cause of
    /// ContinueAsNewWorkflowExecutionFailed when the new run cannot start (nothing changes then).
    pub(crate) fn continue_as_new(
        &mut self,
        run_id: &str,
        a: ContinueAsNew,
        completed: u64,
    ) -> Result<(), &'static str> {
        let Some(exec) = self.executions.get(run_id) else {
            return Err("OPERATION_NOT_PERMITTED");
        };
        let workflow_type = TypeId::new(
            exec.workflow_type.name.clone(),
            a.workflow_type_version
                .unwrap_or_else(|| exec.workflow_type.version.clone()),
        );
        let parent = exec.parent.clone();
        let req = StartRequest {
            domain: exec.domain.clone(),
            workflow_id: exec.workflow_id.clone(),
            workflow_type: workflow_type.clone(),
            settings: a.settings,
        };
        let resolved = self.resolve_start(&req).map_err(|r| r.cause())?;
        let new_run = self.new_run_id();
        self.close_execution(
            run_id,
            CloseStatus::ContinuedAsNew,
            EventAttributes::WorkflowExecutionContinuedAsNew(
                history::WorkflowExecutionContinuedAsNew {
                    input: req.settings.input.clone(),
                    decision_task_completed_event_id: completed,
                    new_execution_run_id: new_run.clone(),
                    execution_start_to_close_timeout: resolved.execution_start_to_close,
                    task_list: resolved.task_list,
                    task_priority: resolved.task_priority,
                    task_start_to_close_timeout: resolved.task_start_to_close,
                    child_policy: resolved.child_policy,
                    tag_list: req.settings.tag_list.clone(),
                    workflow_type,
                    lambda_role: resolved.lambda_role,
                },
            ),
        );
        let origin = Origin {
            parent,
            continues: Some((run_id.to_owned(), new_run)),
            ..Origin::default()
        };
        // resolve_start passed and the old run closed, so the new run starts.
        self.start_run(req, origin)
            .map(|_| ())
            .map_err(|r| r.cause())
    }
}
