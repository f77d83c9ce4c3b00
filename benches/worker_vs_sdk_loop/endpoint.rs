//! The endpoint role: swf-local on a loopback port, scheduling activities through its harness
//! (no decider) and reading their outcomes and histories for the bench.
//!
//! Commands (one a line):
//!
//! | command | answer |
//! |---|---|
//! | `schedule name=N count=K [input=I]` | `scheduled=K` |
//! | `tasks` | `started=S queued=Q`: activity tasks started and still open, and waiting |
//! | `wait-closed timeout_ms=T` | `completed= timed_out= other= open= heartbeats=` of the batch |
//! | `histories` | a line per scheduled activity: `name= started= closed= outcome=`, then `end` |
//! | `clear` | `cleared=K`: the batch starts anew |

use std::time::Duration;

use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;

use crate::activities::{DOMAIN, TASK_LIST, VERSION, keep_alive, noop, sleeper};
use crate::control::{BenchResult, Reply, answer, commands};

/// Runs the endpoint role until stdin closes.
pub fn main() -> BenchResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let local = runtime.block_on(start())?;
    answer(&format!("url={}", local.url()));
    let mut batch: Vec<(String, ActivityHandle)> = Vec::new();
    for (command, args) in commands() {
        let reply = match command.as_str() {
            "schedule" => schedule(&local, &mut batch, &args),
            "tasks" => {
                let stats = local.stats();
                let queued = stats.queued_tasks;
                let started = stats.open_activity_tasks.saturating_sub(queued);
                Ok(format!("started={started} queued={queued}"))
            }
            "wait-closed" => runtime.block_on(wait_closed(&batch, &args)),
            "histories" => histories(&batch),
            "clear" => {
                let cleared = batch.len();
                batch.clear();
                Ok(format!("cleared={cleared}"))
            }
            other => Err(format!("unknown command {other:?}").into()),
        };
        match reply {
            Ok(line) => answer(&line),
            Err(error) => answer(&format!("error {error}")),
        }
    }
    runtime.block_on(local.shutdown());
    Ok(())
}

async fn start() -> BenchResult<LocalSwf> {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .retain_closed(20_000)
        .start()
        .await?;
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    // The types as the framework registers them, so both workers find the same defaults.
    Worker::builder(client)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(noop)
        .activity(sleeper)
        .activity(keep_alive)
        .build()?
        .register_activity_types()
        .await?;
    Ok(local)
}

fn schedule(
    local: &LocalSwf,
    batch: &mut Vec<(String, ActivityHandle)>,
    args: &Reply,
) -> BenchResult<String> {
    let name = args.text("name")?;
    let count: usize = args.number("count")?;
    let input = args.text("input").ok();
    for _ in 0..count {
        let mut spec = ActivitySpec::new(DOMAIN, name, VERSION);
        if let Some(input) = input {
            spec = spec.input(input);
        }
        batch.push((name.to_owned(), local.schedule_activity(spec)?));
    }
    Ok(format!("scheduled={count}"))
}

async fn wait_closed(batch: &[(String, ActivityHandle)], args: &Reply) -> BenchResult<String> {
    let limit = Duration::from_millis(args.number("timeout_ms")?);
    let all = futures::future::join_all(batch.iter().map(|(_, handle)| handle.outcome()));
    let _ = tokio::time::timeout(limit, all).await;
    let (mut completed, mut timed_out, mut other, mut open, mut heartbeats) = (0, 0, 0, 0, 0);
    for (_, handle) in batch {
        heartbeats += handle.heartbeat_count();
        match handle.try_outcome() {
            Some(ActivityOutcome::Completed { .. }) => completed += 1,
            Some(ActivityOutcome::TimedOut { .. }) => timed_out += 1,
            Some(_) => other += 1,
            None => open += 1,
        }
    }
    Ok(format!(
        "completed={completed} timed_out={timed_out} other={other} open={open} heartbeats={heartbeats}"
    ))
}

fn histories(batch: &[(String, ActivityHandle)]) -> BenchResult<String> {
    let mut lines = Vec::with_capacity(batch.len() + 1);
    for (name, handle) in batch {
        let events = handle.history()?;
        let time_of = |types: &[&str]| {
            events
                .iter()
                .find(|event| types.contains(&event.event_type()))
                .map_or_else(|| "-".to_owned(), |event| event.event_timestamp.to_string())
        };
        let started = time_of(&["ActivityTaskStarted"]);
        let closed = time_of(&[
            "ActivityTaskCompleted",
            "ActivityTaskFailed",
            "ActivityTaskCanceled",
            "ActivityTaskTimedOut",
        ]);
        let outcome = match handle.try_outcome() {
            Some(ActivityOutcome::Completed { .. }) => "completed",
            Some(ActivityOutcome::TimedOut { .. }) => "timed_out",
            Some(_) => "other",
            None => "open",
        };
        lines.push(format!(
            "name={name} started={started} closed={closed} outcome={outcome}"
        ));
    }
    lines.push("end".to_owned());
    Ok(lines.join("\n"))
}
