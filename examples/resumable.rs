//! An activity that resumes from its last checkpoint after its machine stops responding.
//!
//! ```sh
//! cargo run --example resumable
//! ```
//!
//! SWF keeps the details of an activity's last heartbeat in its ActivityTaskTimedOut event. So
//! an activity that reports a typed checkpoint as it goes can be resumed:
//!
//! 1. `transcode` stores segments one by one in a shared `Archive` (a `Resource`) and reports
//!    `Checkpoint { segments_done }` after each, flushing it so SWF has it before the next
//!    segment starts.
//! 2. In its first attempt the archive stops answering at segment 5 (a simulated hung machine).
//!    The activity's heartbeats are manual, so they stop too, and after its 1 s heartbeat
//!    timeout SWF records ActivityTaskTimedOut with the last checkpoint.
//! 3. The decider reads that through `swf_activity::decider` (`Outcome::TimedOut`, the details
//!    decoded as `Checkpoint`) and schedules the activity again with the checkpoint in its input.
//! 4. The second attempt starts after segment 4 and finishes; no segment is stored twice.
//!
//! Everything runs in this process against the embedded local endpoint, with a real decider
//! (PollForDecisionTask / RespondDecisionTaskCompleted).

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::types::{
    CompleteWorkflowExecutionDecisionAttributes, Decision, DecisionType,
    FailWorkflowExecutionDecisionAttributes, HistoryEvent,
};
use serde::{Deserialize, Serialize};
use swf_activity::decider::{ActivityHistory, Outcome, ScheduleActivity};
use swf_activity::local::LocalSwf;
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, Resource, activity};

const DOMAIN: &str = "resumable-demo";
const TASK_LIST: &str = "transcoding";
const DECISIONS: &str = "resumable-decisions";
/// The workflow the decider runs.
const WORKFLOW: support::Workflow = support::Workflow {
    domain: DOMAIN,
    decisions: DECISIONS,
    name: "transcode-video",
    workflow_id: "video-1",
};
const ACTIVITY_ID: &str = "transcode-video";
const SEGMENTS: u32 = 10;
/// The first attempt's archive hangs when asked to store this segment.
const HANGS_AT: u32 = 5;
const SEGMENT_TIME: Duration = Duration::from_millis(200);
/// The whole run must end within this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The activity's input: how many segments, which attempt this is, and where to resume.
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    segments: u32,
    attempt: u32,
    resume_from: Option<Checkpoint>,
}

/// What the activity reports after each segment, and what SWF keeps when it times out.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Checkpoint {
    segments_done: u32,
}

/// The activity's result.
#[derive(Debug, Serialize, Deserialize)]
struct Transcoded {
    segments: u32,
    by_this_attempt: u32,
}

/// Where segments are stored, shared by every task: it records which attempt stored which
/// segment, and hangs (as a stuck disk or network would) in the first attempt at `HANGS_AT`.
#[derive(Default)]
struct Archive {
    stored: Mutex<BTreeMap<u32, Vec<u32>>>,
}

impl Archive {
    async fn store(&self, attempt: u32, segment: u32) {
        if attempt == 1 && segment == HANGS_AT {
            println!(
                "attempt {attempt}: the archive stops answering at segment {segment} (simulated)"
            );
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(SEGMENT_TIME).await;
        if let Ok(mut stored) = self.stored.lock() {
            stored.entry(segment).or_default().push(attempt);
        }
    }
}

/// Transcodes a video segment by segment, resuming after `resume_from` when given.
#[activity(
    version = "1",
    heartbeat = "manual",
    heartbeat_timeout = "1s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn transcode(
    progress: Progress,
    archive: Resource<Archive>,
    job: Job,
) -> Result<Transcoded, ActivityError> {
    let start = job.resume_from.map_or(0, |c| c.segments_done);
    match job.resume_from {
        Some(checkpoint) => println!(
            "attempt {}: resuming after segment {} (checkpoint {})",
            job.attempt,
            checkpoint.segments_done,
            serde_json::to_string(&checkpoint)?
        ),
        None => println!("attempt {}: starting from segment 1", job.attempt),
    }
    for segment in start + 1..=job.segments {
        tokio::select! {
            reason = progress.cancelled() => return Err(reason.into()),
            () = archive.store(job.attempt, segment) => {}
        }
        println!("attempt {}: segment {segment} stored", job.attempt);
        progress.report(&Checkpoint {
            segments_done: segment,
        })?;
        // Sent now, not at the next interval: SWF must hold the checkpoint before more work
        // depends on it.
        progress.flush().await?;
    }
    Ok(Transcoded {
        segments: job.segments,
        by_this_attempt: job.segments - start,
    })
}

