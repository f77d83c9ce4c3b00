//! Completing an activity from elsewhere, against `swf-local` over HTTP: the activity hands its
//! task token over and ends without an answer; a `CompletionClient` (no worker) then answers or
//! heartbeats the task by token. Each outcome is read back from the workflow's history over HTTP
//! with `swf_activity::decider`.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::types::{HistoryEvent, WorkflowExecution};
use serde::{Deserialize, Serialize};
use swf_activity::codec::{GZIP_MARKER, GzipCodec, PayloadCodec};
use swf_activity::completion::{CompletionClient, CompletionError};
use swf_activity::decider::{ActivityHistory, Outcome};
use swf_activity::limits::{FAILURE_REASON_MAX_CHARS, TRUNCATION_MARKER};
use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::task::TaskToken;
use swf_activity::worker::{Worker, WorkerBuilder};
use swf_activity::{ActivityError, Progress, Resource, activity};
use tokio::sync::mpsc;

use crate::support;

const DOMAIN: &str = "external";
const TASK_LIST: &str = "external-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(60);

/// Where `await_approval` hands its tasks' tokens: to the test, standing in for an approval
/// service.
struct Outbox(mpsc::UnboundedSender<(String, TaskToken)>);

/// What an approver sends back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Approval {
    approved_by: String,
    note: String,
}

/// Asks for an approval: hands its token to the outbox and ends without an answer.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn await_approval(
    progress: Progress,
    outbox: Resource<Outbox>,
    request: String,
) -> Result<Approval, ActivityError> {
    let task = progress
        .task()
        .ok_or_else(|| ActivityError::failed("not run by a worker"))?;
    tracing::info!(%request, token = %task.token(), "waiting for approval");
    outbox
        .0
        .send((task.activity_id.clone(), task.token()))
        .map_err(|_| ActivityError::failed("the approval service is gone"))?;
    Err(ActivityError::completes_elsewhere())
}

/// The endpoint, a worker that runs `await_approval` (built further by `configure`), the tokens
/// it hands over, and the worker's shutdown handle.
async fn setup(
    configure: impl FnOnce(WorkerBuilder) -> WorkerBuilder,
) -> (
    LocalSwf,
    Worker,
    mpsc::UnboundedReceiver<(String, TaskToken)>,
) {
    let local = support::endpoint_with_domain(
        LocalSwf::builder().poll_timeout(Duration::from_secs(1)),
        DOMAIN,
    )
    .await;
    let (outbox, tokens) = mpsc::unbounded_channel();
    let worker = configure(
        Worker::from_sdk_config(local.sdk_config())
            .domain(DOMAIN)
            .task_list(TASK_LIST)
            .resource(Outbox(outbox))
            .activity(await_approval),
    )
    .build()
    .expect("the worker builds");
    worker
        .register_activity_types()
        .await
        .expect("the types register");
    (local, worker, tokens)
}

fn schedule(
    local: &LocalSwf,
    id: &str,
    configure: fn(ActivitySpec) -> ActivitySpec,
) -> ActivityHandle {
    local
        .schedule_activity(configure(
            ActivitySpec::new(DOMAIN, "await_approval", "1")
                .activity_id(id)
                .task_list(TASK_LIST)
                .input(serde_json::to_string(&format!("approve {id}")).unwrap()),
        ))
        .expect("the activity schedules")
}

/// The next token the activity handed over, for `id`.
async fn next_token(
    tokens: &mut mpsc::UnboundedReceiver<(String, TaskToken)>,
    id: &str,
) -> TaskToken {
    let (handed_for, token) = tokio::time::timeout(LIMIT, tokens.recv())
        .await
        .expect("the activity hands its token over in time")
        .expect("the worker runs");
    assert_eq!(handed_for, id);
    token
}

/// The task's workflow history, read over HTTP as a decider would.
async fn history(local: &LocalSwf, task: &ActivityHandle) -> Vec<HistoryEvent> {
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    let execution = WorkflowExecution::builder()
        .workflow_id(&task.execution().workflow_id)
        .run_id(&task.execution().run_id)
        .build()
        .unwrap();
    client
        .get_workflow_execution_history()
        .domain(DOMAIN)
        .execution(execution)
        .send()
        .await
        .expect("the history reads")
        .events
}

/// How the task closed, as its history says.
async fn outcome_in_history(local: &LocalSwf, task: &ActivityHandle) -> Outcome<Approval> {
    let events = history(local, task).await;
    ActivityHistory::new(&events)
        .outcome(await_approval, task.activity_id())
        .expect("the history decodes")
        .expect("the task closed")
}

