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

/// A StartWorkflowExecution request, and what a child or a continued run starts from.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartRequest {
    pub domain: String,
    pub workflow_id: String,
    pub workflow_type: TypeId,
    #[serde(flatten)]
    pub settings: RunSettings,
}

/// How a new run is configured, as StartWorkflowExecution, StartChildWorkflowExecution and
/// ContinueAsNewWorkflowExecution all give it; the type's defaults fill what is left out.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunSettings {
    pub input: Option<String>,
    pub task_list: Option<TaskList>,
    pub execution_start_to_close_timeout: Option<String>,
    pub task_start_to_close_timeout: Option<String>,
    pub child_policy: Option<String>,
    #[serde(default)]
    pub tag_list: Vec<String>,
    pub task_priority: Option<String>,
    pub lambda_role: Option<String>,
}

impl RunSettings {
    /// The checks SWF makes on the values given, before any default applies.
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
        if let Some(policy) = &self.child_policy {
            super::registry::child_policy("childPolicy", policy)?;
        }
        if self.tag_list.len() > 5 {
            return Err(SwfError::validation("tagList holds at most 5 tags"));
        }
        for tag in &self.tag_list {
            limits::length("tagList.member", tag, 0, limits::NAME_MAX)?;
        }
        Ok(())
    }
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
pub(crate) struct SignalRequest {
    pub domain: String,
    pub workflow_id: String,
    pub run_id: Option<String>,
    pub signal_name: String,
    pub input: Option<String>,
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

/// Why a new run cannot start; as an API error or as the cause a decision's `*Failed` event
/// records.
#[derive(Debug)]
pub(crate) enum StartRefusal {
    Invalid(SwfError),
    UnknownType(TypeId),
    TypeDeprecated(TypeId),
    DefaultUndefined(&'static str),
    AlreadyRunning(String),
}

impl StartRefusal {
    /// The cause of StartChildWorkflowExecutionFailed / ContinueAsNewWorkflowExecutionFailed.
    pub(crate) fn cause(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "OPERATION_NOT_PERMITTED",
            Self::UnknownType(_) => "WORKFLOW_TYPE_DOES_NOT_EXIST",
            Self::TypeDeprecated(_) => "WORKFLOW_TYPE_DEPRECATED",
            Self::DefaultUndefined("taskList") => "DEFAULT_TASK_LIST_UNDEFINED",
            Self::DefaultUndefined("executionStartToCloseTimeout") => {
                "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED"
            }
            Self::DefaultUndefined("childPolicy") => "DEFAULT_CHILD_POLICY_UNDEFINED",
            Self::DefaultUndefined(_) => "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED",
            Self::AlreadyRunning(_) => "WORKFLOW_ALREADY_RUNNING",
        }
    }
}

impl From<SwfError> for StartRefusal {
    fn from(error: SwfError) -> Self {
        Self::Invalid(error)
    }
}

impl From<StartRefusal> for SwfError {
    fn from(refusal: StartRefusal) -> Self {
        match refusal {
            StartRefusal::Invalid(error) => error,
            StartRefusal::UnknownType(t) => SwfError::unknown(format!(
                "Unknown type: WorkflowType=[name={}, version={}]",
                t.name, t.version
            )),
            StartRefusal::TypeDeprecated(t) => SwfError::new(
                ErrorKind::TypeDeprecated,
                format!(
                    "WorkflowType=[name={}, version={}] is deprecated: start a registered version",
                    t.name, t.version
                ),
            ),
            StartRefusal::DefaultUndefined(what) => SwfError::new(
                ErrorKind::DefaultUndefined,
                format!("{what} is neither given nor a default of the workflow type"),
            ),
            StartRefusal::AlreadyRunning(id) => SwfError::new(
                ErrorKind::WorkflowExecutionAlreadyStarted,
                format!("An open execution with workflowId {id} already exists"),
            ),
        }
    }
}

/// Where a new run comes from, beyond its StartWorkflowExecution-shaped request.
#[derive(Debug, Default)]
pub(crate) struct Origin {
    /// Set for executions started by the test harness: the endpoint decides for them.
    pub managed: Option<Arc<ActivityShared>>,
    /// The parent and its `StartChildWorkflowExecutionInitiated` event.
    pub parent: Option<(WorkflowExecution, u64)>,
    /// The run this one continues, and the run id already promised for the new run.
    pub continues: Option<(String, String)>,
}

/// A start request with every default resolved.
#[derive(Debug)]
pub(crate) struct ResolvedStart {
    pub task_list: TaskList,
    pub execution_start_to_close: String,
    pub task_start_to_close: String,
    pub child_policy: String,
    pub task_priority: Option<String>,
    pub lambda_role: Option<String>,
}

impl State {
    /// Checks a start request against the domain and the type's defaults without starting.
    pub(crate) fn resolve_start(&self, req: &StartRequest) -> Result<ResolvedStart, StartRefusal> {
        limits::name("workflowId", &req.workflow_id, limits::NAME_MAX)?;
        req.settings.validate()?;
        let domain = self.domain(&req.domain)?;
        if domain.deprecated {
            return Err(SwfError::unknown(format!(
                "Domain {} is deprecated: it takes no new executions until UndeprecateDomain",
                req.domain
            ))
            .into());
        }
        let ty = domain
            .workflow_types
            .get(&req.workflow_type)
            .ok_or_else(|| StartRefusal::UnknownType(req.workflow_type.clone()))?;
        if ty.deprecated.is_some() {
            return Err(StartRefusal::TypeDeprecated(req.workflow_type.clone()));
        }
        let task_list = req
            .settings
            .task_list
            .clone()
            .or_else(|| ty.default_task_list.clone())
            .ok_or(StartRefusal::DefaultUndefined("taskList"))?;
        limits::trimmed_name("taskList.name", &task_list.name)?;
        let execution_start_to_close = req
            .settings
            .execution_start_to_close_timeout
            .clone()
            .or_else(|| ty.default_execution_start_to_close.clone())
            .ok_or(StartRefusal::DefaultUndefined(
                "executionStartToCloseTimeout",
            ))?;
        let task_start_to_close = req
            .settings
            .task_start_to_close_timeout
            .clone()
            .or_else(|| ty.default_task_start_to_close.clone())
            .ok_or(StartRefusal::DefaultUndefined("taskStartToCloseTimeout"))?;
        let child_policy = req
            .settings
            .child_policy
            .clone()
            .or_else(|| ty.default_child_policy.clone())
            .ok_or(StartRefusal::DefaultUndefined("childPolicy"))?;
        Ok(ResolvedStart {
            task_list,
            execution_start_to_close,
            task_start_to_close,
            child_policy,
            task_priority: req
                .settings
                .task_priority
                .clone()
                .or_else(|| ty.default_task_priority.clone()),
            lambda_role: req
                .settings
                .lambda_role
                .clone()
                .or_else(|| ty.default_lambda_role.clone()),
        })
    }

