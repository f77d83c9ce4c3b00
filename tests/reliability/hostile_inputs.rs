//! hostile inputs: input that is not JSON, of the wrong shape, 32,768 characters long, deeply
//! nested or missing; panics with payloads that are not strings; a 40,000-character result; a type
//! and a version the worker does not run. Each task fails once with a reason that says what went
//! wrong, and the worker serves ordinary tasks throughout.

use serde::Deserialize;
use swf_activity::local::{ActivitySpec, LocalSwf};
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, activity};

use crate::common::{
    Close, DOMAIN, LIMIT, TASK_LIST, Tally, endpoint, one_at_a_time, record, schedule, spec,
    until_closed,
};

#[derive(Deserialize)]
struct Order {
    item: String,
    count: u32,
}

/// Takes a typed input.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "30s"
)]
async fn take_order(order: Order) -> Result<String, ActivityError> {
    Ok(format!("{} x {}", order.count, order.item))
}

/// Panics with a payload that is not a string.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "30s"
)]
async fn panic_with(kind: String) {
    match kind.as_str() {
        "number" => std::panic::panic_any(42_u32),
        "unit" => std::panic::panic_any(()),
        _ => std::panic::panic_any(vec![1_u8, 2, 3]),
    }
}

/// Answers a result of `chars` characters (a JSON string: two more with its quotes).
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "30s"
)]
async fn answer_chars(chars: usize) -> String {
    "x".repeat(chars)
}