/// The decisions for one decision task, read from the whole history.
fn decide(events: &[HistoryEvent]) -> Result<(Vec<Decision>, bool), Box<dyn Error>> {
    let attempts = events
        .iter()
        .filter(|e| e.activity_task_scheduled_event_attributes().is_some())
        .count() as u32;
    let schedule = |resume_from: Option<Checkpoint>| {
        let job = Job {
            segments: SEGMENTS,
            attempt: attempts + 1,
            resume_from,
        };
        ScheduleActivity::new(transcode, &job)
            .activity_id(ACTIVITY_ID)
            .task_list(TASK_LIST)
            .decision()
    };
    match ActivityHistory::new(events).outcome(transcode, ACTIVITY_ID)? {
        None if attempts == 0 => Ok((vec![schedule(None)?], false)),
        None => Ok((Vec::new(), false)), // still running
        Some(Outcome::TimedOut {
            timeout_type,
            details,
        }) => {
            let checkpoint = details.decode::<Checkpoint>()?;
            println!(
                "decider: attempt {attempts} timed out ({}); its last heartbeat carried {}; \
                 scheduling attempt {} from there",
                timeout_type.as_str(),
                details.raw().unwrap_or("no checkpoint"),
                attempts + 1
            );
            Ok((vec![schedule(checkpoint)?], false))
        }
        Some(Outcome::Completed(done)) => {
            println!(
                "decider: attempt {attempts} completed: {} segments, {} of them by this attempt",
                done.segments, done.by_this_attempt
            );
            let complete = Decision::builder()
                .decision_type(DecisionType::CompleteWorkflowExecution)
                .complete_workflow_execution_decision_attributes(
                    CompleteWorkflowExecutionDecisionAttributes::builder().build(),
                )
                .build()?;
            Ok((vec![complete], true))
        }
        Some(other) => {
            println!("decider: attempt {attempts} ended: {other:?}");
            let fail = Decision::builder()
                .decision_type(DecisionType::FailWorkflowExecution)
                .fail_workflow_execution_decision_attributes(
                    FailWorkflowExecutionDecisionAttributes::builder()
                        .reason("transcode did not complete")
                        .build(),
                )
                .build()?;
            Ok((vec![fail], true))
        }
    }
}

/// What a run left behind: which attempts stored each segment, and the workflow's history.
struct Run {
    stored: BTreeMap<u32, Vec<u32>>,
    history: Vec<HistoryEvent>,
}

/// Runs the endpoint, a worker and the decider until the workflow closes.
async fn run() -> Result<Run, Box<dyn Error>> {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let archive = std::sync::Arc::new(Archive::default());
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .resource_arc(std::sync::Arc::clone(&archive))
        .activity(transcode)
        .shutdown_grace(Duration::from_millis(100))
        .cancel_grace(Duration::from_millis(100))
        .build()?;
    worker.register_activity_types().await?;
    let shutdown = worker.shutdown_handle();
    let decider = async {
        let ran =
            tokio::time::timeout(RUN_LIMIT, support::run_workflow(&client, &WORKFLOW, decide))
                .await;
        shutdown.shutdown(); // also stops the hung first attempt
        ran.map_err(|_| format!("the workflow did not close within {RUN_LIMIT:?}"))?
    };
    let (worker_result, history) = tokio::join!(worker.run_until(std::future::pending()), decider);
    let history = history?;
    worker_result?;
    let stored = archive
        .stored
        .lock()
        .map_err(|_| "archive poisoned")?
        .clone();
    Ok(Run { stored, history })
}

/// Each segment stored exactly once, the second attempt starting where the first hung.
fn resumed_without_redoing(stored: &BTreeMap<u32, Vec<u32>>) -> bool {
    (1..=SEGMENTS).all(|segment| {
        let expected = if segment < HANGS_AT { 1 } else { 2 };
        stored.get(&segment) == Some(&vec![expected])
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let Run { stored, history } = run().await?;
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e.event_type().as_str())
        .filter(|kind| kind.starts_with("ActivityTask"))
        .map(|kind| kind.trim_start_matches("ActivityTask"))
        .collect();
    println!();
    println!("History: {}", kinds.join(" > "));
    println!("Stored segments (segment: attempts that stored it):");
    for (segment, attempts) in &stored {
        println!("  {segment:>2}: {attempts:?}");
    }
    if !resumed_without_redoing(&stored) {
        return Err(format!(
            "expected each segment stored once, the second attempt from {HANGS_AT}: {stored:?}"
        )
        .into());
    }
    println!(
        "Resumed: attempt 2 stored segments {}..={} from the checkpoint after segment {}; \
         segments 1..={} were not redone",
        HANGS_AT,
        SEGMENTS,
        HANGS_AT - 1,
        HANGS_AT - 1
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use aws_sdk_swf::types::ActivityTaskTimeoutType;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_second_attempt_resumes_from_the_checkpoint_swf_kept() {
        let Run { stored, history } = run().await.expect("the example runs");
        assert!(resumed_without_redoing(&stored), "{stored:?}");

        // What the endpoint recorded: a heartbeat timeout carrying the checkpoint after segment
        // 4, then a second scheduling whose input resumes from it.
        let timed_out: Vec<_> = history
            .iter()
            .filter_map(|e| e.activity_task_timed_out_event_attributes())
            .collect();
        assert_eq!(timed_out.len(), 1);
        assert_eq!(
            timed_out[0].timeout_type(),
            &ActivityTaskTimeoutType::Heartbeat
        );
        assert_eq!(timed_out[0].details(), Some(r#"{"segments_done":4}"#));
        let inputs: Vec<Job> = history
            .iter()
            .filter_map(|e| e.activity_task_scheduled_event_attributes())
            .map(|a| serde_json::from_str(a.input().unwrap_or("null")).expect("a job"))
            .collect();
        assert_eq!(inputs.len(), 2);
        assert!(inputs[0].resume_from.is_none());
        assert_eq!(inputs[1].resume_from.map(|c| c.segments_done), Some(4));
        assert!(matches!(
            ActivityHistory::new(&history).outcome(transcode, ACTIVITY_ID),
            Ok(Some(Outcome::Completed(Transcoded {
                segments: 10,
                by_this_attempt: 6
            })))
        ));
    }
}
