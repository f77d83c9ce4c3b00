//! Work on a host's local disk: a shared task list for the first step, the host's own list for
//! the steps that need its files (AWS Flow for Java's file-processing sample).
//!
//! ```sh
//! cargo run --example host_task_lists
//! ```
//!
//! 1. `download` is registered with the shared list `files` as its default: any host may take
//!    it. It stores the file on its host's disk and returns the host's own task list.
//! 2. `process` and `upload` are declared with `task_list = none`: no host's list is baked into
//!    their types, so the decider must say where each task goes. It schedules both on the list
//!    `download` returned, so they run on the host that holds the file.
//! 3. One worker polls both lists (`task_list("files")` and `also_poll("files-host-a")`) with one
//!    pool of slots, one heartbeat engine and one heartbeat budget.
//!
//! Everything runs in this process against the embedded local endpoint, with a real decider
//! (PollForDecisionTask / RespondDecisionTaskCompleted). The example exits 0 only when the
//! workflow history shows `download` scheduled on the shared list and `process` and `upload` on
//! the host's list, all three completed.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
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

const DOMAIN: &str = "file-processing-demo";
/// Polled by every host.
const SHARED_LIST: &str = "files";
/// This host's name; its own task list is `files-host-a`.
const HOST: &str = "host-a";
const DECISIONS: &str = "file-processing-decisions";
/// The workflow the decider runs.
const WORKFLOW: support::Workflow = support::Workflow {
    domain: DOMAIN,
    decisions: DECISIONS,
    name: "process-file",
    workflow_id: "intro-video",
};
const URL: &str = "https://example.com/videos/intro.mp4";
/// The whole run must end within this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// This host: its name, the task list only it polls, and its local disk.
struct Host {
    name: String,
    task_list: String,
    disk: Mutex<HashMap<String, Vec<u8>>>,
}

impl Host {
    fn new(name: &str) -> Self {
        Host {
            name: name.to_owned(),
            task_list: format!("{SHARED_LIST}-{name}"),
            disk: Mutex::new(HashMap::new()),
        }
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, ActivityError> {
        let disk = self
            .disk
            .lock()
            .map_err(|_| ActivityError::failed("disk poisoned"))?;
        disk.get(path)
            .cloned()
            .ok_or_else(|| ActivityError::failed(format!("{path} is not on {}'s disk", self.name)))
    }

    fn write(&self, path: &str, bytes: Vec<u8>) -> Result<(), ActivityError> {
        let mut disk = self
            .disk
            .lock()
            .map_err(|_| ActivityError::failed("disk poisoned"))?;
        disk.insert(path.to_owned(), bytes);
        Ok(())
    }
}

/// Where a downloaded file is, and the task list of the host that has it.
#[derive(Debug, Serialize, Deserialize)]
struct Downloaded {
    path: String,
    host_task_list: String,
}

/// The task list a task was polled from, as the activity sees it.
fn polled_from(progress: &Progress) -> String {
    progress.task().map_or_else(
        || "(no task)".to_owned(),
        |task| task.task_list().to_owned(),
    )
}

/// Downloads a file to this host's disk; any host may take it.
#[activity(
    version = "1",
    task_list = "files",
    heartbeat_timeout = "30s",
    start_to_close_timeout = "5m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "10m"
)]
async fn download(
    progress: Progress,
    host: Resource<Host>,
    url: String,
) -> Result<Downloaded, ActivityError> {
    let path = format!("/scratch/{}", url.rsplit('/').next().unwrap_or("file"));
    tokio::time::sleep(Duration::from_millis(200)).await; // the transfer
    host.write(&path, format!("the bytes of {url}").into_bytes())?;
    println!(
        "download  polled from {:<14} stored {path} on {}; the next steps go to {}",
        polled_from(&progress),
        host.name,
        host.task_list
    );
    Ok(Downloaded {
        path,
        host_task_list: host.task_list.clone(),
    })
}

/// Processes a downloaded file in place: only the host that has it can.
#[activity(
    version = "1",
    task_list = none,
    heartbeat_timeout = "30s",
    start_to_close_timeout = "5m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "10m"
)]
async fn process(
    progress: Progress,
    host: Resource<Host>,
    path: String,
) -> Result<String, ActivityError> {
    let bytes = host.read(&path)?;
    let processed = format!("{path}.processed");
    tokio::time::sleep(Duration::from_millis(200)).await; // the work
    host.write(&processed, bytes.to_ascii_uppercase())?;
    println!(
        "process   polled from {:<14} read {path} from {}'s disk, wrote {processed}",
        polled_from(&progress),
        host.name
    );
    Ok(processed)
}

/// Uploads a processed file from this host's disk.
#[activity(
    version = "1",
    task_list = none,
    heartbeat_timeout = "30s",
    start_to_close_timeout = "5m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "10m"
)]
async fn upload(
    progress: Progress,
    host: Resource<Host>,
    path: String,
) -> Result<String, ActivityError> {
    let bytes = host.read(&path)?;
    let url = format!("https://cdn.example.com{path}");
    println!(
        "upload    polled from {:<14} sent {} bytes of {path} to {url}",
        polled_from(&progress),
        bytes.len()
    );
    Ok(url)
}

