//! Payload codecs end to end: what the history holds is what the codec made of the payloads, the
//! activity sees them as the decider meant them, and SWF's limits apply after encoding.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_swf::types::{EventType, HistoryEvent, WorkflowExecution};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use swf_activity::codec::{CodecError, GZIP_MARKER, GzipCodec, PayloadCodec};
use swf_activity::decider::{ActivityHistory, Outcome, OutcomeError};
use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};

use crate::support;

const DOMAIN: &str = "codecs";
const TASK_LIST: &str = "codec-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);
const CLAIM_PREFIX: &str = "claim:";

/// A claim-check codec over an in-memory store: the history holds `claim:<n>` only.
#[derive(Clone, Default)]
struct ClaimCheck {
    store: Arc<Mutex<HashMap<String, String>>>,
}

impl PayloadCodec for ClaimCheck {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            let mut store = self.store.lock().expect("store lock");
            let key = format!("{CLAIM_PREFIX}{}", store.len());
            store.insert(key.clone(), payload.to_owned());
            Ok(key)
        })
    }

    fn decode<'a>(&'a self, encoded: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move {
            if !encoded.starts_with(CLAIM_PREFIX) {
                return Err(CodecError::not_encoded("a claim-check reference", encoded));
            }
            self.store
                .lock()
                .expect("store lock")
                .get(encoded)
                .cloned()
                .ok_or_else(|| CodecError::failed(format!("no payload stored as {encoded}")))
        })
    }
}

/// A day's rows, far over SWF's 32,768 characters when `rows` is large.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Report {
    day: String,
    rows: Vec<String>,
}

/// Builds a report of `rows` rows of 100 characters for the day it is given.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn daily_report(request: ReportRequest) -> Result<Report, ActivityError> {
    Ok(Report {
        day: request.day,
        rows: (0..request.rows)
            .map(|row| format!("{row:>8} {}", "x".repeat(91)))
            .collect(),
    })
}

/// What [`daily_report`] is asked for.
#[derive(Debug, Serialize, Deserialize)]
struct ReportRequest {
    day: String,
    rows: usize,
}

/// Returns `chars` characters that do not compress (a fixed pseudo-random sequence).
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn noise(chars: usize) -> Result<String, ActivityError> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    Ok((0..chars)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(b'!' + ((state >> 33) % 90) as u8)
        })
        .collect())
}

/// Reports a checkpoint, then stops answering, so SWF times it out with the checkpoint.
#[activity(
    version = "1",
    heartbeat = "manual",
    heartbeat_timeout = "1s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn hangs_after_checkpoint(progress: Progress, step: u32) -> Result<(), ActivityError> {
    progress.report(&Checkpoint {
        step,
        note: "all rows up to here are stored".into(),
    })?;
    progress.flush().await?;
    progress.cancelled().await;
    Err(ActivityError::canceled())
}

/// What [`hangs_after_checkpoint`] reports.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    step: u32,
    note: String,
}

/// Runs a worker with `codec` until the task `spec` schedules closes; returns the task's handle
/// and the workflow's history, read over HTTP as a decider reads it.
async fn run_one(
    codec: impl PayloadCodec,
    spec: ActivitySpec,
) -> (ActivityHandle, ActivityOutcome, Vec<HistoryEvent>) {
    let local = support::endpoint_with_domain(
        LocalSwf::builder().poll_timeout(Duration::from_secs(1)),
        DOMAIN,
    )
    .await;
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .payload_codec(codec)
        .activity(daily_report)
        .activity(noise)
        .activity(hangs_after_checkpoint)
        .shutdown_grace(Duration::from_millis(100))
        .cancel_grace(Duration::from_millis(100))
        .abandon_grace(Duration::from_millis(100))
        .build()
        .expect("the worker builds");
    let (task, outcome) = support::run_scenario(&worker, LIMIT, async {
        let task = local
            .schedule_activity(spec.task_list(TASK_LIST))
            .expect("the activity schedules");
        let outcome = task.outcome().await;
        (task, outcome)
    })
    .await;
    let execution = task.execution();
    let history = aws_sdk_swf::Client::new(local.sdk_config())
        .get_workflow_execution_history()
        .domain(DOMAIN)
        .execution(
            WorkflowExecution::builder()
                .workflow_id(&execution.workflow_id)
                .run_id(&execution.run_id)
                .build()
                .expect("an execution"),
        )
        .send()
        .await
        .expect("the history reads")
        .events()
        .to_vec();
    (task, outcome, history)
}

