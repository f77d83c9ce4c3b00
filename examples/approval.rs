//! An activity that waits for an approval delivered by another process.
//!
//! ```sh
//! cargo run --example approval
//! ```
//!
//! Approvals, webhooks and AWS Batch or EMR callbacks finish work the worker does not do itself
//! (Flow's `@ManualActivityCompletion`, Temporal's async completion):
//!
//! 1. The decider schedules `request_approval`. The activity hands its task token to the
//!    approval system (here a file only this user can read) and returns
//!    `ActivityError::completes_elsewhere()`: the worker sends no answer, stops the task's
//!    heartbeats and frees its slot at once.
//! 2. A second OS process, the approver (this program run again with `approve`), reads the
//!    token, heartbeats the task once (which would tell it of a cancel request), and completes
//!    it with its approval through a `CompletionClient`: no worker, only the endpoint's URL.
//! 3. The decider sees ActivityTaskCompleted with the approver's result and closes the workflow.
//!    The example exits 0 only if the history shows the task completed with the approval sent by
//!    that process.
//!
//! Everything runs against the embedded local endpoint on 127.0.0.1, with a real decider.

#[path = "support/mod.rs"]
mod support;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_swf::Client;
use aws_sdk_swf::types::{
    CompleteWorkflowExecutionDecisionAttributes, Decision, DecisionType,
    FailWorkflowExecutionDecisionAttributes, HistoryEvent,
};
use serde::{Deserialize, Serialize};
use swf_activity::completion::CompletionClient;
use swf_activity::decider::{ActivityHistory, Outcome, ScheduleActivity};
use swf_activity::local::LocalSwf;
use swf_activity::registration::register_domain;
use swf_activity::task::TaskToken;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, Resource, activity};

const DOMAIN: &str = "approval-demo";
const TASK_LIST: &str = "approvals";
const DECISIONS: &str = "approval-decisions";
/// The workflow the decider runs.
const WORKFLOW: support::Workflow = support::Workflow {
    domain: DOMAIN,
    decisions: DECISIONS,
    name: "order-approval",
    workflow_id: "order-42",
};
const ACTIVITY_ID: &str = "approve-order-42";
/// The whole run must end within this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// What the approver sends back: the activity's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Approval {
    approved: bool,
    approved_by: String,
}

/// Where tasks waiting for approval are handed over: the approval system's inbox.
struct ApprovalInbox {
    token_file: PathBuf,
}

/// Asks for an order to be approved. The approval arrives later, from another process, by the
/// task's token.
#[activity(
    version = "1",
    // Nothing heartbeats the task while it waits unless the approval system does: no heartbeat
    // timeout, and a start-to-close timeout as long as an approval may take.
    heartbeat_timeout = "none",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn request_approval(
    progress: Progress,
    inbox: Resource<ApprovalInbox>,
    order: String,
) -> Result<Approval, ActivityError> {
    let token = progress
        .task_token()
        .ok_or_else(|| ActivityError::failed("not run by a worker"))?;
    // Only the fingerprint is shown: whoever holds the token can close the task.
    println!("activity: {order} needs approval; handing over task token {token}");
    write_secret(&inbox.token_file, token.as_str())?;
    Err(ActivityError::completes_elsewhere())
}

/// Writes `text` to a new file that only this user can read, whole before it appears at `path`.
fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let partial = path.with_extension("partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&partial)?.write_all(text.as_bytes())?;
    std::fs::rename(partial, path)
}

/// The decisions for one decision task: schedule the approval, then close the workflow with
/// its outcome.
fn decide(events: &[HistoryEvent]) -> Result<(Vec<Decision>, bool), Box<dyn Error>> {
    match ActivityHistory::new(events).outcome(request_approval, ACTIVITY_ID)? {
        None if events
            .iter()
            .any(|e| e.activity_task_scheduled_event_attributes().is_some()) =>
        {
            Ok((Vec::new(), false)) // still waiting for its approval
        }
        None => {
            let schedule = ScheduleActivity::new(request_approval, &"order 42".to_owned())
                .activity_id(ACTIVITY_ID)
                .task_list(TASK_LIST)
                .decision()?;
            Ok((vec![schedule], false))
        }
        Some(Outcome::Completed(approval)) => {
            println!("decider: approval arrived: {approval:?}");
            let complete = Decision::builder()
                .decision_type(DecisionType::CompleteWorkflowExecution)
                .complete_workflow_execution_decision_attributes(
                    CompleteWorkflowExecutionDecisionAttributes::builder()
                        .result(serde_json::to_string(&approval)?)
                        .build(),
                )
                .build()?;
            Ok((vec![complete], true))
        }
        Some(other) => {
            println!("decider: the approval ended otherwise: {other:?}");
            let fail = Decision::builder()
                .decision_type(DecisionType::FailWorkflowExecution)
                .fail_workflow_execution_decision_attributes(
                    FailWorkflowExecutionDecisionAttributes::builder()
                        .reason("not approved")
                        .build(),
                )
                .build()?;
            Ok((vec![fail], true))
        }
    }
}