/// Runs `scenario` beside `worker`, then shuts the worker down; all bounded.
async fn with_worker<T>(worker: &Worker, scenario: impl Future<Output = T>) -> T {
    let handle = worker.shutdown_handle();
    let scenario = async {
        let value = scenario.await;
        handle.shutdown();
        value
    };
    let (result, value) = tokio::time::timeout(LIMIT, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_completed_by_token_closes_with_the_result_sent() {
    let (local, worker, mut tokens) = setup(|b| b).await;
    let client = CompletionClient::from_sdk_config(local.sdk_config());
    let approval = Approval {
        approved_by: "ada".into(),
        note: "within budget".into(),
    };
    let task = with_worker(&worker, async {
        let task = schedule(&local, "order-1", |s| s);
        let token = next_token(&mut tokens, "order-1").await;
        // The worker sent nothing: the task waits for its approver.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            task.try_outcome(),
            None,
            "the worker answered the task itself"
        );
        client
            .complete(&token, &approval)
            .await
            .expect("the approval is delivered");
        tokio::time::timeout(LIMIT, task.outcome())
            .await
            .expect("the task closes");
        task
    })
    .await;
    assert_eq!(
        outcome_in_history(&local, &task).await,
        Outcome::Completed(approval)
    );
    assert_eq!(
        task.heartbeat_count(),
        0,
        "the worker heartbeat a task it handed over"
    );
    let stats = worker.stats();
    assert_eq!(stats.tasks_completing_elsewhere, 1);
    assert_eq!(stats.tasks_completed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_and_cancel_by_token_close_the_task_with_what_was_sent() {
    let (local, worker, mut tokens) = setup(|b| b).await;
    let client = CompletionClient::from_sdk_config(local.sdk_config());
    let long_reason = "r".repeat(1000);
    let (failed, canceled) = with_worker(&worker, async {
        let failed = schedule(&local, "order-2", |s| s);
        let token = next_token(&mut tokens, "order-2").await;
        client
            .fail(&token, &long_reason, Some("over budget"))
            .await
            .expect("the failure is delivered");
        let canceled = schedule(&local, "order-3", |s| s);
        let token = next_token(&mut tokens, "order-3").await;
        client
            .cancel(&token, Some("withdrawn"))
            .await
            .expect("the cancellation is delivered");
        for task in [&failed, &canceled] {
            tokio::time::timeout(LIMIT, task.outcome())
                .await
                .expect("the task closes");
        }
        (failed, canceled)
    })
    .await;
    let Outcome::Failed { reason, details } = outcome_in_history(&local, &failed).await else {
        panic!("the task did not close failed");
    };
    // Cut to SWF's limit as the worker cuts its own reasons.
    let reason = reason.expect("a reason");
    assert_eq!(reason.chars().count(), FAILURE_REASON_MAX_CHARS);
    assert!(reason.ends_with(TRUNCATION_MARKER));
    assert_eq!(details.as_deref(), Some("over budget"));
    assert_eq!(
        outcome_in_history(&local, &canceled).await,
        Outcome::Canceled {
            details: Some("withdrawn".into())
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_by_token_keep_a_task_alive_and_report_a_cancel_request() {
    const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(1);
    let (local, worker, mut tokens) = setup(|b| b).await;
    let client = CompletionClient::from_sdk_config(local.sdk_config());
    let task = with_worker(&worker, async {
        let task = schedule(&local, "order-4", |s| {
            s.heartbeat_timeout(HEARTBEAT_TIMEOUT)
        });
        let token = next_token(&mut tokens, "order-4").await;
        // Three heartbeat timeouts long, kept alive only by the client's heartbeats.
        for n in 0..12 {
            let reply = client
                .heartbeat(&token, Some(&format!("reviewing {n}")))
                .await
                .expect("the heartbeat is delivered");
            assert!(!reply.cancel_requested);
            tokio::time::sleep(HEARTBEAT_TIMEOUT / 4).await;
        }
        assert_eq!(
            task.try_outcome(),
            None,
            "the task timed out while heartbeating"
        );
        task.request_cancel()
            .expect("the cancel request is recorded");
        let reply = client
            .heartbeat(&token, Some("reviewing"))
            .await
            .expect("the heartbeat is delivered");
        assert!(
            reply.cancel_requested,
            "the heartbeat did not report the cancel request"
        );
        client
            .cancel(&token, Some("withdrawn on request"))
            .await
            .expect("the cancellation is delivered");
        tokio::time::timeout(LIMIT, task.outcome())
            .await
            .expect("the task closes");
        task
    })
    .await;
    assert!(task.heartbeat_count() >= 13, "{}", task.heartbeat_count());
    let events = history(&local, &task).await;
    assert!(
        events
            .iter()
            .any(|e| e.event_type().as_str() == "ActivityTaskCancelRequested")
    );
    assert_eq!(
        outcome_in_history(&local, &task).await,
        Outcome::Canceled {
            details: Some("withdrawn on request".into())
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_handed_over_frees_its_slot_at_once() {
    let (local, worker, mut tokens) = setup(|b| b.max_concurrent_activities(1)).await;
    let client = CompletionClient::from_sdk_config(local.sdk_config());
    let (first, second) = with_worker(&worker, async {
        let first = schedule(&local, "order-5", |s| s);
        let second = schedule(&local, "order-6", |s| s);
        // With one slot, the second starts only if the first gave it back unanswered.
        let first_token = next_token(&mut tokens, "order-5").await;
        let second_token = next_token(&mut tokens, "order-6").await;
        assert_eq!(first.try_outcome(), None);
        for (token, by) in [(first_token, "ada"), (second_token, "grace")] {
            let approval = Approval {
                approved_by: by.into(),
                note: String::new(),
            };
            client.complete(&token, &approval).await.expect("delivered");
        }
        for task in [&first, &second] {
            tokio::time::timeout(LIMIT, task.outcome())
                .await
                .expect("the task closes");
        }
        (first, second)
    })
    .await;
    // From the histories: the second started before the first closed.
    let first_closed = history(&local, &first)
        .await
        .iter()
        .find(|e| e.event_type().as_str() == "ActivityTaskCompleted")
        .map(|e| e.event_timestamp().as_secs_f64())
        .expect("the first closed");
    let second_started = history(&local, &second)
        .await
        .iter()
        .find(|e| e.event_type().as_str() == "ActivityTaskStarted")
        .map(|e| e.event_timestamp().as_secs_f64())
        .expect("the second started");
    assert!(second_started < first_closed);
    assert!(matches!(
        outcome_in_history(&local, &second).await,
        Outcome::Completed(Approval { approved_by, .. }) if approved_by == "grace"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_a_closed_or_timed_out_task_says_the_task_is_gone() {
    let (local, worker, mut tokens) = setup(|b| b).await;
    let client = CompletionClient::from_sdk_config(local.sdk_config());
    with_worker(&worker, async {
        let closed = schedule(&local, "order-7", |s| s);
        let token = next_token(&mut tokens, "order-7").await;
        client.cancel(&token, None).await.expect("delivered");
        let err = client
            .complete_raw(&token, Some("\"late\""))
            .await
            .expect_err("a closed task takes no second answer");
        assert!(err.is_task_gone(), "{err}");
        assert!(
            err.to_string().contains("already closed or timed out"),
            "{err}"
        );
        assert!(
            !err.to_string().contains(token.as_str()),
            "the error shows the token"
        );
        assert_eq!(
            outcome_in_history(&local, &closed).await,
            Outcome::Canceled { details: None },
            "the late answer changed the task"
        );

        let timed_out = schedule(&local, "order-8", |s| {
            s.heartbeat_timeout(Duration::from_secs(1))
        });
        let token = next_token(&mut tokens, "order-8").await;
        let outcome = tokio::time::timeout(LIMIT, timed_out.outcome())
            .await
            .expect("the task times out");
        assert!(
            matches!(outcome, ActivityOutcome::TimedOut { .. }),
            "{outcome:?}"
        );
        let err = client
            .heartbeat(&token, None)
            .await
            .expect_err("a timed-out task takes no heartbeat");
        assert!(
            matches!(
                err,
                CompletionError::TaskGone {
                    operation: "RecordActivityTaskHeartbeat",
                    ..
                }
            ),
            "{err}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sharing_the_workers_codec_completes_a_task_the_decider_decodes() {
    let codec = Arc::new(GzipCodec::new());
    let (local, worker, mut tokens) = setup(|b| b.payload_codec(Arc::clone(&codec))).await;
    let client =
        CompletionClient::from_sdk_config(local.sdk_config()).payload_codec(Arc::clone(&codec));
    let approval = Approval {
        approved_by: "ada".into(),
        note: "within budget ".repeat(200),
    };
    let input = codec
        .encode(&serde_json::to_string("approve order-9").unwrap())
        .await
        .expect("the input encodes");
    let task = with_worker(&worker, async {
        let task = local
            .schedule_activity(
                ActivitySpec::new(DOMAIN, "await_approval", "1")
                    .activity_id("order-9")
                    .task_list(TASK_LIST)
                    .input(input),
            )
            .expect("the activity schedules");
        let token = next_token(&mut tokens, "order-9").await;
        client
            .complete(&token, &approval)
            .await
            .expect("the approval is delivered");
        tokio::time::timeout(LIMIT, task.outcome())
            .await
            .expect("the task closes");
        task
    })
    .await;
    let events = history(&local, &task).await;
    let sent = events
        .iter()
        .find_map(|e| e.activity_task_completed_event_attributes())
        .and_then(|a| a.result())
        .expect("the history holds the result");
    assert!(sent.starts_with(GZIP_MARKER), "{sent}");
    assert!(
        sent.len() < serde_json::to_string(&approval).unwrap().len(),
        "the result was not compressed: {sent}"
    );
    // A decider without the codec is refused; with it, it reads the approval back.
    assert!(
        ActivityHistory::new(&events)
            .outcome(await_approval, task.activity_id())
            .is_err(),
        "the plain reading decoded a gzip result"
    );
    let read = ActivityHistory::new(&events)
        .decoded_outcome(await_approval, task.activity_id(), &*codec)
        .await
        .expect("the outcome decodes");
    assert_eq!(read, Some(Outcome::Completed(approval)));
}