/// A decision that closes the workflow: completed, or failed with `reason`.
fn close(reason: Option<String>) -> Result<Decision, Box<dyn Error>> {
    Ok(match reason {
        None => Decision::builder()
            .decision_type(DecisionType::CompleteWorkflowExecution)
            .complete_workflow_execution_decision_attributes(
                CompleteWorkflowExecutionDecisionAttributes::builder().build(),
            )
            .build()?,
        Some(reason) => Decision::builder()
            .decision_type(DecisionType::FailWorkflowExecution)
            .fail_workflow_execution_decision_attributes(
                FailWorkflowExecutionDecisionAttributes::builder()
                    .reason(reason)
                    .build(),
            )
            .build()?,
    })
}

/// The decisions for one decision task, read from the whole history: download anywhere, then
/// process and upload on the list of the host that downloaded. Returns whether they close the
/// workflow.
fn decide(events: &[HistoryEvent]) -> Result<(Vec<Decision>, bool), Box<dyn Error>> {
    let history = ActivityHistory::new(events);
    let scheduled = events
        .iter()
        .filter(|e| e.activity_task_scheduled_event_attributes().is_some())
        .count();
    let downloaded = match history.outcome(download, "download")? {
        // The registered default list, `files`: any host may take it.
        None if scheduled == 0 => {
            let decision = ScheduleActivity::new(download, &URL.to_owned())
                .activity_id("download")
                .decision()?;
            return Ok((vec![decision], false));
        }
        None => return Ok((Vec::new(), false)),
        Some(Outcome::Completed(downloaded)) => downloaded,
        Some(other) => return Ok((vec![close(Some(format!("download: {other:?}")))?], true)),
    };
    let processed = match history.outcome(process, "process")? {
        // `process` registers no default list: without `.task_list(..)` this is refused with
        // DecisionError::NoDefaultTaskList.
        None if scheduled == 1 => {
            let decision = ScheduleActivity::new(process, &downloaded.path)
                .activity_id("process")
                .task_list(&downloaded.host_task_list)
                .decision()?;
            return Ok((vec![decision], false));
        }
        None => return Ok((Vec::new(), false)),
        Some(Outcome::Completed(processed)) => processed,
        Some(other) => return Ok((vec![close(Some(format!("process: {other:?}")))?], true)),
    };
    match history.outcome(upload, "upload")? {
        None if scheduled == 2 => {
            let decision = ScheduleActivity::new(upload, &processed)
                .activity_id("upload")
                .task_list(&downloaded.host_task_list)
                .decision()?;
            Ok((vec![decision], false))
        }
        None => Ok((Vec::new(), false)),
        Some(Outcome::Completed(_)) => Ok((vec![close(None)?], true)),
        Some(other) => Ok((vec![close(Some(format!("upload: {other:?}")))?], true)),
    }
}

/// Runs the endpoint, one worker on both lists and the decider until the workflow closes.
async fn run() -> Result<Vec<HistoryEvent>, Box<dyn Error>> {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let host = Host::new(HOST);
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(SHARED_LIST) // shared by every host
        .also_poll(&host.task_list) // only this host
        .max_concurrent_activities(4) // one pool of slots for both lists
        .resource(host)
        .activity(download)
        .activity(process)
        .activity(upload)
        .build()?;
    worker.register_activity_types().await?;
    let shutdown = worker.shutdown_handle();
    let decider = async {
        let ran =
            tokio::time::timeout(RUN_LIMIT, support::run_workflow(&client, &WORKFLOW, decide))
                .await;
        shutdown.shutdown();
        ran.map_err(|_| format!("the workflow did not close within {RUN_LIMIT:?}"))?
    };
    let (worker_result, history) = tokio::join!(worker.run_until(std::future::pending()), decider);
    let history = history?;
    worker_result?;
    Ok(history)
}

/// Each activity id with the task list it was scheduled on and whether it completed.
fn where_each_ran(history: &[HistoryEvent]) -> Vec<(String, String, bool)> {
    let mut ran = Vec::new();
    for event in history {
        if let Some(scheduled) = event.activity_task_scheduled_event_attributes() {
            let completed = history.iter().any(|e| {
                e.activity_task_completed_event_attributes()
                    .is_some_and(|c| c.scheduled_event_id() == event.event_id())
            });
            ran.push((
                scheduled.activity_id().to_owned(),
                scheduled
                    .task_list()
                    .map(|list| list.name().to_owned())
                    .unwrap_or_default(),
                completed,
            ));
        }
    }
    ran
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let history = run().await?;
    let ran = where_each_ran(&history);
    println!();
    println!("From the history:");
    for (activity_id, task_list, completed) in &ran {
        let state = if *completed {
            "completed"
        } else {
            "not completed"
        };
        println!("  {activity_id:<9} scheduled on {task_list:<14} {state}");
    }
    let host_list = format!("{SHARED_LIST}-{HOST}");
    let expected = [
        ("download", SHARED_LIST),
        ("process", host_list.as_str()),
        ("upload", host_list.as_str()),
    ];
    let as_expected = ran.len() == expected.len()
        && ran
            .iter()
            .zip(expected)
            .all(|((id, list, completed), (want_id, want_list))| {
                id == want_id && list == want_list && *completed
            });
    if !as_expected {
        return Err(format!(
            "expected download on {SHARED_LIST}, then process and upload on {host_list}, all completed: {ran:?}"
        )
        .into());
    }
    println!("Host list: process and upload ran on {host_list}, where download left the file");
    Ok(())
}
