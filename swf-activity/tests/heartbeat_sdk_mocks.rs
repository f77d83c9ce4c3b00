//! The engine against aws-sdk-swf with mocked responses: cancellation, a gone task, a task the
//! worker may not touch, and throttling, each classified and acted on.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::config::retry::RetryConfig;
use aws_sdk_swf::error::ErrorMetadata;
use aws_sdk_swf::operation::record_activity_task_heartbeat::{
    RecordActivityTaskHeartbeatError, RecordActivityTaskHeartbeatOutput,
};
use aws_sdk_swf::types::error::{OperationNotPermittedFault, UnknownResourceFault};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use swf_activity::heartbeat::{HeartbeatConfig, HeartbeatEngine, TaskHeartbeat, TaskSchedule};
use swf_activity::progress::CancelReason;
use swf_activity::task::ActivityTask;
use swf_activity::{ActivityType, HeartbeatMode};
use tokio::time::Instant;

fn answer(cancel_requested: bool) -> RecordActivityTaskHeartbeatOutput {
    RecordActivityTaskHeartbeatOutput::builder()
        .cancel_requested(cancel_requested)
        .build()
}

fn start(rules: &[&Rule]) -> (HeartbeatEngine, TaskHeartbeat) {
    let client = mock_client!(aws_sdk_swf, RuleMode::Sequential, rules, |b| b
        .retry_config(RetryConfig::disabled()));
    let config = HeartbeatConfig {
        first_beat_jitter: 0.0,
        ..HeartbeatConfig::default()
    };
    let engine = HeartbeatEngine::on_current_runtime(Arc::new(client), config);
    let task = ActivityTask::new(
        "mock-token",
        ActivityType::from_static("Mocked", "1"),
        "a1",
        "w1",
        "r1",
        5,
    );
    let heartbeat = engine.start_task(
        task,
        TaskSchedule {
            heartbeat_timeout: Some(Duration::from_secs(10)),
            start_to_close_timeout: None,
            mode: HeartbeatMode::Auto,
        },
    );
    (engine, heartbeat)
}

#[tokio::test(start_paused = true)]
async fn cancel_requested_resolves_cancelled_within_one_interval() {
    let rule = mock!(aws_sdk_swf::Client::record_activity_task_heartbeat)
        .match_requests(|req| req.task_token() == Some("mock-token"))
        .sequence()
        .output(|| answer(false))
        .output(|| answer(true))
        .output(|| answer(true))
        .build();
    let begin = Instant::now();
    let (engine, heartbeat) = start(&[&rule]);
    let progress = heartbeat.progress();
    progress.report("working").unwrap();
    assert_eq!(progress.cancelled().await, CancelReason::Requested);
    assert_eq!(begin.elapsed(), Duration::from_secs(8));
    assert_eq!(rule.num_calls(), 2);
    assert!(progress.is_cancelled());
    assert_eq!(heartbeat.cancel_reason(), Some(CancelReason::Requested));
    // Heartbeats go on while the activity winds down.
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(rule.num_calls(), 3);
    heartbeat.finish();
    assert_eq!(engine.stats().sent, 3);
}

#[tokio::test(start_paused = true)]
async fn unknown_resource_fault_resolves_task_gone_and_stops_heartbeats() {
    let rule = mock!(aws_sdk_swf::Client::record_activity_task_heartbeat)
        .sequence()
        .output(|| answer(false))
        .error(|| {
            RecordActivityTaskHeartbeatError::UnknownResourceFault(
                UnknownResourceFault::builder()
                    .message("Unknown activity task")
                    .build(),
            )
        })
        .build();
    let begin = Instant::now();
    let (engine, heartbeat) = start(&[&rule]);
    let progress = heartbeat.progress();
    progress.report("working").unwrap();
    assert_eq!(progress.cancelled_owned().await, CancelReason::TaskGone);
    assert_eq!(begin.elapsed(), Duration::from_secs(8));
    tokio::time::sleep(Duration::from_secs(100)).await;
    progress.report("ignored").unwrap();
    assert_eq!(progress.flush().await, Err(CancelReason::TaskGone));
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert_eq!(
        rule.num_calls(),
        2,
        "no heartbeat after UnknownResourceFault"
    );
    let stats = engine.stats();
    assert_eq!((stats.sent, stats.failed, stats.retried), (2, 1, 0));
    heartbeat.finish();
}

#[tokio::test(start_paused = true)]
async fn operation_not_permitted_resolves_not_permitted_and_stops_heartbeats() {
    let rule = mock!(aws_sdk_swf::Client::record_activity_task_heartbeat).then_error(|| {
        RecordActivityTaskHeartbeatError::OperationNotPermittedFault(
            OperationNotPermittedFault::builder()
                .message("not authorized")
                .build(),
        )
    });
    let (_engine, heartbeat) = start(&[&rule]);
    let progress = heartbeat.progress();
    progress.report("working").unwrap();
    assert_eq!(progress.cancelled().await, CancelReason::NotPermitted);
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_the_latest_details() {
    let throttled = mock!(aws_sdk_swf::Client::record_activity_task_heartbeat)
        .sequence()
        .error(|| {
            RecordActivityTaskHeartbeatError::generic(
                ErrorMetadata::builder()
                    .code("ThrottlingException")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .times(2)
        .build();
    let accepted = mock!(aws_sdk_swf::Client::record_activity_task_heartbeat)
        .match_requests(|req| req.details() == Some("second"))
        .then_output(|| answer(false));
    let begin = Instant::now();
    let (engine, heartbeat) = start(&[&throttled, &accepted]);
    let progress = heartbeat.progress();
    progress.report("first").unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    progress.report("second").unwrap();
    // The flush waits for the retries and is answered well before the 10 s deadline.
    assert_eq!(progress.flush().await, Ok(()));
    assert!(
        begin.elapsed() < Duration::from_secs(2),
        "{:?}",
        begin.elapsed()
    );
    assert_eq!(throttled.num_calls(), 2);
    assert_eq!(accepted.num_calls(), 1);
    let stats = engine.stats();
    assert_eq!(stats.retried, 2);
    assert_eq!(stats.failed, 2);
    assert!(stats.throttled >= 2);
    heartbeat.finish();
}

/// Never answers, like a hung connection.
struct Hung;

impl swf_activity::heartbeat::HeartbeatTransport for Hung {
    fn record_heartbeat(
        &self,
        _task_token: String,
        _details: Option<String>,
    ) -> futures::future::BoxFuture<
        'static,
        Result<swf_activity::heartbeat::HeartbeatAnswer, swf_activity::heartbeat::HeartbeatError>,
    > {
        Box::pin(std::future::pending())
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_call_times_out_and_is_retried() {
    let config = HeartbeatConfig {
        call_timeout: Duration::from_secs(2),
        ..HeartbeatConfig::default()
    };
    let engine = HeartbeatEngine::on_current_runtime(Arc::new(Hung), config);
    let heartbeat = engine.start_task(
        ActivityTask::new("t", ActivityType::from_static("H", "1"), "a", "w", "r", 1),
        TaskSchedule {
            heartbeat_timeout: Some(Duration::from_secs(10)),
            start_to_close_timeout: None,
            mode: HeartbeatMode::Auto,
        },
    );
    heartbeat.progress().report("working").unwrap();
    tokio::time::sleep(Duration::from_secs(7)).await;
    let stats = engine.stats();
    assert!(stats.failed >= 2 && stats.retried >= 2, "{stats:?}");
    assert!(!heartbeat.progress().is_cancelled());
    heartbeat.finish();
}
