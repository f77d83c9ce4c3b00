//! `ActivityEnvironment` and the worker agree on how a task ended: the same result-size check,
//! the same truncation of reasons and details. Each case runs both ways; the worker's answer is
//! read from what the endpoint recorded. An activity that hands its token over gets no answer from
//! either: the task stays open for whoever holds the token.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use swf_activity::completion::CompletionClient;
use swf_activity::local::{ActivityOutcome as Recorded, ActivitySpec, LocalSwf};
use swf_activity::outcome::ActivityOutcome;
use swf_activity::registration::register_domain;
use swf_activity::task::TaskToken;
use swf_activity::testing::ActivityEnvironment;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};

const DOMAIN: &str = "outcomes";
const TASK_LIST: &str = "outcomes-tasks";
/// Every wait in this test is bounded by this.
const LIMIT: Duration = Duration::from_secs(60);

/// How the activity ends; long texts are built inside the activity, since a task's input is
/// itself limited to 32,768 characters.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Ending {
    /// Returns a string of `chars` characters (sent as JSON, so 2 more with the quotes).
    Result { chars: usize },
    /// Returns nothing.
    Empty,
    /// Fails with a reason and details of these lengths.
    Fail {
        reason_chars: usize,
        details_chars: usize,
    },
    /// Accepts a cancellation with details of this length.
    Cancel { details_chars: usize },
    /// Hands its token over (to [`HANDED_OVER`]) and leaves the task to be answered elsewhere.
    Elsewhere,
}

/// The tokens `end_as` handed over.
static HANDED_OVER: Mutex<Vec<TaskToken>> = Mutex::new(Vec::new());
/// What the test answers, by token, for a task handed over.
const ELSEWHERE_RESULT: &str = "\"answered by token\"";

/// Ends as its input says.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "30s"
)]
async fn end_as(progress: Progress, ending: Ending) -> Result<Option<String>, ActivityError> {
    match ending {
        Ending::Elsewhere => {
            let token = progress
                .task_token()
                .ok_or_else(|| ActivityError::failed("no task"))?;
            HANDED_OVER.lock().unwrap().push(token);
            Err(ActivityError::completes_elsewhere())
        }
        Ending::Result { chars } => Ok(Some("r".repeat(chars))),
        Ending::Empty => Ok(None),
        Ending::Fail {
            reason_chars,
            details_chars,
        } => Err(ActivityError::failed("f".repeat(reason_chars))
            .with_details(&"d".repeat(details_chars))),
        Ending::Cancel { details_chars } => {
            Err(ActivityError::canceled().with_details(&"c".repeat(details_chars)))
        }
    }
}

/// What the endpoint recorded, in the testing outcome's terms.
fn as_outcome(recorded: Recorded) -> ActivityOutcome {
    match recorded {
        Recorded::Completed { result } => ActivityOutcome::Completed { result },
        Recorded::Failed { reason, details } => ActivityOutcome::Failed {
            reason: reason.unwrap_or_default(),
            details,
        },
        Recorded::Canceled { details } => ActivityOutcome::Canceled { details },
        other => panic!("the task did not get an answer: {}", other.summary()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_and_worker_answer_alike() {
    // (case, the kind of answer both must give)
    let cases = [
        (Ending::Result { chars: 2 }, "completed"),
        (Ending::Empty, "completed"),
        // 32,766 characters and two quotes: exactly SWF's limit.
        (Ending::Result { chars: 32_766 }, "completed"),
        // One over: the worker fails the task, and so must the environment.
        (Ending::Result { chars: 32_767 }, "failed"),
        (
            Ending::Fail {
                reason_chars: 10,
                details_chars: 10,
            },
            "failed",
        ),
        // Over the 256-character reason and 32,768-character details limits: both cut.
        (
            Ending::Fail {
                reason_chars: 300,
                details_chars: 40_000,
            },
            "failed",
        ),
        (Ending::Cancel { details_chars: 10 }, "canceled"),
        (
            Ending::Cancel {
                details_chars: 40_000,
            },
            "canceled",
        ),
        (Ending::Elsewhere, "completes_elsewhere"),
    ];

    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(2))
        .start()
        .await
        .expect("the local endpoint starts");
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1)
        .await
        .expect("domain registers");
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(end_as)
        .build()
        .expect("worker builds");
    worker
        .register_activity_types()
        .await
        .expect("types register");
    let shutdown = worker.shutdown_handle();

    let scenario = async {
        for (ending, kind) in &cases {
            let expected = ActivityEnvironment::new()
                .run_json(&end_as, ending)
                .await
                .expect("the input serializes")
                .outcome;
            assert_eq!(
                expected.kind(),
                *kind,
                "{ending:?} under ActivityEnvironment"
            );

            HANDED_OVER.lock().unwrap().clear();
            let handle = local
                .schedule_activity(
                    ActivitySpec::new(DOMAIN, "end_as", "1")
                        .task_list(TASK_LIST)
                        .input(serde_json::to_string(ending).expect("the input serializes"))
                        .schedule_to_start_timeout(LIMIT)
                        .schedule_to_close_timeout(LIMIT * 2),
                )
                .expect("activity schedules");
            if let Ending::Elsewhere = ending {
                // The worker sent nothing: the task is still open, and takes an answer by token.
                let token = tokio::time::timeout(LIMIT, async {
                    loop {
                        if let Some(token) = HANDED_OVER.lock().unwrap().pop() {
                            break token;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
                .await
                .expect("the activity hands its token over in time");
                tokio::time::sleep(Duration::from_millis(300)).await;
                assert_eq!(
                    handle.try_outcome(),
                    None,
                    "the worker answered a task handed over"
                );
                CompletionClient::from_sdk_config(local.sdk_config())
                    .complete_raw(&token, Some(ELSEWHERE_RESULT))
                    .await
                    .expect("the task is still open for an answer by token");
                let recorded = tokio::time::timeout(LIMIT, handle.outcome())
                    .await
                    .expect("the task closes");
                assert_eq!(
                    as_outcome(recorded),
                    ActivityOutcome::Completed {
                        result: Some(ELSEWHERE_RESULT.to_owned())
                    }
                );
                continue;
            }
            let recorded = tokio::time::timeout(LIMIT, handle.outcome())
                .await
                .expect("the worker answers in time");
            assert_eq!(
                as_outcome(recorded),
                expected,
                "{ending:?}: the worker's answer differs from ActivityEnvironment's"
            );
        }
        shutdown.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT * 4, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the cases end in time");
    result.expect("the worker stops cleanly");
}