    /// StartWorkflowExecution; `managed` marks an execution the endpoint decides for itself.
    pub(crate) fn start_execution(
        &mut self,
        req: StartRequest,
        managed: Option<Arc<ActivityShared>>,
    ) -> Result<String, SwfError> {
        self.start_run(
            req,
            Origin {
                managed,
                ..Origin::default()
            },
        )
        .map_err(SwfError::from)
    }

    /// Starts a run: a StartWorkflowExecution, a child, or the next run of a continued one.
    pub(crate) fn start_run(
        &mut self,
        req: StartRequest,
        origin: Origin,
    ) -> Result<String, StartRefusal> {
        let resolved = self.resolve_start(&req)?;
        let open_key = (req.domain.clone(), req.workflow_id.clone());
        if self.open_ids.contains_key(&open_key) {
            return Err(StartRefusal::AlreadyRunning(req.workflow_id));
        }
        let (continued_from, run_id) = match origin.continues {
            Some((from, run_id)) => (Some(from), run_id),
            None => (None, self.new_run_id()),
        };
        let started_at = self.now_epoch();
        let exec_limit = limits::duration(
            "executionStartToCloseTimeout",
            &resolved.execution_start_to_close,
        )?;
        let started = history::WorkflowExecutionStarted {
            workflow_type: req.workflow_type.clone(),
            task_list: resolved.task_list.clone(),
            input: req.settings.input,
            execution_start_to_close_timeout: resolved.execution_start_to_close.clone(),
            task_start_to_close_timeout: resolved.task_start_to_close.clone(),
            child_policy: resolved.child_policy.clone(),
            tag_list: req.settings.tag_list.clone(),
            task_priority: resolved.task_priority.clone(),
            lambda_role: resolved.lambda_role.clone(),
            parent_workflow_execution: origin.parent.as_ref().map(|(p, _)| p.clone()),
            parent_initiated_event_id: origin.parent.as_ref().map(|(_, id)| *id),
            continued_execution_run_id: continued_from,
        };
        self.executions.insert(
            run_id.clone(),
            Execution {
                domain: req.domain,
                workflow_id: req.workflow_id,
                run_id: run_id.clone(),
                workflow_type: req.workflow_type,
                task_list: resolved.task_list,
                task_start_to_close: resolved.task_start_to_close,
                execution_start_to_close: resolved.execution_start_to_close,
                child_policy: resolved.child_policy,
                tag_list: req.settings.tag_list,
                task_priority: resolved.task_priority,
                lambda_role: resolved.lambda_role,
                parent: origin.parent,
                children: HashMap::new(),
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
                managed: origin.managed,
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
        let info = execution_info(e);
        Ok(json!({
            "executionInfo": info,
            "executionConfiguration": {
                "taskStartToCloseTimeout": e.task_start_to_close,
                "executionStartToCloseTimeout": e.execution_start_to_close,
                "taskList": e.task_list,
                "childPolicy": e.child_policy,
                "taskPriority": e.task_priority,
                "lambdaRole": e.lambda_role,
            },
            "openCounts": {
                "openActivityTasks": e.activities.len(),
                "openDecisionTasks": usize::from(e.decision_scheduled.is_some() || e.decision_started.is_some()),
                "openTimers": e.timers.len(),
                "openChildWorkflowExecutions": e.children.len(),
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

    pub(crate) fn open_run(
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
        self.request_cancel(
            &run_id,
            history::WorkflowExecutionCancelRequested::default(),
        );
        Ok(json!({}))
    }

    pub(crate) fn terminate_execution(&mut self, req: &CloseRequest) -> Result<Value, SwfError> {
        limits::opt_length("reason", req.reason.as_deref(), limits::REASON_MAX)?;
        limits::opt_length("details", req.details.as_deref(), limits::DATA_MAX)?;
        if let Some(policy) = &req.child_policy {
            super::registry::child_policy("childPolicy", policy)?;
        }
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
                cause: None,
            }),
        );
        Ok(json!({}))
    }

    pub(crate) fn signal_execution(&mut self, req: &SignalRequest) -> Result<Value, SwfError> {
        limits::length("signalName", &req.signal_name, 1, limits::NAME_MAX)?;
        limits::opt_length("input", req.input.as_deref(), limits::DATA_MAX)?;
        let run_id = self.open_run(&req.domain, &req.workflow_id, req.run_id.as_deref())?;
        self.record(
            &run_id,
            EventAttributes::WorkflowExecutionSignaled(history::WorkflowExecutionSignaled {
                signal_name: req.signal_name.clone(),
                input: req.input.clone(),
                external_workflow_execution: None,
                external_initiated_event_id: None,
            }),
        );
        self.schedule_decision(&run_id);
        Ok(json!({}))
    }
}

/// The `WorkflowExecutionInfo` shape of DescribeWorkflowExecution and the list operations.
pub(crate) fn execution_info(e: &Execution) -> Value {
    let mut info = json!({
        "execution": { "workflowId": e.workflow_id, "runId": e.run_id },
        "workflowType": e.workflow_type,
        "startTimestamp": e.started_at,
        "executionStatus": if e.is_open() { "OPEN" } else { "CLOSED" },
        "cancelRequested": e.cancel_requested,
    });
    if let Some(obj) = info.as_object_mut() {
        if let Some((status, at)) = e.closed {
            obj.insert("closeStatus".into(), json!(status.as_str()));
            obj.insert("closeTimestamp".into(), json!(at));
        }
        if !e.tag_list.is_empty() {
            obj.insert("tagList".into(), json!(e.tag_list));
        }
        if let Some((parent, _)) = &e.parent {
            obj.insert("parent".into(), json!(parent));
        }
    }
    info
}
