//! A task start rate in front of a fragile downstream, and pausing polling during its
//! maintenance while a long task keeps running.
//!
//! ```sh
//! cargo run --example pause_and_rate_limit
//! ```
//!
//! SWF has no rate limit on a task list, so the worker is the only throttle between a backlog of
//! tasks and what they call. This worker starts at most 5 tasks a second
//! (`WorkerBuilder::max_task_starts_per_second`), as AWS Flow for Java's
//! `setMaximumPollRatePerSecond` or Temporal's `MaxWorkerActivitiesPerSecond` would:
//!
//! 1. 15 tasks wait in the task list; the worker starts them at the rate, not all at once. The
//!    start times are read from the ActivityTaskStarted events SWF recorded, and the busiest
//!    second is printed.
//! 2. The downstream goes into maintenance: `PollingControl::pause` (Flow's `suspendPolling`)
//!    stops new polls and resolves once the polls in flight have returned. A long export that
//!    was already running keeps heartbeating (its heartbeat timeout is 2 s), while three tasks
//!    scheduled meanwhile wait in SWF.
//! 3. `resume` (Flow's `resumePolling`): the waiting tasks start, and the export completes.
//!
//! The example exits 0 only when the histories show all of this.

use std::error::Error;
use std::time::{Duration, Instant};

use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, activity};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

const DOMAIN: &str = "pacing-demo";
const TASK_LIST: &str = "downstream-calls";
/// What the downstream takes: task starts per second, and at once.
const STARTS_PER_SECOND: f64 = 5.0;
const BURST: u32 = 1;
const BACKLOG: usize = 15;
const DURING_PAUSE: usize = 3;
const PAUSE: Duration = Duration::from_secs(3);
/// Every wait of the example is bounded by this.
const LIMIT: Duration = Duration::from_secs(60);

/// One call to the fragile downstream.
#[activity(
    version = "1",
    heartbeat_timeout = "none",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn call_downstream(request: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(50)).await;
    request
}

/// A long export, kept alive by the worker's heartbeats: SWF times it out if none arrives
/// within 2 s.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn export_report(millis: u64) -> Result<String, ActivityError> {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    Ok(format!("exported in {millis} ms"))
}

fn schedule(
    local: &LocalSwf,
    name: &str,
    id: String,
    input: String,
) -> Result<ActivityHandle, Box<dyn Error>> {
    Ok(local.schedule_activity(
        ActivitySpec::new(DOMAIN, name, "1")
            .task_list(TASK_LIST)
            .activity_id(id)
            .input(input),
    )?)
}

/// When SWF recorded the task's `event_type` event, in seconds since the epoch.
fn recorded_at(task: &ActivityHandle, event_type: &str) -> Result<Option<f64>, Box<dyn Error>> {
    Ok(task
        .history()?
        .iter()
        .find(|event| event.event_type() == event_type)
        .map(|event| event.event_timestamp))
}

fn started_at(task: &ActivityHandle) -> Result<f64, Box<dyn Error>> {
    recorded_at(task, "ActivityTaskStarted")?
        .ok_or_else(|| format!("{} never started", task.activity_id()).into())
}

async fn completed(task: &ActivityHandle) -> Result<(), Box<dyn Error>> {
    match tokio::time::timeout(LIMIT, task.outcome()).await? {
        ActivityOutcome::Completed { .. } => Ok(()),
        other => Err(format!("{}: {}", task.activity_id(), other.summary()).into()),
    }
}

