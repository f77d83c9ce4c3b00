//! Payloads beyond SWF's 32,768 characters with the claim-check pattern: the payload goes to a
//! store, the workflow history keeps only a short reference.
//!
//! ```sh
//! cargo run --example claim_check
//! ```
//!
//! 1. `ClaimCheck` is a [`PayloadCodec`]: `encode` puts a payload in a store and returns
//!    `claim-check:<key>`, `decode` fetches it back. The store here is a `HashMap` behind a lock;
//!    in production it would be S3 (both methods are async for that).
//! 2. The decider schedules `export_orders` with `ScheduleActivity::encoded_decision`, so the
//!    ActivityTaskScheduled event holds a reference, not the request.
//! 3. The worker (`WorkerBuilder::payload_codec`) decodes the input, runs the activity, and
//!    stores its 100 KB result; RespondActivityTaskCompleted sends the reference.
//! 4. The decider reads the result with `ActivityHistory::decoded_outcome`: 100 KB again.
//!
//! The example exits 0 only when the history, read back over HTTP, holds references alone and
//! the decider read the whole export.

#[path = "support/mod.rs"]
#[allow(dead_code, reason = "this decider answers its decision tasks itself")]
mod support;

use std::collections::HashMap;
use std::error::Error;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::types::{
    CompleteWorkflowExecutionDecisionAttributes, Decision, DecisionType,
    FailWorkflowExecutionDecisionAttributes, HistoryEvent, TaskList, WorkflowExecution,
};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use swf_activity::codec::{CodecError, PayloadCodec};
use swf_activity::decider::{ActivityHistory, Outcome, ScheduleActivity};
use swf_activity::local::LocalSwf;
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, activity};

const DOMAIN: &str = "claim-check-demo";
const TASK_LIST: &str = "exports";
const DECISIONS: &str = "claim-check-decisions";
const WORKFLOW_ID: &str = "export-2026-11";
/// The workflow the decider runs.
const WORKFLOW: support::Workflow = support::Workflow {
    domain: DOMAIN,
    decisions: DECISIONS,
    name: "monthly-export",
    workflow_id: WORKFLOW_ID,
};
const ACTIVITY_ID: &str = "export-orders";
/// The references the codec puts in the history start with this.
const REFERENCE: &str = "claim-check:";
/// How many orders the export holds: about 110 KB of JSON.
const ORDERS: u32 = 1_200;
/// The whole run must end within this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Puts every payload in a store and sends `claim-check:<key>` instead.
#[derive(Clone, Default)]
struct ClaimCheck {
    store: Arc<RwLock<HashMap<String, String>>>,
}

impl ClaimCheck {
    fn stored(&self, key: &str) -> Option<String> {
        self.store.read().ok()?.get(key).cloned()
    }
}

impl PayloadCodec for ClaimCheck {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            // Content-addressed, so storing the same payload twice stores it once.
            let mut hasher = DefaultHasher::new();
            payload.hash(&mut hasher);
            let key = format!("payloads/{:016x}", hasher.finish());
            self.store
                .write()
                .map_err(|_| CodecError::failed("the claim-check store is poisoned"))?
                .insert(key.clone(), payload.to_owned());
            Ok(format!("{REFERENCE}{key}"))
        })
    }

    fn decode<'a>(&'a self, encoded: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            let key = encoded
                .strip_prefix(REFERENCE)
                .ok_or_else(|| CodecError::not_encoded("a claim-check reference", encoded))?;
            self.stored(key).ok_or_else(|| {
                CodecError::failed(format!(
                    "the claim-check store holds no payload {key}: was it deleted?"
                ))
            })
        })
    }
}

/// What the decider asks for.
#[derive(Debug, Serialize, Deserialize)]
struct ExportRequest {
    month: String,
    orders: u32,
}

/// One exported order.
#[derive(Debug, Serialize, Deserialize)]
struct Order {
    id: u32,
    customer: String,
    lines: Vec<String>,
}

/// Exports a month's orders: a result far over SWF's 32,768 characters.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn export_orders(request: ExportRequest) -> Result<Vec<Order>, ActivityError> {
    println!(
        "worker: exporting {} orders of {}",
        request.orders, request.month
    );
    Ok((1..=request.orders)
        .map(|id| Order {
            id,
            customer: format!("customer-{:05}", id * 7 % 1_000),
            lines: vec![format!("{} widgets, {}", id % 9 + 1, request.month); 2],
        })
        .collect())
}

