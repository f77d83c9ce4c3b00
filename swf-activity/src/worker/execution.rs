//! Running one task: pick its activity, supervise it through shutdown, answer it once.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::operation::poll_for_activity_task::PollForActivityTaskOutput;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::task::{JoinError, JoinHandle};
use tokio::time::{Instant, sleep_until};
use tracing::Instrument;

use super::WorkerShared;
use super::answer::{Answer, Delivery, deliver};
use super::config::TimeoutSource;
use super::history::scheduled_timeouts;
use crate::activity::{Activity, ActivityDefinition, ActivityType};
use crate::error::ActivityError;
use crate::heartbeat::{HeartbeatEngine, TaskHeartbeat, TaskSchedule};
use crate::metrics::{self, Abandon, Stopwatch, TaskLabels};
use crate::progress::CancelReason;
use crate::task::ActivityTask;

/// Starts a polled task in its own tokio task, releasing `permit` once it is answered.
pub(crate) fn spawn(
    shared: Arc<WorkerShared>,
    engine: HeartbeatEngine,
    output: PollForActivityTaskOutput,
    permit: OwnedSemaphorePermit,
) {
    let (task, input) = task_from(output);
    let span = tracing::info_span!(
        "activity_task",
        activity = %task.activity_type.name,
        version = %task.activity_type.version,
        activity_id = %task.activity_id,
        workflow_id = %task.workflow_id,
        run_id = %task.run_id,
        token = %task.token_fingerprint(),
    );
    metrics::slot_taken(&shared.metric_labels);
    tokio::spawn(
        async move {
            run(&shared, &engine, task, input).await;
            drop(permit);
            metrics::slot_released(&shared.metric_labels);
        }
        .instrument(span),
    );
}

fn task_from(output: PollForActivityTaskOutput) -> (ActivityTask, Option<String>) {
    let activity_type = output
        .activity_type()
        .map(|t| ActivityType::new(t.name().to_owned(), t.version().to_owned()))
        .unwrap_or_else(|| ActivityType::new(String::new(), String::new()));
    let (workflow_id, run_id) = output
        .workflow_execution()
        .map(|e| (e.workflow_id().to_owned(), e.run_id().to_owned()))
        .unwrap_or_default();
    let task = ActivityTask::new(
        output.task_token(),
        activity_type,
        output.activity_id(),
        workflow_id,
        run_id,
        output.started_event_id(),
    );
    (task, output.input)
}

async fn run(
    shared: &Arc<WorkerShared>,
    engine: &HeartbeatEngine,
    task: ActivityTask,
    input: Option<String>,
) {
    let labels = TaskLabels::new(&shared.metric_labels, &task.activity_type);
    let stopwatch = Stopwatch::start();
    shared.counters.count_started(&labels);
    tracing::debug!("task started");
    let answer = match shared.activities.get(&task.activity_type) {
        Some(activity) => execute(shared, engine, Arc::clone(activity), &task, input).await,
        None => unknown_type(shared, &task.activity_type),
    };
    metrics::task_ran(&labels, stopwatch);
    let delivery = deliver(&shared.client, task.task_token(), &answer, &labels).await;
    shared.counters.count_answer(&labels, &answer, &delivery);
    if delivery == Delivery::Delivered {
        tracing::info!(answer = answer.kind(), "task answered");
    }
}

fn unknown_type(shared: &WorkerShared, activity_type: &ActivityType) -> Answer {
    let mut known: Vec<_> = shared.activities.keys().map(ToString::to_string).collect();
    known.sort();
    tracing::warn!(known = %known.join(", "), "no activity registered for this type and version");
    Answer::failed(
        &format!("unknown activity type: {activity_type} is not run by this worker"),
        Some(&format!(
            "worker {} on task list {:?} runs: {}",
            shared.config.identity,
            shared.config.task_list,
            known.join(", ")
        )),
    )
}

/// How a supervised activity ended.
enum Ran {
    Returned(Result<Option<String>, ActivityError>),
    Panicked(String),
    /// Stopped after the shutdown graces ran out.
    Abandoned,
    /// Stopped at once by a forced shutdown.
    Forced,
}

impl Ran {
    fn from_join(joined: Result<Result<Option<String>, ActivityError>, JoinError>) -> Ran {
        match joined {
            Ok(result) => Ran::Returned(result),
            Err(err) if err.is_panic() => {
                let payload = err.into_panic();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic payload".to_owned());
                Ran::Panicked(message)
            }
            Err(_) => Ran::Abandoned,
        }
    }
}