/// Waits (bounded) for the activity to hand its token over, then runs the approver as a second
/// process pointed at `endpoint`; returns the approver's process id.
async fn run_approver(endpoint: &str, token_file: &Path) -> Result<u32, Box<dyn Error>> {
    tokio::time::timeout(RUN_LIMIT, async {
        while !token_file.exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .map_err(|_| "the activity did not hand its token over")?;
    let mut approver = std::process::Command::new(std::env::current_exe()?)
        .arg("approve")
        .arg(endpoint)
        .arg(token_file)
        .spawn()?;
    let pid = approver.id();
    println!("main: started the approver, process {pid}");
    let status = tokio::task::spawn_blocking(move || approver.wait()).await??;
    if !status.success() {
        return Err(format!("the approver failed: {status}").into());
    }
    Ok(pid)
}

/// The approver process: completes the task whose token is in `token_file`, through the
/// endpoint at `endpoint`, with no worker.
async fn approve(endpoint: &str, token_file: &Path) -> Result<(), Box<dyn Error>> {
    let token = TaskToken::new(std::fs::read_to_string(token_file)?);
    // The local endpoint checks no signatures: test credentials, a fixed region.
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_swf::config::Credentials::new(
            "test", "test", None, None, "approval",
        ))
        .load()
        .await;
    let completion = CompletionClient::from_sdk_config(&config);
    let pid = std::process::id();
    println!("approver {pid}: reviewing task {token}");
    if completion
        .heartbeat(&token, Some("under review"))
        .await?
        .cancel_requested
    {
        completion
            .cancel(&token, Some("the order was withdrawn"))
            .await?;
        return Err("the order was withdrawn before approval".into());
    }
    let approval = Approval {
        approved: true,
        approved_by: format!("approver process {pid}"),
    };
    completion.complete(&token, &approval).await?;
    println!("approver {pid}: approved");
    Ok(())
}

/// Runs the endpoint, a worker, the decider and the approver until the workflow closes; checks
/// from the history that the task completed with the approver's answer.
async fn run() -> Result<(), Box<dyn Error>> {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let token_file =
        std::env::temp_dir().join(format!("swf-approval-{}.token", std::process::id()));
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .resource(ApprovalInbox {
            token_file: token_file.clone(),
        })
        .activity(request_approval)
        .max_concurrent_activities(1)
        .build()?;
    worker.register_activity_types().await?;
    let shutdown = worker.shutdown_handle();
    let scenario = async {
        let ran = tokio::time::timeout(RUN_LIMIT, async {
            let (history, approver) = tokio::join!(
                support::run_workflow(&client, &WORKFLOW, decide),
                run_approver(local.url(), &token_file)
            );
            Ok::<_, Box<dyn Error>>((history?, approver?))
        })
        .await;
        shutdown.shutdown();
        ran.map_err(|_| format!("the workflow did not close within {RUN_LIMIT:?}"))?
    };
    let (worker_result, ran) = tokio::join!(worker.run_until(std::future::pending()), scenario);
    let _ = std::fs::remove_file(&token_file);
    let (history, approver_pid) = ran?;
    worker_result?;

    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e.event_type().as_str())
        .filter(|kind| kind.starts_with("ActivityTask"))
        .collect();
    println!();
    println!("History: {}", kinds.join(" > "));
    let stats = worker.stats();
    println!(
        "Worker: {} task started, {} handed over, {} answered by the worker",
        stats.tasks_started,
        stats.tasks_completing_elsewhere,
        stats.tasks_completed + stats.tasks_failed + stats.tasks_canceled
    );
    let expected = Approval {
        approved: true,
        approved_by: format!("approver process {approver_pid}"),
    };
    match ActivityHistory::new(&history).outcome(request_approval, ACTIVITY_ID)? {
        Some(Outcome::Completed(approval)) if approval == expected => {
            println!(
                "Approved: the task closed Completed with {approval:?}, sent by process {approver_pid}"
            );
            Ok(())
        }
        other => Err(format!(
            "expected the task completed with {expected:?}; the history says {other:?}"
        )
        .into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.as_slice() {
        [_, mode, endpoint, token_file] if mode == "approve" => {
            approve(endpoint, Path::new(token_file)).await
        }
        [_] => run().await,
        _ => Err(
            "usage: approval  (or, as the approver: approval approve <endpoint-url> <token-file>)"
                .into(),
        ),
    }
}
