//! What a worker does with its polls and running activities when it is told to stop.
//!
//! ```sh
//! cargo run --example graceful_shutdown
//! ```
//!
//! In production `worker.run()` begins the shutdown on Ctrl-C or SIGTERM. To run unattended,
//! this example calls `shutdown_handle().shutdown()` after a second instead, and prints the
//! timeline. With `shutdown_grace` 2 s and `cancel_grace` 1 s, from the shutdown at `T`:
//!
//! | when | what happens |
//! |---|---|
//! | `T` | no new poll starts; polls in flight are not aborted (the local endpoint holds them up to 3 s here, SWF up to 60 s) |
//! | `T` to `T + 2 s` | running activities go on and are answered as usual |
//! | `T + 2 s` | those still running see `cancelled()` resolve with `WorkerShutdown` |
//! | `T + 3 s` | those still running are stopped and answered failed, "worker shut down" |
//!
//! `run` returns once every poll has returned and every task is answered.

use std::error::Error;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};
use tracing_subscriber::prelude::*;

const DOMAIN: &str = "shutdown-demo";
const TASK_LIST: &str = "work";

/// Prints a line with the time since the example started.
fn say(text: &str) {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    println!("[{:>5.1} s] {text}", start.elapsed().as_secs_f64());
}

/// Works for `millis` milliseconds, reporting every quarter second; stops early if told to.
#[activity(
    version = "1",
    heartbeat_timeout = "10s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn cooperative(progress: Progress, millis: u64) -> Result<String, ActivityError> {
    let id = progress
        .task()
        .map(|t| t.activity_id.clone())
        .unwrap_or_default();
    for done in (0..millis).step_by(250) {
        progress.report(&format!("{done} ms done"))?;
        tokio::select! {
            reason = progress.cancelled() => {
                say(&format!("{id}: cancelled() says {reason}; saving a checkpoint and stopping"));
                // Not a cancellation of the work: fail, so the decider retries it at once.
                return Err(ActivityError::failed("interrupted by a worker shutdown")
                    .with_details(&format!("checkpoint after {done} ms")));
            }
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
    Ok(format!("worked {millis} ms"))
}

/// Works for `millis` milliseconds and never looks at cancellation.
#[activity(
    version = "1",
    heartbeat_timeout = "10s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn stubborn(millis: u64) -> String {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    format!("worked {millis} ms")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Quiet by default: the worker's warning about the stubborn activity is expected here.
    // RUST_LOG=info (or debug) shows the worker's side of the timeline.
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
                .with_default_directive(tracing_subscriber::filter::LevelFilter::ERROR.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stderr)
        .finish()
        .with(sdk_at_most_info)
        .init();

    // The endpoint holds an empty long poll 3 s (SWF: 60 s), to show the worker waiting for it.
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(3))
        .start()
        .await?;
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let worker = Worker::builder(client.clone())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(cooperative)
        .activity(stubborn)
        .max_concurrent_activities(8)
        .shutdown_grace(Duration::from_secs(2))
        .cancel_grace(Duration::from_secs(1))
        .build()?;
    let handle = worker.shutdown_handle();
    // Register the types before anything schedules them; then poll until shut down.
    worker.register_activity_types().await?;
    let running = tokio::spawn(async move {
        let result = worker.run_until(std::future::pending()).await;
        say(&format!("worker.run_until returned: {result:?}"));
        (result, worker.stats())
    });
    say("worker running");

    let schedule = |name: &str, id: &str, millis: u64| {
        local.schedule_activity(
            ActivitySpec::new(DOMAIN, name, "1")
                .activity_id(id)
                .task_list(TASK_LIST)
                .input(millis.to_string()),
        )
    };
    let handles = [
        // Shutdown begins at 1 s; the grace runs to 3 s, the cancel grace to 4 s.
        schedule("cooperative", "short", 1_500)?, // ends during the grace
        schedule("cooperative", "within-grace", 2_500)?, // ends during the grace too
        schedule("cooperative", "long-cooperative", 10_000)?, // stops on WorkerShutdown
        schedule("stubborn", "long-stubborn", 10_000)?, // stopped by the worker at 4 s
    ];
    let mut watchers: Vec<_> = handles.iter().cloned().map(watch).collect();

    tokio::time::sleep(Duration::from_secs(1)).await;
    say("-- simulated Ctrl-C: shutdown_handle().shutdown() --");
    handle.shutdown();

    // No new poll starts now, but the polls already waiting are not abandoned: a task they
    // return is run (with graces counted from its own start), never left to time out.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let late = schedule("cooperative", "after-shutdown", 1_000)?;
    say("scheduled after-shutdown: a poll that was in flight at the shutdown receives it");
    watchers.push(watch(late));

    let (result, stats) = running.await?;
    result?;
    for watcher in watchers {
        watcher.await?;
    }
    say(&format!(
        "stats: {} started, {} completed, {} failed",
        stats.tasks_started, stats.tasks_completed, stats.tasks_failed
    ));
    Ok(())
}

/// Prints the activity's outcome when SWF records it.
fn watch(handle: ActivityHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(outcome) = tokio::time::timeout(Duration::from_secs(30), handle.outcome()).await
        else {
            say(&format!("{}: no outcome within 30 s", handle.activity_id()));
            return;
        };
        let shown = match &outcome {
            ActivityOutcome::Completed { result } => {
                format!("completed ({})", result.as_deref().unwrap_or(""))
            }
            ActivityOutcome::Failed { reason, details } => format!(
                "failed: {} ({})",
                reason.as_deref().unwrap_or(""),
                details.as_deref().unwrap_or("")
            ),
            other => other.summary(),
        };
        say(&format!("{} -> {shown}", handle.activity_id()));
    })
}
