//! The decider's typed API: decisions built from an `#[activity]`'s definition, checked before
//! they are sent, accepted by the endpoint; and outcomes read from the histories swf-local
//! records.

#[allow(dead_code, reason = "each test binary uses what it needs")]
mod support;

use std::time::Duration;

use aws_sdk_swf::types::{
    ActivityTaskTimeoutType, ChildPolicy, Decision, HistoryEvent, ScheduleActivityTaskFailedCause,
    TaskList, WorkflowExecution, WorkflowType,
};
use serde::{Deserialize, Serialize};
use swf_activity::decider::{
    ActivityHistory, DecisionError, Outcome, OutcomeError, ScheduleActivity, request_cancel,
};
use swf_activity::local::{ActivityHandle, ActivitySpec, LocalSwf};
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, Timeout, activity};

const DOMAIN: &str = "decider";
const TASK_LIST: &str = "orders";
const DECISIONS: &str = "decider-decisions";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    items: Vec<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Receipt {
    id: u32,
    items: usize,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    packed: u32,
}

/// Packs an order: order 2 is out of stock, order 3 waits to be canceled.
#[activity(
    version = "2",
    task_list = "orders",
    task_priority = 3,
    heartbeat_timeout = "10s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn pack(progress: Progress, order: Order) -> Result<Receipt, ActivityError> {
    match order.id {
        2 => Err(ActivityError::failed("out of stock").with_details(&order.items)),
        3 => {
            progress.report(&Checkpoint { packed: 1 })?;
            let reason = tokio::time::timeout(LIMIT, progress.cancelled())
                .await
                .map_err(|_| ActivityError::failed("never canceled"))?;
            Err(ActivityError::canceled().with_details(&format!("{reason} after 1 item")))
        }
        _ => Ok(Receipt {
            id: order.id,
            items: order.items.len(),
        }),
    }
}

/// Reports one checkpoint, then stops heartbeating as a stuck machine would, until the worker
/// shuts down.
#[activity(
    version = "1",
    heartbeat = "manual",
    heartbeat_timeout = "1s",
    start_to_close_timeout = "1m"
)]
async fn stall(progress: Progress, from: u32) -> Result<(), ActivityError> {
    progress.report(&Checkpoint { packed: from + 2 })?;
    progress.flush().await?;
    let reason = tokio::time::timeout(LIMIT * 2, progress.cancelled())
        .await
        .map_err(|_| ActivityError::failed("never stopped"))?;
    Err(reason.into())
}

/// Never registered: scheduling it fails.
#[activity(
    version = "1",
    task_list = "orders",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "1m"
)]
async fn unregistered() {}

fn order(id: u32) -> Order {
    Order {
        id,
        items: vec!["cup".to_owned(), "saucer".to_owned()],
    }
}

fn attributes(decision: &Decision) -> &aws_sdk_swf::types::ScheduleActivityTaskDecisionAttributes {
    decision
        .schedule_activity_task_decision_attributes()
        .expect("a ScheduleActivityTask decision")
}

