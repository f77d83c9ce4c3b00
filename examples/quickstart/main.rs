//! The quickstart: one activity, a worker, a few tasks, one cancellation, a graceful shutdown.
//!
//! ```sh
//! cargo run --example quickstart                      # embedded local SWF endpoint, no AWS account
//! cargo run --example quickstart -- --endpoint URL    # another SWF endpoint, e.g. `swf-local --listen`
//! cargo run --example quickstart -- --aws             # real SWF, from the standard AWS environment
//! ```
//!
//! By default it starts `swf-local` in this process and schedules the tasks through its
//! in-process API. Against any other endpoint it cannot do that, so it runs a minimal decider
//! (see `decider.rs`) that starts one workflow per photo and schedules, cancels and closes
//! through PollForDecisionTask / RespondDecisionTaskCompleted. `AWS_ENDPOINT_URL` (or
//! `AWS_ENDPOINT_URL_SWF`) in the environment selects that mode too.
//!
//! Logs go to stderr and are quiet by default: `RUST_LOG=info` (or `debug`) shows the worker's.

mod decider;
mod display;

use std::error::Error;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use swf_activity::local::{ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};
use tracing_subscriber::prelude::*;

const DOMAIN: &str = "swf-activity-quickstart";
const TASK_LIST: &str = "thumbnails";
/// How long one tile takes to render.
const TILE_TIME: Duration = Duration::from_millis(300);

/// The activity's input: which photo, in how many tiles.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Photo {
    pub name: String,
    pub tiles: u32,
}

/// The progress details the activity reports, and its result.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Tiles {
    pub done: u32,
    pub of: u32,
}

/// Renders a photo's thumbnail, tile by tile, reporting progress after each tile.
///
/// The heartbeat timeout is short so that the quickstart shows several heartbeats per task
/// (one goes out at most every 0.8 x 2 s); a real activity would allow more, e.g. "30s".
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn make_thumbnail(progress: Progress, photo: Photo) -> Result<Tiles, ActivityError> {
    for done in 0..photo.tiles {
        let details = Tiles {
            done,
            of: photo.tiles,
        };
        // Never waits: the details ride on the next heartbeat.
        progress.report(&details)?;
        display::show(&progress, &details);
        tokio::select! {
            // The decider asked to cancel (seen in a heartbeat's answer): stop here and answer
            // RespondActivityTaskCanceled, saying how far we got.
            reason = progress.cancelled() => {
                tracing::info!(%reason, "stopping");
                return Err(ActivityError::canceled().with_details(&details));
            }
            () = tokio::time::sleep(TILE_TIME) => {}
        }
    }
    let done = Tiles {
        done: photo.tiles,
        of: photo.tiles,
    };
    display::show(&progress, &done);
    Ok(done)
}

/// One photo to process, and whether the decider cancels it midway.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Job {
    pub photo: Photo,
    pub cancel_after_secs: Option<u64>,
}

fn jobs() -> Vec<Job> {
    let job = |name: &str, tiles, cancel_after_secs| Job {
        photo: Photo {
            name: name.to_owned(),
            tiles,
        },
        cancel_after_secs,
    };
    vec![
        job("beach", 6, None),
        job("mountain", 9, None),
        job("city", 14, Some(2)), // canceled after 2 s, about a third of the way
        job("forest", 8, None),
        job("desert", 11, None),
    ]
}

/// How one activity ended, as its workflow history tells it.
pub struct Summary {
    pub activity_id: String,
    pub outcome: String,
    pub detail: Option<String>,
    /// Heartbeats create no history event; `swf-local` counts them, real SWF does not say.
    pub heartbeats: Option<u64>,
    pub events: Vec<String>,
}

enum Mode {
    /// `swf-local` in this process, scheduled through its in-process API.
    Embedded,
    /// Any other endpoint, scheduled by the built-in decider.
    External { endpoint: Option<String> },
}