/// What a hostile task's failure reason (with its details, for `Contains`) must say.
enum Expect {
    Exactly(&'static str),
    StartsWith(&'static str),
    Contains(&'static [&'static str]),
}

impl Expect {
    fn accepts(&self, reason: &str, details: Option<&str>) -> bool {
        match self {
            Expect::Exactly(text) => reason == *text,
            Expect::StartsWith(text) => reason.starts_with(text),
            Expect::Contains(parts) => {
                let said = format!("{reason} {}", details.unwrap_or_default());
                parts.iter().all(|p| said.contains(p))
            }
        }
    }
}

/// Registers a type the worker does not run, so that SWF schedules it.
async fn register_foreign(local: &LocalSwf, name: &str, version: &str) {
    aws_sdk_swf::Client::new(local.sdk_config())
        .register_activity_type()
        .domain(DOMAIN)
        .name(name)
        .version(version)
        .default_task_start_to_close_timeout("60")
        .default_task_heartbeat_timeout("30")
        .send()
        .await
        .expect("the foreign type registers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_inputs() {
    let _serial = one_at_a_time().await;
    let local = endpoint(Default::default()).await;
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .max_concurrent_activities(4)
        .activity(take_order)
        .activity(panic_with)
        .activity(answer_chars)
        .build()
        .expect("the worker builds");
    worker
        .register_activity_types()
        .await
        .expect("the types register");
    register_foreign(&local, "not_run_here", "1").await;
    register_foreign(&local, "take_order", "2").await;
    let stop = worker.shutdown_handle();

    let long_string = format!("\"{}\"", "y".repeat(32_766));
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let hostile: Vec<(&str, ActivitySpec, Expect)> = vec![
        (
            "not_json",
            spec("take_order", "hostile-not-json", "{item: pen"),
            Expect::Exactly("invalid input"),
        ),
        (
            "wrong_shape",
            spec(
                "take_order",
                "hostile-wrong-shape",
                r#"{"item": 7, "count": "many"}"#,
            ),
            Expect::Exactly("invalid input"),
        ),
        (
            "32768_chars",
            spec("take_order", "hostile-long", &long_string),
            Expect::Exactly("invalid input"),
        ),
        (
            "deep_nesting",
            spec("take_order", "hostile-deep", &deep),
            Expect::Exactly("invalid input"),
        ),
        (
            "missing_input",
            ActivitySpec::new(DOMAIN, "take_order", "1")
                .task_list(TASK_LIST)
                .activity_id("hostile-missing")
                .schedule_to_start_timeout(LIMIT)
                .schedule_to_close_timeout(LIMIT * 2),
            Expect::Exactly("invalid input"),
        ),
        (
            "panic_number",
            spec("panic_with", "hostile-panic-number", r#""number""#),
            Expect::StartsWith("activity panicked"),
        ),
        (
            "panic_unit",
            spec("panic_with", "hostile-panic-unit", r#""unit""#),
            Expect::StartsWith("activity panicked"),
        ),
        (
            "panic_vec",
            spec("panic_with", "hostile-panic-vec", r#""bytes""#),
            Expect::StartsWith("activity panicked"),
        ),
        (
            "40000_char_result",
            spec("answer_chars", "hostile-big-result", "40000"),
            Expect::Contains(&["40002", "32768"]),
        ),
        (
            "unknown_type",
            ActivitySpec::new(DOMAIN, "not_run_here", "1")
                .task_list(TASK_LIST)
                .activity_id("hostile-unknown-type")
                .schedule_to_start_timeout(LIMIT)
                .schedule_to_close_timeout(LIMIT * 2),
            Expect::Contains(&[
                "not_run_here (version 1)",
                "runs: ",
                "take_order (version 1)",
            ]),
        ),
        (
            "unknown_version",
            ActivitySpec::new(DOMAIN, "take_order", "2")
                .task_list(TASK_LIST)
                .activity_id("hostile-unknown-version")
                .input(r#"{"item": "pen", "count": 1}"#)
                .schedule_to_start_timeout(LIMIT)
                .schedule_to_close_timeout(LIMIT * 2),
            Expect::Contains(&["take_order (version 2)", "runs: ", "take_order (version 1)"]),
        ),
    ];

    let scenario = async {
        // Each hostile task next to an ordinary one: the worker keeps serving.
        let mut problems = Vec::new();
        let mut records = Vec::new();
        let mut served = 0;
        let mut reasons = Vec::new();
        for (i, (label, hostile_spec, expect)) in hostile.into_iter().enumerate() {
            let bad = schedule(&local, hostile_spec);
            let good = schedule(
                &local,
                spec(
                    "take_order",
                    &format!("hostile-ordinary-{i}"),
                    r#"{"item": "pen", "count": 2}"#,
                ),
            );
            let closed = until_closed(&[bad.clone(), good.clone()], LIMIT).await;
            match closed[0].close() {
                Some(Close::Failed {
                    reason: Some(reason),
                    details,
                }) if expect.accepts(reason, details.as_deref()) => {
                    reasons.push(format!("{label}: {reason}"));
                }
                _ => problems.push(format!("{label}: {:?}", closed[0])),
            }
            if closed[1].close() == Some(&Close::Completed(Some("\"2 x pen\"".to_owned()))) {
                served += 1;
            } else {
                problems.push(format!("ordinary task next to {label}: {:?}", closed[1]));
            }
            records.extend(closed);
        }
        let last = schedule(
            &local,
            spec(
                "take_order",
                "hostile-ordinary-last",
                r#"{"item": "cup", "count": 1}"#,
            ),
        );
        let _ = tokio::time::timeout(LIMIT, last.outcome()).await;
        records.push(record(&last));
        stop.shutdown();
        (problems, records, served, reasons)
    };
    let (result, (problems, records, served, reasons)) = tokio::time::timeout(LIMIT * 3, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");

    let mut tally = Tally::of(&records);
    tally.lost = problems.len();
    let tally = tally.with("ordinary_served", served);
    tally.print("hostile_inputs");
    for reason in &reasons {
        println!("  {reason}");
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(tally.duplicates, 0);
    assert!(
        matches!(
            records.last().and_then(|r| r.close()),
            Some(Close::Completed(_))
        ),
        "the worker still serves after every hostile task"
    );
}
