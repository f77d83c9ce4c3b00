//! The SWF state machine behind the HTTP server: one operation in, one JSON answer out.
//!
//! [`Service`] can be driven without HTTP (tests under paused Tokio time do that); the
//! [`server`](crate::server) module only translates the AWS JSON 1.0 protocol to [`Service::call`].

mod activities;
mod children;
mod continuation;
mod decisions;
mod executions;
mod external;
mod paging;
mod quotas;
mod registry;
pub(crate) mod state;
mod tags;
mod visibility;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, sleep_until, timeout_at};

use crate::error::{ErrorKind, LocalError, SwfError};
use crate::harness::{ActivityHandle, ActivityShared, ActivitySpec};
use crate::history::{self, EventAttributes, HistoryEvent};
use crate::model::{TaskList, TypeId, WorkflowExecution};
use activities::{Answer, ScheduleActivity};
use state::State;
pub use state::StateStats;
use visibility::Visibility;

/// Every operation the endpoint answers, by its `X-Amz-Target` name.
pub const OPERATIONS: &[&str] = &[
    "RegisterDomain",
    "DescribeDomain",
    "ListDomains",
    "RegisterActivityType",
    "DescribeActivityType",
    "ListActivityTypes",
    "RegisterWorkflowType",
    "StartWorkflowExecution",
    "DescribeWorkflowExecution",
    "GetWorkflowExecutionHistory",
    "PollForDecisionTask",
    "RespondDecisionTaskCompleted",
    "PollForActivityTask",
    "RecordActivityTaskHeartbeat",
    "RespondActivityTaskCompleted",
    "RespondActivityTaskFailed",
    "RespondActivityTaskCanceled",
    "RequestCancelWorkflowExecution",
    "TerminateWorkflowExecution",
    "CountPendingActivityTasks",
    "CountPendingDecisionTasks",
    "DescribeWorkflowType",
    "ListWorkflowTypes",
    "ListOpenWorkflowExecutions",
    "ListClosedWorkflowExecutions",
    "CountOpenWorkflowExecutions",
    "CountClosedWorkflowExecutions",
    "SignalWorkflowExecution",
    "DeprecateDomain",
    "UndeprecateDomain",
    "DeprecateActivityType",
    "UndeprecateActivityType",
    "DeprecateWorkflowType",
    "UndeprecateWorkflowType",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

/// The `tracing` target of the one line logged per call (operation, status, latency), at
/// DEBUG level; `swf-local --log-requests` turns it on.
pub const REQUEST_LOG_TARGET: &str = "swf_local::requests";

/// The workflow type of executions started by [`Service::schedule_activity`].
pub const HARNESS_WORKFLOW_TYPE: (&str, &str) = ("swf-local-activity", "1");

/// Settings of the state machine.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long an empty long poll is held before answering an empty task (SWF: 60 s).
    pub poll_timeout: Duration,
    /// How many closed executions are retained (history readable) before the oldest are evicted.
    pub retain_closed: usize,
    /// Seed of task tokens and run ids.
    pub seed: u64,
    /// Answer `ThrottlingException` when an operation exceeds SWF's rate quota (token buckets
    /// with SWF's burst and refill, per operation); off by default.
    pub enforce_quotas: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            poll_timeout: Duration::from_secs(60),
            retain_closed: 1000,
            seed: 0x5EED_5EED,
            enforce_quotas: false,
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    wake: Arc<Notify>,
    poll_timeout: Duration,
    quotas: Option<Mutex<quotas::Quotas>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Let the timer driver notice the service is gone.
        self.wake.notify_one();
    }
}

/// The in-memory SWF state machine. Cheap to clone; clones share state.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use swf_local::{Service, ServiceConfig};
/// let service = Service::new(ServiceConfig::default())?;
/// service
///     .call("RegisterDomain", serde_json::json!({
///         "name": "demo", "workflowExecutionRetentionPeriodInDays": "1"
///     }))
///     .await?;
/// let described = service.call("DescribeDomain", serde_json::json!({"name": "demo"})).await?;
/// assert_eq!(described["domainInfo"]["status"], "REGISTERED");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

fn parse<T: DeserializeOwned>(input: Value) -> Result<T, SwfError> {
    serde_json::from_value(input).map_err(|e| SwfError::validation(format!("invalid request: {e}")))
}

