//! A task start rate and pausing, against `swf-local` over HTTP: the rate is measured from the
//! ActivityTaskStarted timestamps SWF recorded; a paused worker starts nothing while a running
//! task keeps heartbeating, as the endpoint counts it.

use std::time::Duration;

use swf_activity::local::{ActivityHandle, ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::worker::{BuildError, Worker, WorkerBuilder};
use swf_activity::{ActivityError, activity};

use crate::support;

const DOMAIN: &str = "pacing";
const TASK_LIST: &str = "pacing-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(60);

/// Returns at once: its tasks' starts are what is measured.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn touch_downstream(n: u32) -> u32 {
    n
}

/// Runs for `millis`, kept alive by the worker's heartbeats: SWF times it out if none arrives
/// within 2 s.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "2s",
    schedule_to_start_timeout = "5m",
    schedule_to_close_timeout = "10m"
)]
async fn long_job(millis: u64) -> Result<u64, ActivityError> {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    Ok(millis)
}

async fn endpoint() -> LocalSwf {
    // Empty polls come back after 1 s, so a pause waits at most that long for polls in flight.
    let builder = LocalSwf::builder().poll_timeout(Duration::from_secs(1));
    support::endpoint_with_domain(builder, DOMAIN).await
}

fn builder(local: &LocalSwf) -> WorkerBuilder {
    Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
}

fn schedule(local: &LocalSwf, name: &str, id: String, input: String) -> ActivityHandle {
    local
        .schedule_activity(
            ActivitySpec::new(DOMAIN, name, "1")
                .activity_id(id)
                .task_list(TASK_LIST)
                .input(input),
        )
        .expect("the activity schedules")
}

/// When SWF recorded the task's `event_type` event, in seconds since the epoch.
fn recorded_at(task: &ActivityHandle, event_type: &str) -> Option<f64> {
    support::recorded_at(
        &task.history().expect("the history is retained"),
        event_type,
    )
}

