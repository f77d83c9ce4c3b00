//! The in-memory state of the endpoint and the transitions every operation shares.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::SwfError;
use crate::harness::{ActivityOutcome, ActivityShared};
use crate::history::{self, EventAttributes, HistoryEvent};
use crate::model::{ActivityTimeoutType, CloseStatus, TaskList, TypeId, WorkflowExecution};
use crate::timers::{Clock, TimerKey, TimerKind, TimerQueue};

/// A registered domain with its types.
#[derive(Debug)]
pub(crate) struct Domain {
    pub name: String,
    pub description: Option<String>,
    pub retention_days: String,
    pub activity_types: BTreeMap<TypeId, ActivityTypeInfo>,
    pub workflow_types: BTreeMap<TypeId, WorkflowTypeInfo>,
    pub deprecated: bool,
    /// Resource tags, in the order they were first set.
    pub tags: Vec<(String, String)>,
}

/// A registered activity type and its defaults.
#[derive(Debug, Clone)]
pub(crate) struct ActivityTypeInfo {
    pub description: Option<String>,
    pub created: f64,
    pub default_task_list: Option<TaskList>,
    pub default_start_to_close: Option<String>,
    pub default_heartbeat: Option<String>,
    pub default_schedule_to_start: Option<String>,
    pub default_schedule_to_close: Option<String>,
    pub default_priority: Option<String>,
    /// When it was deprecated, while it is.
    pub deprecated: Option<f64>,
}

/// A registered workflow type and its defaults.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowTypeInfo {
    pub description: Option<String>,
    pub created: f64,
    /// When it was deprecated, while it is.
    pub deprecated: Option<f64>,
    pub default_task_priority: Option<String>,
    pub default_lambda_role: Option<String>,
    pub default_task_list: Option<TaskList>,
    pub default_task_start_to_close: Option<String>,
    pub default_execution_start_to_close: Option<String>,
    pub default_child_policy: Option<String>,
}

/// Resolved timeouts of one activity task (`None` = `NONE`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActivityTimeouts {
    pub schedule_to_start: Option<Duration>,
    pub schedule_to_close: Option<Duration>,
    pub start_to_close: Option<Duration>,
    pub heartbeat: Option<Duration>,
}

/// A started activity task.
#[derive(Debug)]
pub(crate) struct Started {
    pub event_id: u64,
    pub token: String,
}

/// An open activity task.
#[derive(Debug)]
pub(crate) struct ActivityTask {
    pub activity_id: String,
    pub activity_type: TypeId,
    pub input: Option<String>,
    pub task_list: (String, String),
    pub scheduled_event_id: u64,
    pub timeouts: ActivityTimeouts,
    pub started: Option<Started>,
    pub last_heartbeat: Instant,
    pub last_details: Option<String>,
    pub cancel_requested: Option<u64>,
    pub timers: Vec<TimerKey>,
}

/// A started decision task.
#[derive(Debug)]
pub(crate) struct StartedDecision {
    pub scheduled_event_id: u64,
    pub started_event_id: u64,
    pub token: String,
    pub timer: Option<TimerKey>,
}

/// One workflow execution, open or retained after close.
#[derive(Debug)]
pub(crate) struct Execution {
    pub domain: String,
    pub workflow_id: String,
    pub run_id: String,
    pub workflow_type: TypeId,
    pub task_list: TaskList,
    pub task_start_to_close: String,
    pub execution_start_to_close: String,
    pub child_policy: String,
    pub tag_list: Vec<String>,
    pub task_priority: Option<String>,
    pub lambda_role: Option<String>,
    /// The parent and its `StartChildWorkflowExecutionInitiated` event, for a child execution.
    pub parent: Option<(WorkflowExecution, u64)>,
    /// Open children by workflow id.
    pub children: HashMap<String, ChildLink>,
    pub started_at: f64,
    pub closed: Option<(CloseStatus, f64)>,
    pub cancel_requested: bool,
    pub history: Vec<HistoryEvent>,
    pub activities: HashMap<u64, ActivityTask>,
    pub decision_scheduled: Option<u64>,
    pub decision_started: Option<StartedDecision>,
    pub previous_started_event_id: u64,
    pub timers: HashMap<String, (u64, TimerKey)>,
    pub execution_timer: Option<TimerKey>,
    pub heartbeat_counts: BTreeMap<String, u64>,
    pub latest_activity_at: Option<f64>,
    pub latest_context: Option<String>,
    /// Set for executions started by the test harness: the endpoint decides for them.
    pub managed: Option<Arc<ActivityShared>>,
}

