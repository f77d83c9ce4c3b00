//! Running one task: pick its activity, supervise it through shutdown, answer it once.

use std::sync::Arc;

use aws_sdk_swf::operation::poll_for_activity_task::PollForActivityTaskOutput;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::task::{JoinError, JoinHandle};
use tokio::time::{Instant, sleep_until};
use tracing::Instrument;

use super::WorkerShared;
use super::answer::{Answer, Delivery, deliver};
use super::config::{TimeoutSource, WorkerConfig};
use super::history::scheduled_timeouts;
use super::poller::PolledList;
use crate::activity::{Activity, ActivityType, HeartbeatMode};
use crate::codec;
use crate::error::ActivityError;
use crate::heartbeat::{HeartbeatEngine, Rescheduler, TaskHeartbeat};
use crate::metrics::{self, ShutdownStop, Stopwatch, TaskLabels, WorkerLabels};
use crate::progress::CancelReason;
use crate::registration::RegisteredTimeouts;
use crate::task::ActivityTask;

/// Starts a polled task in its own tokio task, releasing `permit` once it is answered (or
/// abandoned). `polled_at` is when the poll returned it: SWF's clocks for the task run from there.
pub(crate) fn spawn(
    shared: Arc<WorkerShared>,
    engine: HeartbeatEngine,
    list: Arc<PolledList>,
    output: PollForActivityTaskOutput,
    polled_at: Instant,
    permit: OwnedSemaphorePermit,
) {
    let (task, input) = task_from(output);
    let task = task.polled_from(Arc::clone(&shared.domain_name), Arc::clone(&list.name));
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
    // Started before the poller polls again, so it sees this task's heartbeat needs.
    let activity = shared.activities.get(&task.activity_type).cloned();
    let mode = activity
        .as_ref()
        .map_or(HeartbeatMode::Auto, |a| a.definition().heartbeat);
    let schedule = shared.schedule_for(&task.activity_type, mode);
    // The task (and its token) lives once, in its heartbeat state.
    let heartbeat = if shared.config.timeout_source == TimeoutSource::ScheduledEvent {
        engine.start_task_provisionally(task, schedule, polled_at)
    } else {
        engine.start_task_at(task, schedule, polled_at)
    };
    tokio::spawn(
        async move {
            run(&shared, &list, activity, heartbeat, input, mode).await;
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
    list: &PolledList,
    activity: Option<Arc<dyn Activity>>,
    heartbeat: TaskHeartbeat,
    input: Option<String>,
    mode: HeartbeatMode,
) {
    // Always there: the engine keeps every worker task in its heartbeat state.
    let Some(task) = heartbeat.task() else {
        return;
    };
    let labels = TaskLabels::new(&list.labels, &task.activity_type);
    let stopwatch = Stopwatch::start();
    shared.counters.count_started(&labels);
    tracing::debug!("task started");
    if shared.config.timeout_source == TimeoutSource::ScheduledEvent {
        // Read while the activity already runs and heartbeats: SWF's clocks do not wait.
        tokio::spawn(
            read_scheduled_timeouts(
                Arc::clone(shared),
                task.clone(),
                heartbeat.rescheduler(),
                mode,
            )
            .in_current_span(),
        );
    }
    let answer = match activity {
        Some(activity) => match execute(shared, &list.labels, activity, &heartbeat, input).await {
            Some(answer) => answer,
            None => {
                shared.counters.count_abandoned(&labels);
                return;
            }
        },
        None => unknown_type(shared, &task.activity_type, task.task_list()),
    };
    let answer = codec::encode_details(shared.config.payload_codec.as_deref(), answer).await;
    metrics::task_ran(&labels, stopwatch);
    let forced = shared.shutdown.subscribe_forced();
    let delivery = deliver(
        &shared.task_client,
        task.task_token(),
        &answer,
        &heartbeat,
        forced,
        &labels,
    )
    .await;
    heartbeat.finish();
    shared.counters.count_answer(&labels, &answer, &delivery);
    match delivery {
        Delivery::Delivered { .. } => tracing::info!(answer = answer.kind(), "task answered"),
        Delivery::CompletesElsewhere => tracing::info!(
            "activity handed its task token over: no answer sent, heartbeats stopped, slot freed"
        ),
        Delivery::TaskGone | Delivery::Undelivered => {}
    }
}

/// Reads the task's timeouts from its ActivityTaskScheduled event and hands them to its
/// heartbeats.
async fn read_scheduled_timeouts(
    shared: Arc<WorkerShared>,
    task: ActivityTask,
    rescheduler: Rescheduler,
    mode: HeartbeatMode,
) {
    match scheduled_timeouts(&shared.client, &shared.config.domain, &task).await {
        Ok(scheduled) => {
            let registered = shared.registered_timeouts(&task.activity_type);
            let timeouts = RegisteredTimeouts {
                heartbeat: scheduled.heartbeat.or(registered.heartbeat),
                start_to_close: scheduled.start_to_close.or(registered.start_to_close),
            };
            rescheduler.reschedule(shared.schedule_from(timeouts, mode));
        }
        Err(problem) => {
            tracing::warn!(
                problem = %problem,
                "could not read the task's timeouts from its history; using the registered defaults"
            );
            rescheduler.reschedule(shared.schedule_for(&task.activity_type, mode));
        }
    }
}

fn unknown_type(shared: &WorkerShared, activity_type: &ActivityType, task_list: &str) -> Answer {
    let mut known: Vec<_> = shared.activities.keys().map(ToString::to_string).collect();
    known.sort();
    tracing::warn!(known = %known.join(", "), "no activity registered for this type and version");
    Answer::failed(
        &format!("unknown activity type: {activity_type} is not run by this worker"),
        Some(&format!(
            "worker {} on task list {:?} runs: {}",
            shared.config.identity,
            task_list,
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
    /// SWF no longer accepts an answer and the activity did not return within the grace: it was
    /// dropped and nothing is answered.
    Unanswerable(CancelReason),
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

/// Runs the activity under supervision. `None` when it was dropped with nothing to answer.
async fn execute(
    shared: &WorkerShared,
    list_labels: &WorkerLabels,
    activity: Arc<dyn Activity>,
    heartbeat: &TaskHeartbeat,
    input: Option<String>,
) -> Option<Answer> {
    let started = Instant::now();
    let mut join = match shared.config.payload_codec.clone() {
        None => tokio::spawn(
            shared
                .blocking_pool
                .scope(activity.execute(heartbeat.progress(), input))
                .in_current_span(),
        ),
        Some(codec) => {
            let activity = Arc::clone(&activity);
            let progress = heartbeat.progress();
            tokio::spawn(
                shared
                    .blocking_pool
                    .scope(async move {
                        let input = codec::decode_input(Some(&*codec), input).await?;
                        let result = activity.execute(progress, input).await;
                        codec::encode_result(Some(&*codec), result).await
                    })
                    .in_current_span(),
            )
        }
    };
    let shutdown = shared.shutdown.subscribe();
    let forced = shared.shutdown.subscribe_forced();
    let config = &shared.config;
    let ran = tokio::select! {
        ran = supervise(&mut join, heartbeat, shutdown, started, config) => ran,
        () = forced_stop(forced) => {
            join.abort();
            Ran::Forced
        }
    };
    Some(match ran {
        Ran::Returned(result) => Answer::from_result(result),
        Ran::Panicked(message) => {
            tracing::error!(panic = %message, "activity panicked");
            Answer::failed(&format!("activity panicked: {message}"), None)
        }
        Ran::Forced => {
            metrics::shutdown_stopped(list_labels, &*activity, ShutdownStop::Forced);
            tracing::warn!("forced shutdown: activity stopped; answering failed");
            Answer::failed(
                "worker shut down",
                Some("the worker was forced to stop while the activity ran; reschedule it"),
            )
        }
        Ran::Abandoned => {
            metrics::shutdown_stopped(list_labels, &*activity, ShutdownStop::Grace);
            tracing::warn!("activity did not stop within the shutdown graces; answering failed");
            Answer::failed(
                "worker shut down",
                Some(&format!(
                    "the activity was still running {:?} after the worker began shutting down ({:?} shutdown grace, then {:?} after cancellation); reschedule it",
                    config.shutdown_grace + config.cancel_grace,
                    config.shutdown_grace,
                    config.cancel_grace
                )),
            )
        }
        Ran::Unanswerable(reason) => {
            tracing::warn!(
                activity = %activity.definition().activity_type,
                %reason,
                grace = ?config.abandon_grace,
                "SWF no longer accepts an answer for this task and the activity ignored its cancellation: \
                 it was dropped and its slot freed (code blocking a thread keeps running there, and a \
                 blocking activity keeps its place on the blocking pool until it returns: check the \
                 Progress with check_cancelled or wait_cancelled_timeout)"
            );
            return None;
        }
    })
}

/// Resolves once the shutdown is forced.
async fn forced_stop(mut forced: watch::Receiver<bool>) {
    if forced.wait_for(|forced| *forced).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits for the activity, applying the shutdown timeline once shutdown begins, and dropping it
/// when SWF will no longer take an answer and it does not return within the abandon grace.
async fn supervise(
    join: &mut JoinHandle<Result<Option<String>, ActivityError>>,
    heartbeat: &TaskHeartbeat,
    shutdown: watch::Receiver<Option<Instant>>,
    started: Instant,
    config: &WorkerConfig,
) -> Ran {
    let unanswerable = async {
        let reason = heartbeat.until_unanswerable().await;
        tokio::time::sleep(config.abandon_grace).await;
        reason
    };
    tokio::select! {
        ran = shutdown_timeline(join, heartbeat, shutdown, started, config) => ran,
        reason = unanswerable => {
            join.abort();
            Ran::Unanswerable(reason)
        }
    }
}

async fn shutdown_timeline(
    join: &mut JoinHandle<Result<Option<String>, ActivityError>>,
    heartbeat: &TaskHeartbeat,
    mut shutdown: watch::Receiver<Option<Instant>>,
    started: Instant,
    config: &WorkerConfig,
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
    let cancel_at = began.max(started) + config.shutdown_grace;
    tokio::select! {
        joined = &mut *join => return Ran::from_join(joined),
        () = sleep_until(cancel_at) => {}
    }
    tracing::info!("shutdown grace elapsed; cancelling with WorkerShutdown");
    heartbeat.cancel(CancelReason::WorkerShutdown);
    tokio::select! {
        joined = &mut *join => Ran::from_join(joined),
        () = sleep_until(cancel_at + config.cancel_grace) => {
            join.abort();
            Ran::Abandoned
        }
    }
}