/// The decisions for one decision task; the export once the activity completed.
async fn decide(
    events: &[HistoryEvent],
    codec: &ClaimCheck,
) -> Result<(Vec<Decision>, Option<Vec<Order>>), Box<dyn Error>> {
    let history = ActivityHistory::new(events);
    match history
        .decoded_outcome(export_orders, ACTIVITY_ID, codec)
        .await?
    {
        None if events
            .iter()
            .any(|e| e.activity_task_scheduled_event_attributes().is_some()) =>
        {
            Ok((Vec::new(), None)) // still running
        }
        None => {
            let request = ExportRequest {
                month: "2026-11".into(),
                orders: ORDERS,
            };
            let schedule = ScheduleActivity::new(export_orders, &request)
                .activity_id(ACTIVITY_ID)
                .task_list(TASK_LIST)
                .encoded_decision(codec)
                .await?;
            Ok((vec![schedule], None))
        }
        Some(Outcome::Completed(orders)) => {
            println!("decider: read back {} orders", orders.len());
            let complete = Decision::builder()
                .decision_type(DecisionType::CompleteWorkflowExecution)
                .complete_workflow_execution_decision_attributes(
                    CompleteWorkflowExecutionDecisionAttributes::builder().build(),
                )
                .build()?;
            Ok((vec![complete], Some(orders)))
        }
        Some(other) => {
            println!("decider: the export ended: {other:?}");
            let fail = Decision::builder()
                .decision_type(DecisionType::FailWorkflowExecution)
                .fail_workflow_execution_decision_attributes(
                    FailWorkflowExecutionDecisionAttributes::builder()
                        .reason("export did not complete")
                        .build(),
                )
                .build()?;
            Ok((vec![fail], Some(Vec::new())))
        }
    }
}

/// Starts the workflow and answers its decision tasks until it closes; returns the export the
/// decider read and the run id.
async fn run_workflow(
    client: &Client,
    codec: &ClaimCheck,
) -> Result<(Vec<Order>, String), Box<dyn Error>> {
    let run_id = support::start_workflow(client, &WORKFLOW).await?;
    loop {
        let task = client
            .poll_for_decision_task()
            .domain(DOMAIN)
            .task_list(TaskList::builder().name(DECISIONS).build()?)
            .send()
            .await?;
        if task.task_token().is_empty() {
            continue; // an empty long poll
        }
        let (decisions, export) = decide(task.events(), codec).await?;
        client
            .respond_decision_task_completed()
            .task_token(task.task_token())
            .set_decisions(Some(decisions))
            .send()
            .await?;
        if let Some(export) = export {
            return Ok((export, run_id));
        }
    }
}

/// The closed workflow's history, as anyone allowed to read it sees it.
async fn read_history(client: &Client, run_id: &str) -> Result<Vec<HistoryEvent>, Box<dyn Error>> {
    Ok(client
        .get_workflow_execution_history()
        .domain(DOMAIN)
        .execution(
            WorkflowExecution::builder()
                .workflow_id(WORKFLOW_ID)
                .run_id(run_id)
                .build()?,
        )
        .send()
        .await?
        .events()
        .to_vec())
}

/// What the history holds for the activity: the scheduled input and the result.
fn recorded(history: &[HistoryEvent]) -> (Option<&str>, Option<&str>) {
    let input = history
        .iter()
        .find_map(|e| e.activity_task_scheduled_event_attributes())
        .and_then(|a| a.input());
    let result = history
        .iter()
        .find_map(|e| e.activity_task_completed_event_attributes())
        .and_then(|a| a.result());
    (input, result)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    // One store, shared by the worker and the decider (in production: the same S3 bucket).
    let codec = ClaimCheck::default();
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .payload_codec(codec.clone())
        .activity(export_orders)
        .build()?;
    worker.register_activity_types().await?;
    let shutdown = worker.shutdown_handle();
    let decider = async {
        let ran = tokio::time::timeout(RUN_LIMIT, run_workflow(&client, &codec)).await;
        shutdown.shutdown();
        ran.map_err(|_| format!("the workflow did not close within {RUN_LIMIT:?}"))?
    };
    let (worker_result, decided) = tokio::join!(worker.run_until(std::future::pending()), decider);
    worker_result?;
    let (export, run_id) = decided?;

    let history = read_history(&client, &run_id).await?;
    let (input, result) = recorded(&history);
    let (Some(input), Some(result)) = (input, result) else {
        return Err("the history holds no scheduled input or no result".into());
    };
    let stored = result
        .strip_prefix(REFERENCE)
        .and_then(|key| codec.stored(key))
        .ok_or("the history's result is not a reference to the store")?;
    println!();
    println!("History, ActivityTaskScheduled input:  {input}");
    println!("History, ActivityTaskCompleted result: {result}");
    println!(
        "Store: {} characters behind {result} ({:.1} times SWF's limit of 32768)",
        stored.len(),
        stored.len() as f64 / 32_768.0
    );
    let export_json = serde_json::to_string(&export)?;
    if !input.starts_with(REFERENCE) || result.len() > 100 || stored.len() < 100_000 {
        return Err(format!(
            "expected references in the history and over 100 KB in the store: input {} characters, result {} characters, stored {}",
            input.len(),
            result.len(),
            stored.len()
        )
        .into());
    }
    if export.len() != ORDERS as usize || export_json != stored {
        return Err(format!(
            "the decider read {} orders ({} characters), not the {ORDERS} stored",
            export.len(),
            export_json.len()
        )
        .into());
    }
    println!(
        "Round trip: the decider read {} orders, {} characters, through a {}-character reference",
        export.len(),
        export_json.len(),
        result.len()
    );
    Ok(())
}