impl Execution {
    pub(crate) fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    pub(crate) fn activity_by_id(&self, activity_id: &str) -> Option<u64> {
        self.activities
            .values()
            .find(|a| a.activity_id == activity_id)
            .map(|a| a.scheduled_event_id)
    }
}

/// An open child execution, as its parent tracks it.
#[derive(Debug, Clone)]
pub(crate) struct ChildLink {
    pub run_id: String,
    pub workflow_type: TypeId,
    pub initiated_event_id: u64,
    pub started_event_id: u64,
}

/// What a task token stands for.
#[derive(Debug, Clone)]
pub(crate) enum TaskRef {
    Activity {
        run_id: String,
        scheduled_event_id: u64,
    },
    Decision {
        run_id: String,
        started_event_id: u64,
    },
}

/// A task list's queue of scheduled tasks and the long polls waiting on it.
#[derive(Debug, Default)]
pub(crate) struct TaskQueue {
    pub pending: VecDeque<(String, u64)>,
    pub notify: Arc<Notify>,
}

/// Sizes of the state, to show memory stays bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateStats {
    /// Registered domains.
    pub domains: usize,
    /// Open workflow executions.
    pub open_executions: usize,
    /// Closed executions still retained (at most the configured retention).
    pub closed_executions: usize,
    /// Open activity tasks, scheduled or started.
    pub open_activity_tasks: usize,
    /// Task tokens outstanding.
    pub task_tokens: usize,
    /// Pending timers.
    pub timers: usize,
    /// Queued (scheduled, not started) tasks across all task lists.
    pub queued_tasks: usize,
    /// History events held across all retained executions.
    pub history_events: usize,
}

/// The whole in-memory state, behind one mutex.
#[derive(Debug)]
pub(crate) struct State {
    pub clock: Clock,
    pub domains: HashMap<String, Domain>,
    pub executions: HashMap<String, Execution>,
    pub open_ids: HashMap<(String, String), String>,
    pub closed: VecDeque<String>,
    pub tokens: HashMap<String, TaskRef>,
    pub activity_lists: HashMap<(String, String), TaskQueue>,
    pub decision_lists: HashMap<(String, String), TaskQueue>,
    pub timers: TimerQueue,
    pub timer_wake: Arc<Notify>,
    pub rng: fastrand::Rng,
    pub retain_closed: usize,
}

/// The prefix of every task token this endpoint issues.
pub(crate) const TOKEN_PREFIX: &str = "swfl1-";

/// The first characters of a token, safe to log.
pub(crate) fn token_hint(token: &str) -> String {
    let tail: String = token.chars().skip(TOKEN_PREFIX.len()).take(8).collect();
    format!("{tail}…")
}

impl State {
    pub(crate) fn new(timer_wake: Arc<Notify>, retain_closed: usize, seed: u64) -> Self {
        Self {
            clock: Clock::new(),
            domains: HashMap::new(),
            executions: HashMap::new(),
            open_ids: HashMap::new(),
            closed: VecDeque::new(),
            tokens: HashMap::new(),
            activity_lists: HashMap::new(),
            decision_lists: HashMap::new(),
            timers: TimerQueue::default(),
            timer_wake,
            rng: fastrand::Rng::with_seed(seed),
            retain_closed,
        }
    }

    pub(crate) fn now_epoch(&self) -> f64 {
        self.clock.epoch_seconds(Instant::now())
    }

    pub(crate) fn stats(&self) -> StateStats {
        let open = self.executions.values().filter(|e| e.is_open()).count();
        StateStats {
            domains: self.domains.len(),
            open_executions: open,
            closed_executions: self.executions.len() - open,
            open_activity_tasks: self.executions.values().map(|e| e.activities.len()).sum(),
            task_tokens: self.tokens.len(),
            timers: self.timers.len(),
            queued_tasks: self
                .activity_lists
                .values()
                .chain(self.decision_lists.values())
                .map(|q| q.pending.len())
                .sum(),
            history_events: self.executions.values().map(|e| e.history.len()).sum(),
        }
    }

    pub(crate) fn new_token(&mut self) -> String {
        format!(
            "{TOKEN_PREFIX}{:016x}{:016x}",
            self.rng.u64(..),
            self.rng.u64(..)
        )
    }