async fn execute(
    shared: &WorkerShared,
    engine: &HeartbeatEngine,
    activity: Arc<dyn Activity>,
    task: &ActivityTask,
    input: Option<String>,
) -> Answer {
    let schedule = task_schedule(shared, activity.definition(), task).await;
    let heartbeat = engine.start_task(task.clone(), schedule);
    let started = Instant::now();
    let mut join = tokio::spawn(
        activity
            .execute(heartbeat.progress(), input)
            .in_current_span(),
    );
    let shutdown = shared.shutdown.subscribe();
    let forced = shared.shutdown.subscribe_forced();
    let ran = tokio::select! {
        ran = supervise(
            &mut join,
            &heartbeat,
            shutdown,
            started,
            shared.config.shutdown_grace,
            shared.config.cancel_grace,
        ) => ran,
        () = forced_stop(forced) => {
            join.abort();
            Ran::Forced
        }
    };
    heartbeat.finish();
    match ran {
        Ran::Returned(result) => Answer::from_result(result),
        Ran::Panicked(message) => {
            tracing::error!(panic = %message, "activity panicked");
            Answer::failed(&format!("activity panicked: {message}"), None)
        }
        Ran::Forced => {
            metrics::task_abandoned(&shared.metric_labels, &task.activity_type, Abandon::Forced);
            tracing::warn!("forced shutdown: activity stopped; answering failed");
            Answer::failed(
                "worker shut down",
                Some("the worker was forced to stop while the activity ran; reschedule it"),
            )
        }
        Ran::Abandoned => {
            metrics::task_abandoned(&shared.metric_labels, &task.activity_type, Abandon::Grace);
            tracing::warn!("activity did not stop within the shutdown graces; answering failed");
            Answer::failed(
                "worker shut down",
                Some(&format!(
                    "the activity was still running {:?} after the worker began shutting down ({:?} shutdown grace, then {:?} after cancellation); reschedule it",
                    shared.config.shutdown_grace + shared.config.cancel_grace,
                    shared.config.shutdown_grace,
                    shared.config.cancel_grace
                )),
            )
        }
    }
}

/// Resolves once the shutdown is forced.
async fn forced_stop(mut forced: watch::Receiver<bool>) {
    if forced.wait_for(|forced| *forced).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits for the activity, applying the shutdown timeline once shutdown begins.
async fn supervise(
    join: &mut JoinHandle<Result<Option<String>, ActivityError>>,
    heartbeat: &TaskHeartbeat,
    mut shutdown: watch::Receiver<Option<Instant>>,
    started: Instant,
    shutdown_grace: Duration,
    cancel_grace: Duration,
) -> Ran {
    let began = loop {
        if let Some(at) = *shutdown.borrow_and_update() {
            break at;
        }
        tokio::select! {
            joined = &mut *join => return Ran::from_join(joined),
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return Ran::from_join(join.await);
                }
            }
        }
    };
    let cancel_at = began.max(started) + shutdown_grace;
    tokio::select! {
        joined = &mut *join => return Ran::from_join(joined),
        () = sleep_until(cancel_at) => {}
    }
    tracing::info!("shutdown grace elapsed; cancelling with WorkerShutdown");
    heartbeat.cancel(CancelReason::WorkerShutdown);
    tokio::select! {
        joined = &mut *join => Ran::from_join(joined),
        () = sleep_until(cancel_at + cancel_grace) => {
            join.abort();
            Ran::Abandoned
        }
    }
}

async fn task_schedule(
    shared: &WorkerShared,
    definition: &ActivityDefinition,
    task: &ActivityTask,
) -> TaskSchedule {
    let defaults = &definition.defaults;
    let mut heartbeat_timeout = defaults.heartbeat_timeout;
    let mut start_to_close_timeout = defaults.start_to_close_timeout;
    if shared.config.timeout_source == TimeoutSource::ScheduledEvent {
        match scheduled_timeouts(&shared.client, &shared.config.domain, task).await {
            Ok(scheduled) => {
                heartbeat_timeout = scheduled.heartbeat.or(heartbeat_timeout);
                start_to_close_timeout = scheduled.start_to_close.or(start_to_close_timeout);
            }
            Err(problem) => tracing::warn!(
                problem = %problem,
                "could not read the task's timeouts from its history; using the registered defaults"
            ),
        }
    }
    if let Some(timeout) = shared.config.heartbeat_timeout_override {
        heartbeat_timeout = Some(timeout);
    }
    TaskSchedule {
        heartbeat_timeout: heartbeat_timeout.and_then(|t| t.as_duration()),
        start_to_close_timeout: start_to_close_timeout.and_then(|t| t.as_duration()),
        mode: definition.heartbeat,
    }
}