impl Service {
    /// Creates the state machine and its timer driver on the current Tokio runtime.
    ///
    /// # Errors
    /// [`LocalError::NoRuntime`] outside a Tokio runtime.
    pub fn new(config: ServiceConfig) -> Result<Self, LocalError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| LocalError::NoRuntime)?;
        let wake = Arc::new(Notify::new());
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new(
                wake.clone(),
                config.retain_closed.max(1),
                config.seed,
            )),
            wake: wake.clone(),
            poll_timeout: config.poll_timeout,
            quotas: config
                .enforce_quotas
                .then(|| Mutex::new(quotas::Quotas::new())),
        });
        runtime.spawn(drive_timers(Arc::downgrade(&inner), wake));
        Ok(Self { inner })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one operation, named as in `X-Amz-Target` without the `SimpleWorkflowService.`
    /// prefix, with its JSON input; answers the JSON output or an AWS-style error.
    ///
    /// Long polls wait here up to the configured poll timeout.
    ///
    /// # Errors
    /// The SWF faults of the operation, `ValidationException` for constraint violations and
    /// `UnknownOperationException` for an operation not in [`OPERATIONS`];
    /// `ThrottlingException` past a quota when [`ServiceConfig::enforce_quotas`] is set.
    pub async fn call(&self, operation: &str, input: Value) -> Result<Value, SwfError> {
        let started = Instant::now();
        let result = self.dispatch(operation, input).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(_) => {
                tracing::debug!(target: REQUEST_LOG_TARGET, "{operation} status=200 latency_ms={latency_ms:.1}");
            }
            Err(error) => {
                let status = error.kind.http_status();
                let kind = error.kind.short_name();
                tracing::debug!(target: REQUEST_LOG_TARGET, "{operation} status={status} error={kind} latency_ms={latency_ms:.1}");
            }
        }
        result
    }

    async fn dispatch(&self, operation: &str, input: Value) -> Result<Value, SwfError> {
        if let Some(quotas) = &self.inner.quotas {
            quotas
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .admit(operation)?;
        }
        match operation {
            "RegisterDomain" => self.state().register_domain(parse(input)?),
            "DescribeDomain" => self.state().describe_domain(&parse(input)?),
            "ListDomains" => self.state().list_domains(&parse(input)?),
            "RegisterActivityType" => self.state().register_activity_type(parse(input)?),
            "DescribeActivityType" => self.state().describe_activity_type(&parse(input)?),
            "ListActivityTypes" => self.state().list_activity_types(&parse(input)?),
            "RegisterWorkflowType" => self.state().register_workflow_type(parse(input)?),
            "StartWorkflowExecution" => {
                let run_id = self.state().start_execution(parse(input)?, None)?;
                Ok(json!({ "runId": run_id }))
            }
            "DescribeWorkflowExecution" => self.state().describe_execution(&parse(input)?),
            "GetWorkflowExecutionHistory" => self.state().history_page(&parse(input)?),
            "PollForDecisionTask" => self.poll_decision(parse(input)?).await,
            "RespondDecisionTaskCompleted" => self.state().respond_decision(parse(input)?),
            "PollForActivityTask" => self.poll_activity(parse(input)?).await,
            "RecordActivityTaskHeartbeat" => self.state().heartbeat(&parse(input)?),
            "RespondActivityTaskCompleted" => self
                .state()
                .respond_activity(Answer::Completed, parse(input)?),
            "RespondActivityTaskFailed" => {
                self.state().respond_activity(Answer::Failed, parse(input)?)
            }
            "RespondActivityTaskCanceled" => self
                .state()
                .respond_activity(Answer::Canceled, parse(input)?),
            "RequestCancelWorkflowExecution" => {
                self.state().request_cancel_execution(&parse(input)?)
            }
            "TerminateWorkflowExecution" => self.state().terminate_execution(&parse(input)?),
            "CountPendingActivityTasks" => self.state().count_pending_activities(&parse(input)?),
            "CountPendingDecisionTasks" => self.state().count_pending_decisions(&parse(input)?),
            "DescribeWorkflowType" => self.state().describe_workflow_type(&parse(input)?),
            "ListWorkflowTypes" => self.state().list_workflow_types(&parse(input)?),
            "ListOpenWorkflowExecutions" => self
                .state()
                .list_executions(&parse(input)?, Visibility::Open),
            "ListClosedWorkflowExecutions" => self
                .state()
                .list_executions(&parse(input)?, Visibility::Closed),
            "CountOpenWorkflowExecutions" => self
                .state()
                .count_executions(&parse(input)?, Visibility::Open),
            "CountClosedWorkflowExecutions" => self
                .state()
                .count_executions(&parse(input)?, Visibility::Closed),
            "SignalWorkflowExecution" => self.state().signal_execution(&parse(input)?),
            "DeprecateDomain" => self.state().deprecate_domain(&parse(input)?, true),
            "UndeprecateDomain" => self.state().deprecate_domain(&parse(input)?, false),
            "DeprecateActivityType" => self.state().deprecate_activity_type(&parse(input)?, true),
            "UndeprecateActivityType" => {
                self.state().deprecate_activity_type(&parse(input)?, false)
            }
            "DeprecateWorkflowType" => self.state().deprecate_workflow_type(&parse(input)?, true),
            "UndeprecateWorkflowType" => {
                self.state().deprecate_workflow_type(&parse(input)?, false)
            }
            "TagResource" => self.state().tag_resource(parse(input)?),
            "UntagResource" => self.state().untag_resource(&parse(input)?),
            "ListTagsForResource" => self.state().list_tags(&parse(input)?),
            other => Err(SwfError::new(
                ErrorKind::UnknownOperation,
                format!("Unknown operation SimpleWorkflowService.{other}"),
            )),
        }
    }

    async fn poll_activity(&self, req: activities::PollRequest) -> Result<Value, SwfError> {
        req.validate()?;
        let deadline = Instant::now() + self.inner.poll_timeout;
        let key = (req.domain.clone(), req.task_list.name.clone());
        let notify = {
            let mut state = self.state();
            state.domain(&req.domain)?;
            state.activity_lists.entry(key).or_default().notify.clone()
        };
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let started = self.state().try_start_activity(
                &req.domain,
                &req.task_list.name,
                req.identity.as_deref(),
            )?;
            if let Some(task) = started {
                return Ok(task);
            }
            if timeout_at(deadline, notified).await.is_err() {
                return Ok(json!({ "taskToken": "", "startedEventId": 0 }));
            }
        }
    }

    async fn poll_decision(&self, req: decisions::PollDecisionRequest) -> Result<Value, SwfError> {
        if let Some(token) = &req.next_page_token {
            let (run_id, page) = token
                .split_once('.')
                .ok_or_else(|| SwfError::validation("Invalid nextPageToken"))?;
            return self.state().decision_page(run_id, Some(page), &req);
        }
        crate::limits::length("domain", &req.domain, 1, crate::limits::NAME_MAX)?;
        crate::limits::trimmed_name("taskList.name", &req.task_list.name)?;
        crate::limits::opt_length(
            "identity",
            req.identity.as_deref(),
            crate::limits::IDENTITY_MAX,
        )?;
        let deadline = Instant::now() + self.inner.poll_timeout;
        let key = (req.domain.clone(), req.task_list.name.clone());
        let notify = {
            let mut state = self.state();
            state.domain(&req.domain)?;
            state.decision_lists.entry(key).or_default().notify.clone()
        };
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(task) = self.state().try_start_decision(&req)? {
                return Ok(task);
            }
            if timeout_at(deadline, notified).await.is_err() {
                return Ok(
                    json!({ "taskToken": "", "startedEventId": 0, "previousStartedEventId": 0, "events": [] }),
                );
            }
        }
    }

    /// Sizes of the in-memory state (to check memory stays bounded).
    pub fn stats(&self) -> StateStats {
        self.state().stats()
    }

    /// The history of a retained execution, or `None` when it is unknown or was evicted.
    pub fn history(&self, execution: &WorkflowExecution) -> Option<Vec<HistoryEvent>> {
        self.state()
            .executions
            .get(&execution.run_id)
            .filter(|e| e.workflow_id == execution.workflow_id)
            .map(|e| e.history.clone())
    }

    /// Heartbeats received per activity id of a retained execution (heartbeats record no
    /// history event, so this is the only place they show).
    pub fn heartbeat_counts(&self, execution: &WorkflowExecution) -> BTreeMap<String, u64> {
        self.state()
            .executions
            .get(&execution.run_id)
            .filter(|e| e.workflow_id == execution.workflow_id)
            .map(|e| e.heartbeat_counts.clone())
            .unwrap_or_default()
    }

    /// Registers `domain` unless it exists (retention 1 day).
    ///
    /// # Errors
    /// `ValidationException` for an invalid name.
    pub fn ensure_domain(&self, domain: &str) -> Result<(), SwfError> {
        let mut state = self.state();
        if state.domains.contains_key(domain) {
            return Ok(());
        }
        state
            .register_domain(parse(
                json!({ "name": domain, "workflowExecutionRetentionPeriodInDays": "1" }),
            )?)
            .map(|_| ())
    }

    /// Schedules one activity task without a decider: starts a workflow execution of type
    /// [`HARNESS_WORKFLOW_TYPE`] and makes the ScheduleActivityTask decision inside the endpoint.
    /// The domain and the harness workflow type are registered if missing; the activity type
    /// must be registered (else the outcome is [`ActivityOutcome::ScheduleFailed`](crate::ActivityOutcome::ScheduleFailed),
    /// as SWF would record ScheduleActivityTaskFailed).
    ///
    /// # Errors
    /// `ValidationException` for invalid names or sizes.
    pub fn schedule_activity(&self, spec: ActivitySpec) -> Result<ActivityHandle, SwfError> {
        let attrs = spec.decision();
        attrs.validate()?;
        self.ensure_domain(&spec.domain)?;
        let (shared, receiver, heartbeats) = ActivityShared::new();
        let shared = Arc::new(shared);
        let mut state = self.state();
        let ty = TypeId::new(HARNESS_WORKFLOW_TYPE.0, HARNESS_WORKFLOW_TYPE.1);
        let has_type = state
            .domains
            .get(&spec.domain)
            .is_some_and(|d| d.workflow_types.contains_key(&ty));
        if !has_type {
            state.register_workflow_type(parse(json!({
                "domain": spec.domain, "name": ty.name, "version": ty.version,
            }))?)?;
        }
        let serial = state.rng.u64(..);
        let workflow_id = format!("swf-local-{}-{serial:016x}", attrs.activity_id);
        let run_id = state.start_execution(
            parse(json!({
                "domain": spec.domain,
                "workflowId": workflow_id,
                "workflowType": ty,
                "taskList": { "name": "swf-local-decisions" },
                "executionStartToCloseTimeout": "NONE",
                "taskStartToCloseTimeout": "NONE",
                "childPolicy": "TERMINATE",
            }))?,
            Some(shared.clone()),
        )?;
        let decided = state.managed_decision(&run_id);
        if let Err(cause) = state.schedule_activity(&run_id, &attrs, decided) {
            state.record(
                &run_id,
                EventAttributes::ScheduleActivityTaskFailed(history::ScheduleActivityTaskFailed {
                    activity_type: attrs.activity_type.clone(),
                    activity_id: attrs.activity_id.clone(),
                    cause: cause.clone(),
                    decision_task_completed_event_id: decided,
                }),
            );
            state.after_activity_closed(&run_id, crate::ActivityOutcome::ScheduleFailed { cause });
        }
        drop(state);
        Ok(ActivityHandle::new(
            self.clone(),
            spec.domain,
            WorkflowExecution {
                workflow_id,
                run_id,
            },
            attrs.activity_id,
            receiver,
            heartbeats,
        ))
    }

    /// Makes the RequestCancelActivityTask decision for a harness activity.
    pub(crate) fn cancel_harness_activity(
        &self,
        run_id: &str,
        activity_id: &str,
    ) -> Result<(), SwfError> {
        let mut state = self.state();
        if !state.executions.get(run_id).is_some_and(|e| e.is_open()) {
            return Err(SwfError::unknown(
                "the activity is already closed; there is nothing to cancel",
            ));
        }
        let decided = state.managed_decision(run_id);
        if let Err(cause) = state.request_cancel_activity(run_id, activity_id, decided) {
            state.record(
                run_id,
                EventAttributes::RequestCancelActivityTaskFailed(
                    history::RequestCancelActivityTaskFailed {
                        activity_id: activity_id.to_owned(),
                        cause,
                        decision_task_completed_event_id: decided,
                    },
                ),
            );
        }
        Ok(())
    }
}

