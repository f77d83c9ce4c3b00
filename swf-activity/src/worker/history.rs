//! Reading a task's real timeouts from its ActivityTaskScheduled event.

use aws_sdk_swf::Client;
use aws_sdk_swf::types::WorkflowExecution;

use crate::sdk_errors::describe;
use crate::task::ActivityTask;
use crate::timeout::Timeout;

/// The timeouts a decider scheduled one task with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScheduledTimeouts {
    pub(crate) heartbeat: Option<Timeout>,
    pub(crate) start_to_close: Option<Timeout>,
}

/// Pages of history read at most before giving up (newest first, 1000 events a page).
const MAX_PAGES: usize = 25;

/// Finds the task's ActivityTaskStarted event, then the ActivityTaskScheduled event it names.
pub(crate) async fn scheduled_timeouts(
    client: &Client,
    domain: &str,
    task: &ActivityTask,
) -> Result<ScheduledTimeouts, String> {
    let execution = WorkflowExecution::builder()
        .workflow_id(&task.workflow_id)
        .run_id(&task.run_id)
        .build()
        .map_err(|e| e.to_string())?;
    let mut scheduled_event_id = None;
    let mut next_page = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .get_workflow_execution_history()
            .domain(domain)
            .execution(execution.clone())
            .reverse_order(true)
            .maximum_page_size(1000)
            .set_next_page_token(next_page.take())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        for event in page.events() {
            if scheduled_event_id.is_none() && event.event_id() == task.started_event_id {
                scheduled_event_id = event
                    .activity_task_started_event_attributes()
                    .map(|a| a.scheduled_event_id());
            }
            if scheduled_event_id == Some(event.event_id()) {
                let attributes = event
                    .activity_task_scheduled_event_attributes()
                    .ok_or("the scheduled event has no ActivityTaskScheduled attributes")?;
                return Ok(ScheduledTimeouts {
                    heartbeat: attributes.heartbeat_timeout().and_then(Timeout::parse_swf),
                    start_to_close: attributes
                        .start_to_close_timeout()
                        .and_then(Timeout::parse_swf),
                });
            }
        }
        next_page = page.next_page_token().map(str::to_owned);
        if next_page.is_none() {
            break;
        }
    }
    Err("the task's ActivityTaskScheduled event was not found in its workflow history".to_owned())
}