/// Waits (bounded) until SWF has recorded that `task` started.
async fn until_started(task: &ActivityHandle) {
    tokio::time::timeout(LIMIT, async {
        while recorded_at(task, "ActivityTaskStarted").is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the task starts in time");
}

fn completed(result: impl ToString) -> ActivityOutcome {
    ActivityOutcome::Completed {
        result: Some(result.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_start_rate_holds_over_a_run() {
    const TASKS: u32 = 30;
    const RATE: f64 = 10.0;
    const BURST: u32 = 1;
    let local = endpoint().await;
    let worker = builder(&local)
        .activity(touch_downstream)
        .max_concurrent_activities(16)
        .pollers(4)
        .max_task_starts_per_second(RATE)
        .task_start_burst(BURST)
        .build()
        .unwrap();
    worker.register_activity_types().await.unwrap();
    // All of them wait in the task list before the worker polls: unlimited, it would start them
    // as fast as it can poll.
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            schedule(
                &local,
                "touch_downstream",
                format!("touch-{n}"),
                n.to_string(),
            )
        })
        .collect();
    let handle = worker.shutdown_handle();
    let scenario = async {
        for (n, task) in tasks.iter().enumerate() {
            assert_eq!(task.outcome().await, completed(n));
        }
        handle.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the run ends in time");
    result.unwrap();

    let mut starts: Vec<f64> = tasks
        .iter()
        .map(|task| recorded_at(task, "ActivityTaskStarted").expect("the task started"))
        .collect();
    starts.sort_by(f64::total_cmp);
    let busiest_second = starts
        .iter()
        .map(|&from| {
            starts
                .iter()
                .filter(|&&at| at >= from && at < from + 1.0)
                .count()
        })
        .max()
        .unwrap_or_default();
    let span = starts[starts.len() - 1] - starts[0];
    let mean_rate = f64::from(TASKS - 1) / span;
    eprintln!(
        "pacing: tasks={TASKS} rate={RATE} burst={BURST} busiest_1s_window={busiest_second} span_secs={span:.3} mean_starts_per_sec={mean_rate:.2}"
    );
    let allowed = RATE as usize + BURST as usize;
    assert!(
        busiest_second <= allowed,
        "{busiest_second} starts within one second, over the {allowed} the rate and burst allow"
    );
    // The limit does not starve the run either: 29 gaps of 0.1 s, less clock granularity.
    assert!(span >= 2.8, "the starts spanned only {span:.3} s");
    assert!(
        span < 6.0,
        "the starts spanned {span:.3} s: far below the rate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_polls_do_not_use_the_rate_up() {
    // One start every 4 s. The endpoint answers an empty poll after 200 ms, so an idle worker
    // polls about 5 times a second; were each poll to spend a token, a task scheduled after a
    // quiet spell would wait for the next one.
    let local = support::endpoint_with_domain(
        LocalSwf::builder().poll_timeout(Duration::from_millis(200)),
        DOMAIN,
    )
    .await;
    let worker = builder(&local)
        .activity(touch_downstream)
        .pollers(1)
        .max_task_starts_per_second(0.25)
        .build()
        .unwrap();
    let task = support::run_scenario(&worker, LIMIT, async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let task = schedule(&local, "touch_downstream", "after-quiet".into(), "1".into());
        assert_eq!(task.outcome().await, completed(1));
        task
    })
    .await;
    let scheduled = recorded_at(&task, "ActivityTaskScheduled").unwrap();
    let waited = recorded_at(&task, "ActivityTaskStarted").unwrap() - scheduled;
    eprintln!("pacing: rate=0.25 idle_secs=1.5 waited_secs={waited:.3}");
    assert!(waited < 1.0, "the task waited {waited:.3} s for a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_worker_starts_nothing_while_running_tasks_keep_heartbeating() {
    const PAUSE: Duration = Duration::from_secs(3);
    let local = endpoint().await;
    let worker = builder(&local)
        .activity(long_job)
        .activity(touch_downstream)
        .build()
        .unwrap();
    let control = worker.polling_control();
    support::run_scenario(&worker, LIMIT, async {
        // Runs across the whole pause: three times its heartbeat timeout and more.
        let running = schedule(&local, "long_job", "long".into(), "7000".into());
        until_started(&running).await;

        tokio::time::timeout(LIMIT, control.pause())
            .await
            .expect("the polls in flight return");
        assert!(worker.stats().polling_paused);
        let heartbeats_before = running.heartbeat_count();
        let waiting: Vec<_> = (0..3)
            .map(|n| {
                schedule(
                    &local,
                    "touch_downstream",
                    format!("waiting-{n}"),
                    n.to_string(),
                )
            })
            .collect();
        tokio::time::sleep(PAUSE).await;
        for task in &waiting {
            assert_eq!(
                recorded_at(task, "ActivityTaskStarted"),
                None,
                "{} started while polling was paused",
                task.activity_id()
            );
        }
        let heartbeats_during = running.heartbeat_count() - heartbeats_before;
        assert!(
            heartbeats_during >= 1,
            "no heartbeat reached SWF in {PAUSE:?} of pause"
        );
        assert_eq!(running.try_outcome(), None, "the running task ended early");

        control.resume();
        assert!(!worker.stats().polling_paused);
        for (n, task) in waiting.iter().enumerate() {
            assert_eq!(task.outcome().await, completed(n));
            let scheduled = recorded_at(task, "ActivityTaskScheduled").unwrap();
            let started = recorded_at(task, "ActivityTaskStarted").unwrap();
            assert!(
                started - scheduled >= PAUSE.as_secs_f64(),
                "{} waited only {:.3} s",
                task.activity_id(),
                started - scheduled
            );
        }
        // Not timed out: its heartbeats went on while nothing new started.
        assert_eq!(running.outcome().await, completed(7000));
        eprintln!(
            "pacing: paused_secs={} heartbeats_during_pause={heartbeats_during} heartbeats_total={}",
            PAUSE.as_secs(),
            running.heartbeat_count()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_paused_before_it_runs_starts_nothing_and_still_shuts_down() {
    let local = endpoint().await;
    let worker = builder(&local).activity(touch_downstream).build().unwrap();
    worker.register_activity_types().await.unwrap();
    tokio::time::timeout(LIMIT, worker.polling_control().pause())
        .await
        .expect("nothing is in flight before the worker runs");
    let task = schedule(&local, "touch_downstream", "never".into(), "1".into());
    let handle = worker.shutdown_handle();
    let stop_later = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        handle.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT, async {
        tokio::join!(worker.run_until(std::future::pending()), stop_later)
    })
    .await
    .expect("a paused worker shuts down");
    result.unwrap();
    assert_eq!(recorded_at(&task, "ActivityTaskStarted"), None);
    assert_eq!(worker.stats().tasks_started, 0);
}

#[test]
fn nonsense_rates_are_refused_at_build() {
    let config = aws_sdk_swf::Config::builder()
        .behavior_version(aws_sdk_swf::config::BehaviorVersion::latest())
        .region(aws_sdk_swf::config::Region::new("us-east-1"))
        .build();
    let builder = || {
        Worker::builder(aws_sdk_swf::Client::from_conf(config.clone()))
            .domain(DOMAIN)
            .task_list(TASK_LIST)
            .activity(touch_downstream)
    };
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = builder()
            .max_task_starts_per_second(rate)
            .build()
            .err()
            .expect("refused");
        assert!(
            matches!(err, BuildError::InvalidTaskStartRate { .. }),
            "{rate}: {err}"
        );
        assert!(err.to_string().contains("positive, finite"), "{err}");
    }
    let err = builder()
        .max_task_starts_per_second(5.0)
        .task_start_burst(0)
        .build()
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            BuildError::Zero {
                setting: "task_start_burst"
            }
        ),
        "{err}"
    );
    let err = builder()
        .task_start_burst(3)
        .build()
        .err()
        .expect("refused");
    assert!(
        matches!(err, BuildError::TaskStartBurstWithoutRate),
        "{err}"
    );
    assert!(
        builder()
            .max_task_starts_per_second(0.25)
            .task_start_burst(3)
            .build()
            .is_ok()
    );
}
