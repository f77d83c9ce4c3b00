//! Tasks are timed by what SWF holds, against the in-process endpoint over HTTP: the defaults a
//! type was registered with (not the ones the code declares), and the scheduled event, whose
//! reading does not hold the first heartbeat back.

#[allow(dead_code, reason = "each test binary uses what it needs")]
mod support;

use std::time::Duration;

use swf_activity::local::LocalSwf;
use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, FaultConfig, FaultRule};
use swf_activity::worker::{TimeoutSource, Worker};
use swf_activity::{ActivityError, Progress, activity};

const DOMAIN: &str = "timing";
const TASK_LIST: &str = "timing-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

/// Declares a 30 s heartbeat timeout; the test registers the type with 3 s first.
#[activity(
    version = "1",
    heartbeat_timeout = "30s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn pulse(millis: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    millis
}

/// Declares a 2 s start-to-close timeout; the test registers the type with 30 s first. Stops if
/// told to.
#[activity(
    version = "1",
    start_to_close_timeout = "2s",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn long_haul(progress: Progress, millis: u64) -> Result<u64, ActivityError> {
    tokio::select! {
        reason = progress.cancelled() => Err(reason.into()),
        () = tokio::time::sleep(Duration::from_millis(millis)) => Ok(millis),
    }
}

async fn endpoint(faults: Option<FaultConfig>) -> LocalSwf {
    let mut builder = LocalSwf::builder().poll_timeout(Duration::from_secs(1));
    if let Some(faults) = faults {
        builder = builder.faults(faults);
    }
    support::endpoint_with_domain(builder, DOMAIN).await
}

/// Registers `name` version 1 as another deployment did: with these defaults (seconds, or
/// `"NONE"`).
async fn register_elsewhere(local: &LocalSwf, name: &str, heartbeat: &str, start_to_close: &str) {
    aws_sdk_swf::Client::new(local.sdk_config())
        .register_activity_type()
        .domain(DOMAIN)
        .name(name)
        .version("1")
        .default_task_list(
            aws_sdk_swf::types::TaskList::builder()
                .name(TASK_LIST)
                .build()
                .unwrap(),
        )
        .default_task_heartbeat_timeout(heartbeat)
        .default_task_start_to_close_timeout(start_to_close)
        .default_task_schedule_to_start_timeout("60")
        .default_task_schedule_to_close_timeout("120")
        .send()
        .await
        .expect("the type registers");
}

/// Runs `worker` until the task `spec` schedules ends; returns its outcome and heartbeat count.
async fn run_one(local: &LocalSwf, worker: Worker, spec: ActivitySpec) -> (ActivityOutcome, u64) {
    support::run_scenario(&worker, LIMIT, async {
        let task: ActivityHandle = local.schedule_activity(spec).expect("activity schedules");
        let outcome = task.outcome().await;
        (outcome, task.heartbeat_count())
    })
    .await
}

fn builder(local: &LocalSwf) -> swf_activity::worker::WorkerBuilder {
    Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_registered_with_a_shorter_heartbeat_timeout_is_timed_by_it() {
    let local = endpoint(None).await;
    register_elsewhere(&local, "pulse", "3", "60").await;
    let worker = builder(&local).activity(pulse).build().unwrap();
    let (outcome, heartbeats) = run_one(
        &local,
        worker,
        ActivitySpec::new(DOMAIN, "pulse", "1")
            .task_list(TASK_LIST)
            .input("6500"),
    )
    .await;
    // Paced from the declared 30 s, no heartbeat would go out in 6.5 s and SWF would time the
    // task out after 3 s; paced from the registered 3 s, one goes out every 2.4 s.
    assert_eq!(
        outcome,
        ActivityOutcome::Completed {
            result: Some("6500".to_owned())
        }
    );
    assert!(heartbeats >= 2, "{heartbeats} heartbeats");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_registered_with_a_longer_start_to_close_is_not_cut_short() {
    let local = endpoint(None).await;
    register_elsewhere(&local, "long_haul", "NONE", "30").await;
    let worker = builder(&local).activity(long_haul).build().unwrap();
    let (outcome, _) = run_one(
        &local,
        worker,
        ActivitySpec::new(DOMAIN, "long_haul", "1")
            .task_list(TASK_LIST)
            .input("5000"),
    )
    .await;
    // Timed by the declared 2 s, the worker would cancel the activity at 4 s (2 s + margin).
    assert_eq!(
        outcome,
        ActivityOutcome::Completed {
            result: Some("5000".to_owned())
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_history_read_does_not_hold_the_first_heartbeat_back() {
    // Reading the history takes 4 s; the decider scheduled a 3 s heartbeat timeout, the type
    // registered 30 s.
    let faults = FaultConfig::new(7).operation(
        "GetWorkflowExecutionHistory",
        FaultRule::default().latency(Duration::from_secs(4)),
    );
    let local = endpoint(Some(faults)).await;
    let worker = builder(&local)
        .timeout_source(TimeoutSource::ScheduledEvent)
        .activity(pulse)
        .build()
        .unwrap();
    let (outcome, heartbeats) = run_one(
        &local,
        worker,
        ActivitySpec::new(DOMAIN, "pulse", "1")
            .task_list(TASK_LIST)
            .input("7000")
            .heartbeat_timeout(Duration::from_secs(3)),
    )
    .await;
    assert_eq!(
        outcome,
        ActivityOutcome::Completed {
            result: Some("7000".to_owned())
        }
    );
    assert!(heartbeats >= 3, "{heartbeats} heartbeats");
}
