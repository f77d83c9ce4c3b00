//! CPU-bound and blocking code as blocking activities: `#[activity(blocking)]` on a plain `fn`.
//!
//! ```sh
//! cargo run --example blocking_work
//! ```
//!
//! An `async fn` activity runs on the worker's Tokio runtime, where code that blocks its thread (a
//! long computation, a synchronous client, a subprocess) holds back polls, heartbeats and other
//! activities. A blocking activity is a plain `fn` that the worker runs on a bounded pool of
//! blocking threads (`WorkerBuilder::max_blocking_activities`); it reports through its `Progress`
//! and checks for cancellation from its own thread with `check_cancelled()` and
//! `wait_cancelled_timeout()`.
//!
//! The worker runs on a single-threaded runtime to make the point, with a pool of two places:
//! two prime counts (CPU-bound) and an upload through a synchronous client (a blocking call per
//! file) share the pool, while an async `ping` on the runtime's only thread still answers at once.
//! The larger count is cancelled midway and stops at its next chunk. The example exits 0 only
//! when the workflow histories show all of it.

use std::error::Error;
use std::time::{Duration, Instant};

use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, HistoryEvent, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, Resource, activity};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

const DOMAIN: &str = "blocking-demo";
const TASK_LIST: &str = "work";
/// Numbers checked between two reports and cancellation checks.
const CHUNK: u64 = 20_000;
/// The number of primes below 300,000.
const PRIMES_BELOW_300K: u64 = 25_997;

/// Counts the primes below `below`: plain CPU-bound code, reporting and checking for cancellation
/// between chunks. A cancellation request arrives with a heartbeat's answer, so it is seen within
/// one heartbeat interval (here 1.6 s).
#[activity(
    blocking,
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
fn count_primes(progress: &Progress, below: u64) -> Result<u64, ActivityError> {
    let mut primes = 0;
    let mut checked = 0;
    while checked < below {
        if let Err(reason) = progress.check_cancelled() {
            return Err(ActivityError::from(reason)
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

/// A synchronous client, as in a port of existing code: each call blocks its thread.
struct ArchiveClient {
    latency: Duration,
}

impl ArchiveClient {
    fn upload(&self, file: u32) -> String {
        std::thread::sleep(self.latency);
        format!("archive/{file}")
    }
}

/// Uploads `files` files one by one through the synchronous client, reporting each.
#[activity(
    blocking,
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
fn upload_files(
    progress: &Progress,
    archive: Resource<ArchiveClient>,
    files: u32,
) -> Result<Vec<String>, ActivityError> {
    let mut keys = Vec::new();
    for file in 0..files {
        progress.check_cancelled()?;
        keys.push(archive.upload(file));
        progress.report(&format!("{} of {files} uploaded", file + 1))?;
    }
    Ok(keys)
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
) -> Result<ActivityHandle, Box<dyn Error>> {
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

/// The activity events of a task's history, e.g. `Scheduled > Started > Completed`.
fn activity_events(history: &[HistoryEvent]) -> String {
    history
        .iter()
        .filter_map(|event| event.event_type().strip_prefix("ActivityTask"))
        .collect::<Vec<_>>()
        .join(" > ")
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
        .max_blocking_activities(2)
        .activity(count_primes)
        .activity(upload_files)
        .activity(ping)
        .resource(ArchiveClient {
            latency: Duration::from_millis(250),
        })
        .build()?;
    worker.register_activity_types().await?;
    let stop = worker.shutdown_handle();

    let scenario = async {
        let large = schedule(&local, "count_primes", "primes-below-1e9", "1000000000")?;
        let small = schedule(&local, "count_primes", "primes-below-300k", "300000")?;
        let upload = schedule(&local, "upload_files", "upload-6-files", "6")?;
        // The large count and the small one hold both places; the upload waits for the small
        // count's place, heartbeating meanwhile.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = Instant::now();
        let pinged = schedule(&local, "ping", "ping", "null")?;
        let ping_outcome = tokio::time::timeout(Duration::from_secs(30), pinged.outcome()).await?;
        println!(
            "ping                {} in {} ms, while the pool was busy",
            describe(&ping_outcome),
            asked.elapsed().as_millis()
        );
        tokio::time::timeout(Duration::from_secs(30), upload.outcome()).await?;
        large.request_cancel()?;
        println!("primes-below-1e9    cancellation requested");
        let tasks = [
            ("primes-below-300k", small),
            ("upload-6-files", upload),
            ("primes-below-1e9", large),
            ("ping", pinged),
        ];
        for (label, handle) in &tasks {
            let outcome = tokio::time::timeout(Duration::from_secs(30), handle.outcome()).await?;
            println!(
                "{label:<19} {} (heartbeats: {})",
                describe(&outcome),
                handle.heartbeat_count()
            );
        }
        stop.shutdown();
        Ok::<_, Box<dyn Error>>(tasks)
    };
    let (ran, tasks) = tokio::join!(worker.run_until(std::future::pending()), scenario);
    ran?;
    let tasks = tasks?;

    // What the histories must show: the small count's result, the upload's six keys, the large
    // count canceled on request, the ping answered, and no task timed out waiting for the pool.
    let mut problems = Vec::new();
    for (label, handle) in &tasks {
        let history = handle.history()?;
        let events = activity_events(&history);
        println!("{label:<19} history: {events}");
        let expected = match *label {
            "primes-below-1e9" => "Scheduled > Started > CancelRequested > Canceled",
            _ => "Scheduled > Started > Completed",
        };
        if events != expected {
            problems.push(format!("{label}: {events}, expected {expected}"));
        }
    }
    let result = |i: usize| match tasks[i].1.try_outcome() {
        Some(ActivityOutcome::Completed { result }) => result.unwrap_or_default(),
        _ => String::new(),
    };
    if result(0) != PRIMES_BELOW_300K.to_string() {
        problems.push(format!("primes-below-300k answered {:?}", result(0)));
    }
    let keys: Vec<String> = serde_json::from_str(&result(1)).unwrap_or_default();
    if keys.len() != 6 {
        problems.push(format!("upload-6-files answered {:?}", result(1)));
    }
    if problems.is_empty() {
        println!("All blocking work ran on the pool, and the runtime answered throughout.");
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}