#[test]
fn a_decision_takes_type_version_and_input_from_the_activity_and_leaves_the_rest_to_defaults() {
    let decision = ScheduleActivity::new(pack, &order(1))
        .decision()
        .expect("builds");
    assert_eq!(decision.decision_type().as_str(), "ScheduleActivityTask");
    let a = attributes(&decision);
    let activity_type = a.activity_type().expect("type");
    assert_eq!(
        (activity_type.name(), activity_type.version()),
        ("pack", "2")
    );
    assert_eq!(a.activity_id(), "pack");
    assert_eq!(a.input(), Some(r#"{"id":1,"items":["cup","saucer"]}"#));
    assert_eq!(a.task_list(), None);
    assert_eq!(a.task_priority(), None);
    assert_eq!(a.heartbeat_timeout(), None);
    assert_eq!(a.start_to_close_timeout(), None);
    assert_eq!(a.schedule_to_start_timeout(), None);
    assert_eq!(a.schedule_to_close_timeout(), None);
    assert_eq!(a.control(), None);

    // An activity without input sends none.
    let decision = ScheduleActivity::new(unregistered, &())
        .decision()
        .expect("builds");
    assert_eq!(attributes(&decision).input(), None);
}

#[test]
fn every_override_reaches_the_decision() {
    let decision = ScheduleActivity::new(pack, &order(1))
        .activity_id("order-1")
        .task_list("rush")
        .task_priority(-5)
        .heartbeat_timeout(Timeout::Seconds(20))
        .start_to_close_timeout(Timeout::Seconds(300))
        .schedule_to_start_timeout(Timeout::Unlimited)
        .schedule_to_close_timeout(Timeout::Seconds(900))
        .control("attempt 2")
        .decision()
        .expect("builds");
    let a = attributes(&decision);
    assert_eq!(a.activity_id(), "order-1");
    assert_eq!(a.task_list().map(TaskList::name), Some("rush"));
    assert_eq!(a.task_priority(), Some("-5"));
    assert_eq!(a.heartbeat_timeout(), Some("20"));
    assert_eq!(a.start_to_close_timeout(), Some("300"));
    assert_eq!(a.schedule_to_start_timeout(), Some("NONE"));
    assert_eq!(a.schedule_to_close_timeout(), Some("900"));
    assert_eq!(a.control(), Some("attempt 2"));
}

#[test]
fn what_swf_would_refuse_is_refused_before_sending() {
    // 32,768 characters of JSON is the limit; this input is one over.
    let overhead = r#"{"id":1,"items":[""]}"#.len();
    let mut big = Order {
        id: 1,
        items: vec!["x".repeat(32_768 - overhead)],
    };
    ScheduleActivity::new(pack, &big)
        .decision()
        .expect("exactly at the limit is fine");
    big.items[0].push('x');
    let err = ScheduleActivity::new(pack, &big).decision().unwrap_err();
    assert!(
        matches!(
            err,
            DecisionError::InputTooLong {
                chars: 32_769,
                limit: 32_768,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("pack (version 2)"), "{err}");

    let err = ScheduleActivity::new(pack, &order(1))
        .activity_id("a:b")
        .decision()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            DecisionError::InvalidName {
                field: "activity id",
                ..
            }
        ),
        "{err:?}"
    );

    // `stall` registers no task list and no schedule-to-start timeout: SWF would fail these.
    let err = ScheduleActivity::new(stall, &0).decision().unwrap_err();
    assert!(
        matches!(
            &err,
            DecisionError::MissingDefault {
                setting: "task_list",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("ScheduleActivity::task_list"),
        "{err}"
    );
    let err = ScheduleActivity::new(stall, &0)
        .task_list("x")
        .decision()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            DecisionError::MissingDefault {
                setting: "schedule_to_start_timeout",
                ..
            }
        ),
        "{err:?}"
    );

    let cancel = request_cancel("order-1").expect("builds");
    assert_eq!(
        cancel
            .request_cancel_activity_task_decision_attributes()
            .map(|a| a.activity_id()),
        Some("order-1")
    );
    assert!(matches!(
        request_cancel(""),
        Err(DecisionError::InvalidName { .. })
    ));
}

async fn endpoint() -> LocalSwf {
    support::endpoint_with_domain(
        LocalSwf::builder().poll_timeout(Duration::from_secs(1)),
        DOMAIN,
    )
    .await
}

fn worker(local: &LocalSwf) -> Worker {
    Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .pollers(2)
        .max_concurrent_activities(4)
        .shutdown_grace(Duration::from_millis(200))
        .activity(pack)
        .activity(stall)
        .build()
        .expect("worker builds")
}

async fn history(local: &LocalSwf, handle: &ActivityHandle) -> Vec<HistoryEvent> {
    let execution = handle.execution();
    aws_sdk_swf::Client::new(local.sdk_config())
        .get_workflow_execution_history()
        .domain(DOMAIN)
        .execution(
            WorkflowExecution::builder()
                .workflow_id(&execution.workflow_id)
                .run_id(&execution.run_id)
                .build()
                .expect("execution"),
        )
        .send()
        .await
        .expect("history reads")
        .events()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_decode_from_the_histories_swf_local_records() {
    let local = endpoint().await;
    let worker = worker(&local);
    worker
        .register_activity_types()
        .await
        .expect("types register");
    let handle = worker.shutdown_handle();
    let scenario = async {
        let schedule = |name: &str, version: &str, id: &str, input: String| {
            local
                .schedule_activity(
                    ActivitySpec::new(DOMAIN, name, version)
                        .activity_id(id)
                        .task_list(TASK_LIST)
                        .input(input)
                        .schedule_to_start_timeout(LIMIT)
                        .schedule_to_close_timeout(LIMIT * 2),
                )
                .expect("activity schedules")
        };
        let json = |o: &Order| serde_json::to_string(o).expect("encodes");
        let completed = schedule("pack", "2", "order-1", json(&order(1)));
        let failed = schedule("pack", "2", "order-2", json(&order(2)));
        let canceled = schedule("pack", "2", "order-3", json(&order(3)));
        let timed_out = schedule("stall", "1", "stall-1", "5".to_owned());
        for _ in 0..600 {
            if canceled.heartbeat_count() >= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        canceled.request_cancel().expect("cancellation requested");
        for activity in [&completed, &failed, &canceled, &timed_out] {
            tokio::time::timeout(LIMIT, activity.outcome())
                .await
                .expect("every activity ends in time");
        }

        let events = history(&local, &completed).await;
        let outcome = ActivityHistory::new(&events).outcome(pack, "order-1");
        assert_eq!(
            outcome.expect("decodes"),
            Some(Outcome::Completed(Receipt { id: 1, items: 2 }))
        );
        // Another activity id, or the right id read as another activity, is told apart.
        assert_eq!(
            ActivityHistory::new(&events)
                .outcome(pack, "order-9")
                .expect("decodes"),
            None
        );
        let err = ActivityHistory::new(&events)
            .outcome(stall, "order-1")
            .unwrap_err();
        assert!(matches!(err, OutcomeError::OtherType { .. }), "{err:?}");

        let events = history(&local, &failed).await;
        assert_eq!(
            ActivityHistory::new(&events)
                .outcome(pack, "order-2")
                .expect("decodes"),
            Some(Outcome::Failed {
                reason: Some("out of stock".to_owned()),
                details: Some(r#"["cup","saucer"]"#.to_owned()),
            })
        );

        let events = history(&local, &canceled).await;
        assert_eq!(
            ActivityHistory::new(&events)
                .outcome(pack, "order-3")
                .expect("decodes"),
            Some(Outcome::Canceled {
                details: Some("cancellation requested after 1 item".to_owned()),
            })
        );

        let events = history(&local, &timed_out).await;
        let Some(Outcome::TimedOut {
            timeout_type,
            details,
        }) = ActivityHistory::new(&events)
            .outcome(stall, "stall-1")
            .expect("decodes")
        else {
            panic!("the stalled activity times out");
        };
        assert_eq!(timeout_type, ActivityTaskTimeoutType::Heartbeat);
        assert_eq!(details.raw(), Some(r#"{"packed":7}"#));
        assert_eq!(
            details.decode::<Checkpoint>().expect("decodes"),
            Some(Checkpoint { packed: 7 })
        );
        let err = details.decode::<Vec<u32>>().unwrap_err();
        assert!(
            err.to_string()
                .contains("do not decode as alloc::vec::Vec<u32>"),
            "{err}"
        );
        handle.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT * 3, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
}

/// Polls the decision task list until a decision task arrives; returns its token and history.
async fn decision_task(client: &aws_sdk_swf::Client) -> (String, Vec<HistoryEvent>) {
    for _ in 0..60 {
        let task = client
            .poll_for_decision_task()
            .domain(DOMAIN)
            .task_list(TaskList::builder().name(DECISIONS).build().expect("list"))
            .send()
            .await
            .expect("poll answers");
        if !task.task_token().is_empty() {
            return (task.task_token().to_owned(), task.events().to_vec());
        }
    }
    panic!("no decision task came");
}

async fn respond(client: &aws_sdk_swf::Client, token: &str, decisions: Vec<Decision>) {
    client
        .respond_decision_task_completed()
        .task_token(token)
        .set_decisions(Some(decisions))
        .send()
        .await
        .expect("the endpoint accepts the decisions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_decisions_are_accepted_and_their_outcomes_read() {
    let local = endpoint().await;
    // Registers the types; no worker polls, so the tasks stay scheduled until canceled.
    worker(&local)
        .register_activity_types()
        .await
        .expect("types register");
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    let scenario = async {
        client
            .register_workflow_type()
            .domain(DOMAIN)
            .name("orders")
            .version("1")
            .default_task_list(TaskList::builder().name(DECISIONS).build().expect("list"))
            .default_execution_start_to_close_timeout("600")
            .default_task_start_to_close_timeout("30")
            .default_child_policy(ChildPolicy::Terminate)
            .send()
            .await
            .expect("workflow type registers");
        client
            .start_workflow_execution()
            .domain(DOMAIN)
            .workflow_id("orders-1")
            .workflow_type(
                WorkflowType::builder()
                    .name("orders")
                    .version("1")
                    .build()
                    .expect("type"),
            )
            .send()
            .await
            .expect("workflow starts");

        let (token, events) = decision_task(&client).await;
        assert_eq!(
            ActivityHistory::new(&events)
                .outcome(pack, "pack")
                .expect("reads"),
            None
        );
        let decisions = vec![
            ScheduleActivity::new(pack, &order(1))
                .decision()
                .expect("builds"),
            ScheduleActivity::new(pack, &order(2))
                .activity_id("rush")
                .task_list("rush-orders")
                .task_priority(9)
                .heartbeat_timeout(Timeout::Seconds(20))
                .start_to_close_timeout(Timeout::Seconds(30))
                .schedule_to_start_timeout(Timeout::Seconds(40))
                .schedule_to_close_timeout(Timeout::Seconds(50))
                .control("second try")
                .decision()
                .expect("builds"),
            ScheduleActivity::new(unregistered, &())
                .decision()
                .expect("builds"),
        ];
        respond(&client, &token, decisions).await;

        // The failed schedule asks for a decision: the scheduled events show what was sent.
        let (token, events) = decision_task(&client).await;
        let scheduled: Vec<_> = events
            .iter()
            .filter_map(|e| e.activity_task_scheduled_event_attributes())
            .collect();
        assert_eq!(scheduled.len(), 2);
        let (default, rush) = (scheduled[0], scheduled[1]);
        assert_eq!(default.activity_id(), "pack");
        assert_eq!(default.task_list().map(TaskList::name), Some(TASK_LIST));
        assert_eq!(default.task_priority(), Some("3"));
        assert_eq!(default.heartbeat_timeout(), Some("10"));
        assert_eq!(default.schedule_to_close_timeout(), Some("120"));
        assert_eq!(
            default.input(),
            Some(r#"{"id":1,"items":["cup","saucer"]}"#)
        );
        assert_eq!(rush.task_list().map(TaskList::name), Some("rush-orders"));
        assert_eq!(rush.task_priority(), Some("9"));
        assert_eq!(
            (
                rush.heartbeat_timeout(),
                rush.start_to_close_timeout(),
                rush.schedule_to_start_timeout(),
                rush.schedule_to_close_timeout()
            ),
            (Some("20"), Some("30"), Some("40"), Some("50"))
        );
        assert_eq!(rush.control(), Some("second try"));
        assert_eq!(
            ActivityHistory::new(&events)
                .outcome(unregistered, "unregistered")
                .expect("reads"),
            Some(Outcome::ScheduleFailed {
                cause: ScheduleActivityTaskFailedCause::ActivityTypeDoesNotExist
            })
        );
        assert_eq!(
            ActivityHistory::new(&events)
                .outcome(pack, "rush")
                .expect("reads"),
            None,
            "still open"
        );
        let cancel = vec![
            request_cancel("pack").expect("builds"),
            request_cancel("rush").expect("builds"),
        ];
        respond(&client, &token, cancel).await;

        // Not started, so SWF cancels them itself, without details.
        let (_, events) = decision_task(&client).await;
        for id in ["pack", "rush"] {
            assert_eq!(
                ActivityHistory::new(&events)
                    .outcome(pack, id)
                    .expect("reads"),
                Some(Outcome::Canceled { details: None }),
                "{id}"
            );
        }
    };
    tokio::time::timeout(LIMIT * 2, scenario)
        .await
        .expect("the scenario ends in time");
}
