//! Several task lists in one worker, types with no default task list, and what an activity knows
//! of where it runs: one worker polls a shared list and a host's own list with one pool of slots.

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};

use serde::{Deserialize, Serialize};
use swf_activity::decider::{DecisionError, ScheduleActivity};
use swf_activity::local::{
    ActivityHandle, ActivityOutcome, ActivitySpec, EventAttributes, HistoryEvent, LocalSwf,
};
use swf_activity::metrics as metric_names;
use swf_activity::worker::{BuildError, Worker, WorkerBuilder};
use swf_activity::{ActivityError, Progress, activity};

use crate::support;

const DOMAIN: &str = "task-lists";
const SHARED: &str = "files";
const HOST: &str = "files-host-a";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

/// Works `millis` milliseconds, then says which task list it was polled from.
#[activity(
    version = "1",
    task_list = none,
    heartbeat_timeout = "none",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn step(progress: Progress, millis: u64) -> Result<String, ActivityError> {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    let task = progress
        .task()
        .ok_or_else(|| ActivityError::failed("no task"))?;
    Ok(task.task_list().to_owned())
}

/// Registered with the worker's first list as its default.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m",
    heartbeat_timeout = "none"
)]
async fn download(url: String) -> String {
    url
}

/// What an activity can see of where and how it runs.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Whereabouts {
    domain: String,
    task_list: String,
    heartbeat_secs: Option<u64>,
    start_to_close_secs: Option<u64>,
}

/// Reports its domain, task list and timeouts.
#[activity(
    version = "1",
    task_list = none,
    heartbeat_timeout = "20s",
    start_to_close_timeout = "45s",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn whereabouts(progress: Progress) -> Result<Whereabouts, ActivityError> {
    let task = progress
        .task()
        .ok_or_else(|| ActivityError::failed("no task"))?;
    let timeouts = progress.timeouts();
    Ok(Whereabouts {
        domain: task.domain().to_owned(),
        task_list: task.task_list().to_owned(),
        heartbeat_secs: timeouts.heartbeat.map(|t| t.as_secs()),
        start_to_close_secs: timeouts.start_to_close.map(|t| t.as_secs()),
    })
}

async fn endpoint() -> LocalSwf {
    let builder = LocalSwf::builder().poll_timeout(Duration::from_secs(1));
    support::endpoint_with_domain(builder, DOMAIN).await
}

/// A worker on the shared list and the host's list.
fn builder(local: &LocalSwf) -> WorkerBuilder {
    Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(SHARED)
        .also_poll(HOST)
}