/// Part 1: a backlog started at the rate. Returns whether the rate held.
async fn backlog(local: &LocalSwf) -> Result<bool, Box<dyn Error>> {
    println!(
        "Rate limit: at most {STARTS_PER_SECOND} task starts per second (burst {BURST}), {BACKLOG} tasks queued"
    );
    let tasks = (0..BACKLOG)
        .map(|n| {
            schedule(
                local,
                "call_downstream",
                format!("call-{n:02}"),
                n.to_string(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    for task in &tasks {
        completed(task).await?;
    }
    let mut starts = Vec::new();
    for task in &tasks {
        starts.push((started_at(task)?, task.activity_id().to_owned()));
    }
    starts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let first = starts[0].0;
    for (at, id) in &starts {
        println!("  {id}  started at +{:.3} s", at - first);
    }
    let busiest = starts
        .iter()
        .map(|(from, _)| {
            starts
                .iter()
                .filter(|(at, _)| at >= from && *at < from + 1.0)
                .count()
        })
        .max()
        .unwrap_or_default();
    let span = starts[starts.len() - 1].0 - first;
    let allowed = STARTS_PER_SECOND as usize + BURST as usize;
    println!(
        "  busiest second: {busiest} starts (rate {STARTS_PER_SECOND} + burst {BURST} = {allowed} allowed); mean {:.2} starts/s over {span:.2} s",
        (starts.len() - 1) as f64 / span
    );
    Ok(busiest <= allowed && span >= (BACKLOG - 1) as f64 / STARTS_PER_SECOND * 0.9)
}

/// Parts 2 and 3: a pause with a long task running, then resume. Returns whether nothing
/// started while paused, the running task kept heartbeating, and the waiting ones started after.
async fn pause_and_resume(local: &LocalSwf, worker: &Worker) -> Result<bool, Box<dyn Error>> {
    let export = schedule(local, "export_report", "export".into(), "7000".into())?;
    tokio::time::timeout(LIMIT, async {
        while recorded_at(&export, "ActivityTaskStarted")?.is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok::<_, Box<dyn Error>>(())
    })
    .await??;
    println!(
        "Pause: the downstream goes into maintenance; export is running (heartbeat timeout 2 s)"
    );
    let control = worker.polling_control();
    let asked = Instant::now();
    tokio::time::timeout(LIMIT, control.pause()).await?;
    println!(
        "  pause() resolved after {:.2} s, with no poll left in flight (an empty poll is held up to 1 s here, 60 s by SWF)",
        asked.elapsed().as_secs_f64()
    );
    let heartbeats_before = export.heartbeat_count();
    let waiting = (0..DURING_PAUSE)
        .map(|n| {
            schedule(
                local,
                "call_downstream",
                format!("waiting-{n}"),
                n.to_string(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    tokio::time::sleep(PAUSE).await;
    let mut started_while_paused = 0;
    for task in &waiting {
        if recorded_at(task, "ActivityTaskStarted")?.is_some() {
            started_while_paused += 1;
        }
    }
    let heartbeats_during = export.heartbeat_count() - heartbeats_before;
    let export_still_running = export.try_outcome().is_none();
    println!(
        "  {} s paused: {started_while_paused} of {DURING_PAUSE} new tasks started; export heartbeats meanwhile: {heartbeats_during}; export still running: {export_still_running}",
        PAUSE.as_secs()
    );

    println!("Resume");
    control.resume();
    let mut waited_out_the_pause = true;
    for task in &waiting {
        completed(task).await?;
        let scheduled = recorded_at(task, "ActivityTaskScheduled")?.unwrap_or_default();
        let waited = started_at(task)? - scheduled;
        println!(
            "  {} waited {waited:.2} s in SWF, then started and completed",
            task.activity_id()
        );
        waited_out_the_pause &= waited >= PAUSE.as_secs_f64();
    }
    let export_outcome = tokio::time::timeout(LIMIT, export.outcome()).await?;
    println!(
        "  export: {} with {} heartbeats",
        export_outcome.summary(),
        export.heartbeat_count()
    );
    Ok(started_while_paused == 0
        && heartbeats_during >= 1
        && export_still_running
        && waited_out_the_pause
        && matches!(export_outcome, ActivityOutcome::Completed { .. }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // RUST_LOG picks the level (quiet by default). The AWS SDK logs the access key id at debug and
    // every task token at trace, so its crates and the HTTP stack stay at info whatever RUST_LOG
    // says.
    let sdk_at_most_info = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(["aws_", "hyper", "h2", "rustls", "tower"].map(|t| (t, LevelFilter::INFO)));
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::builder()
                .with_default_directive(LevelFilter::WARN.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stderr)
        .finish()
        .with(sdk_at_most_info)
        .init();

    // Empty polls come back after 1 s here (SWF holds them up to 60 s), so a pause waits at most
    // that long for the polls in flight.
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let worker = Worker::builder(client)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(call_downstream)
        .activity(export_report)
        .pollers(4)
        .max_task_starts_per_second(STARTS_PER_SECOND)
        .task_start_burst(BURST)
        .build()?;
    worker.register_activity_types().await?;
    let stop = worker.shutdown_handle();

    let scenario = async {
        let held = async {
            let rate_held = backlog(&local).await?;
            let pause_held = pause_and_resume(&local, &worker).await?;
            Ok::<_, Box<dyn Error>>((rate_held, pause_held))
        }
        .await;
        // Also when something went wrong, so that the example ends.
        stop.shutdown();
        held
    };
    let (ran, scenario) = tokio::join!(worker.run_until(std::future::pending()), scenario);
    ran?;
    let (rate_held, pause_held) = scenario?;
    match (rate_held, pause_held) {
        (true, true) => {
            println!("Rate limit and pause held, as the workflow histories show.");
            Ok(())
        }
        _ => Err(format!(
            "the histories disagree: rate limit held: {rate_held}, pause held: {pause_held}"
        )
        .into()),
    }
}