impl crate::harness::ActivitySpec {
    fn decision(&self) -> ScheduleActivity {
        let secs = |d: Option<Duration>| {
            d.map(|d| d.as_secs().max(u64::from(d.subsec_nanos() > 0)).to_string())
        };
        ScheduleActivity {
            activity_type: self.activity_type.clone(),
            activity_id: self
                .activity_id
                .clone()
                .unwrap_or_else(|| format!("activity-{:08x}", fastrand::u32(..))),
            control: None,
            input: self.input.clone(),
            schedule_to_close_timeout: secs(self.schedule_to_close_timeout),
            task_list: self.task_list.clone().map(|name| TaskList { name }),
            task_priority: None,
            schedule_to_start_timeout: secs(self.schedule_to_start_timeout),
            start_to_close_timeout: secs(self.start_to_close_timeout),
            heartbeat_timeout: secs(self.heartbeat_timeout),
        }
    }
}

/// Fires due timers at their deadlines until the service is dropped.
async fn drive_timers(inner: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let next = {
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let mut state = inner.state.lock().unwrap_or_else(|p| p.into_inner());
            state.fire_due(Instant::now());
            state.timers.next_deadline()
        };
        match next {
            Some(deadline) => {
                tokio::select! {
                    () = sleep_until(deadline) => {}
                    () = wake.notified() => {}
                }
            }
            None => wake.notified().await,
        }
    }
}

/// A `watch` channel carrying an activity's outcome once it is known.
pub(crate) type OutcomeReceiver = watch::Receiver<Option<crate::ActivityOutcome>>;
