//! CPU-bound or blocking code in an activity: run it with `tokio::task::spawn_blocking` and a
//! clone of `Progress`.
//!
//! ```sh
//! cargo run --example blocking_work
//! ```
//!
//! An activity's future runs on the worker's Tokio runtime. Code that blocks its thread there (a
//! long computation, `std::thread::sleep`, a blocking client) holds one of the runtime's threads:
//! other activities, polls and answers on that thread wait, and the worker cannot stop the
//! activity, since a future can only be dropped between two polls. Hand such code to Tokio's
//! blocking pool with `spawn_blocking` and give it a clone of `Progress` (cheap, `Send`): it
//! reports between chunks of work and checks `cancel_reason()` to stop early, while the async side
//! only awaits the `JoinHandle`.
//!
//! This example runs on a single-threaded runtime to make the point: two prime counts run on the
//! blocking pool while a third activity, on the runtime's only thread, still answers at once. One
//! count is cancelled midway and stops at its next chunk.

use std::error::Error;
use std::time::{Duration, Instant};

use swf_activity::local::{ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

const DOMAIN: &str = "blocking-demo";
const TASK_LIST: &str = "work";
/// Numbers checked between two reports and cancellation checks.
const CHUNK: u64 = 20_000;

/// Counts the primes below `below`, on the blocking pool.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn count_primes(progress: Progress, below: u64) -> Result<u64, ActivityError> {
    let for_the_pool = progress.clone();
    tokio::task::spawn_blocking(move || count_primes_blocking(&for_the_pool, below))
        .await
        .map_err(|e| {
            ActivityError::failed("the computation panicked").with_details(&e.to_string())
        })?
}

/// The blocking part: plain synchronous code that reports and checks for cancellation between
/// chunks. The heartbeat engine sends the reports; a cancellation request arrives with a
/// heartbeat's answer, so it is seen within one heartbeat interval (here 1.6 s).
fn count_primes_blocking(progress: &Progress, below: u64) -> Result<u64, ActivityError> {
    let mut primes = 0;
    let mut checked = 0;
    while checked < below {
        if let Some(reason) = progress.cancel_reason() {
            return Err(ActivityError::canceled()
                .with_details(&format!("{reason} after checking {checked} numbers")));
        }
        let end = (checked + CHUNK).min(below);
        primes += (checked..end).filter(|&n| is_prime(n)).count() as u64;
        checked = end;
        progress.report(&format!("{checked} of {below} checked, {primes} primes"))?;
    }
    Ok(primes)
}

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// Answers at once: shows that the runtime's only thread stays free.
#[activity(
    version = "1",
    heartbeat_timeout = "10s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn ping() -> &'static str {
    "pong"
}

fn schedule(
    local: &LocalSwf,
    name: &str,
    id: &str,
    input: &str,
) -> Result<swf_activity::local::ActivityHandle, Box<dyn Error>> {
    Ok(local.schedule_activity(
        ActivitySpec::new(DOMAIN, name, "1")
            .task_list(TASK_LIST)
            .activity_id(id)
            .input(input),
    )?)
}

fn describe(outcome: &ActivityOutcome) -> String {
    match outcome {
        ActivityOutcome::Completed { result } => {
            format!("completed: {}", result.as_deref().unwrap_or(""))
        }
        ActivityOutcome::Canceled { details } => {
            format!("canceled: {}", details.as_deref().unwrap_or(""))
        }
        other => other.summary(),
    }
}

#[tokio::main(flavor = "current_thread")]
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

    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let worker = Worker::builder(client)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(count_primes)
        .activity(ping)
        .build()?;
    worker.register_activity_types().await?;
    let stop = worker.shutdown_handle();

    let scenario = async {
        let small = schedule(&local, "count_primes", "primes-below-300k", "300000")?;
        let large = schedule(&local, "count_primes", "primes-below-1e9", "1000000000")?;
        // Both counts are busy on the blocking pool before the ping is scheduled.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = Instant::now();
        let pinged = schedule(&local, "ping", "ping", "null")?;
        let ping_outcome = tokio::time::timeout(Duration::from_secs(30), pinged.outcome()).await?;
        println!(
            "ping                {} in {} ms, while both counts ran",
            describe(&ping_outcome),
            asked.elapsed().as_millis()
        );
        large.request_cancel()?;
        println!("primes-below-1e9    cancellation requested");
        for (label, handle) in [("primes-below-300k", &small), ("primes-below-1e9", &large)] {
            let outcome = tokio::time::timeout(Duration::from_secs(30), handle.outcome()).await?;
            println!(
                "{label:<19} {} (heartbeats: {})",
                describe(&outcome),
                handle.heartbeat_count()
            );
        }
        stop.shutdown();
        Ok::<(), Box<dyn Error>>(())
    };
    let (ran, scenario) = tokio::join!(worker.run_until(std::future::pending()), scenario);
    ran?;
    scenario
}
