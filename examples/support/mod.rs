//! Plumbing the examples share: a workflow type registered and one execution started, and its
//! decision tasks answered until it closes. What each example teaches stays in its own file.

use std::error::Error;

use aws_sdk_swf::Client;
use aws_sdk_swf::types::{ChildPolicy, Decision, HistoryEvent, TaskList, WorkflowType};

/// The workflow an example runs.
pub struct Workflow<'a> {
    /// The domain it runs in.
    pub domain: &'a str,
    /// The task list its decision tasks go to.
    pub decisions: &'a str,
    /// Its workflow type's name (version "1").
    pub name: &'a str,
    /// The workflow id of the execution started.
    pub workflow_id: &'a str,
}

/// Registers the workflow type and starts one execution of it; returns the execution's run id.
pub async fn start_workflow(
    client: &Client,
    workflow: &Workflow<'_>,
) -> Result<String, Box<dyn Error>> {
    client
        .register_workflow_type()
        .domain(workflow.domain)
        .name(workflow.name)
        .version("1")
        .default_task_list(TaskList::builder().name(workflow.decisions).build()?)
        .default_execution_start_to_close_timeout("600")
        .default_task_start_to_close_timeout("30")
        .default_child_policy(ChildPolicy::Terminate)
        .send()
        .await?;
    let run_id = client
        .start_workflow_execution()
        .domain(workflow.domain)
        .workflow_id(workflow.workflow_id)
        .workflow_type(
            WorkflowType::builder()
                .name(workflow.name)
                .version("1")
                .build()?,
        )
        .send()
        .await?
        .run_id
        .ok_or("StartWorkflowExecution returned no run id")?;
    Ok(run_id)
}

/// Starts the workflow and answers its decision tasks with `decide` (the decisions, and whether
/// they close the workflow) until it closes; returns its history as the last decision task saw
/// it.
pub async fn run_workflow(
    client: &Client,
    workflow: &Workflow<'_>,
    mut decide: impl FnMut(&[HistoryEvent]) -> Result<(Vec<Decision>, bool), Box<dyn Error>>,
) -> Result<Vec<HistoryEvent>, Box<dyn Error>> {
    start_workflow(client, workflow).await?;
    loop {
        let task = client
            .poll_for_decision_task()
            .domain(workflow.domain)
            .task_list(TaskList::builder().name(workflow.decisions).build()?)
            .send()
            .await?;
        if task.task_token().is_empty() {
            continue; // an empty long poll
        }
        let (decisions, closes) = decide(task.events())?;
        client
            .respond_decision_task_completed()
            .task_token(task.task_token())
            .set_decisions(Some(decisions))
            .send()
            .await?;
        if closes {
            return Ok(task.events().to_vec());
        }
    }
}