    pub(crate) fn new_run_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.rng.u64(..), self.rng.u64(..))
    }

    /// Resolves a task token: `ValidationException` when it is not one of ours at all,
    /// `UnknownResourceFault` when it is well formed but its task is gone.
    pub(crate) fn resolve_token(&self, token: &str) -> Result<TaskRef, SwfError> {
        crate::limits::length("taskToken", token, 1, crate::limits::TASK_TOKEN_MAX)?;
        let well_formed = token
            .strip_prefix(TOKEN_PREFIX)
            .is_some_and(|hex| hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()));
        if !well_formed {
            return Err(SwfError::validation("Invalid token"));
        }
        self.tokens.get(token).cloned().ok_or_else(|| {
            SwfError::unknown(format!(
                "Unknown task token {}: the task timed out, was already closed, or its workflow execution was closed",
                token_hint(token)
            ))
        })
    }

    pub(crate) fn domain(&self, name: &str) -> Result<&Domain, SwfError> {
        self.domains
            .get(name)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {name}")))
    }

    pub(crate) fn add_timer(&mut self, deadline: Instant, kind: TimerKind) -> TimerKey {
        let (key, earliest) = self.timers.insert(deadline, kind);
        if earliest {
            self.timer_wake.notify_one();
        }
        key
    }

    /// Appends an event to an execution's history and answers its id.
    pub(crate) fn record(&mut self, run_id: &str, attributes: EventAttributes) -> u64 {
        let ts = self.now_epoch();
        let Some(exec) = self.executions.get_mut(run_id) else {
            return 0;
        };
        let event_id = exec.history.len() as u64 + 1;
        exec.history.push(HistoryEvent {
            event_id,
            event_timestamp: ts,
            attributes,
        });
        event_id
    }

    /// Queues a task and wakes the long polls of its task list.
    pub(crate) fn enqueue(
        &mut self,
        decision: bool,
        list: (String, String),
        run_id: &str,
        id: u64,
    ) {
        let lists = if decision {
            &mut self.decision_lists
        } else {
            &mut self.activity_lists
        };
        let queue = lists.entry(list).or_default();
        queue.pending.push_back((run_id.to_owned(), id));
        queue.notify.notify_waiters();
    }

    /// Schedules a decision task unless one is already scheduled (managed executions decide
    /// inside the endpoint and get none).
    pub(crate) fn schedule_decision(&mut self, run_id: &str) {
        let Some(exec) = self.executions.get(run_id) else {
            return;
        };
        if !exec.is_open() || exec.decision_scheduled.is_some() || exec.managed.is_some() {
            return;
        }
        let attrs = history::DecisionTaskScheduled {
            task_list: exec.task_list.clone(),
            start_to_close_timeout: exec.task_start_to_close.clone(),
        };
        let list = (exec.domain.clone(), exec.task_list.name.clone());
        let idle = exec.decision_started.is_none();
        let id = self.record(run_id, EventAttributes::DecisionTaskScheduled(attrs));
        if let Some(exec) = self.executions.get_mut(run_id) {
            exec.decision_scheduled = Some(id);
        }
        if idle {
            self.enqueue(true, list, run_id, id);
        }
    }

    /// Removes an open activity task with its token, timers and queue entry.
    pub(crate) fn remove_activity(
        &mut self,
        run_id: &str,
        scheduled_event_id: u64,
    ) -> Option<ActivityTask> {
        let task = self
            .executions
            .get_mut(run_id)?
            .activities
            .remove(&scheduled_event_id)?;
        for key in &task.timers {
            self.timers.remove(*key);
        }
        match &task.started {
            Some(started) => {
                self.tokens.remove(&started.token);
            }
            None => {
                if let Some(queue) = self.activity_lists.get_mut(&task.task_list) {
                    queue
                        .pending
                        .retain(|(r, id)| !(r == run_id && *id == scheduled_event_id));
                }
            }
        }
        Some(task)
    }

    /// After an activity task closed: a managed execution closes with the outcome, any other
    /// gets a decision task.
    pub(crate) fn after_activity_closed(&mut self, run_id: &str, outcome: ActivityOutcome) {
        let managed = self.executions.get(run_id).and_then(|e| e.managed.clone());
        match managed {
            Some(shared) => self.close_managed(run_id, &shared, outcome),
            None => self.schedule_decision(run_id),
        }
    }

    /// Records the decision task cycle the endpoint runs for a managed execution, answering
    /// the `DecisionTaskCompleted` event id.
    pub(crate) fn managed_decision(&mut self, run_id: &str) -> u64 {
        let Some(exec) = self.executions.get(run_id) else {
            return 0;
        };
        let scheduled = history::DecisionTaskScheduled {
            task_list: exec.task_list.clone(),
            start_to_close_timeout: exec.task_start_to_close.clone(),
        };
        let scheduled_event_id =
            self.record(run_id, EventAttributes::DecisionTaskScheduled(scheduled));
        let started_event_id = self.record(
            run_id,
            EventAttributes::DecisionTaskStarted(history::DecisionTaskStarted {
                identity: Some("swf-local".to_owned()),
                scheduled_event_id,
            }),
        );
        let completed = self.record(
            run_id,
            EventAttributes::DecisionTaskCompleted(history::DecisionTaskCompleted {
                execution_context: None,
                scheduled_event_id,
                started_event_id,
            }),
        );
        if let Some(exec) = self.executions.get_mut(run_id) {
            exec.previous_started_event_id = started_event_id;
        }
        completed
    }

    fn close_managed(
        &mut self,
        run_id: &str,
        shared: &Arc<ActivityShared>,
        outcome: ActivityOutcome,
    ) {
        let decided = self.managed_decision(run_id);
        let (status, attrs) = match &outcome {
            ActivityOutcome::Completed { result } => (
                CloseStatus::Completed,
                EventAttributes::WorkflowExecutionCompleted(history::WorkflowExecutionCompleted {
                    result: result.clone(),
                    decision_task_completed_event_id: decided,
                }),
            ),
            other => (
                CloseStatus::Failed,
                EventAttributes::WorkflowExecutionFailed(history::WorkflowExecutionFailed {
                    reason: Some(other.summary()),
                    details: None,
                    decision_task_completed_event_id: decided,
                }),
            ),
        };
        shared.finish(outcome);
        self.close_execution(run_id, status, attrs);
    }

    /// Closes an execution: records the closing event, drops its open tasks, tokens and timers,
    /// and evicts the oldest closed executions beyond the retention.
    pub(crate) fn close_execution(
        &mut self,
        run_id: &str,
        status: CloseStatus,
        event: EventAttributes,
    ) {
        let now = self.now_epoch();
        if !self.executions.get(run_id).is_some_and(Execution::is_open) {
            return;
        }
        let closing = event.clone();
        self.record(run_id, event);
        let open: Vec<u64> = self
            .executions
            .get(run_id)
            .map(|e| e.activities.keys().copied().collect())
            .unwrap_or_default();
        for id in open {
            self.remove_activity(run_id, id);
        }
        let Some(exec) = self.executions.get_mut(run_id) else {
            return;
        };
        exec.closed = Some((status, now));
        let decision = exec.decision_started.take();
        let timers: Vec<TimerKey> = exec
            .timers
            .drain()
            .map(|(_, (_, key))| key)
            .chain(exec.execution_timer.take())
            .chain(decision.as_ref().and_then(|d| d.timer))
            .collect();
        let scheduled = exec.decision_scheduled.take();
        let list = (exec.domain.clone(), exec.task_list.name.clone());
        let open_key = (exec.domain.clone(), exec.workflow_id.clone());
        let managed = exec.managed.clone();
        if let Some(d) = decision {
            self.tokens.remove(&d.token);
        }
        for key in timers {
            self.timers.remove(key);
        }
        if scheduled.is_some()
            && let Some(queue) = self.decision_lists.get_mut(&list)
        {
            queue.pending.retain(|(r, _)| r != run_id);
        }
        if self.open_ids.get(&open_key).is_some_and(|r| r == run_id) {
            self.open_ids.remove(&open_key);
        }
        if let Some(shared) = managed {
            shared.finish(ActivityOutcome::WorkflowClosed { status });
        }
        self.after_close(run_id, &closing);
        self.closed.push_back(run_id.to_owned());
        while self.closed.len() > self.retain_closed {
            if let Some(old) = self.closed.pop_front() {
                self.executions.remove(&old);
            }
        }
    }

    /// Fires every due timer.
    pub(crate) fn fire_due(&mut self, now: Instant) {
        while let Some(kind) = self.timers.pop_due(now) {
            match kind {
                TimerKind::Activity {
                    run_id,
                    scheduled_event_id,
                    timeout,
                } => self.activity_timer(&run_id, scheduled_event_id, timeout, now),
                TimerKind::Decision {
                    run_id,
                    started_event_id,
                } => self.decision_timeout(&run_id, started_event_id),
                TimerKind::Workflow { run_id, timer_id } => {
                    self.workflow_timer_fired(&run_id, &timer_id)
                }
                TimerKind::Execution { run_id } => {
                    let policy = self
                        .executions
                        .get(&run_id)
                        .map(|e| e.child_policy.clone())
                        .unwrap_or_default();
                    self.close_execution(
                        &run_id,
                        CloseStatus::TimedOut,
                        EventAttributes::WorkflowExecutionTimedOut(
                            history::WorkflowExecutionTimedOut {
                                timeout_type: "START_TO_CLOSE".to_owned(),
                                child_policy: policy,
                            },
                        ),
                    );
                }
            }
        }
    }

    fn activity_timer(
        &mut self,
        run_id: &str,
        sid: u64,
        timeout: ActivityTimeoutType,
        now: Instant,
    ) {
        let Some(task) = self
            .executions
            .get_mut(run_id)
            .and_then(|e| e.activities.get_mut(&sid))
        else {
            return;
        };
        match timeout {
            ActivityTimeoutType::Heartbeat => {
                let (Some(hb), Some(_)) = (task.timeouts.heartbeat, &task.started) else {
                    return;
                };
                let deadline = task.last_heartbeat + hb;
                if deadline > now {
                    // A heartbeat arrived since the timer was armed: re-arm from it.
                    let kind = TimerKind::Activity {
                        run_id: run_id.to_owned(),
                        scheduled_event_id: sid,
                        timeout,
                    };
                    let key = self.add_timer(deadline, kind);
                    if let Some(task) = self
                        .executions
                        .get_mut(run_id)
                        .and_then(|e| e.activities.get_mut(&sid))
                    {
                        task.timers.push(key);
                    }
                    return;
                }
            }
            ActivityTimeoutType::ScheduleToStart if task.started.is_some() => return,
            ActivityTimeoutType::StartToClose if task.started.is_none() => return,
            _ => {}
        }
        self.time_out_activity(run_id, sid, timeout);
    }

    pub(crate) fn time_out_activity(
        &mut self,
        run_id: &str,
        sid: u64,
        timeout: ActivityTimeoutType,
    ) {
        let Some(task) = self.remove_activity(run_id, sid) else {
            return;
        };
        let started_event_id = task.started.as_ref().map_or(0, |s| s.event_id);
        tracing::debug!(activity_id = %task.activity_id, timeout = timeout.as_str(), "activity task timed out");
        self.record(
            run_id,
            EventAttributes::ActivityTaskTimedOut(history::ActivityTaskTimedOut {
                timeout_type: timeout,
                scheduled_event_id: sid,
                started_event_id,
                details: task.last_details.clone(),
            }),
        );
        self.after_activity_closed(
            run_id,
            ActivityOutcome::TimedOut {
                timeout_type: timeout,
                details: task.last_details,
            },
        );
    }

    fn decision_timeout(&mut self, run_id: &str, started_event_id: u64) {
        let Some(exec) = self.executions.get_mut(run_id) else {
            return;
        };
        if !exec.is_open()
            || exec
                .decision_started
                .as_ref()
                .is_none_or(|d| d.started_event_id != started_event_id)
        {
            return;
        }
        let Some(decision) = exec.decision_started.take() else {
            return;
        };
        self.tokens.remove(&decision.token);
        self.record(
            run_id,
            EventAttributes::DecisionTaskTimedOut(history::DecisionTaskTimedOut {
                timeout_type: "START_TO_CLOSE".to_owned(),
                scheduled_event_id: decision.scheduled_event_id,
                started_event_id,
            }),
        );
        self.release_scheduled_decision(run_id);
        self.schedule_decision(run_id);
    }

    /// After a decision task closed, queue the decision task scheduled meanwhile, if any.
    pub(crate) fn release_scheduled_decision(&mut self, run_id: &str) {
        let Some(exec) = self.executions.get(run_id) else {
            return;
        };
        if let (true, Some(id), None) = (
            exec.is_open(),
            exec.decision_scheduled,
            exec.decision_started.as_ref(),
        ) {
            let list = (exec.domain.clone(), exec.task_list.name.clone());
            self.enqueue(true, list, run_id, id);
        }
    }

    fn workflow_timer_fired(&mut self, run_id: &str, timer_id: &str) {
        let Some(exec) = self.executions.get_mut(run_id) else {
            return;
        };
        let Some((started_event_id, _)) = exec.timers.remove(timer_id) else {
            return;
        };
        self.record(
            run_id,
            EventAttributes::TimerFired(history::TimerFired {
                timer_id: timer_id.to_owned(),
                started_event_id,
            }),
        );
        self.schedule_decision(run_id);
    }

    /// Counts a heartbeat for the activity (heartbeats record no history event).
    pub(crate) fn count_heartbeat(&mut self, run_id: &str, activity_id: &str) {
        if let Some(exec) = self.executions.get_mut(run_id) {
            *exec
                .heartbeat_counts
                .entry(activity_id.to_owned())
                .or_insert(0) += 1;
            if let Some(shared) = &exec.managed {
                shared.heartbeats.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