/// The task list the activity was scheduled on, from its ActivityTaskScheduled event.
fn scheduled_on(history: &[HistoryEvent]) -> String {
    history
        .iter()
        .find_map(|event| match &event.attributes {
            EventAttributes::ActivityTaskScheduled(scheduled) => {
                Some(scheduled.task_list.name.clone())
            }
            _ => None,
        })
        .expect("the history holds ActivityTaskScheduled")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_worker_serves_two_task_lists_from_one_pool_of_slots() {
    let local = endpoint().await;
    let worker = builder(&local)
        .max_concurrent_activities(2)
        .activity(step)
        .build()
        .unwrap();
    let handles: Vec<ActivityHandle> = support::run_scenario(&worker, LIMIT, async {
        let handles: Vec<ActivityHandle> = (0..8)
            .map(|n| {
                let list = if n % 2 == 0 { SHARED } else { HOST };
                local
                    .schedule_activity(
                        ActivitySpec::new(DOMAIN, "step", "1")
                            .task_list(list)
                            .input("300"),
                    )
                    .expect("the task schedules")
            })
            .collect();
        for handle in &handles {
            handle.outcome().await;
        }
        handles
    })
    .await;

    // Every task ran, each from the list it was scheduled on: both lists were served.
    let mut intervals = Vec::new();
    for handle in &handles {
        let history = handle.history().unwrap();
        let list = scheduled_on(&history);
        assert_eq!(
            handle.try_outcome(),
            Some(ActivityOutcome::Completed {
                result: Some(serde_json::to_string(&list).unwrap())
            })
        );
        intervals.push((
            support::recorded_at(&history, "ActivityTaskStarted").expect("the task started"),
            support::recorded_at(&history, "ActivityTaskCompleted").expect("the task completed"),
        ));
    }
    // Never more than two running at once, by the endpoint's clock: a close and a start at the
    // same instant count the close first.
    let mut edges: Vec<(f64, i32)> = intervals
        .iter()
        .flat_map(|&(started, closed)| [(started, 1), (closed, -1)])
        .collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut running = 0;
    let mut most = 0;
    for (_, change) in edges {
        running += change;
        most = most.max(running);
    }
    assert!(most <= 2, "{most} tasks ran at once with 2 slots");
    assert_eq!(most, 2, "the two slots were never used together");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_with_no_default_task_list_runs_on_the_list_the_decision_names() {
    let local = endpoint().await;
    let worker = builder(&local)
        .activity(step)
        .activity(download)
        .build()
        .unwrap();
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    let outcome = support::run_scenario(&worker, LIMIT, async {
        let registered_default = |name: &'static str| {
            let client = client.clone();
            async move {
                let described = client
                    .describe_activity_type()
                    .domain(DOMAIN)
                    .activity_type(
                        aws_sdk_swf::types::ActivityType::builder()
                            .name(name)
                            .version("1")
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await
                    .expect("the type is described");
                described
                    .configuration()
                    .and_then(|c| c.default_task_list())
                    .map(|list| list.name().to_owned())
            }
        };
        // `task_list = none` registers none; a type without the key gets the worker's first list.
        assert_eq!(registered_default("step").await, None);
        assert_eq!(
            registered_default("download").await,
            Some(SHARED.to_owned())
        );
        let task = local
            .schedule_activity(
                ActivitySpec::new(DOMAIN, "step", "1")
                    .task_list(HOST)
                    .input("10"),
            )
            .expect("the task schedules");
        let outcome = task.outcome().await;
        assert_eq!(scheduled_on(&task.history().unwrap()), HOST);
        outcome
    })
    .await;
    assert_eq!(
        outcome,
        ActivityOutcome::Completed {
            result: Some(format!("\"{HOST}\""))
        }
    );

    // A decider must name the list: without one the decision is refused before it is sent.
    let refused = ScheduleActivity::new(step, &10).decision();
    assert!(
        matches!(refused, Err(DecisionError::NoDefaultTaskList { .. })),
        "{refused:?}"
    );
    assert!(
        ScheduleActivity::new(step, &10)
            .task_list(HOST)
            .decision()
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activity_sees_its_domain_task_list_and_timeouts() {
    let local = endpoint().await;
    let worker = builder(&local).activity(whereabouts).build().unwrap();
    let outcome = support::run_scenario(&worker, LIMIT, async {
        local
            .schedule_activity(ActivitySpec::new(DOMAIN, "whereabouts", "1").task_list(HOST))
            .expect("the task schedules")
            .outcome()
            .await
    })
    .await;
    let ActivityOutcome::Completed {
        result: Some(result),
    } = outcome
    else {
        panic!("the activity did not complete: {outcome:?}");
    };
    assert_eq!(
        serde_json::from_str::<Whereabouts>(&result).unwrap(),
        Whereabouts {
            domain: DOMAIN.to_owned(),
            task_list: HOST.to_owned(),
            heartbeat_secs: Some(20),
            start_to_close_secs: Some(45),
        }
    );
}

#[tokio::test]
async fn metrics_name_the_list_each_poll_and_task_came_from() {
    // On one thread, so the thread's recorder sees everything the worker records.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recording = metrics::set_default_local_recorder(&recorder);
    let local = endpoint().await;
    let worker = builder(&local)
        .heartbeat_on_worker_runtime()
        .activity(step)
        .build()
        .unwrap();
    let handles: Vec<ActivityHandle> = support::run_scenario(&worker, LIMIT, async {
        let handles: Vec<ActivityHandle> = [SHARED, HOST, SHARED]
            .into_iter()
            .map(|list| {
                local
                    .schedule_activity(
                        ActivitySpec::new(DOMAIN, "step", "1")
                            .task_list(list)
                            .input("10"),
                    )
                    .expect("the task schedules")
            })
            .collect();
        for handle in &handles {
            handle.outcome().await;
        }
        handles
    })
    .await;

    let mut per_list: BTreeMap<String, u64> = BTreeMap::new();
    for handle in &handles {
        *per_list
            .entry(scheduled_on(&handle.history().unwrap()))
            .or_default() += 1;
    }
    let mut started: BTreeMap<String, u64> = BTreeMap::new();
    let mut polled: BTreeMap<String, u64> = BTreeMap::new();
    let mut slot_lists = Vec::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let (_, key) = key.into_parts();
        let label = |name: &str| {
            key.labels()
                .find(|l| l.key() == name)
                .map(|l| l.value().to_owned())
        };
        let list = label("task_list").expect("every metric has a task_list label");
        let count = match value {
            DebugValue::Counter(n) => n,
            _ => 0,
        };
        match key.name() {
            name if name == metric_names::TASKS_STARTED => {
                *started.entry(list).or_default() += count
            }
            name if name == metric_names::POLLS && label("result").as_deref() == Some("task") => {
                *polled.entry(list).or_default() += count;
            }
            name if name == metric_names::SLOTS_FREE => slot_lists.push(list),
            _ => {}
        }
    }
    // Per task: the list it was polled from, as the endpoint scheduled it there.
    assert_eq!(started, per_list);
    assert_eq!(polled, per_list);
    // Worker-wide: the slots the lists share carry the first list.
    assert_eq!(slot_lists, [SHARED]);
}

#[test]
fn repeated_or_invalid_task_lists_are_refused_at_build() {
    let config = aws_sdk_swf::Config::builder()
        .behavior_version(aws_sdk_swf::config::BehaviorVersion::latest())
        .region(aws_sdk_swf::config::Region::new("us-east-1"))
        .build();
    let builder = || {
        Worker::builder(aws_sdk_swf::Client::from_conf(config.clone()))
            .domain(DOMAIN)
            .activity(step)
    };
    let repeated = builder().task_list(SHARED).also_poll(HOST).also_poll(HOST);
    assert!(matches!(
        repeated.build(),
        Err(BuildError::DuplicateTaskList { task_list }) if task_list == HOST
    ));
    let first_again = builder().task_lists([SHARED, HOST, SHARED]);
    assert!(matches!(
        first_again.build(),
        Err(BuildError::DuplicateTaskList { task_list }) if task_list == SHARED
    ));
    let invalid = builder().task_list(SHARED).also_poll("host:a");
    assert!(matches!(
        invalid.build(),
        Err(BuildError::InvalidName { value, .. }) if value == "host:a"
    ));
    assert!(builder().task_lists([SHARED, HOST]).build().is_ok());
}
