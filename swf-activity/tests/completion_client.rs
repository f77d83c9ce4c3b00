//! `CompletionClient` against a mocked SWF client: limits checked before sending, truncation as
//! the worker's, typed errors, and retries bounded by the retry period (under paused time).

use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::retry::RetryConfig;
use aws_sdk_swf::operation::record_activity_task_heartbeat::RecordActivityTaskHeartbeatOutput;
use aws_sdk_swf::operation::respond_activity_task_canceled::RespondActivityTaskCanceledOutput;
use aws_sdk_swf::operation::respond_activity_task_completed::{
    RespondActivityTaskCompletedError, RespondActivityTaskCompletedOutput,
};
use aws_sdk_swf::operation::respond_activity_task_failed::{
    RespondActivityTaskFailedError, RespondActivityTaskFailedOutput,
};
use aws_sdk_swf::types::error::{OperationNotPermittedFault, UnknownResourceFault};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde::Serialize;
use swf_activity::completion::{CompletionClient, CompletionError, DEFAULT_RETRY_PERIOD};
use swf_activity::limits::{
    FAILURE_DETAILS_MAX_CHARS, FAILURE_REASON_MAX_CHARS, HEARTBEAT_DETAILS_MAX_CHARS,
    RESULT_MAX_CHARS, TRUNCATION_MARKER,
};
use swf_activity::task::TaskToken;

const TOKEN: &str = "AAAA-secret-task-token-BBBB";

fn completion(rules: &[&Rule]) -> CompletionClient {
    let client: Client = mock_client!(aws_sdk_swf, RuleMode::MatchAny, rules, |c| c
        .retry_config(RetryConfig::disabled()));
    CompletionClient::new(&client)
}

fn token() -> TaskToken {
    TaskToken::new(TOKEN)
}

#[derive(Serialize)]
struct Approval {
    approved_by: &'static str,
}

#[tokio::test]
async fn a_typed_result_is_sent_as_json_with_the_token() {
    let completed = mock!(Client::respond_activity_task_completed)
        .match_requests(|req| {
            req.task_token() == Some(TOKEN) && req.result() == Some(r#"{"approved_by":"ada"}"#)
        })
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    completion(&[&completed])
        .complete(&token(), &Approval { approved_by: "ada" })
        .await
        .unwrap();
    assert_eq!(completed.num_calls(), 1);
}

#[tokio::test]
async fn a_null_result_is_sent_as_an_empty_result() {
    let completed = mock!(Client::respond_activity_task_completed)
        .match_requests(|req| req.result().is_none())
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    completion(&[&completed])
        .complete(&token(), &())
        .await
        .unwrap();
    assert_eq!(completed.num_calls(), 1);
}

#[tokio::test]
async fn a_result_over_the_limit_is_refused_before_sending() {
    let completed = mock!(Client::respond_activity_task_completed)
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    let client = completion(&[&completed]);
    let at_limit = "x".repeat(RESULT_MAX_CHARS);
    client
        .complete_raw(&token(), Some(&at_limit))
        .await
        .unwrap();
    let over = "x".repeat(RESULT_MAX_CHARS + 1);
    let err = client
        .complete_raw(&token(), Some(&over))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CompletionError::ResultTooLarge(ref e) if e.chars == RESULT_MAX_CHARS + 1),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    // Only the one at the limit went out.
    assert_eq!(completed.num_calls(), 1);
}

#[tokio::test]
async fn failures_and_cancellations_are_cut_as_the_worker_cuts_them() {
    let failed = mock!(Client::respond_activity_task_failed)
        .match_requests(|req| {
            req.reason().map(|r| r.chars().count()) == Some(FAILURE_REASON_MAX_CHARS)
                && req.reason().is_some_and(|r| r.ends_with(TRUNCATION_MARKER))
                && req.details().map(|d| d.chars().count()) == Some(FAILURE_DETAILS_MAX_CHARS)
        })
        .then_output(|| RespondActivityTaskFailedOutput::builder().build());
    let canceled = mock!(Client::respond_activity_task_canceled)
        .match_requests(|req| {
            req.details().map(|d| d.chars().count()) == Some(FAILURE_DETAILS_MAX_CHARS)
        })
        .then_output(|| RespondActivityTaskCanceledOutput::builder().build());
    let client = completion(&[&failed, &canceled]);
    let long = "é".repeat(40_000);
    client
        .fail(&token(), &"r".repeat(1000), Some(&long))
        .await
        .unwrap();
    client.cancel(&token(), Some(&long)).await.unwrap();
    assert_eq!((failed.num_calls(), canceled.num_calls()), (1, 1));
}

