//! The worker-facing operations over HTTP with aws-sdk-swf, driven by the harness.

use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::types::TaskList;
use swf_local::{ActivityOutcome, ActivitySpec, LocalSwf};

const DOMAIN: &str = "worker-ops";

async fn setup() -> (LocalSwf, Client) {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(2))
        .start()
        .await
        .expect("start swf-local");
    let swf = Client::new(local.sdk_config());
    swf.register_domain()
        .name(DOMAIN)
        .workflow_execution_retention_period_in_days("1")
        .send()
        .await
        .expect("register domain");
    swf.register_activity_type()
        .domain(DOMAIN)
        .name("work")
        .version("1")
        .default_task_list(TaskList::builder().name("q").build().expect("task list"))
        .default_task_start_to_close_timeout("60")
        .default_task_heartbeat_timeout("30")
        .default_task_schedule_to_start_timeout("NONE")
        .default_task_schedule_to_close_timeout("NONE")
        .send()
        .await
        .expect("register activity type");
    (local, swf)
}

fn list(name: &str) -> TaskList {
    TaskList::builder().name(name).build().expect("task list")
}

async fn poll(
    swf: &Client,
) -> aws_sdk_swf::operation::poll_for_activity_task::PollForActivityTaskOutput {
    swf.poll_for_activity_task()
        .domain(DOMAIN)
        .task_list(list("q"))
        .identity("test-worker")
        .send()
        .await
        .expect("poll")
}

#[tokio::test]
async fn complete_round_trip_with_heartbeats() {
    let (local, swf) = setup().await;
    let handle = local
        .schedule_activity(ActivitySpec::new(DOMAIN, "work", "1").input("in"))
        .expect("schedule");
    let task = poll(&swf).await;
    assert!(!task.task_token().is_empty());
    assert_eq!(task.input(), Some("in"));
    assert_eq!(task.activity_id(), handle.activity_id());
    for i in 0..3 {
        let status = swf
            .record_activity_task_heartbeat()
            .task_token(task.task_token())
            .details(format!("{i}"))
            .send()
            .await
            .expect("heartbeat");
        assert!(!status.cancel_requested());
    }
    swf.respond_activity_task_completed()
        .task_token(task.task_token())
        .result("out")
        .send()
        .await
        .expect("complete");
    assert_eq!(
        handle.outcome().await,
        ActivityOutcome::Completed {
            result: Some("out".into())
        }
    );
    assert_eq!(handle.heartbeat_count(), 3);
    let types: Vec<&str> = handle
        .history()
        .expect("history")
        .iter()
        .map(|e| e.event_type())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert!(types.contains(&"ActivityTaskCompleted"), "{types:?}");
    assert_eq!(types.last(), Some(&"WorkflowExecutionCompleted"));
    // A token of a closed task is unknown.
    let err = swf
        .record_activity_task_heartbeat()
        .task_token(task.task_token())
        .send()
        .await
        .expect_err("closed task");
    assert!(err.into_service_error().is_unknown_resource_fault());
}

#[tokio::test]
async fn cancellation_of_a_started_task() {
    let (local, swf) = setup().await;
    let handle = local
        .schedule_activity(ActivitySpec::new(DOMAIN, "work", "1"))
        .expect("schedule");
    let task = poll(&swf).await;
    handle.request_cancel().expect("cancel");
    let status = swf
        .record_activity_task_heartbeat()
        .task_token(task.task_token())
        .send()
        .await
        .expect("heartbeat");
    assert!(status.cancel_requested());
    swf.respond_activity_task_canceled()
        .task_token(task.task_token())
        .details("stopped")
        .send()
        .await
        .expect("canceled");
    assert_eq!(
        handle.outcome().await,
        ActivityOutcome::Canceled {
            details: Some("stopped".into())
        }
    );
    let types: Vec<String> = handle
        .history()
        .expect("history")
        .iter()
        .map(|e| e.event_type().to_owned())
        .collect();
    let requested = types
        .iter()
        .position(|t| t == "ActivityTaskCancelRequested");
    let canceled = types.iter().position(|t| t == "ActivityTaskCanceled");
    assert!(requested.is_some() && requested < canceled, "{types:?}");
}

#[tokio::test]
async fn a_task_not_started_is_cancelled_by_the_service() {
    let (local, _swf) = setup().await;
    let handle = local
        .schedule_activity(ActivitySpec::new(DOMAIN, "work", "1"))
        .expect("schedule");
    handle.request_cancel().expect("cancel");
    assert_eq!(
        handle.outcome().await,
        ActivityOutcome::Canceled { details: None }
    );
    assert_eq!(local.stats().queued_tasks, 0);
}

#[tokio::test]
async fn long_poll_is_answered_when_a_task_is_scheduled() {
    let (local, swf) = setup().await;
    let poller = tokio::spawn({
        let swf = swf.clone();
        async move { poll(&swf).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let _handle = local
        .schedule_activity(ActivitySpec::new(DOMAIN, "work", "1"))
        .expect("schedule");
    let task = poller.await.expect("poller");
    assert!(!task.task_token().is_empty());
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn empty_poll_answers_an_empty_token() {
    let (_local, swf) = setup().await;
    let task = poll(&swf).await;
    assert!(task.task_token().is_empty());
    assert_eq!(task.started_event_id(), 0);
}

#[tokio::test]
async fn limits_and_bogus_tokens_are_validation_errors() {
    let (local, swf) = setup().await;
    let _handle = local
        .schedule_activity(ActivitySpec::new(DOMAIN, "work", "1"))
        .expect("schedule");
    let task = poll(&swf).await;
    let err = swf
        .record_activity_task_heartbeat()
        .task_token(task.task_token())
        .details("x".repeat(2049))
        .send()
        .await
        .expect_err("too long");
    assert_eq!(
        aws_sdk_swf::error::ProvideErrorMetadata::code(&err),
        Some("ValidationException")
    );
    let err = swf
        .respond_activity_task_completed()
        .task_token("bogus")
        .send()
        .await
        .expect_err("bogus");
    assert_eq!(
        aws_sdk_swf::error::ProvideErrorMetadata::code(&err),
        Some("ValidationException")
    );
    let err = swf
        .register_activity_type()
        .domain(DOMAIN)
        .name("work")
        .version("1")
        .send()
        .await
        .expect_err("duplicate");
    assert!(err.into_service_error().is_type_already_exists_fault());
}

#[tokio::test]
async fn unregistered_type_fails_scheduling() {
    let (local, _swf) = setup().await;
    let handle = local
        .schedule_activity(ActivitySpec::new(DOMAIN, "missing", "1"))
        .expect("schedule");
    assert_eq!(
        handle.outcome().await,
        ActivityOutcome::ScheduleFailed {
            cause: "ACTIVITY_TYPE_DOES_NOT_EXIST".into()
        }
    );
}
