//! The worker end to end against the in-process SWF endpoint: real HTTP, real long polls,
//! heartbeats, cancellation and shutdown.

#[allow(dead_code, reason = "each test binary uses what it needs")]
mod support;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::worker::{TimeoutSource, Worker, WorkerBuilder, WorkerStats};
use swf_activity::{ActivityError, CancelReason, Progress, Timeout, activity};

const DOMAIN: &str = "e2e";
const TASK_LIST: &str = "e2e-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

#[derive(Serialize, Deserialize)]
struct Greeting {
    name: String,
}

/// Greets someone.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn greet(input: Greeting) -> Result<String, ActivityError> {
    Ok(format!("hello, {}", input.name))
}

/// Always fails.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn refuse() -> Result<(), ActivityError> {
    Err(ActivityError::failed("refused").with_details("by design"))
}

/// Always panics.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn explode() {
    panic!("kaboom")
}

/// Reports progress until cancelled, then answers canceled with how far it got.
#[activity(version = "1", start_to_close_timeout = "1m", heartbeat_timeout = "2s")]
async fn count_until_cancelled(progress: Progress) -> Result<(), ActivityError> {
    for step in 0u32..600 {
        progress.report(&format!("step {step}"))?;
        tokio::select! {
            reason = progress.cancelled() => {
                assert_eq!(reason, CancelReason::Requested);
                return Err(ActivityError::canceled().with_details(&format!("stopped at step {step}")));
            }
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
    Ok(())
}

/// Sleeps a little, then completes.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn nap(millis: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    millis
}

async fn endpoint(poll_timeout: Duration) -> LocalSwf {
    support::endpoint_with_domain(LocalSwf::builder().poll_timeout(poll_timeout), DOMAIN).await
}

fn worker(local: &LocalSwf) -> Worker {
    Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .pollers(2)
        .max_concurrent_activities(4)
        .activity(greet)
        .activity(refuse)
        .activity(explode)
        .activity(count_until_cancelled)
        .activity(nap)
        .build()
        .expect("worker builds")
}

fn schedule(local: &LocalSwf, name: &str, input: &str) -> ActivityHandle {
    local
        .schedule_activity(
            // The activities register no schedule-to-start or schedule-to-close default, so the
            // decider gives them, as SWF requires.
            ActivitySpec::new(DOMAIN, name, "1")
                .task_list(TASK_LIST)
                .input(input)
                .schedule_to_start_timeout(LIMIT)
                .schedule_to_close_timeout(LIMIT * 2),
        )
        .expect("activity schedules")
}

async fn outcome(handle: &ActivityHandle) -> ActivityOutcome {
    tokio::time::timeout(LIMIT, handle.outcome())
        .await
        .expect("the activity is answered in time")
}

/// Waits until `run` has registered the worker's types, as it does when it starts.
async fn until_registered(local: &LocalSwf) {
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    for _ in 0..300 {
        let listed = client
            .list_activity_types()
            .domain(DOMAIN)
            .registration_status(aws_sdk_swf::types::RegistrationStatus::Registered)
            .send()
            .await
            .expect("types list");
        if listed.type_infos().len() == 5 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the worker did not register its activity types");
}

async fn pending_tasks(local: &LocalSwf) -> i32 {
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    client
        .count_pending_activity_tasks()
        .domain(DOMAIN)
        .task_list(
            aws_sdk_swf::types::TaskList::builder()
                .name(TASK_LIST)
                .build()
                .expect("task list"),
        )
        .send()
        .await
        .expect("count answers")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_fails_and_survives_panics() {
    let local = endpoint(Duration::from_secs(2)).await;
    let worker = worker(&local);
    let handle = worker.shutdown_handle();
    let scenario = async {
        until_registered(&local).await;
        let greeted = schedule(&local, "greet", r#"{"name":"Ada"}"#);
        let refused = schedule(&local, "refuse", "");
        let exploded = schedule(&local, "explode", "");
        let invalid = schedule(&local, "greet", r#"{"nom":"Ada"}"#);
        assert_eq!(
            outcome(&greeted).await,
            ActivityOutcome::Completed {
                result: Some("\"hello, Ada\"".to_owned())
            }
        );
        assert_eq!(
            outcome(&refused).await,
            ActivityOutcome::Failed {
                reason: Some("refused".to_owned()),
                details: Some("by design".to_owned())
            }
        );
        let ActivityOutcome::Failed { reason, .. } = outcome(&exploded).await else {
            panic!("a panic fails the task");
        };
        assert_eq!(reason.as_deref(), Some("activity panicked: kaboom"));
        let ActivityOutcome::Failed { reason, details } = outcome(&invalid).await else {
            panic!("invalid input fails the task");
        };
        assert_eq!(reason.as_deref(), Some("invalid input"));
        assert!(details.unwrap_or_default().contains("name"));
        // The worker survived the panic: it still completes work.
        let again = schedule(&local, "nap", "10");
        assert_eq!(
            outcome(&again).await,
            ActivityOutcome::Completed {
                result: Some("10".to_owned())
            }
        );
        handle.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT * 2, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
    let stats: WorkerStats = worker.stats();
    assert_eq!(
        (
            stats.tasks_started,
            stats.tasks_completed,
            stats.tasks_failed
        ),
        (5, 2, 3)
    );
    assert_eq!(pending_tasks(&local).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_carry_progress_and_deliver_cancellation() {
    let local = endpoint(Duration::from_secs(2)).await;
    let worker = worker(&local);
    support::run_scenario(&worker, LIMIT * 2, async {
        let counting = schedule(&local, "count_until_cancelled", "");
        for _ in 0..300 {
            if counting.heartbeat_count() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            counting.heartbeat_count() >= 2,
            "heartbeats reach the service"
        );
        counting
            .request_cancel()
            .expect("cancellation is requested");
        let ActivityOutcome::Canceled { details } = outcome(&counting).await else {
            panic!("the activity answers canceled");
        };
        assert!(details.unwrap_or_default().starts_with("stopped at step "));
        let kinds: Vec<_> = counting
            .history()
            .expect("history reads")
            .iter()
            .map(|e| e.event_type())
            .filter(|t| t.starts_with("ActivityTask"))
            .collect();
        assert_eq!(
            kinds,
            [
                "ActivityTaskScheduled",
                "ActivityTaskStarted",
                "ActivityTaskCancelRequested",
                "ActivityTaskCanceled"
            ]
        );
    })
    .await;
    let stats = worker.stats();
    assert_eq!(stats.tasks_canceled, 1);
    assert!(stats.heartbeats_sent >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_runs_what_in_flight_polls_return_and_leaves_no_task_open() {
    // Empty polls are held 3 s, so polls are in flight when shutdown begins.
    let local = endpoint(Duration::from_secs(3)).await;
    let worker = worker(&local);
    worker
        .register_activity_types()
        .await
        .expect("types register");
    let handle = worker.shutdown_handle();
    let scenario = async {
        let running = schedule(&local, "nap", "1500");
        tokio::time::sleep(Duration::from_millis(300)).await;
        handle.shutdown();
        // Scheduled after shutdown began: an in-flight poll hands it over, and it must run.
        let late = schedule(&local, "nap", "20");
        (outcome(&running).await, outcome(&late).await)
    };
    let (result, (running, late)) = tokio::time::timeout(LIMIT * 2, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
    assert_eq!(
        running,
        ActivityOutcome::Completed {
            result: Some("1500".to_owned())
        }
    );
    assert_eq!(
        late,
        ActivityOutcome::Completed {
            result: Some("20".to_owned())
        }
    );
    assert_eq!(pending_tasks(&local).await, 0);
    assert_eq!(worker.stats().tasks_completed, 2);
}

/// Registered with a long heartbeat timeout; works for a while without reporting.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "60s",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn quiet_work(millis: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    millis
}

/// Runs one `quiet_work` task scheduled with a 2 s heartbeat timeout on a worker that `configure`
/// sets up; returns its outcome and heartbeat count.
async fn quiet_work_with(
    configure: impl FnOnce(WorkerBuilder) -> WorkerBuilder,
) -> (ActivityOutcome, u64) {
    let local = endpoint(Duration::from_secs(1)).await;
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(quiet_work);
    let worker = configure(worker).build().expect("worker builds");
    support::run_scenario(&worker, LIMIT, async {
        let task = local
            .schedule_activity(
                ActivitySpec::new(DOMAIN, "quiet_work", "1")
                    .task_list(TASK_LIST)
                    .input("4500")
                    .heartbeat_timeout(Duration::from_secs(2)),
            )
            .expect("activity schedules");
        let outcome = outcome(&task).await;
        (outcome, task.heartbeat_count())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_event_gives_each_task_its_real_heartbeat_timeout() {
    let completed = ActivityOutcome::Completed {
        result: Some("4500".to_owned()),
    };
    let (registered, scheduled, overridden) = tokio::join!(
        quiet_work_with(|w| w),
        quiet_work_with(|w| w.timeout_source(TimeoutSource::ScheduledEvent)),
        quiet_work_with(|w| w.heartbeat_timeout(Timeout::Seconds(2))),
    );
    // The decider scheduled a 2 s heartbeat timeout; the type registered 60 s. Paced from the
    // registered default (48 s apart), no heartbeat goes out in time and SWF times the task out
    // after 2 s.
    assert!(
        matches!(registered.0, ActivityOutcome::TimedOut { .. }),
        "{registered:?}"
    );
    // Read from the ActivityTaskScheduled event, heartbeats go out every 1.6 s from the first
    // interval on (the first up to a fifth early, to spread tasks): at least twice in the 4.5 s
    // the task runs.
    assert_eq!(scheduled.0, completed);
    assert!(scheduled.1 >= 2, "{scheduled:?}");
    // So they do with a worker-wide override.
    assert_eq!(overridden.0, completed);
    assert!(overridden.1 >= 2, "{overridden:?}");
}