#[tokio::test]
async fn heartbeats_say_whether_cancellation_was_requested_and_refuse_long_details() {
    let heartbeat = mock!(Client::record_activity_task_heartbeat)
        .match_requests(|req| req.details() == Some("reviewing"))
        .then_output(|| {
            RecordActivityTaskHeartbeatOutput::builder()
                .cancel_requested(true)
                .build()
        });
    let client = completion(&[&heartbeat]);
    let reply = client.heartbeat(&token(), Some("reviewing")).await.unwrap();
    assert!(reply.cancel_requested);
    let err = client
        .heartbeat(&token(), Some(&"x".repeat(HEARTBEAT_DETAILS_MAX_CHARS + 1)))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CompletionError::DetailsTooLong { chars } if chars == HEARTBEAT_DETAILS_MAX_CHARS + 1),
        "{err}"
    );
    assert_eq!(heartbeat.num_calls(), 1);
}

#[tokio::test]
async fn a_gone_task_is_reported_without_the_token() {
    let completed = mock!(Client::respond_activity_task_completed).then_error(|| {
        RespondActivityTaskCompletedError::UnknownResourceFault(
            UnknownResourceFault::builder()
                .message("Unknown activity")
                .build(),
        )
    });
    let err = completion(&[&completed])
        .complete_raw(&token(), None)
        .await
        .expect_err("gone");
    assert!(err.is_task_gone(), "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("secret"), "{shown}");
    assert!(shown.contains(&token().fingerprint()), "{shown}");
    // Not retried: nothing sent for a gone task can be accepted.
    assert_eq!(completed.num_calls(), 1);
}

#[tokio::test]
async fn a_refused_permission_is_its_own_error() {
    let failed = mock!(Client::respond_activity_task_failed).then_error(|| {
        RespondActivityTaskFailedError::OperationNotPermittedFault(
            OperationNotPermittedFault::builder()
                .message("not allowed")
                .build(),
        )
    });
    let err = completion(&[&failed])
        .fail(&token(), "rejected", None)
        .await
        .expect_err("not permitted");
    assert!(
        matches!(
            err,
            CompletionError::NotPermitted {
                operation: "RespondActivityTaskFailed",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("IAM"), "{err}");
    assert_eq!(failed.num_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn transient_errors_are_retried_until_delivered() {
    let completed = mock!(Client::respond_activity_task_completed)
        .sequence()
        .http_status(503, None)
        .times(3)
        .output(|| RespondActivityTaskCompletedOutput::builder().build())
        .build();
    completion(&[&completed])
        .complete_raw(&token(), Some("1"))
        .await
        .unwrap();
    assert_eq!(completed.num_calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_retry_period() {
    let completed = mock!(Client::respond_activity_task_completed)
        .sequence()
        .http_status(503, None)
        .repeatedly()
        .build();
    let client = completion(&[&completed]).retry_period(Duration::from_secs(20));
    let started = tokio::time::Instant::now();
    let err = client
        .complete_raw(&token(), Some("1"))
        .await
        .expect_err("retries run out");
    let elapsed = started.elapsed();
    let CompletionError::RetriesExhausted { attempts, .. } = err else {
        panic!("expected RetriesExhausted, got {err}");
    };
    assert!(
        elapsed >= Duration::from_secs(20) && elapsed < Duration::from_secs(21),
        "{elapsed:?}"
    );
    assert_eq!(attempts as usize, completed.num_calls());
    assert!(attempts >= 5, "{attempts} attempts");
    assert!(err.to_string().contains("try again later"), "{err}");
    assert_eq!(DEFAULT_RETRY_PERIOD, Duration::from_secs(60));
}

#[tokio::test]
async fn tokens_of_impossible_lengths_are_refused_before_sending() {
    let completed = mock!(Client::respond_activity_task_completed)
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    let client = completion(&[&completed]);
    for bad in [String::new(), "t".repeat(1025)] {
        let err = client
            .complete_raw(&TaskToken::new(bad), None)
            .await
            .expect_err("refused");
        assert!(matches!(err, CompletionError::InvalidToken { .. }), "{err}");
    }
    assert_eq!(completed.num_calls(), 0);
}
