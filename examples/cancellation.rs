//! How an activity can react to being asked to stop, and every reason `cancelled()` gives.
//!
//! ```sh
//! cargo run --example cancellation
//! ```
//!
//! Part 1 asks three activities to cancel and shows three reactions: stop at once and answer
//! canceled with details, ignore the request and complete, clean up then answer canceled.
//!
//! Part 2 makes `Progress::cancelled()` resolve with each [`CancelReason`]:
//!
//! | reason | made here by | will SWF accept an answer? |
//! |---|---|---|
//! | `Requested` | the decider's RequestCancelActivityTask (part 1) | yes |
//! | `TaskGone` | terminating the workflow: the next heartbeat answers UnknownResourceFault | no |
//! | `StartToCloseElapsed` | an activity slower than its start-to-close timeout | no |
//! | `NotPermitted` | a heartbeat refused with OperationNotPermittedFault (scripted: the local endpoint checks no permissions) | no |
//! | `WorkerShutdown` | the worker's shutdown grace running out | yes |
//!
//! A started activity only learns of a cancellation request from a heartbeat's answer, so it
//! notices at its next heartbeat: here within 0.8 x 2 s.

use std::error::Error;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::testing::{ActivityEnvironment, Trigger};
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, CancelReason, Progress, activity};
use tracing_subscriber::prelude::*;

const DOMAIN: &str = "cancellation-demo";
const TASK_LIST: &str = "work";
const STEP: Duration = Duration::from_millis(200);

/// Prints a line with the time since the example started.
fn say(text: &str) {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    println!("[{:>5.1} s] {text}", start.elapsed().as_secs_f64());
}

fn activity_id(progress: &Progress) -> String {
    progress
        .task()
        .map_or_else(|| "?".to_owned(), |task| task.activity_id.clone())
}

/// Reaction 1: stop at once and answer canceled, saying how far it got.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn stop_at_once(progress: Progress, steps: u32) -> Result<u32, ActivityError> {
    for step in 0..steps {
        progress.report(&format!("step {step} of {steps}"))?;
        tokio::select! {
            reason = progress.cancelled() => {
                say(&format!("stop_at_once: {reason} at step {step}: answering canceled"));
                return Err(ActivityError::canceled().with_details(&format!("stopped at step {step} of {steps}")));
            }
            () = tokio::time::sleep(STEP) => {}
        }
    }
    Ok(steps)
}

/// Reaction 2: finish anyway. A cancellation request is a request: an activity that is nearly
/// done, or whose work must not be left half-way, may complete instead.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn finish_anyway(progress: Progress, steps: u32) -> Result<String, ActivityError> {
    let mut noticed_at = None;
    for step in 0..steps {
        progress.report(&format!("step {step} of {steps}"))?;
        tokio::time::sleep(STEP).await;
        if noticed_at.is_none() && progress.is_cancelled() {
            say(&format!(
                "finish_anyway: cancellation requested at step {step}: carrying on"
            ));
            noticed_at = Some(step);
        }
    }
    Ok(match noticed_at {
        Some(step) => {
            format!("completed all {steps} steps (cancellation requested at step {step})")
        }
        None => format!("completed all {steps} steps"),
    })
}

/// Reaction 3: clean up, then answer canceled. The task stays open while it cleans up, and the
/// worker keeps heartbeating it, so cleanup may take a while (within the start-to-close timeout).
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn clean_up_first(progress: Progress, steps: u32) -> Result<u32, ActivityError> {
    for step in 0..steps {
        progress.report(&format!("step {step} of {steps}"))?;
        tokio::select! {
            reason = progress.cancelled() => {
                say(&format!("clean_up_first: {reason} at step {step}: removing partial output"));
                progress.report("cleaning up")?;
                tokio::time::sleep(3 * STEP).await; // e.g. delete temporary files
                say("clean_up_first: clean, answering canceled");
                return Err(ActivityError::canceled().with_details(&format!("cleaned up after step {step}")));
            }
            () = tokio::time::sleep(STEP) => {}
        }
    }
    Ok(steps)
}

/// Works until told to stop, then shows why and answers as the reason deserves.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn until_stopped(progress: Progress) -> Result<(), ActivityError> {
    let id = activity_id(&progress);
    // Bounded: the start-to-close timeout (1 min) would end it anyway.
    for step in 0..300 {
        tokio::select! {
            reason = progress.cancelled() => return answer(&id, reason),
            () = tokio::time::sleep(STEP) => progress.report(&format!("step {step}"))?,
        }
    }
    Ok(())
}

/// Like `until_stopped`, but its start-to-close timeout (3 s) is shorter than its work.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "3s",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn too_slow(progress: Progress) -> Result<(), ActivityError> {
    let id = activity_id(&progress);
    tokio::select! {
        reason = progress.cancelled() => answer(&id, reason),
        () = tokio::time::sleep(Duration::from_secs(10)) => Ok(()),
    }
}

