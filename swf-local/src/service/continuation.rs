//! ContinueAsNewWorkflowExecution: the run closes as CONTINUED_AS_NEW and a new run of the same
//! workflow id starts with the decision's input, inheriting the parent.

use serde::Deserialize;

use super::executions::{Origin, StartRequest};
use super::state::State;
use crate::error::SwfError;
use crate::history::{self, EventAttributes};
use crate::limits;
use crate::model::{CloseStatus, TaskList, TypeId};

/// `continueAsNewWorkflowExecutionDecisionAttributes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContinueAsNew {
    pub input: Option<String>,
    pub execution_start_to_close_timeout: Option<String>,
    pub task_list: Option<TaskList>,
    pub task_priority: Option<String>,
    pub task_start_to_close_timeout: Option<String>,
    pub child_policy: Option<String>,
    #[serde(default)]
    pub tag_list: Vec<String>,
    pub workflow_type_version: Option<String>,
    pub lambda_role: Option<String>,
}

impl ContinueAsNew {
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        limits::opt_length("input", self.input.as_deref(), limits::DATA_MAX)?;
        limits::opt_duration(
            "executionStartToCloseTimeout",
            self.execution_start_to_close_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "taskStartToCloseTimeout",
            self.task_start_to_close_timeout.as_deref(),
        )?;
        if let Some(list) = &self.task_list {
            limits::trimmed_name("taskList.name", &list.name)?;
        }
        if let Some(version) = &self.workflow_type_version {
            limits::name("workflowTypeVersion", version, limits::VERSION_MAX)?;
        }
        if let Some(policy) = &self.child_policy {
            super::registry::child_policy("childPolicy", policy)?;
        }
        if self.tag_list.len() > 5 {
            return Err(SwfError::validation("tagList holds at most 5 tags"));
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
            task_list: a.task_list,
            input: a.input.clone(),
            execution_start_to_close_timeout: a.execution_start_to_close_timeout,
            tag_list: a.tag_list,
            task_start_to_close_timeout: a.task_start_to_close_timeout,
            child_policy: a.child_policy,
            task_priority: a.task_priority,
            lambda_role: a.lambda_role,
        };
        let resolved = self.resolve_start(&req).map_err(|r| r.cause())?;
        let new_run = self.new_run_id();
        self.close_execution(
            run_id,
            CloseStatus::ContinuedAsNew,
            EventAttributes::WorkflowExecutionContinuedAsNew(
                history::WorkflowExecutionContinuedAsNew {
                    input: a.input,
                    decision_task_completed_event_id: completed,
                    new_execution_run_id: new_run.clone(),
                    execution_start_to_close_timeout: resolved.execution_start_to_close,
                    task_list: resolved.task_list,
                    task_priority: resolved.task_priority,
                    task_start_to_close_timeout: resolved.task_start_to_close,
                    child_policy: resolved.child_policy,
                    tag_list: req.tag_list.clone(),
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
