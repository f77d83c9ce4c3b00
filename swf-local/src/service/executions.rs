//! Workflow executions: start, describe, history, cancel requests and termination.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::paging::page;
use super::state::{Execution, State};
use crate::error::{ErrorKind, SwfError};
use crate::harness::ActivityShared;
use crate::history::{self, EventAttributes, HistoryEvent};
use crate::limits;
use crate::model::{CloseStatus, TaskList, TypeId, WorkflowExecution};
use crate::timers::TimerKind;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartRequest {
    pub domain: String,
    pub workflow_id: String,
    pub workflow_type: TypeId,
    pub task_list: Option<TaskList>,
    pub input: Option<String>,
    pub execution_start_to_close_timeout: Option<String>,
    #[serde(default)]
    pub tag_list: Vec<String>,
    pub task_start_to_close_timeout: Option<String>,
    pub child_policy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecutionRequest {
    pub domain: String,
    pub execution: WorkflowExecution,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryRequest {
    pub domain: String,
    pub execution: WorkflowExecution,
    pub next_page_token: Option<String>,
    pub maximum_page_size: Option<i64>,
    #[serde(default)]
    pub reverse_order: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CloseRequest {
    pub domain: String,
    pub workflow_id: String,
    pub run_id: Option<String>,
    pub reason: Option<String>,
    pub details: Option<String>,
    pub child_policy: Option<String>,
}

impl State {
    /// StartWorkflowExecution; `managed` marks an execution the endpoint decides for itself.
    pub(crate) fn start_execution(
        &mut self,
        req: StartRequest,
        managed: Option<Arc<ActivityShared>>,
    ) -> Result<String, SwfError> {
        limits::name("workflowId", &req.workflow_id, limits::NAME_MAX)?;
        limits::opt_length("input", req.input.as_deref(), limits::DATA_MAX)?;
        limits::opt_duration(
            "executionStartToCloseTimeout",
            req.execution_start_to_close_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "taskStartToCloseTimeout",
            req.task_start_to_close_timeout.as_deref(),
        )?;
        if req.tag_list.len() > 5 {
            return Err(SwfError::validation("tagList holds at most 5 tags"));
        }
        let domain = self.domain(&req.domain)?;
        let ty = domain
            .workflow_types
            .get(&req.workflow_type)
            .ok_or_else(|| {
                SwfError::unknown(format!(
                    "Unknown type: WorkflowType=[name={}, version={}]",
                    req.workflow_type.name, req.workflow_type.version
                ))
            })?;
        let undefined = |what: &str| {
            SwfError::new(
                ErrorKind::DefaultUndefined,
                format!("{what} is neither given nor a default of the workflow type"),
            )
        };
        let task_list = req
            .task_list
            .or_else(|| ty.default_task_list.clone())
            .ok_or_else(|| undefined("taskList"))?;
        limits::trimmed_name("taskList.name", &task_list.name)?;
        let exec_timeout = req
            .execution_start_to_close_timeout
            .or_else(|| ty.default_execution_start_to_close.clone())
            .ok_or_else(|| undefined("executionStartToCloseTimeout"))?;
        let task_timeout = req
            .task_start_to_close_timeout
            .or_else(|| ty.default_task_start_to_close.clone())
            .ok_or_else(|| undefined("taskStartToCloseTimeout"))?;
        let child_policy = req
            .child_policy
            .or_else(|| ty.default_child_policy.clone())
            .unwrap_or_else(|| "TERMINATE".to_owned());
        let open_key = (req.domain.clone(), req.workflow_id.clone());
        if self.open_ids.contains_key(&open_key) {
            return Err(SwfError::new(
                ErrorKind::WorkflowExecutionAlreadyStarted,
                format!(
                    "An open execution with workflowId {} already exists",
                    req.workflow_id
                ),
            ));
        }
        let run_id = self.new_run_id();
        let started_at = self.now_epoch();
        let exec_limit = limits::duration("executionStartToCloseTimeout", &exec_timeout)?;
        let started = history::WorkflowExecutionStarted {
            workflow_type: req.workflow_type.clone(),
            task_list: task_list.clone(),
            input: req.input,
            execution_start_to_close_timeout: exec_timeout.clone(),
            task_start_to_close_timeout: task_timeout.clone(),
            child_policy: child_policy.clone(),
            tag_list: req.tag_list.clone(),
        };
        self.executions.insert(
            run_id.clone(),
            Execution {
                domain: req.domain,
                workflow_id: req.workflow_id,
                run_id: run_id.clone(),
                workflow_type: req.workflow_type,
                task_list,
                task_start_to_close: task_timeout,
                execution_start_to_close: exec_timeout,
                child_policy,
                tag_list: req.tag_list,
                started_at,
                closed: None,
                cancel_requested: false,
                history: Vec::new(),
                activities: HashMap::new(),
                decision_scheduled: None,
                decision_started: None,
                previous_started_event_id: 0,
                timers: HashMap::new(),
                execution_timer: None,
                heartbeat_counts: BTreeMap::new(),
                latest_activity_at: None,
                latest_context: None,
                managed,
            },
        );
        self.open_ids.insert(open_key, run_id.clone());
        self.record(&run_id, EventAttributes::WorkflowExecutionStarted(started));
        if let Some(limit) = exec_limit {
            let key = self.add_timer(
                Instant::now() + limit,
                TimerKind::Execution {
                    run_id: run_id.clone(),
                },
            );
            if let Some(exec) = self.executions.get_mut(&run_id) {
                exec.execution_timer = Some(key);
            }
        }
        self.schedule_decision(&run_id);
        Ok(run_id)
    }

    /// The execution named by a request, open or retained.
    pub(crate) fn execution(
        &self,
        domain: &str,
        execution: &WorkflowExecution,
    ) -> Result<&Execution, SwfError> {
        self.domain(domain)?;
        self.executions
            .get(&execution.run_id)
            .filter(|e| e.domain == domain && e.workflow_id == execution.workflow_id)
            .ok_or_else(|| {
                SwfError::unknown(format!(
                    "Unknown execution: WorkflowExecution=[workflowId={}, runId={}]",
                    execution.workflow_id, execution.run_id
                ))
            })
    }

    pub(crate) fn describe_execution(&self, req: &ExecutionRequest) -> Result<Value, SwfError> {
        let e = self.execution(&req.domain, &req.execution)?;
        let mut info = json!({
            "execution": { "workflowId": e.workflow_id, "runId": e.run_id },
            "workflowType": e.workflow_type,
            "startTimestamp": e.started_at,
            "executionStatus": if e.is_open() { "OPEN" } else { "CLOSED" },
            "cancelRequested": e.cancel_requested,
        });
        if let (Some((status, at)), Some(obj)) = (e.closed, info.as_object_mut()) {
            obj.insert("closeStatus".into(), json!(status.as_str()));
            obj.insert("closeTimestamp".into(), json!(at));
        }
        if !e.tag_list.is_empty()
            && let Some(obj) = info.as_object_mut()
        {
            obj.insert("tagList".into(), json!(e.tag_list));
        }
        Ok(json!({
            "executionInfo": info,
            "executionConfiguration": {
                "taskStartToCloseTimeout": e.task_start_to_close,
                "executionStartToCloseTimeout": e.execution_start_to_close,
                "taskList": e.task_list,
                "childPolicy": e.child_policy,
            },
            "openCounts": {
                "openActivityTasks": e.activities.len(),
                "openDecisionTasks": usize::from(e.decision_scheduled.is_some() || e.decision_started.is_some()),
                "openTimers": e.timers.len(),
                "openChildWorkflowExecutions": 0,
                "openLambdaFunctions": 0,
            },
            "latestActivityTaskTimestamp": e.latest_activity_at,
            "latestExecutionContext": e.latest_context,
        }))
    }

    pub(crate) fn history_page(&self, req: &HistoryRequest) -> Result<Value, SwfError> {
        let e = self.execution(&req.domain, &req.execution)?;
        let events: Vec<&HistoryEvent> = e.history.iter().collect();
        let (events, next) = page(
            events,
            req.next_page_token.as_deref(),
            req.maximum_page_size,
            req.reverse_order,
        )?;
        Ok(json!({ "events": events, "nextPageToken": next }))
    }

    fn open_run(
        &self,
        domain: &str,
        workflow_id: &str,
        run_id: Option<&str>,
    ) -> Result<String, SwfError> {
        self.domain(domain)?;
        let open = self
            .open_ids
            .get(&(domain.to_owned(), workflow_id.to_owned()));
        match (open, run_id) {
            (Some(open), None) => Ok(open.clone()),
            (Some(open), Some(run)) if open == run => Ok(open.clone()),
            _ => Err(SwfError::unknown(format!(
                "Unknown execution: WorkflowExecution=[workflowId={workflow_id}, runId={}] is not open",
                run_id.unwrap_or("")
            ))),
        }
    }

    pub(crate) fn request_cancel_execution(
        &mut self,
        req: &CloseRequest,
    ) -> Result<Value, SwfError> {
        let run_id = self.open_run(&req.domain, &req.workflow_id, req.run_id.as_deref())?;
        self.record(
            &run_id,
            EventAttributes::WorkflowExecutionCancelRequested(
                history::WorkflowExecutionCancelRequested {},
            ),
        );
        if let Some(exec) = self.executions.get_mut(&run_id) {
            exec.cancel_requested = true;
        }
        self.schedule_decision(&run_id);
        Ok(json!({}))
    }

    pub(crate) fn terminate_execution(&mut self, req: &CloseRequest) -> Result<Value, SwfError> {
        limits::opt_length("reason", req.reason.as_deref(), limits::REASON_MAX)?;
        limits::opt_length("details", req.details.as_deref(), limits::DATA_MAX)?;
        let run_id = self.open_run(&req.domain, &req.workflow_id, req.run_id.as_deref())?;
        let policy = req.child_policy.clone().unwrap_or_else(|| {
            self.executions
                .get(&run_id)
                .map(|e| e.child_policy.clone())
                .unwrap_or_default()
        });
        self.close_execution(
            &run_id,
            CloseStatus::Terminated,
            EventAttributes::WorkflowExecutionTerminated(history::WorkflowExecutionTerminated {
                reason: req.reason.clone(),
                details: req.details.clone(),
                child_policy: policy,
            }),
        );
        Ok(json!({}))
    }
}
