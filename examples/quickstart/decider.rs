//! SWF plumbing the quickstart needs besides the worker: loading an AWS configuration, waiting
//! for the worker to register its activity type, and a minimal decider for endpoints other than
//! the embedded one.
//!
//! The decider starts one workflow execution per job. For each decision task it reads the new
//! history events and answers:
//!
//! | new event | decisions |
//! |---|---|
//! | WorkflowExecutionStarted | ScheduleActivityTask, and StartTimer when the job is to be canceled |
//! | TimerFired | RequestCancelActivityTask |
//! | the activity completed, failed, was canceled or timed out | CompleteWorkflowExecution |
//!
//! The activity's decisions and outcome are typed from `make_thumbnail` itself
//! (`swf_activity::decider`): its name, version, timeouts and input type come from the
//! `#[activity]` definition, and its result is read back as `Tiles`.
//!
//! A real decider handles retries, several activities and failures of its own decisions; this
//! one only shows the protocol.

use std::collections::HashSet;
use std::error::Error;
use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_swf::Client;
use aws_sdk_swf::types::{
    ChildPolicy, CompleteWorkflowExecutionDecisionAttributes, Decision, DecisionType, EventType,
    HistoryEvent, StartTimerDecisionAttributes, TaskList, WorkflowExecution, WorkflowType,
};
use swf_activity::decider::{ActivityHistory, Outcome, ScheduleActivity, request_cancel};

use crate::{Job, Summary, make_thumbnail};

const WORKFLOW_TYPE: (&str, &str) = ("quickstart-workflow", "1");
const DECISION_TASK_LIST: &str = "quickstart-decisions";
/// The whole run must end within this, or the quickstart gives up with an error.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// The standard AWS configuration (environment, profile), with `endpoint` if given and
/// `us-east-1` when no region is configured.
pub async fn load_config(endpoint: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(RegionProviderChain::default_provider().or_else("us-east-1"));
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// Starts a workflow per job, decides until every one of them is closed, and summarizes their
/// histories.
pub async fn run(
    client: &Client,
    domain: &str,
    task_list: &str,
    jobs: &[Job],
) -> Result<Vec<Summary>, Box<dyn Error>> {
    register_workflow_type(client, domain).await?;
    let suffix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let mut executions = Vec::new();
    for job in jobs {
        let workflow_id = format!("quickstart-{}-{suffix}", job.photo.name);
        let started = client
            .start_workflow_execution()
            .domain(domain)
            .workflow_id(&workflow_id)
            .workflow_type(
                WorkflowType::builder()
                    .name(WORKFLOW_TYPE.0)
                    .version(WORKFLOW_TYPE.1)
                    .build()?,
            )
            .input(serde_json::to_string(job)?)
            .send()
            .await?;
        executions.push(
            WorkflowExecution::builder()
                .workflow_id(workflow_id)
                .run_id(started.run_id().unwrap_or_default())
                .build()?,
        );
    }

    let open: HashSet<String> = executions.iter().map(|e| e.run_id().to_owned()).collect();
    tokio::time::timeout(
        RUN_LIMIT,
        decide_until_closed(client, domain, task_list, open),
    )
    .await
    .map_err(|_| format!("the workflows did not close within {RUN_LIMIT:?}"))??;

    let mut summaries = Vec::new();
    for (job, execution) in jobs.iter().zip(&executions) {
        let events = history(client, domain, execution).await?;
        summaries.push(summarize(&job.photo.name, &events)?);
    }
    Ok(summaries)
}

async fn register_workflow_type(client: &Client, domain: &str) -> Result<(), Box<dyn Error>> {
    let registered = client
        .register_workflow_type()
        .domain(domain)
        .name(WORKFLOW_TYPE.0)
        .version(WORKFLOW_TYPE.1)
        .default_task_list(TaskList::builder().name(DECISION_TASK_LIST).build()?)
        .default_execution_start_to_close_timeout("600")
        .default_task_start_to_close_timeout("30")
        .default_child_policy(ChildPolicy::Terminate)
        .send()
        .await;
    match registered {
        Ok(_) => Ok(()),
        Err(err) => {
            let err = err.into_service_error();
            if err.is_type_already_exists_fault() {
                Ok(())
            } else {
                Err(err.into())
            }
        }
    }
}

/// Polls for decision tasks until every execution in `open` is closed.
async fn decide_until_closed(
    client: &Client,
    domain: &str,
    task_list: &str,
    mut open: HashSet<String>,
) -> Result<(), Box<dyn Error>> {
    while !open.is_empty() {
        let mut task = client
            .poll_for_decision_task()
            .domain(domain)
            .task_list(TaskList::builder().name(DECISION_TASK_LIST).build()?)
            .send()
            .await?;
        if task.task_token().is_empty() {
            continue; // an empty long poll: poll again
        }
        // Long histories come in pages; ours are short, but read them all anyway.
        let mut events = task.events().to_vec();
        while let Some(page) = task.next_page_token().map(str::to_owned) {
            task = client
                .poll_for_decision_task()
                .domain(domain)
                .task_list(TaskList::builder().name(DECISION_TASK_LIST).build()?)
                .next_page_token(page)
                .send()
                .await?;
            events.extend_from_slice(task.events());
        }
        let (decisions, closes) = decide(&events, task.previous_started_event_id(), task_list)?;
        client
            .respond_decision_task_completed()
            .task_token(task.task_token())
            .set_decisions(Some(decisions))
            .send()
            .await?;
        if closes && let Some(execution) = task.workflow_execution() {
            open.remove(execution.run_id());
        }
    }
    Ok(())
}

/// The decisions for the events after `previous_started`, and whether they close the workflow.
fn decide(
    events: &[HistoryEvent],
    previous_started: i64,
    task_list: &str,
) -> Result<(Vec<Decision>, bool), Box<dyn Error>> {
    let job: Job = events
        .iter()
        .find_map(|e| e.workflow_execution_started_event_attributes())
        .and_then(|a| a.input())
        .ok_or("the workflow has no input")
        .and_then(|input| serde_json::from_str(input).map_err(|_| "the input is not a job"))?;
    let activity_id = &job.photo.name;

    // The activity is over, and so is the workflow.
    if let Some(outcome) = ActivityHistory::new(events).outcome(make_thumbnail, activity_id)? {
        crate::display::finished(activity_id, outcome_name(&outcome));
        let complete = Decision::builder()
            .decision_type(DecisionType::CompleteWorkflowExecution)
            .complete_workflow_execution_decision_attributes(
                CompleteWorkflowExecutionDecisionAttributes::builder().build(),
            )
            .build()?;
        return Ok((vec![complete], true));
    }
    let mut decisions = Vec::new();
    for event in events.iter().filter(|e| e.event_id() > previous_started) {
        match event.event_type() {
            EventType::WorkflowExecutionStarted => {
                // Type, version and the timeouts come from the activity's definition.
                decisions.push(
                    ScheduleActivity::new(make_thumbnail, &job.photo)
                        .activity_id(activity_id)
                        .task_list(task_list)
                        .decision()?,
                );
                if let Some(secs) = job.cancel_after_secs {
                    let timer = StartTimerDecisionAttributes::builder()
                        .timer_id("cancel")
                        .start_to_fire_timeout(secs.to_string())
                        .build()?;
                    decisions.push(
                        Decision::builder()
                            .decision_type(DecisionType::StartTimer)
                            .start_timer_decision_attributes(timer)
                            .build()?,
                    );
                }
            }
            EventType::TimerFired => {
                crate::display::note(&format!("requested cancellation of {activity_id}"));
                decisions.push(request_cancel(activity_id)?);
            }
            _ => {}
        }
    }
    Ok((decisions, false))
}

fn outcome_name<O>(outcome: &Outcome<O>) -> &'static str {
    match outcome {
        Outcome::Completed(_) => "completed",
        Outcome::Failed { .. } => "failed",
        Outcome::Canceled { .. } => "canceled",
        Outcome::TimedOut { .. } => "timed out",
        _ => "not run",
    }
}