fn mode_from_args() -> Result<Mode, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut mode = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--endpoint" => {
                let url = args.next().ok_or("--endpoint needs a URL")?;
                mode = Some(Mode::External {
                    endpoint: Some(url),
                });
            }
            "--aws" => mode = Some(Mode::External { endpoint: None }),
            "-h" | "--help" => {
                println!("usage: quickstart [--endpoint URL | --aws]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; try --help").into()),
        }
    }
    let endpoint_in_env = ["AWS_ENDPOINT_URL_SWF", "AWS_ENDPOINT_URL"]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    Ok(match mode {
        Some(mode) => mode,
        None if endpoint_in_env => Mode::External { endpoint: None },
        None => Mode::Embedded,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The AWS SDK logs the access key id at debug and every task token at trace: its crates
    // and the HTTP stack under them stay at info, whatever RUST_LOG says.
    let sdk_at_most_info = tracing_subscriber::filter::Targets::new()
        .with_default(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_targets(
            ["aws_", "hyper", "h2", "rustls", "tower"]
                .map(|t| (t, tracing_subscriber::filter::LevelFilter::INFO)),
        );
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::builder()
                .with_default_directive(tracing_subscriber::filter::LevelFilter::WARN.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stderr)
        .finish()
        .with(sdk_at_most_info)
        .init();
    let started = Instant::now();

    // 1. An SWF endpoint. The embedded one answers an empty long poll after 1 s instead of
    //    SWF's 60 s, so that the worker's graceful shutdown (which waits for polls in flight)
    //    is quick.
    let mode = mode_from_args()?;
    let mut embedded = None;
    let client = match &mode {
        Mode::Embedded => {
            let local = LocalSwf::builder()
                .poll_timeout(Duration::from_secs(1))
                .start()
                .await?;
            println!("Started the embedded SWF endpoint at {}", local.url());
            let client = aws_sdk_swf::Client::new(local.sdk_config());
            embedded = Some(local);
            client
        }
        Mode::External { endpoint } => {
            let config = decider::load_config(endpoint.as_deref()).await;
            println!(
                "Using the SWF endpoint {} (region {}); a built-in decider schedules the tasks",
                endpoint.as_deref().unwrap_or("from the AWS environment"),
                config.region().map_or("unset", |r| r.as_ref()),
            );
            aws_sdk_swf::Client::new(&config)
        }
    };

    // 2. A domain (registering one that exists is fine) and a worker for one task list.
    register_domain(&client, DOMAIN, 1).await?;
    let worker = Worker::builder(client.clone())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(make_thumbnail)
        .max_concurrent_activities(8)
        // After shutdown begins, running activities get 5 s, then 2 s more once told to stop.
        .shutdown_grace(Duration::from_secs(5))
        .cancel_grace(Duration::from_secs(2))
        .build()?;
    let shutdown = worker.shutdown_handle();
    // A task can only be scheduled once its type is registered: register now, before polling
    // (run_until would otherwise do it as it starts).
    worker.register_activity_types().await?;
    let running = tokio::spawn(async move {
        let result = worker.run_until(std::future::pending()).await;
        (result, worker.stats())
    });

    // 3. Schedule the jobs, watch them, cancel one midway.
    let jobs = jobs();
    display::install(&jobs);
    let summaries = match &embedded {
        Some(local) => run_embedded(local, &jobs).await?,
        None => decider::run(&client, DOMAIN, TASK_LIST, &jobs).await?,
    };

    // 4. Graceful shutdown: no new polls; the worker waits for polls in flight and running tasks.
    if embedded.is_none() {
        display::note(
            "Shutting down the worker: it waits for its polls in flight (up to 60 s on SWF)",
        );
    }
    let stopping = Instant::now();
    shutdown.shutdown();
    let (result, stats) = running.await?;
    result?;
    println!(
        "Worker shut down gracefully in {:.1} s",
        stopping.elapsed().as_secs_f64()
    );

    // 5. What happened, from each workflow's history.
    println!();
    println!("Summary (from the workflow histories):");
    for summary in &summaries {
        println!(
            "  {:<9} {:<10} {:>2} heartbeats  {}",
            summary.activity_id,
            summary.outcome,
            summary
                .heartbeats
                .map_or_else(|| "-".to_owned(), |n| n.to_string()),
            summary.detail.as_deref().unwrap_or(""),
        );
        println!("            history: {}", summary.events.join(" > "));
    }
    if summaries.iter().any(|s| s.heartbeats.is_none()) {
        println!("  (SWF records no history event for a heartbeat; the worker's count is below)");
    }
    println!(
        "Worker: {} tasks started, {} completed, {} canceled, {} failed; {} heartbeats sent, {} reports folded into them",
        stats.tasks_started,
        stats.tasks_completed,
        stats.tasks_canceled,
        stats.tasks_failed,
        stats.heartbeats_sent,
        stats.heartbeats_coalesced,
    );
    println!(
        "Done in {:.1} s. Next: the README, and cargo run --example cancellation",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Schedules every job on the embedded endpoint (no decider needed), cancels the one that asks
/// for it, and waits for all of them.
async fn run_embedded(local: &LocalSwf, jobs: &[Job]) -> Result<Vec<Summary>, Box<dyn Error>> {
    let mut handles = Vec::new();
    for job in jobs {
        let handle = local.schedule_activity(
            ActivitySpec::new(DOMAIN, "make_thumbnail", "1")
                .activity_id(&job.photo.name)
                .task_list(TASK_LIST)
                .input(serde_json::to_string(&job.photo)?),
        )?;
        if let Some(secs) = job.cancel_after_secs {
            let handle = handle.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                // The RequestCancelActivityTask decision. The worker hears of it in the answer to
                // the task's next heartbeat; the activity then answers canceled.
                if let Err(err) = handle.request_cancel() {
                    tracing::warn!(%err, "the cancellation request failed");
                }
                display::note(&format!(
                    "requested cancellation of {}",
                    handle.activity_id()
                ));
            });
        }
        handles.push(handle);
    }

    // Wait for all of them, closing each bar as its activity ends.
    let outcomes = futures::future::join_all(handles.iter().map(|handle| async move {
        let outcome = handle.outcome().await;
        display::finished(handle.activity_id(), outcome_name(&outcome));
        outcome
    }));
    let outcomes = tokio::time::timeout(Duration::from_secs(60), outcomes)
        .await
        .map_err(|_| "the activities did not finish within 60 s")?;

    let mut summaries = Vec::new();
    for (handle, outcome) in handles.iter().zip(outcomes) {
        let detail = match &outcome {
            ActivityOutcome::Completed { result } => result.as_ref().map(|r| format!("result {r}")),
            ActivityOutcome::Canceled { details } => {
                details.as_ref().map(|d| format!("details {d}"))
            }
            ActivityOutcome::Failed { reason, .. } => reason.clone(),
            other => Some(other.summary()),
        };
        let events = handle
            .history()?
            .iter()
            .map(|event| event.event_type())
            .filter(|kind| kind.starts_with("ActivityTask"))
            .map(|kind| kind.trim_start_matches("ActivityTask").to_owned())
            .collect();
        summaries.push(Summary {
            activity_id: handle.activity_id().to_owned(),
            outcome: outcome_name(&outcome).to_owned(),
            detail,
            heartbeats: Some(handle.heartbeat_count()),
            events,
        });
    }
    Ok(summaries)
}

fn outcome_name(outcome: &ActivityOutcome) -> &'static str {
    match outcome {
        ActivityOutcome::Completed { .. } => "completed",
        ActivityOutcome::Canceled { .. } => "canceled",
        ActivityOutcome::Failed { .. } => "failed",
        ActivityOutcome::TimedOut { .. } => "timed out",
        _ => "not run",
    }
}
