//! Unit-testing an activity with `swf_activity::testing::ActivityEnvironment`: no SWF, no worker,
//! tokio's paused time, every heartbeat recorded.
//!
//! ```sh
//! cargo run --example testing_activities    # runs the checks and prints them
//! cargo test --example testing_activities   # the same checks as #[tokio::test]s
//! ```
//!
//! `ActivityEnvironment` runs the activity on the real heartbeat engine against a scripted
//! service. Under paused time (`#[tokio::test(start_paused = true)]`, which needs tokio's
//! `test-util` feature in your dev-dependencies) timers fire at once and in order, so a test of
//! minutes of heartbeats takes milliseconds and its timings are exact.

use std::error::Error;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, Trigger};
use swf_activity::{ActivityError, CancelReason, Progress, activity};

/// The activity's input.
#[derive(Debug, Deserialize, Serialize)]
pub struct Batch {
    pub images: u32,
}

/// Its progress details and result.
#[derive(Debug, Deserialize, Serialize, PartialEq)]
pub struct Converted {
    pub done: u32,
    pub of: u32,
}

/// Converts a batch of images, 2 s each, reporting after each one.
#[activity(
    version = "1",
    heartbeat_timeout = "10s",
    start_to_close_timeout = "5m"
)]
pub async fn convert_images(progress: Progress, batch: Batch) -> Result<Converted, ActivityError> {
    if batch.images == 0 {
        return Err(ActivityError::failed("empty batch"));
    }
    for done in 0..batch.images {
        let details = Converted {
            done,
            of: batch.images,
        };
        progress.report(&details)?;
        tokio::select! {
            _ = progress.cancelled() => {
                return Err(ActivityError::canceled().with_details(&details));
            }
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
    Ok(Converted {
        done: batch.images,
        of: batch.images,
    })
}

type Checked = Result<String, Box<dyn Error>>;
type CheckFuture = std::pin::Pin<Box<dyn Future<Output = Checked>>>;
/// A check's name and how to start it.
type Check = (&'static str, fn() -> CheckFuture);

/// Fails the check with `message` unless `condition` holds.
fn ensure(condition: bool, message: impl Into<String>) -> Result<(), Box<dyn Error>> {
    if condition {
        Ok(())
    } else {
        Err(message.into().into())
    }
}

/// The body alone, called directly: no heartbeats, never cancelled.
async fn body_called_directly() -> Checked {
    // ActivityError is not a std::error::Error (so that every error converts into it): turn it
    // into a string to use `?` in a function returning Box<dyn Error>.
    let result = convert_images::run(Progress::detached(), Batch { images: 3 })
        .await
        .map_err(|err| err.to_string())?;
    ensure(
        result == Converted { done: 3, of: 3 },
        format!("{result:?}"),
    )?;
    Ok("convert_images::run(Progress::detached(), ..) returns the result".into())
}

/// Runs to the end; the first report goes out at once, then the latest every 0.8 x 10 s = 8 s.
async fn heartbeats_on_schedule() -> Checked {
    let run = ActivityEnvironment::new()
        .run_json(&convert_images, &Batch { images: 10 })
        .await?;
    let result: Converted = run.result_json()?;
    ensure(
        result == Converted { done: 10, of: 10 },
        format!("{result:?}"),
    )?;
    ensure(
        run.elapsed == Duration::from_secs(20),
        format!("{:?}", run.elapsed),
    )?;
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    ensure(times == [0, 8, 16], format!("heartbeat times {times:?}"))?;
    // Each heartbeat carries the latest report; those in between were folded into it.
    let details = run.heartbeat_details();
    ensure(
        details[1] == Some(r#"{"done":4,"of":10}"#),
        format!("{details:?}"),
    )?;
    Ok(format!(
        "20 s of work: heartbeats at {times:?} s, {} reports folded into them",
        run.stats.coalesced
    ))
}

/// The decider requests cancellation at 5 s; the answer to the next heartbeat (at 8 s) says so.
async fn cancellation_is_noticed_at_the_next_heartbeat() -> Checked {
    let run = ActivityEnvironment::new()
        .request_cancellation(Trigger::At(Duration::from_secs(5)))
        .run_json(&convert_images, &Batch { images: 10 })
        .await?;
    ensure(
        run.cancel_reason == Some(CancelReason::Requested),
        format!("{:?}", run.cancel_reason),
    )?;
    // Requested at 5 s, seen in the answer to the heartbeat at 8 s.
    ensure(
        run.elapsed == Duration::from_secs(8),
        format!("{:?}", run.elapsed),
    )?;
    ensure(
        run.outcome
            == ActivityOutcome::Canceled {
                details: Some(r#"{"done":4,"of":10}"#.into()),
            },
        format!("{:?}", run.outcome),
    )?;
    Ok("requested at 5 s, noticed at 8 s, answered canceled with its progress".into())
}

/// The worker shuts down mid-run.
async fn worker_shutdown_cancels() -> Checked {
    let run = ActivityEnvironment::new()
        .worker_shutdown(Trigger::At(Duration::from_secs(3)))
        .run_json(&convert_images, &Batch { images: 10 })
        .await?;
    ensure(
        run.cancel_reason == Some(CancelReason::WorkerShutdown),
        format!("{:?}", run.cancel_reason),
    )?;
    ensure(run.is_canceled(), format!("{:?}", run.outcome))?;
    Ok(format!(
        "shutdown at 3 s: cancelled() resolves at once ({:?})",
        run.elapsed
    ))
}

/// The task goes away (it timed out or its workflow closed).
async fn task_gone_stops_heartbeats() -> Checked {
    let run = ActivityEnvironment::new()
        .task_gone(Trigger::AfterHeartbeats(1))
        .run_json(&convert_images, &Batch { images: 10 })
        .await?;
    ensure(
        run.cancel_reason == Some(CancelReason::TaskGone),
        format!("{:?}", run.cancel_reason),
    )?;
    ensure(run.heartbeats.len() == 2, format!("{:?}", run.heartbeats))?;
    Ok("the second heartbeat answers UnknownResourceFault: TaskGone, no more heartbeats".into())
}

/// Bad input and errors from the body.
async fn failures() -> Checked {
    let run = ActivityEnvironment::new()
        .run(&convert_images, Some("not json".into()))
        .await;
    ensure(
        run.failure_reason() == Some("invalid input"),
        format!("{:?}", run.outcome),
    )?;
    let run = ActivityEnvironment::new()
        .run_json(&convert_images, &Batch { images: 0 })
        .await?;
    ensure(
        run.failure_reason() == Some("empty batch"),
        format!("{:?}", run.outcome),
    )?;
    Ok("undecodable input fails with \"invalid input\"; errors fail with their reason".into())
}

fn main() -> Result<(), Box<dyn Error>> {
    // A runtime whose clock only moves when every task waits, as under #[tokio::test(start_paused = true)].
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()?;
    let started = std::time::Instant::now();
    let checks: [Check; 6] = [
        ("body_called_directly", || Box::pin(body_called_directly())),
        ("heartbeats_on_schedule", || {
            Box::pin(heartbeats_on_schedule())
        }),
        ("cancellation_is_noticed_at_the_next_heartbeat", || {
            Box::pin(cancellation_is_noticed_at_the_next_heartbeat())
        }),
        ("worker_shutdown_cancels", || {
            Box::pin(worker_shutdown_cancels())
        }),
        ("task_gone_stops_heartbeats", || {
            Box::pin(task_gone_stops_heartbeats())
        }),
        ("failures", || Box::pin(failures())),
    ];
    let mut failed = 0;
    for (name, check) in checks {
        match runtime.block_on(check()) {
            Ok(shown) => println!("ok    {name}: {shown}"),
            Err(err) => {
                failed += 1;
                println!("FAIL  {name}: {err}");
            }
        }
    }
    println!(
        "{} checks, {failed} failed, in {} ms of real time",
        checks.len(),
        started.elapsed().as_millis()
    );
    if failed > 0 {
        return Err(format!("{failed} checks failed").into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn body() -> Result<(), Box<dyn Error>> {
        body_called_directly().await.map(drop)
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeats() -> Result<(), Box<dyn Error>> {
        heartbeats_on_schedule().await.map(drop)
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation() -> Result<(), Box<dyn Error>> {
        cancellation_is_noticed_at_the_next_heartbeat()
            .await
            .map(drop)
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown() -> Result<(), Box<dyn Error>> {
        worker_shutdown_cancels().await.map(drop)
    }

    #[tokio::test(start_paused = true)]
    async fn gone() -> Result<(), Box<dyn Error>> {
        task_gone_stops_heartbeats().await.map(drop)
    }

    #[tokio::test(start_paused = true)]
    async fn failing() -> Result<(), Box<dyn Error>> {
        failures().await.map(drop)
    }
}