async fn history(
    client: &Client,
    domain: &str,
    execution: &WorkflowExecution,
) -> Result<Vec<HistoryEvent>, Box<dyn Error>> {
    let mut events = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let answer = client
            .get_workflow_execution_history()
            .domain(domain)
            .execution(execution.clone())
            .set_next_page_token(page)
            .send()
            .await?;
        events.extend_from_slice(answer.events());
        page = answer.next_page_token().map(str::to_owned);
        if page.is_none() {
            return Ok(events);
        }
    }
}

fn summarize(activity_id: &str, events: &[HistoryEvent]) -> Result<Summary, Box<dyn Error>> {
    let outcome = ActivityHistory::new(events).outcome(make_thumbnail, activity_id)?;
    let detail = match &outcome {
        Some(Outcome::Completed(tiles)) => Some(format!("{} of {} tiles", tiles.done, tiles.of)),
        Some(Outcome::Canceled { details }) => details.as_ref().map(|d| format!("details {d}")),
        Some(Outcome::Failed { reason, .. }) => reason.clone(),
        Some(Outcome::TimedOut { timeout_type, .. }) => Some(timeout_type.as_str().to_owned()),
        _ => None,
    };
    Ok(Summary {
        activity_id: activity_id.to_owned(),
        outcome: outcome.as_ref().map_or("open", outcome_name).to_owned(),
        detail,
        heartbeats: None, // SWF records no history event for a heartbeat
        events: events
            .iter()
            .map(|e| e.event_type().as_str())
            .filter(|kind| kind.starts_with("ActivityTask"))
            .map(|kind| kind.trim_start_matches("ActivityTask").to_owned())
            .collect(),
    })
}
