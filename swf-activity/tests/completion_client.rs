//! `CompletionClient` against a mocked SWF client: limits checked before sending, truncation as
//! the worker's, typed errors, retries bounded by the retry period (under paused time), and
//! payloads encoded with the client's codec.

use std::sync::Arc;
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
use futures::future::BoxFuture;
use serde::Serialize;
use swf_activity::codec::{CodecError, GZIP_MARKER, GzipCodec, PayloadCodec};
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

/// Doubles every payload; cannot encode "unreachable", as a claim-check store out of reach.
struct Doubling;

impl PayloadCodec for Doubling {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            if payload.contains("unreachable") {
                Err(CodecError::failed("the store is unreachable"))
            } else {
                Ok(payload.repeat(2))
            }
        })
    }

    fn decode<'a>(&'a self, encoded: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move { Ok(encoded[..encoded.len() / 2].to_owned()) })
    }
}

fn gunzip(encoded: Option<&str>) -> Option<String> {
    let encoded = encoded?;
    if !encoded.starts_with(GZIP_MARKER) {
        return None;
    }
    futures::executor::block_on(GzipCodec::new().decode(encoded)).ok()
}

#[tokio::test]
async fn with_a_codec_results_and_details_reach_swf_encoded_and_the_reason_plain() {
    let completed = mock!(Client::respond_activity_task_completed)
        .match_requests(|req| gunzip(req.result()).as_deref() == Some(r#"{"approved_by":"ada"}"#))
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    let failed = mock!(Client::respond_activity_task_failed)
        .match_requests(|req| {
            req.reason() == Some("rejected")
                && gunzip(req.details()).as_deref() == Some("budget exceeded")
        })
        .then_output(|| RespondActivityTaskFailedOutput::builder().build());
    let canceled = mock!(Client::respond_activity_task_canceled)
        .match_requests(|req| gunzip(req.details()).as_deref() == Some("withdrawn"))
        .then_output(|| RespondActivityTaskCanceledOutput::builder().build());
    let heartbeat = mock!(Client::record_activity_task_heartbeat)
        .match_requests(|req| gunzip(req.details()).as_deref() == Some("reviewing"))
        .then_output(|| RecordActivityTaskHeartbeatOutput::builder().build());
    let client =
        completion(&[&completed, &failed, &canceled, &heartbeat]).payload_codec(GzipCodec::new());
    client
        .complete(&token(), &Approval { approved_by: "ada" })
        .await
        .unwrap();
    client
        .fail(&token(), "rejected", Some("budget exceeded"))
        .await
        .unwrap();
    client.cancel(&token(), Some("withdrawn")).await.unwrap();
    client.heartbeat(&token(), Some("reviewing")).await.unwrap();
    assert_eq!(
        (
            completed.num_calls(),
            failed.num_calls(),
            canceled.num_calls(),
            heartbeat.num_calls()
        ),
        (1, 1, 1, 1)
    );
}

#[tokio::test]
async fn a_codec_lets_a_large_result_fit_and_an_empty_one_stays_empty() {
    let completed = mock!(Client::respond_activity_task_completed)
        .match_requests(|req| {
            req.result().is_none()
                || gunzip(req.result()).map(|r| r.chars().count()) == Some(RESULT_MAX_CHARS * 3)
        })
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    let client = completion(&[&completed]).payload_codec(GzipCodec::new());
    let large = "x".repeat(RESULT_MAX_CHARS * 3);
    client.complete_raw(&token(), Some(&large)).await.unwrap();
    client.complete(&token(), &()).await.unwrap();
    assert_eq!(completed.num_calls(), 2);
}

#[tokio::test]
async fn what_is_too_long_once_encoded_is_refused_with_both_sizes_and_nothing_sent() {
    let completed = mock!(Client::respond_activity_task_completed)
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    let failed = mock!(Client::respond_activity_task_failed)
        .then_output(|| RespondActivityTaskFailedOutput::builder().build());
    let heartbeat = mock!(Client::record_activity_task_heartbeat)
        .then_output(|| RecordActivityTaskHeartbeatOutput::builder().build());
    let client = completion(&[&completed, &failed, &heartbeat]).payload_codec(Doubling);
    let half = "x".repeat(RESULT_MAX_CHARS / 2);
    client.complete_raw(&token(), Some(&half)).await.unwrap();
    let over = format!("{half}y");
    let err = client
        .complete_raw(&token(), Some(&over))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            CompletionError::TooLargeAfterEncoding {
                payload: "result",
                chars: 32_770,
                plain_chars: 16_385,
                limit: RESULT_MAX_CHARS,
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("32770") && shown.contains("16385") && shown.contains("nothing was sent"),
        "{shown}"
    );
    let err = client
        .fail(&token(), "rejected", Some(&over))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            CompletionError::TooLargeAfterEncoding {
                payload: "failure details",
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .heartbeat(
            &token(),
            Some(&"x".repeat(HEARTBEAT_DETAILS_MAX_CHARS / 2 + 1)),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            CompletionError::TooLargeAfterEncoding {
                payload: "heartbeat details",
                limit: HEARTBEAT_DETAILS_MAX_CHARS,
                ..
            }
        ),
        "{err:?}"
    );
    // Only the result that fits once encoded went out.
    assert_eq!(
        (
            completed.num_calls(),
            failed.num_calls(),
            heartbeat.num_calls()
        ),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn an_encode_failure_is_typed_and_sends_nothing() {
    let completed = mock!(Client::respond_activity_task_completed)
        .then_output(|| RespondActivityTaskCompletedOutput::builder().build());
    let canceled = mock!(Client::respond_activity_task_canceled)
        .then_output(|| RespondActivityTaskCanceledOutput::builder().build());
    let client = completion(&[&completed, &canceled]).payload_codec(Arc::new(Doubling));
    let err = client
        .complete_raw(&token(), Some("\"unreachable\""))
        .await
        .expect_err("unencodable");
    let CompletionError::Unencodable { payload, source } = &err else {
        panic!("expected Unencodable, got {err:?}");
    };
    assert_eq!(*payload, "result");
    assert!(matches!(source, CodecError::Failed { .. }), "{source:?}");
    assert!(
        err.to_string().contains("the store is unreachable")
            && err.to_string().contains("nothing was sent"),
        "{err}"
    );
    let err = client
        .cancel(&token(), Some("unreachable"))
        .await
        .expect_err("unencodable");
    assert!(
        matches!(
            err,
            CompletionError::Unencodable {
                payload: "cancellation details",
                ..
            }
        ),
        "{err:?}"
    );
    // A token SWF cannot have issued is refused before the codec stores anything.
    let err = client
        .complete_raw(&TaskToken::new(""), Some("\"unreachable\""))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CompletionError::InvalidToken { .. }),
        "{err:?}"
    );
    assert_eq!((completed.num_calls(), canceled.num_calls()), (0, 0));
}