/// What to answer for each reason.
fn answer(id: &str, reason: CancelReason) -> Result<(), ActivityError> {
    say(&format!(
        "{id}: cancelled() resolved with {reason:?} ({reason}); SWF accepts an answer: {}",
        reason.task_still_open()
    ));
    match reason {
        // The decider asked: answer canceled.
        CancelReason::Requested => {
            Err(ActivityError::canceled().with_details("stopped on request"))
        }
        // Nobody asked to cancel the work itself: answer failed so the decider can retry it on
        // another worker now, rather than after a timeout.
        CancelReason::WorkerShutdown => Err(ActivityError::failed(
            "interrupted by a worker shutdown; safe to retry",
        )),
        // SWF will accept nothing more for this task: just stop. Whatever is returned, the
        // worker's answer is refused as UnknownResourceFault and logged at warn level.
        CancelReason::TaskGone
        | CancelReason::NotPermitted
        | CancelReason::StartToCloseElapsed
        | CancelReason::HeartbeatTimeoutElapsed => Err(ActivityError::canceled()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Quiet by default: the worker's warnings about answers refused for gone tasks are expected
    // here. RUST_LOG=warn (or info, debug) shows them.
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
    say("starting the local endpoint and a worker");
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let worker = Worker::builder(client.clone())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(stop_at_once)
        .activity(finish_anyway)
        .activity(clean_up_first)
        .activity(until_stopped)
        .activity(too_slow)
        .shutdown_grace(Duration::from_secs(1))
        .cancel_grace(Duration::from_secs(1))
        .build()?;
    let shutdown = worker.shutdown_handle();
    // Register the types before anything schedules them; then poll until shut down.
    worker.register_activity_types().await?;
    let running = tokio::spawn(async move { worker.run_until(std::future::pending()).await });
    let schedule = |name: &str, id: &str, input: &str| {
        local.schedule_activity(
            ActivitySpec::new(DOMAIN, name, "1")
                .activity_id(id)
                .task_list(TASK_LIST)
                .input(input),
        )
    };

    println!();
    say("Part 1: three activities of 15 steps; cancellation is requested for all three at 1 s");
    let reactions = [
        schedule("stop_at_once", "stop-at-once", "15")?,
        schedule("finish_anyway", "finish-anyway", "15")?,
        schedule("clean_up_first", "clean-up-first", "15")?,
    ];
    tokio::time::sleep(Duration::from_secs(1)).await;
    for handle in &reactions {
        handle.request_cancel()?;
    }
    say("requested cancellation of all three");
    for handle in &reactions {
        report(handle).await?;
    }

    println!();
    say("Part 2: the other reasons");
    let terminated = schedule("until_stopped", "terminated", "null")?;
    let slow = schedule("too_slow", "too-slow", "null")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    client
        .terminate_workflow_execution()
        .domain(DOMAIN)
        .workflow_id(&terminated.execution().workflow_id)
        .run_id(&terminated.execution().run_id)
        .reason("terminated by the example")
        .send()
        .await?;
    say("terminated the workflow of 'terminated'");
    report(&terminated).await?;
    report(&slow).await?;

    // The local endpoint checks no permissions, so this one is scripted with the test
    // environment: every heartbeat is refused with OperationNotPermittedFault.
    let run = ActivityEnvironment::new()
        .not_permitted(Trigger::At(Duration::ZERO))
        .run(&until_stopped, None)
        .await;
    say(&format!(
        "(test environment) the run ended with {:?}",
        run.cancel_reason
    ));

    let interrupted = schedule("until_stopped", "interrupted", "null")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    say("shutting the worker down: running activities get 1 s, then cancelled() resolves");
    shutdown.shutdown();
    report(&interrupted).await?;
    running.await??;
    say("worker stopped");
    Ok(())
}

/// Waits for an activity's outcome (at most 30 s) and prints it.
async fn report(handle: &ActivityHandle) -> Result<(), Box<dyn Error>> {
    let outcome = tokio::time::timeout(Duration::from_secs(30), handle.outcome())
        .await
        .map_err(|_| format!("{} did not end within 30 s", handle.activity_id()))?;
    let shown = match &outcome {
        ActivityOutcome::Completed { result } => {
            format!("completed: {}", result.as_deref().unwrap_or(""))
        }
        ActivityOutcome::Canceled { details } => {
            format!("canceled: {}", details.as_deref().unwrap_or(""))
        }
        ActivityOutcome::Failed { reason, .. } => {
            format!("failed: {}", reason.as_deref().unwrap_or(""))
        }
        other => other.summary(),
    };
    say(&format!("  -> {} in SWF: {shown}", handle.activity_id()));
    Ok(())
}