/// The scheduled input and the result (or failure details) the history records.
fn recorded_payloads(history: &[HistoryEvent]) -> (Option<String>, Option<String>) {
    let input = history
        .iter()
        .find_map(|e| e.activity_task_scheduled_event_attributes())
        .and_then(|a| a.input().map(str::to_owned));
    let sent = history.iter().find_map(|e| match e.event_type() {
        EventType::ActivityTaskCompleted => e
            .activity_task_completed_event_attributes()
            .and_then(|a| a.result().map(str::to_owned)),
        EventType::ActivityTaskFailed => e
            .activity_task_failed_event_attributes()
            .and_then(|a| a.details().map(str::to_owned)),
        EventType::ActivityTaskTimedOut => e
            .activity_task_timed_out_event_attributes()
            .and_then(|a| a.details().map(str::to_owned)),
        _ => None,
    });
    (input, sent)
}

fn report_request(rows: usize) -> String {
    serde_json::to_string(&ReportRequest {
        day: "2026-11-30".into(),
        rows,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_kb_result_round_trips_through_a_claim_check_store() {
    let codec = ClaimCheck::default();
    let input = codec.encode(&report_request(1_000)).await.unwrap();
    let (task, outcome, history) = run_one(
        codec.clone(),
        ActivitySpec::new(DOMAIN, "daily_report", "1").input(input),
    )
    .await;
    assert!(
        matches!(outcome, ActivityOutcome::Completed { .. }),
        "{outcome:?}"
    );

    // The history holds only the references.
    let (input, result) = recorded_payloads(&history);
    assert_eq!(input.as_deref(), Some("claim:0"));
    assert_eq!(result.as_deref(), Some("claim:1"));
    let stored = codec.store.lock().unwrap().get("claim:1").map(String::len);
    assert!(stored.is_some_and(|len| len > 100_000), "{stored:?}");

    // The decider reads the 100 KB report back through the same codec.
    let read = ActivityHistory::new(&history)
        .decoded_outcome(daily_report, task.activity_id(), &codec)
        .await
        .expect("the outcome decodes");
    let Some(Outcome::Completed(report)) = read else {
        panic!("expected a completed report, got {read:?}");
    };
    assert_eq!(report.day, "2026-11-30");
    assert_eq!(report.rows.len(), 1_000);
    assert!(serde_json::to_string(&report).unwrap().len() > 100_000);

    // A decider with another codec is told what it cannot read, not handed a wrong value.
    let wrong = ActivityHistory::new(&history)
        .decoded_outcome(daily_report, task.activity_id(), &GzipCodec::new())
        .await;
    assert!(
        matches!(
            &wrong,
            Err(OutcomeError::Undecodable {
                source: CodecError::NotEncoded { .. },
                ..
            })
        ),
        "{wrong:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_compresses_the_history_while_the_activity_sees_plain_json() {
    let codec = GzipCodec::new();
    let input = codec.encode(&report_request(500)).await.unwrap();
    let (task, outcome, history) = run_one(
        codec,
        ActivitySpec::new(DOMAIN, "daily_report", "1").input(input),
    )
    .await;
    assert!(
        matches!(outcome, ActivityOutcome::Completed { .. }),
        "{outcome:?}"
    );

    let (input, result) = recorded_payloads(&history);
    let (input, result) = (input.unwrap(), result.unwrap());
    assert!(input.starts_with(GZIP_MARKER), "{input}");
    assert!(result.starts_with(GZIP_MARKER), "{}", &result[..40]);
    // 50,000+ characters of JSON, compressed and base64-encoded.
    assert!(result.len() < 5_000, "{} characters", result.len());

    // The activity decoded the request (or it would have failed with "invalid input"), and the
    // decider decodes its report.
    let read = ActivityHistory::new(&history)
        .decoded_outcome(daily_report, task.activity_id(), &codec)
        .await
        .expect("the outcome decodes");
    let Some(Outcome::Completed(report)) = read else {
        panic!("expected a completed report, got {read:?}");
    };
    assert_eq!(report.rows.len(), 500);
    assert_eq!(report.rows[499], format!("{:>8} {}", 499, "x".repeat(91)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_limit_after_encoding_fails_with_size_and_limit() {
    let codec = GzipCodec::new();
    // 32,000 characters fit SWF's limit as they are; compressed and in base64 they do not.
    let input = codec.encode("32000").await.unwrap();
    let (task, outcome, history) =
        run_one(codec, ActivitySpec::new(DOMAIN, "noise", "1").input(input)).await;
    let ActivityOutcome::Failed { reason, .. } = &outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    let reason = reason.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("result too large after encoding: "),
        "{reason}"
    );
    assert!(reason.contains("over SWF's limit of 32768"), "{reason}");
    let sent: usize = reason["result too large after encoding: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the reason gives the encoded size");
    assert!(sent > 32_768, "{reason}");

    // The failure's details are encoded too, and say how large the result was before.
    let read = ActivityHistory::new(&history)
        .decoded_outcome(noise, task.activity_id(), &codec)
        .await
        .expect("the outcome decodes");
    let Some(Outcome::Failed {
        details: Some(details),
        ..
    }) = read
    else {
        panic!("expected a failure with details, got {read:?}");
    };
    let plain: usize = details
        .strip_prefix("the result was ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the details give the size before encoding");
    assert!(plain <= 32_768, "{details}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_the_codec_cannot_decode_fails_saying_so() {
    // A decider without the codec sends plain JSON.
    let (_, outcome, history) = run_one(
        GzipCodec::new(),
        ActivitySpec::new(DOMAIN, "daily_report", "1").input(report_request(3)),
    )
    .await;
    let ActivityOutcome::Failed { reason, .. } = &outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    let reason = reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("undecodable input: "), "{reason}");
    assert!(reason.contains("not gzip+base64"), "{reason}");
    assert!(reason.contains(r#"{\"day\""#), "{reason}");
    let failed = history
        .iter()
        .filter(|e| e.event_type() == &EventType::ActivityTaskFailed)
        .count();
    assert_eq!(failed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_details_are_encoded_and_the_decider_decodes_the_checkpoint() {
    let codec = GzipCodec::new();
    let input = codec.encode("7").await.unwrap();
    let (task, outcome, history) = run_one(
        codec,
        ActivitySpec::new(DOMAIN, "hangs_after_checkpoint", "1").input(input),
    )
    .await;
    assert!(
        matches!(outcome, ActivityOutcome::TimedOut { .. }),
        "{outcome:?}"
    );
    let (_, details) = recorded_payloads(&history);
    let details = details.expect("the timeout keeps the last heartbeat's details");
    assert!(details.starts_with(GZIP_MARKER), "{details}");

    let read = ActivityHistory::new(&history)
        .decoded_outcome(hangs_after_checkpoint, task.activity_id(), &codec)
        .await
        .expect("the outcome decodes");
    let Some(Outcome::TimedOut { details, .. }) = read else {
        panic!("expected a time-out, got {read:?}");
    };
    assert_eq!(
        details.decode::<Checkpoint>().unwrap(),
        Some(Checkpoint {
            step: 7,
            note: "all rows up to here are stored".into()
        })
    );
}
