//! Blocking activities (`#[activity(blocking)]`) run on the worker's bounded blocking pool: they
//! block their own threads, never the runtime's, and stop when they see a cancellation from their
//! plain thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use swf_activity::local::{
    ActivityHandle, ActivityOutcome, ActivitySpec, EventAttributes, HistoryEvent, LocalSwf,
};
use swf_activity::worker::{Worker, WorkerBuilder};
use swf_activity::{ActivityError, Progress, Resource, activity};

use crate::support;

const DOMAIN: &str = "blocking";
const TASK_LIST: &str = "blocking-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(40);

/// Blocks its thread for `millis` in one call, as a synchronous SDK call would, without
/// reporting: only the worker's heartbeats keep it alive.
#[activity(
    blocking,
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
fn stall(millis: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(millis));
    millis
}

/// Waits `millis` on the runtime.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn pulse(millis: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    millis
}

/// How many `crunch` bodies run right now, counted by the bodies themselves.
#[derive(Default)]
struct Running(AtomicUsize);

/// Works `millis` in 100 ms steps, reporting each step (heartbeats go out only on reports), and
/// answers how many bodies ran, itself included, when it began.
#[activity(
    blocking,
    version = "1",
    heartbeat = "manual",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
fn crunch(
    progress: &Progress,
    running: Resource<Running>,
    millis: u64,
) -> Result<usize, ActivityError> {
    let at_start = running.0.fetch_add(1, Ordering::SeqCst) + 1;
    let mut worked = 0;
    let result = loop {
        if worked >= millis {
            break Ok(at_start);
        }
        if let Err(reason) = progress.report(&worked) {
            break Err(reason.into());
        }
        if let Some(reason) = progress.wait_cancelled_timeout(Duration::from_millis(100)) {
            break Err(reason.into());
        }
        worked += 100;
    };
    running.0.fetch_sub(1, Ordering::SeqCst);
    result
}

/// Waits on its plain thread for a cancellation (at most 20 s), reporting first; answers
/// canceled with how it learnt of it.
#[activity(
    blocking,
    version = "1",
    heartbeat_timeout = "5s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
fn await_cancel(progress: Progress) -> Result<&'static str, ActivityError> {
    progress.report("waiting")?;
    for _ in 0..200 {
        if let Some(reason) = progress.wait_cancelled_timeout(Duration::from_millis(100)) {
            return Err(ActivityError::canceled().with_details(&format!("saw: {reason}")));
        }
    }
    Ok("never cancelled")
}

/// Panics on its thread.
#[activity(
    blocking,
    version = "1",
    heartbeat_timeout = "5s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
fn explode(message: String) -> u32 {
    panic!("{message}")
}

async fn endpoint() -> LocalSwf {
    let builder = LocalSwf::builder().poll_timeout(Duration::from_secs(1));
    support::endpoint_with_domain(builder, DOMAIN).await
}

fn builder(local: &LocalSwf) -> WorkerBuilder {
    Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
}

fn spec(name: &str, input: &str) -> ActivitySpec {
    ActivitySpec::new(DOMAIN, name, "1")
        .task_list(TASK_LIST)
        .input(input)
}

