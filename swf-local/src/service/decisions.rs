//! Decision tasks: polling and RespondDecisionTaskCompleted with the supported decisions.

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::activities::ScheduleActivity;
use super::children::StartChild;
use super::continuation::ContinueAsNew;
use super::external::{CancelExternal, SignalExternal};
use super::paging::page;
use super::state::{StartedDecision, State, TaskRef, token_hint};
use crate::error::SwfError;
use crate::history::{self, EventAttributes, HistoryEvent};
use crate::limits;
use crate::model::{CloseStatus, TaskList};
use crate::timers::TimerKind;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PollDecisionRequest {
    pub domain: String,
    pub task_list: TaskList,
    pub identity: Option<String>,
    pub next_page_token: Option<String>,
    pub maximum_page_size: Option<i64>,
    #[serde(default)]
    pub reverse_order: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RespondDecisionRequest {
    pub task_token: String,
    #[serde(default)]
    pub decisions: Vec<Value>,
    pub execution_context: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecisionAttrs {
    activity_id: Option<String>,
    result: Option<String>,
    reason: Option<String>,
    details: Option<String>,
    timer_id: Option<String>,
    control: Option<String>,
    start_to_fire_timeout: Option<String>,
    marker_name: Option<String>,
    id: Option<String>,
    name: Option<String>,
}

/// A decision this endpoint carries out, checked before anything is applied.
enum Decision {
    Schedule(ScheduleActivity),
    RequestCancel(String),
    Complete(Option<String>),
    Fail(Option<String>, Option<String>),
    Cancel(Option<String>),
    StartTimer(String, Option<String>, String),
    CancelTimer(String),
    Marker(String, Option<String>),
    SignalExternal(SignalExternal),
    CancelExternal(CancelExternal),
    StartChild(StartChild),
    ContinueAsNew(ContinueAsNew),
    ScheduleLambda { id: String, name: String },
}

impl Decision {
    /// The `*Failed` event of a close decision refused with `cause`; `None` for other decisions.
    fn close_failed(&self, cause: &str, completed: u64) -> Option<EventAttributes> {
        let attrs = history::CloseDecisionFailed {
            cause: cause.to_owned(),
            decision_task_completed_event_id: completed,
        };
        match self {
            Self::Complete(_) => Some(EventAttributes::CompleteWorkflowExecutionFailed(attrs)),
            Self::Fail(..) => Some(EventAttributes::FailWorkflowExecutionFailed(attrs)),
            Self::Cancel(_) => Some(EventAttributes::CancelWorkflowExecutionFailed(attrs)),
            Self::ContinueAsNew(_) => {
                Some(EventAttributes::ContinueAsNewWorkflowExecutionFailed(attrs))
            }
            _ => None,
        }
    }
}

/// The cause of ScheduleLambdaFunctionFailed: this endpoint has no Lambda service to call.
const NO_LAMBDA: &str = "LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION";

fn typed<T: for<'de> Deserialize<'de>>(raw: &Value, key: &str) -> Result<T, SwfError> {
    attributes(raw, key, true)?.ok_or_else(|| SwfError::validation(format!("{key} is required")))
}

fn attributes<T: for<'de> Deserialize<'de>>(
    decision: &Value,
    key: &str,
    required: bool,
) -> Result<Option<T>, SwfError> {
    match decision.get(key) {
        None | Some(Value::Null) if required => Err(SwfError::validation(format!(
            "{key} is required for this decision"
        ))),
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| SwfError::validation(format!("invalid {key}: {e}"))),
    }
}

fn required(value: Option<String>, field: &str) -> Result<String, SwfError> {
    value.ok_or_else(|| SwfError::validation(format!("{field} is required")))
}

fn parse_decision(raw: &Value) -> Result<Decision, SwfError> {
    let kind = raw
        .get("decisionType")
        .and_then(Value::as_str)
        .ok_or_else(|| SwfError::validation("every decision needs a decisionType"))?;
    let attrs = |key: &str, needed: bool| -> Result<DecisionAttrs, SwfError> {
        Ok(attributes::<DecisionAttrs>(raw, key, needed)?.unwrap_or_default())
    };
    let decision = match kind {
        "ScheduleActivityTask" => {
            let a: Option<ScheduleActivity> =
                attributes(raw, "scheduleActivityTaskDecisionAttributes", true)?;
            let a = a.ok_or_else(|| {
                SwfError::validation("scheduleActivityTaskDecisionAttributes is required")
            })?;
            a.validate()?;
            Decision::Schedule(a)
        }
        "RequestCancelActivityTask" => {
            let a = attrs("requestCancelActivityTaskDecisionAttributes", true)?;
            let id = required(a.activity_id, "activityId")?;
            limits::name("activityId", &id, limits::NAME_MAX)?;
            Decision::RequestCancel(id)
        }
        "CompleteWorkflowExecution" => {
            let a = attrs("completeWorkflowExecutionDecisionAttributes", false)?;
            limits::opt_length("result", a.result.as_deref(), limits::DATA_MAX)?;
            Decision::Complete(a.result)
        }
        "FailWorkflowExecution" => {
            let a = attrs("failWorkflowExecutionDecisionAttributes", false)?;
            limits::opt_length("reason", a.reason.as_deref(), limits::REASON_MAX)?;
            limits::opt_length("details", a.details.as_deref(), limits::DATA_MAX)?;
            Decision::Fail(a.reason, a.details)
        }
        "CancelWorkflowExecution" => {
            let a = attrs("cancelWorkflowExecutionDecisionAttributes", false)?;
            limits::opt_length("details", a.details.as_deref(), limits::DATA_MAX)?;
            Decision::Cancel(a.details)
        }
        "StartTimer" => {
            let a = attrs("startTimerDecisionAttributes", true)?;
            let id = required(a.timer_id, "timerId")?;
            limits::name("timerId", &id, limits::NAME_MAX)?;
            let fire = required(a.start_to_fire_timeout, "startToFireTimeout")?;
            if limits::duration("startToFireTimeout", &fire)?.is_none() {
                return Err(SwfError::validation(
                    "startToFireTimeout must be a number of seconds",
                ));
            }
            limits::opt_length("control", a.control.as_deref(), limits::DATA_MAX)?;
            Decision::StartTimer(id, a.control, fire)
        }
        "CancelTimer" => {
            let a = attrs("cancelTimerDecisionAttributes", true)?;
            let id = required(a.timer_id, "timerId")?;
            limits::length("timerId", &id, 1, limits::NAME_MAX)?;
            Decision::CancelTimer(id)
        }
        "SignalExternalWorkflowExecution" => {
            let a: SignalExternal =
                typed(raw, "signalExternalWorkflowExecutionDecisionAttributes")?;
            a.validate()?;
            Decision::SignalExternal(a)
        }
        "RequestCancelExternalWorkflowExecution" => {
            let a: CancelExternal = typed(
                raw,
                "requestCancelExternalWorkflowExecutionDecisionAttributes",
            )?;
            a.validate()?;
            Decision::CancelExternal(a)
        }
        "StartChildWorkflowExecution" => {
            let a: StartChild = typed(raw, "startChildWorkflowExecutionDecisionAttributes")?;
            a.validate()?;
            Decision::StartChild(a)
        }
        "ContinueAsNewWorkflowExecution" => {
            let a: Option<ContinueAsNew> = attributes(
                raw,
                "continueAsNewWorkflowExecutionDecisionAttributes",
                false,
            )?;
            let a = a.unwrap_or_default();
            a.validate()?;
            Decision::ContinueAsNew(a)
        }
        "ScheduleLambdaFunction" => {
            let a = attrs("scheduleLambdaFunctionDecisionAttributes", true)?;
            let id = required(a.id, "id")?;
            let name = required(a.name, "name")?;
            limits::length("id", &id, 1, limits::NAME_MAX)?;
            limits::length("name", &name, 1, 64)?;
            Decision::ScheduleLambda { id, name }
        }
        "RecordMarker" => {
            let a = attrs("recordMarkerDecisionAttributes", true)?;
            let name = required(a.marker_name, "markerName")?;
            limits::name("markerName", &name, limits::NAME_MAX)?;
            limits::opt_length("details", a.details.as_deref(), limits::DATA_MAX)?;
            Decision::Marker(name, a.details)
        }
        other => {
            return Err(SwfError::validation(format!(
                "unknown decision type {other}; nothing was applied"
            )));
        }
    };
    Ok(decision)
}

impl State {
    /// Hands the oldest scheduled decision task of the task list to a poller, if there is one.
    pub(crate) fn try_start_decision(
        &mut self,
        req: &PollDecisionRequest,
    ) -> Result<Option<Value>, SwfError> {
        self.domain(&req.domain)?;
        let key = (req.domain.clone(), req.task_list.name.clone());
        loop {
            let Some((run_id, sid)) = self
                .decision_lists
                .get_mut(&key)
                .and_then(|q| q.pending.pop_front())
            else {
                return Ok(None);
            };
            let Some(exec) = self.executions.get(&run_id) else {
                continue;
            };
            if !exec.is_open()
                || exec.decision_scheduled != Some(sid)
                || exec.decision_started.is_some()
            {
                continue;
            }
            let limit = exec.task_start_to_close.clone();
            let started_event_id = self.record(
                &run_id,
                EventAttributes::DecisionTaskStarted(history::DecisionTaskStarted {
                    identity: req.identity.clone(),
                    scheduled_event_id: sid,
                }),
            );
            let token = self.new_token();
            let timer = match limits::duration("taskStartToCloseTimeout", &limit) {
                Ok(Some(limit)) => Some(self.add_timer(
                    Instant::now() + limit,
                    TimerKind::Decision {
                        run_id: run_id.clone(),
                        started_event_id,
                    },
                )),
                _ => None,
            };
            self.tokens.insert(
                token.clone(),
                TaskRef::Decision {
                    run_id: run_id.clone(),
                    started_event_id,
                },
            );
            let Some(exec) = self.executions.get_mut(&run_id) else {
                continue;
            };
            exec.decision_scheduled = None;
            exec.decision_started = Some(StartedDecision {
                scheduled_event_id: sid,
                started_event_id,
                token: token.clone(),
                timer,
            });
            tracing::debug!(token = %token_hint(&token), "decision task started");
            return self.decision_page(&run_id, None, req).map(Some);
        }
    }

    /// A page of the decision task's history; `page_token` continues a previous page.
    pub(crate) fn decision_page(
        &self,
        run_id: &str,
        page_token: Option<&str>,
        req: &PollDecisionRequest,
    ) -> Result<Value, SwfError> {
        let exec = self
            .executions
            .get(run_id)
            .ok_or_else(|| SwfError::unknown("Unknown execution for nextPageToken"))?;
        let started = exec.decision_started.as_ref().ok_or_else(|| {
            SwfError::unknown("The decision task of this nextPageToken is closed")
        })?;
        let events: Vec<&HistoryEvent> = exec.history.iter().collect();
        let (events, next) = page(events, page_token, req.maximum_page_size, req.reverse_order)?;
        Ok(json!({
            "taskToken": started.token,
            "startedEventId": started.started_event_id,
            "previousStartedEventId": exec.previous_started_event_id,
            "workflowExecution": { "workflowId": exec.workflow_id, "runId": exec.run_id },
            "workflowType": exec.workflow_type,
            "events": events,
            "nextPageToken": next.map(|n| format!("{run_id}.{n}")),
        }))
    }

    /// RespondDecisionTaskCompleted: validates every decision first, then applies them all.
    pub(crate) fn respond_decision(
        &mut self,
        req: RespondDecisionRequest,
    ) -> Result<Value, SwfError> {
        limits::opt_length(
            "executionContext",
            req.execution_context.as_deref(),
            limits::DATA_MAX,
        )?;
        let (run_id, started_event_id) = match self.resolve_token(&req.task_token)? {
            TaskRef::Decision {
                run_id,
                started_event_id,
            } => (run_id, started_event_id),
            TaskRef::Activity { .. } => {
                return Err(SwfError::unknown(format!(
                    "Task token {} belongs to an activity task, not a decision task",
                    token_hint(&req.task_token)
                )));
            }
        };
        let decisions = req
            .decisions
            .iter()
            .map(parse_decision)
            .collect::<Result<Vec<_>, _>>()?;
        let exec = self
            .executions
            .get_mut(&run_id)
            .filter(|e| e.is_open())
            .ok_or_else(|| SwfError::unknown("Unknown execution: it is closed"))?;
        let Some(decision) = exec
            .decision_started
            .take_if(|d| d.started_event_id == started_event_id)
        else {
            return Err(SwfError::unknown(
                "Unknown decision task: it timed out or was already answered",
            ));
        };
        exec.previous_started_event_id = started_event_id;
        // Events arrived while the decider worked (a decision task is already scheduled for
        // them): a close decision now would drop them unseen.
        let unseen_events = exec.decision_scheduled.is_some();
        if req.execution_context.is_some() {
            exec.latest_context = req.execution_context.clone();
        }
        self.tokens.remove(&decision.token);
        if let Some(timer) = decision.timer {
            self.timers.remove(timer);
        }
        let completed = self.record(
            &run_id,
            EventAttributes::DecisionTaskCompleted(history::DecisionTaskCompleted {
                execution_context: req.execution_context,
                scheduled_event_id: decision.scheduled_event_id,
                started_event_id,
            }),
        );
        let mut needs_decision = false;
        for decision in decisions {
            if !self.executions.get(&run_id).is_some_and(|e| e.is_open()) {
                break;
            }
            if unseen_events
                && let Some(failed) = decision.close_failed("UNHANDLED_DECISION", completed)
            {
                self.record(&run_id, failed);
                needs_decision = true;
                continue;
            }
            needs_decision |= self.apply(&run_id, decision, completed);
        }
        self.release_scheduled_decision(&run_id);
        if needs_decision {
            self.schedule_decision(&run_id);
        }
        Ok(json!({}))
    }

    /// Applies one decision; answers whether it recorded a failure the decider must see.
    fn apply(&mut self, run_id: &str, decision: Decision, completed: u64) -> bool {
        match decision {
            Decision::Schedule(attrs) => match self.schedule_activity(run_id, &attrs, completed) {
                Ok(_) => false,
                Err(cause) => {
                    self.record(
                        run_id,
                        EventAttributes::ScheduleActivityTaskFailed(
                            history::ScheduleActivityTaskFailed {
                                activity_type: attrs.activity_type,
                                activity_id: attrs.activity_id,
                                cause,
                                decision_task_completed_event_id: completed,
                            },
                        ),
                    );
                    true
                }
            },
            Decision::RequestCancel(activity_id) => {
                match self.request_cancel_activity(run_id, &activity_id, completed) {
                    Ok(()) => false,
                    Err(cause) => {
                        self.record(
                            run_id,
                            EventAttributes::RequestCancelActivityTaskFailed(
                                history::RequestCancelActivityTaskFailed {
                                    activity_id,
                                    cause,
                                    decision_task_completed_event_id: completed,
                                },
                            ),
                        );
                        true
                    }
                }
            }
            Decision::Complete(result) => {
                self.close_execution(
                    run_id,
                    CloseStatus::Completed,
                    EventAttributes::WorkflowExecutionCompleted(
                        history::WorkflowExecutionCompleted {
                            result,
                            decision_task_completed_event_id: completed,
                        },
                    ),
                );
                false
            }
            Decision::Fail(reason, details) => {
                self.close_execution(
                    run_id,
                    CloseStatus::Failed,
                    EventAttributes::WorkflowExecutionFailed(history::WorkflowExecutionFailed {
                        reason,
                        details,
                        decision_task_completed_event_id: completed,
                    }),
                );
                false
            }
            Decision::Cancel(details) => {
                self.close_execution(
                    run_id,
                    CloseStatus::Canceled,
                    EventAttributes::WorkflowExecutionCanceled(
                        history::WorkflowExecutionCanceled {
                            details,
                            decision_task_completed_event_id: completed,
                        },
                    ),
                );
                false
            }
            Decision::StartTimer(timer_id, control, fire) => {
                if self
                    .executions
                    .get(run_id)
                    .is_some_and(|e| e.timers.contains_key(&timer_id))
                {
                    self.record(
                        run_id,
                        EventAttributes::StartTimerFailed(history::StartTimerFailed {
                            timer_id,
                            cause: "TIMER_ID_ALREADY_IN_USE".to_owned(),
                            decision_task_completed_event_id: completed,
                        }),
                    );
                    return true;
                }
                let secs = limits::duration("startToFireTimeout", &fire)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let started = self.record(
                    run_id,
                    EventAttributes::TimerStarted(history::TimerStarted {
                        timer_id: timer_id.clone(),
                        control,
                        start_to_fire_timeout: fire,
                        decision_task_completed_event_id: completed,
                    }),
                );
                let key = self.add_timer(
                    Instant::now() + secs,
                    TimerKind::Workflow {
                        run_id: run_id.to_owned(),
                        timer_id: timer_id.clone(),
                    },
                );
                if let Some(exec) = self.executions.get_mut(run_id) {
                    exec.timers.insert(timer_id, (started, key));
                }
                false
            }
            Decision::CancelTimer(timer_id) => {
                let timer = self
                    .executions
                    .get_mut(run_id)
                    .and_then(|e| e.timers.remove(&timer_id));
                match timer {
                    Some((started_event_id, key)) => {
                        self.timers.remove(key);
                        self.record(
                            run_id,
                            EventAttributes::TimerCanceled(history::TimerCanceled {
                                timer_id,
                                started_event_id,
                                decision_task_completed_event_id: completed,
                            }),
                        );
                        false
                    }
                    None => {
                        self.record(
                            run_id,
                            EventAttributes::CancelTimerFailed(history::CancelTimerFailed {
                                timer_id,
                                cause: "TIMER_ID_UNKNOWN".to_owned(),
                                decision_task_completed_event_id: completed,
                            }),
                        );
                        true
                    }
                }
            }
            Decision::SignalExternal(attrs) => {
                self.signal_external(run_id, attrs, completed);
                true
            }
            Decision::CancelExternal(attrs) => {
                self.request_cancel_external(run_id, attrs, completed);
                true
            }
            Decision::StartChild(attrs) => {
                self.start_child(run_id, attrs, completed);
                true
            }
            Decision::ContinueAsNew(attrs) => {
                match self.continue_as_new(run_id, attrs, completed) {
                    Ok(()) => false,
                    Err(cause) => {
                        self.record(
                            run_id,
                            EventAttributes::ContinueAsNewWorkflowExecutionFailed(
                                history::CloseDecisionFailed {
                                    cause: cause.to_owned(),
                                    decision_task_completed_event_id: completed,
                                },
                            ),
                        );
                        true
                    }
                }
            }
            Decision::ScheduleLambda { id, name } => {
                self.record(
                    run_id,
                    EventAttributes::ScheduleLambdaFunctionFailed(
                        history::ScheduleLambdaFunctionFailed {
                            id,
                            name,
                            cause: NO_LAMBDA.to_owned(),
                            decision_task_completed_event_id: completed,
                        },
                    ),
                );
                true
            }
            Decision::Marker(marker_name, details) => {
                self.record(
                    run_id,
                    EventAttributes::MarkerRecorded(history::MarkerRecorded {
                        marker_name,
                        details,
                        decision_task_completed_event_id: completed,
                    }),
                );
                false
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CountDecisionsRequest {
    pub domain: String,
    pub task_list: TaskList,
}

impl State {
    /// CountPendingDecisionTasks: decision tasks scheduled and not yet taken on the task list.
    pub(crate) fn count_pending_decisions(
        &self,
        req: &CountDecisionsRequest,
    ) -> Result<Value, SwfError> {
        self.domain(&req.domain)?;
        let key = (req.domain.clone(), req.task_list.name.clone());
        let count = self.decision_lists.get(&key).map_or(0, |q| {
            q.pending
                .iter()
                .filter(|(run, id)| {
                    self.executions.get(run).is_some_and(|e| {
                        e.is_open()
                            && e.decision_scheduled == Some(*id)
                            && e.decision_started.is_none()
                    })
                })
                .count()
        });
        Ok(json!({ "count": count, "truncated": false }))
    }
}
