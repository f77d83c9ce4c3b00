//! Pollers: long-poll PollForActivityTask while a slot is free, hand tasks to execution.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::config::timeout::TimeoutConfig;
use aws_sdk_swf::operation::poll_for_activity_task::PollForActivityTaskOutput;
use aws_sdk_swf::types::TaskList;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

use super::WorkerShared;
use super::error::WorkerError;
use super::execution;
use crate::backoff::Backoff;
use crate::heartbeat::HeartbeatEngine;
use crate::metrics::{self, PollResult, Stopwatch, WorkerLabels};
use crate::sdk_errors::{ErrorClass, classify, describe};

/// Poll errors back off from this delay: a poller is the worker's intake, so one failed poll is
/// retried almost at once, and repeated failures back off exponentially...
const POLL_BACKOFF_BASE: Duration = Duration::from_millis(5);
/// ...up to this one (an endpoint back from an outage is polled again within it).
const POLL_BACKOFF_CAP: Duration = Duration::from_secs(5);

/// One task list a worker polls: its name, shared by every task polled from it, and the labels
/// of what its polls and tasks record.
#[derive(Debug)]
pub(crate) struct PolledList {
    pub(crate) name: Arc<str>,
    pub(crate) labels: WorkerLabels,
}

impl PolledList {
    pub(crate) fn new(domain: &str, name: &str) -> Self {
        PolledList {
            name: Arc::from(name),
            labels: WorkerLabels::new(domain, name),
        }
    }
}

/// Runs the pollers until shutdown begins or one hits a fatal error, then waits until every
/// running task has been answered.
pub(crate) async fn run_pollers(
    shared: Arc<WorkerShared>,
    engine: HeartbeatEngine,
    slots: Arc<Semaphore>,
) -> Result<(), WorkerError> {
    let mut pollers = JoinSet::new();
    // Spawned list by list within each round, so the first free slots go to one poll per list
    // and the lists then take turns for them.
    for index in 0..shared.config.pollers {
        for list in &shared.polled_lists {
            // Everything a poller logs, and the tasks it starts, carry the list it polls.
            let span = tracing::info_span!("poller", task_list = %list.name, poller = index);
            pollers.spawn(
                poll_loop(
                    Arc::clone(&shared),
                    engine.clone(),
                    Arc::clone(&slots),
                    Arc::clone(list),
                    index,
                )
                .instrument(span),
            );
        }
    }
    let mut first_error = None;
    while let Some(joined) = pollers.join_next().await {
        let failure = match joined {
            Ok(Ok(())) => continue,
            Ok(Err(err)) => err,
            Err(join_error) => {
                tracing::error!(error = %join_error, "a poller stopped unexpectedly");
                shared.shutdown.shutdown();
                continue;
            }
        };
        tracing::error!(error = %failure, "polling stopped; shutting down");
        shared.shutdown.shutdown();
        first_error.get_or_insert(failure);
    }
    // Every poll has returned. Once all slots are free again, every task has been answered.
    let all = u32::try_from(shared.config.max_concurrent_activities).unwrap_or(u32::MAX);
    drop(slots.acquire_many(all).await);
    first_error.map_or(Ok(()), Err)
}

enum PollFailure {
    Fatal(WorkerError),
    Retry(String),
}

/// Polls `list` while a slot is free, until shutdown; `index` tells the list's pollers apart.
async fn poll_loop(
    shared: Arc<WorkerShared>,
    engine: HeartbeatEngine,
    slots: Arc<Semaphore>,
    list: Arc<PolledList>,
    index: usize,
) -> Result<(), WorkerError> {
    let mut shutdown = shared.shutdown.subscribe();
    let mut forced = shared.shutdown.subscribe_forced();
    let mut backoff = Backoff::new(POLL_BACKOFF_BASE, POLL_BACKOFF_CAP);
    loop {
        if engine.is_overloaded() {
            tracing::debug!(poller = index, "heartbeat budget short: polling paused");
            tokio::select! {
                biased;
                _ = shutdown.wait_for(Option::is_some) => return Ok(()),
                () = engine.until_not_overloaded() => {}
            }
        }
        let permit = tokio::select! {
            biased;
            _ = shutdown.wait_for(Option::is_some) => return Ok(()),
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return Ok(()),
            },
        };
        if shutdown.borrow().is_some() {
            return Ok(());
        }
        // With a slot in hand, so that the poll starts as soon as the gate lets it.
        let ticket = tokio::select! {
            biased;
            _ = shutdown.wait_for(Option::is_some) => return Ok(()),
            ticket = shared.poll_gate.admit() => ticket,
        };
        // Never abandoned once started, unless the shutdown is forced: a task it returns must
        // run and be answered.
        let stopwatch = Stopwatch::start();
        let polled = tokio::select! {
            polled = poll_once(&shared, &list.name) => polled.map(|output| output.map(|output| (output, Instant::now()))),
            _ = forced.wait_for(|forced| *forced) => {
                tracing::warn!(poller = index, "forced shutdown: abandoning a poll in flight; a task it was about to hand over stays open until it times out");
                return Ok(());
            }
        };
        metrics::poll_returned(&list.labels, stopwatch, PollResult::of(&polled));
        match polled {
            Ok(Some((output, polled_at))) => {
                backoff.reset();
                execution::spawn(
                    Arc::clone(&shared),
                    engine.clone(),
                    Arc::clone(&list),
                    output,
                    polled_at,
                    permit,
                );
                drop(ticket);
            }
            Ok(None) => {
                ticket.no_task_started();
                backoff.reset();
                tracing::trace!(poller = index, "empty poll");
            }
            Err(PollFailure::Fatal(err)) => return Err(err),
            Err(PollFailure::Retry(message)) => {
                ticket.no_task_started();
                drop(permit);
                let delay = backoff.next_delay();
                tracing::warn!(poller = index, error = %message, retry_in = ?delay, "poll failed; retrying");
                tokio::select! {
                    _ = shutdown.wait_for(Option::is_some) => return Ok(()),
                    () = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// One long poll of `task_list`: `Ok(None)` when it came back empty.
async fn poll_once(
    shared: &WorkerShared,
    task_list: &str,
) -> Result<Option<PollForActivityTaskOutput>, PollFailure> {
    let config = &shared.config;
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(config.poll_timeout)
        .operation_timeout(config.poll_timeout.saturating_mul(3))
        .build();
    let result = shared
        .task_client
        .poll_for_activity_task()
        .domain(&config.domain)
        .set_task_list(TaskList::builder().name(task_list).build().ok())
        .identity(&config.identity)
        .customize()
        .config_override(aws_sdk_swf::config::Builder::default().timeout_config(timeouts))
        .send()
        .await;
    match result {
        Ok(output) if output.task_token().is_empty() => Ok(None),
        Ok(output) => Ok(Some(output)),
        Err(err) => {
            let message = describe(&err);
            Err(match classify(&err) {
                ErrorClass::Gone => PollFailure::Fatal(WorkerError::UnknownDomain {
                    domain: config.domain.clone(),
                    operation: "PollForActivityTask",
                    message,
                }),
                ErrorClass::NotPermitted => PollFailure::Fatal(WorkerError::NotPermitted {
                    domain: config.domain.clone(),
                    operation: "PollForActivityTask",
                    message,
                }),
                _ => PollFailure::Retry(message),
            })
        }
    }
}