#[tokio::test(flavor = "current_thread")]
async fn blocking_activities_do_not_stall_a_current_thread_runtime() {
    let local = endpoint().await;
    // Heartbeats run on the test's only runtime thread: a body blocking that thread for 3 s
    // would hold them past the 2 s heartbeat timeouts.
    let worker = builder(&local)
        .heartbeat_on_worker_runtime()
        .activity(stall)
        .activity(pulse)
        .build()
        .unwrap();
    let tasks = support::run_scenario(&worker, LIMIT, async {
        let tasks: Vec<ActivityHandle> = [
            spec("stall", "3000"),
            spec("stall", "3000"),
            spec("pulse", "2500"),
        ]
        .into_iter()
        .map(|spec| local.schedule_activity(spec).expect("activity schedules"))
        .collect();
        for task in &tasks {
            task.outcome().await;
        }
        tasks
    })
    .await;
    for (task, result) in tasks.iter().zip(["3000", "3000", "2500"]) {
        assert_eq!(
            task.try_outcome(),
            Some(ActivityOutcome::Completed {
                result: Some(result.to_owned())
            })
        );
        let history = task.history().unwrap();
        assert!(support::events_of_type(&history, "ActivityTaskTimedOut").is_empty());
    }
    // The two blocking tasks ran side by side, on threads of their own, while the runtime went
    // on heartbeating for them: more than one heartbeat timeout passed without a report.
    assert!(tasks[0].heartbeat_count() >= 1, "the worker kept it alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_bounds_the_blocking_activities_running_at_once() {
    let local = endpoint().await;
    let worker = builder(&local)
        .max_blocking_activities(2)
        .activity(crunch)
        .resource(Running::default())
        .build()
        .unwrap();
    let tasks = support::run_scenario(&worker, LIMIT, async {
        let tasks: Vec<ActivityHandle> = (0..4)
            .map(|_| {
                local
                    .schedule_activity(spec("crunch", "2500"))
                    .expect("activity schedules")
            })
            .collect();
        for task in &tasks {
            task.outcome().await;
        }
        tasks
    })
    .await;

    let histories: Vec<Vec<HistoryEvent>> = tasks.iter().map(|t| t.history().unwrap()).collect();
    let mut most = 0;
    for history in &histories {
        let [completed] = support::events_of_type(history, "ActivityTaskCompleted")[..] else {
            panic!("not completed: {history:#?}");
        };
        let EventAttributes::ActivityTaskCompleted(completed) = &completed.attributes else {
            unreachable!("filtered by type");
        };
        let ran_with: usize = serde_json::from_str(completed.result.as_deref().unwrap()).unwrap();
        most = most.max(ran_with);
    }
    assert_eq!(most, 2, "two bodies ran at once, never more");

    // All four were started in SWF before any closed: two of them waited for a place for longer
    // than their 2 s heartbeat timeout without reporting, kept alive by the worker.
    let time_of = |history: &[HistoryEvent], event_type| {
        let [event] = support::events_of_type(history, event_type)[..] else {
            panic!("one {event_type} expected: {history:#?}");
        };
        event.event_timestamp
    };
    let last_start = histories
        .iter()
        .map(|h| time_of(h, "ActivityTaskStarted"))
        .fold(f64::MIN, f64::max);
    let first_close = histories
        .iter()
        .map(|h| time_of(h, "ActivityTaskCompleted"))
        .fold(f64::MAX, f64::min);
    assert!(last_start < first_close, "{histories:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_activity_sees_a_cancel_request_on_its_thread() {
    let local = endpoint().await;
    let worker = builder(&local).activity(await_cancel).build().unwrap();
    let task = support::run_scenario(&worker, LIMIT, async {
        let task = local
            .schedule_activity(spec("await_cancel", "null"))
            .expect("activity schedules");
        // Its first report goes out at once; the cancel request rides on the next answer.
        for _ in 0..200 {
            if task.heartbeat_count() >= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        task.request_cancel().expect("the task is open");
        task.outcome().await;
        task
    })
    .await;
    assert_eq!(
        task.try_outcome(),
        Some(ActivityOutcome::Canceled {
            details: Some("saw: cancellation requested".to_owned())
        })
    );
    let history = task.history().unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(HistoryEvent::event_type)
        .filter(|kind| kind.starts_with("ActivityTask"))
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_activity_that_panics_fails_its_task_and_the_worker_goes_on() {
    let local = endpoint().await;
    let worker = builder(&local)
        .activity(explode)
        .activity(pulse)
        .build()
        .unwrap();
    let outcomes = support::run_scenario(&worker, LIMIT, async {
        let exploded = local
            .schedule_activity(spec("explode", "\"disk on fire\""))
            .expect("activity schedules");
        let first = exploded.outcome().await;
        let pulsed = local
            .schedule_activity(spec("pulse", "10"))
            .expect("activity schedules");
        (first, pulsed.outcome().await)
    })
    .await;
    assert_eq!(
        outcomes,
        (
            ActivityOutcome::Failed {
                reason: Some("activity panicked: disk on fire".to_owned()),
                details: None
            },
            ActivityOutcome::Completed {
                result: Some("10".to_owned())
            }
        )
    );
}
