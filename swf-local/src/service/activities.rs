//! Activity tasks: scheduling, polling, heartbeats, answers and cancellation.

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::state::{ActivityTask, ActivityTimeouts, Started, State, TaskRef, token_hint};
use crate::error::SwfError;
use crate::harness::ActivityOutcome;
use crate::history::{self, EventAttributes};
use crate::limits;
use crate::model::{ActivityTimeoutType, TaskList, TypeId};
use crate::timers::TimerKind;

/// At most this many open activities per workflow execution.
pub(crate) const OPEN_ACTIVITIES_MAX: usize = 1000;

/// The attributes of a ScheduleActivityTask decision.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleActivity {
    pub activity_type: TypeId,
    pub activity_id: String,
    pub control: Option<String>,
    pub input: Option<String>,
    pub schedule_to_close_timeout: Option<String>,
    pub task_list: Option<TaskList>,
    pub task_priority: Option<String>,
    pub schedule_to_start_timeout: Option<String>,
    pub start_to_close_timeout: Option<String>,
    pub heartbeat_timeout: Option<String>,
}

impl ScheduleActivity {
    /// The shape checks SWF answers with `ValidationException`.
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        limits::name(
            "activityType.name",
            &self.activity_type.name,
            limits::NAME_MAX,
        )?;
        limits::name(
            "activityType.version",
            &self.activity_type.version,
            limits::VERSION_MAX,
        )?;
        limits::name("activityId", &self.activity_id, limits::NAME_MAX)?;
        limits::opt_length("input", self.input.as_deref(), limits::DATA_MAX)?;
        limits::opt_length("control", self.control.as_deref(), limits::DATA_MAX)?;
        if let Some(list) = &self.task_list {
            limits::trimmed_name("taskList.name", &list.name)?;
        }
        limits::opt_duration(
            "scheduleToCloseTimeout",
            self.schedule_to_close_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "scheduleToStartTimeout",
            self.schedule_to_start_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "startToCloseTimeout",
            self.start_to_close_timeout.as_deref(),
        )?;
        limits::opt_duration("heartbeatTimeout", self.heartbeat_timeout.as_deref())?;
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PollRequest {
    pub domain: String,
    pub task_list: TaskList,
    pub identity: Option<String>,
}

impl PollRequest {
    pub(crate) fn validate(&self) -> Result<(), SwfError> {
        limits::length("domain", &self.domain, 1, limits::NAME_MAX)?;
        limits::trimmed_name("taskList.name", &self.task_list.name)?;
        limits::opt_length("identity", self.identity.as_deref(), limits::IDENTITY_MAX)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HeartbeatRequest {
    pub task_token: String,
    pub details: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RespondRequest {
    pub task_token: String,
    pub result: Option<String>,
    pub reason: Option<String>,
    pub details: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CountRequest {
    pub domain: String,
    pub task_list: TaskList,
}

/// How a worker closed an activity task.
pub(crate) enum Answer {
    Completed,
    Failed,
    Canceled,
}

fn pick(given: Option<&String>, default: Option<&String>, cause: &str) -> Result<String, String> {
    given.or(default).cloned().ok_or_else(|| cause.to_owned())
}

impl State {
    /// Schedules an activity task for a decision; `Err(cause)` when SWF would record
    /// `ScheduleActivityTaskFailed`.
    pub(crate) fn schedule_activity(
        &mut self,
        run_id: &str,
        attrs: &ScheduleActivity,
        decision_event_id: u64,
    ) -> Result<u64, String> {
        let exec = self
            .executions
            .get(run_id)
            .ok_or_else(|| "OPERATION_NOT_PERMITTED".to_owned())?;
        let domain = self
            .domains
            .get(&exec.domain)
            .ok_or_else(|| "OPERATION_NOT_PERMITTED".to_owned())?;
        let ty = domain
            .activity_types
            .get(&attrs.activity_type)
            .ok_or_else(|| "ACTIVITY_TYPE_DOES_NOT_EXIST".to_owned())?;
        if ty.deprecated.is_some() {
            return Err("ACTIVITY_TYPE_DEPRECATED".to_owned());
        }
        if exec.activity_by_id(&attrs.activity_id).is_some() {
            return Err("ACTIVITY_ID_ALREADY_IN_USE".to_owned());
        }
        if exec.activities.len() >= OPEN_ACTIVITIES_MAX {
            return Err("OPEN_ACTIVITIES_LIMIT_EXCEEDED".to_owned());
        }
        let task_list = attrs
            .task_list
            .clone()
            .or_else(|| ty.default_task_list.clone())
            .ok_or_else(|| "DEFAULT_TASK_LIST_UNDEFINED".to_owned())?;
        let s2c = pick(
            attrs.schedule_to_close_timeout.as_ref(),
            ty.default_schedule_to_close.as_ref(),
            "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED",
        )?;
        let s2s = pick(
            attrs.schedule_to_start_timeout.as_ref(),
            ty.default_schedule_to_start.as_ref(),
            "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED",
        )?;
        let st2c = pick(
            attrs.start_to_close_timeout.as_ref(),
            ty.default_start_to_close.as_ref(),
            "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        )?;
        let hb = pick(
            attrs.heartbeat_timeout.as_ref(),
            ty.default_heartbeat.as_ref(),
            "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED",
        )?;
        let parse = |field: &str, v: &str| {
            limits::duration(field, v).map_err(|_| "OPERATION_NOT_PERMITTED".to_owned())
        };
        let timeouts = ActivityTimeouts {
            schedule_to_close: parse("scheduleToCloseTimeout", &s2c)?,
            schedule_to_start: parse("scheduleToStartTimeout", &s2s)?,
            start_to_close: parse("startToCloseTimeout", &st2c)?,
            heartbeat: parse("heartbeatTimeout", &hb)?,
        };
        let ty_priority = ty.default_priority.clone();
        let list_key = (exec.domain.clone(), task_list.name.clone());
        let sid = self.record(
            run_id,
            EventAttributes::ActivityTaskScheduled(history::ActivityTaskScheduled {
                activity_type: attrs.activity_type.clone(),
                activity_id: attrs.activity_id.clone(),
                input: attrs.input.clone(),
                control: attrs.control.clone(),
                schedule_to_start_timeout: s2s,
                schedule_to_close_timeout: s2c,
                start_to_close_timeout: st2c,
                heartbeat_timeout: hb,
                task_list,
                task_priority: attrs.task_priority.clone().or_else(|| ty_priority.clone()),
                decision_task_completed_event_id: decision_event_id,
            }),
        );
        let now = Instant::now();
        let mut timers = Vec::new();
        for (limit, timeout) in [
            (
                timeouts.schedule_to_start,
                ActivityTimeoutType::ScheduleToStart,
            ),
            (
                timeouts.schedule_to_close,
                ActivityTimeoutType::ScheduleToClose,
            ),
        ] {
            if let Some(limit) = limit {
                let kind = TimerKind::Activity {
                    run_id: run_id.to_owned(),
                    scheduled_event_id: sid,
                    timeout,
                };
                timers.push(self.add_timer(now + limit, kind));
            }
        }
        let task = ActivityTask {
            activity_id: attrs.activity_id.clone(),
            activity_type: attrs.activity_type.clone(),
            input: attrs.input.clone(),
            task_list: list_key.clone(),
            scheduled_event_id: sid,
            timeouts,
            started: None,
            last_heartbeat: now,
            last_details: None,
            cancel_requested: None,
            timers,
        };
        if let Some(exec) = self.executions.get_mut(run_id) {
            exec.activities.insert(sid, task);
        }
        self.enqueue(false, list_key, run_id, sid);
        Ok(sid)
    }

    /// Hands the oldest scheduled task of the task list to a poller, if there is one.
    pub(crate) fn try_start_activity(
        &mut self,
        domain: &str,
        list: &str,
        identity: Option<&str>,
    ) -> Result<Option<Value>, SwfError> {
        self.domain(domain)?;
        let key = (domain.to_owned(), list.to_owned());
        loop {
            let Some((run_id, sid)) = self
                .activity_lists
                .get_mut(&key)
                .and_then(|q| q.pending.pop_front())
            else {
                return Ok(None);
            };
            let startable = self
                .executions
                .get(&run_id)
                .and_then(|e| e.activities.get(&sid))
                .is_some_and(|a| a.started.is_none());
            if !startable {
                continue;
            }
            let started_id = self.record(
                &run_id,
                EventAttributes::ActivityTaskStarted(history::ActivityTaskStarted {
                    identity: identity.map(str::to_owned),
                    scheduled_event_id: sid,
                }),
            );
            let token = self.new_token();
            let now = Instant::now();
            let epoch = self.now_epoch();
            let Some(exec) = self.executions.get_mut(&run_id) else {
                continue;
            };
            exec.latest_activity_at = Some(epoch);
            let workflow_id = exec.workflow_id.clone();
            let Some(task) = exec.activities.get_mut(&sid) else {
                continue;
            };
            task.started = Some(Started {
                event_id: started_id,
                token: token.clone(),
            });
            task.last_heartbeat = now;
            let response = json!({
                "taskToken": token,
                "activityId": task.activity_id,
                "startedEventId": started_id,
                "workflowExecution": { "workflowId": workflow_id, "runId": run_id },
                "activityType": task.activity_type,
                "input": task.input,
            });
            let timeouts = task.timeouts;
            let mut keys = Vec::new();
            for (limit, timeout) in [
                (timeouts.start_to_close, ActivityTimeoutType::StartToClose),
                (timeouts.heartbeat, ActivityTimeoutType::Heartbeat),
            ] {
                if let Some(limit) = limit {
                    let kind = TimerKind::Activity {
                        run_id: run_id.clone(),
                        scheduled_event_id: sid,
                        timeout,
                    };
                    keys.push(self.add_timer(now + limit, kind));
                }
            }
            if let Some(task) = self
                .executions
                .get_mut(&run_id)
                .and_then(|e| e.activities.get_mut(&sid))
            {
                task.timers.extend(keys);
            }
            self.tokens.insert(
                token.clone(),
                TaskRef::Activity {
                    run_id: run_id.clone(),
                    scheduled_event_id: sid,
                },
            );
            tracing::debug!(token = %token_hint(&token), "activity task started");
            return Ok(Some(response));
        }
    }

    fn started_activity(&self, token: &str) -> Result<(String, u64), SwfError> {
        match self.resolve_token(token)? {
            TaskRef::Activity {
                run_id,
                scheduled_event_id,
            } => Ok((run_id, scheduled_event_id)),
            TaskRef::Decision { .. } => Err(SwfError::unknown(format!(
                "Task token {} belongs to a decision task, not an activity task",
                token_hint(token)
            ))),
        }
    }

    /// RecordActivityTaskHeartbeat.
    pub(crate) fn heartbeat(&mut self, req: &HeartbeatRequest) -> Result<Value, SwfError> {
        limits::opt_length(
            "details",
            req.details.as_deref(),
            limits::HEARTBEAT_DETAILS_MAX,
        )?;
        let (run_id, sid) = self.started_activity(&req.task_token)?;
        let now = Instant::now();
        let task = self
            .executions
            .get_mut(&run_id)
            .and_then(|e| e.activities.get_mut(&sid))
            .ok_or_else(|| SwfError::unknown("Unknown activity task"))?;
        task.last_heartbeat = now;
        if req.details.is_some() {
            task.last_details = req.details.clone();
        }
        let cancel = task.cancel_requested.is_some();
        let activity_id = task.activity_id.clone();
        self.count_heartbeat(&run_id, &activity_id);
        Ok(json!({ "cancelRequested": cancel }))
    }

    /// RespondActivityTaskCompleted, RespondActivityTaskFailed and RespondActivityTaskCanceled.
    pub(crate) fn respond_activity(
        &mut self,
        answer: Answer,
        req: RespondRequest,
    ) -> Result<Value, SwfError> {
        match answer {
            Answer::Completed => {
                limits::opt_length("result", req.result.as_deref(), limits::DATA_MAX)?
            }
            Answer::Failed => {
                limits::opt_length("reason", req.reason.as_deref(), limits::REASON_MAX)?;
                limits::opt_length("details", req.details.as_deref(), limits::DATA_MAX)?;
            }
            Answer::Canceled => {
                limits::opt_length("details", req.details.as_deref(), limits::DATA_MAX)?
            }
        }
        let (run_id, sid) = self.started_activity(&req.task_token)?;
        let task = self
            .remove_activity(&run_id, sid)
            .ok_or_else(|| SwfError::unknown("Unknown activity task"))?;
        let started_event_id = task.started.as_ref().map_or(0, |s| s.event_id);
        let (attributes, outcome) = match answer {
            Answer::Completed => (
                EventAttributes::ActivityTaskCompleted(history::ActivityTaskCompleted {
                    result: req.result.clone(),
                    scheduled_event_id: sid,
                    started_event_id,
                }),
                ActivityOutcome::Completed { result: req.result },
            ),
            Answer::Failed => (
                EventAttributes::ActivityTaskFailed(history::ActivityTaskFailed {
                    reason: req.reason.clone(),
                    details: req.details.clone(),
                    scheduled_event_id: sid,
                    started_event_id,
                }),
                ActivityOutcome::Failed {
                    reason: req.reason,
                    details: req.details,
                },
            ),
            Answer::Canceled => (
                EventAttributes::ActivityTaskCanceled(history::ActivityTaskCanceled {
                    details: req.details.clone(),
                    scheduled_event_id: sid,
                    started_event_id,
                    latest_cancel_requested_event_id: task.cancel_requested,
                }),
                ActivityOutcome::Canceled {
                    details: req.details,
                },
            ),
        };
        self.record(&run_id, attributes);
        self.after_activity_closed(&run_id, outcome);
        Ok(json!({}))
    }

    /// RequestCancelActivityTask for the open activity `activity_id`; `Err(cause)` when SWF
    /// would record `RequestCancelActivityTaskFailed`.
    pub(crate) fn request_cancel_activity(
        &mut self,
        run_id: &str,
        activity_id: &str,
        decision_event_id: u64,
    ) -> Result<(), String> {
        let sid = self
            .executions
            .get(run_id)
            .and_then(|e| e.activity_by_id(activity_id))
            .ok_or_else(|| "ACTIVITY_ID_UNKNOWN".to_owned())?;
        let requested = self.record(
            run_id,
            EventAttributes::ActivityTaskCancelRequested(history::ActivityTaskCancelRequested {
                decision_task_completed_event_id: decision_event_id,
                activity_id: activity_id.to_owned(),
            }),
        );
        let started = self
            .executions
            .get_mut(run_id)
            .and_then(|e| e.activities.get_mut(&sid))
            .map(|task| {
                task.cancel_requested = Some(requested);
                task.started.is_some()
            })
            .unwrap_or(false);
        if !started {
            // Not yet handed to a worker: the service cancels it itself.
            self.remove_activity(run_id, sid);
            self.record(
                run_id,
                EventAttributes::ActivityTaskCanceled(history::ActivityTaskCanceled {
                    details: None,
                    scheduled_event_id: sid,
                    started_event_id: 0,
                    latest_cancel_requested_event_id: Some(requested),
                }),
            );
            self.after_activity_closed(run_id, ActivityOutcome::Canceled { details: None });
        }
        Ok(())
    }

    /// CountPendingActivityTasks.
    pub(crate) fn count_pending_activities(&self, req: &CountRequest) -> Result<Value, SwfError> {
        self.domain(&req.domain)?;
        let key = (req.domain.clone(), req.task_list.name.clone());
        let count = self.activity_lists.get(&key).map_or(0, |q| q.pending.len());
        Ok(json!({ "count": count, "truncated": false }))
    }
}
