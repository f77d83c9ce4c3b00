//! faults: thousands of tasks under a seeded mix of throttling, 500s, 503s, dropped connections
//! and lost responses. No result may be lost and no task run twice. The one loss SWF cannot
//! avoid, a PollForActivityTask response lost on the way (the task is started at the endpoint
//! but the worker never sees it), is counted apart: such a task times out without ever running.

use std::time::Duration;

use swf_activity::local::{FaultConfig, FaultRule, LocalSwf};
use swf_activity::worker::Worker;
use swf_activity::{Progress, activity};

use crate::common::{
    Close, Journal, LIMIT, Record, TASK_LIST, Tally, activity_id, endpoint, heavy, one_at_a_time,
    schedule, spec, until_closed,
};

/// Activity ids of the tasks whose body ran, once per run.
static RAN: Journal<()> = Journal::new();

/// Answers its input; notes that it ran.
#[activity(
    version = "1",
    start_to_close_timeout = "30s",
    heartbeat_timeout = "5s"
)]
async fn echo_number(progress: Progress, n: u64) -> u64 {
    RAN.note(&activity_id(&progress), ());
    n
}

/// The fault mix: 5% throttling, 2% HTTP 500, 1% HTTP 503, 1% dropped connections (before the
/// request is applied) and 1% lost responses (after), on every operation.
fn fault_mix(seed: u64) -> FaultConfig {
    FaultConfig::new(seed).all(
        FaultRule::default()
            .throttle(0.05)
            .internal_errors(0.02)
            .unavailable(0.01)
            .drop_connections(0.01)
            .lose_responses(0.01),
    )
}

/// How long a run of `tasks` tasks may take: far more than a debug build on a loaded machine needs.
fn wait_for(tasks: usize) -> Duration {
    LIMIT + Duration::from_millis(50 * tasks as u64)
}

/// What one run of `tasks` tasks left at the endpoint.
struct Run {
    records: Vec<(String, Record)>,
    /// From the first task scheduled to the last answer the endpoint recorded, in seconds.
    busy_secs: f64,
}

async fn run(label: &str, tasks: usize, faults: FaultConfig) -> Run {
    let local: LocalSwf = endpoint(faults).await;
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(crate::common::DOMAIN)
        .task_list(TASK_LIST)
        .activity(echo_number)
        .build()
        .expect("the worker builds");
    worker
        .register_activity_types()
        .await
        .expect("the types register");
    let stop = worker.shutdown_handle();
    let scenario = async {
        let start = crate::common::epoch_now();
        let handles: Vec<_> = (0..tasks)
            .map(|i| {
                let id = format!("faults-{label}-{i}");
                schedule(&local, spec("echo_number", &id, &i.to_string()))
            })
            .collect();
        let records = until_closed(&handles, wait_for(tasks)).await;
        stop.shutdown();
        let last_answer = records
            .iter()
            .filter(|r| !matches!(r.close(), Some(Close::TimedOut(_))))
            .filter_map(Record::closed_at)
            .fold(start, f64::max);
        let ids = handles.iter().map(|h| h.activity_id().to_owned());
        Run {
            records: ids.zip(records).collect(),
            busy_secs: last_answer - start,
        }
    };
    let (result, run) = tokio::time::timeout(wait_for(tasks) + LIMIT, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the run ends in time");
    result.expect("the worker stops cleanly");
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults() {
    let _serial = one_at_a_time().await;
    let tasks = if heavy() { 10_000 } else { 2_000 };
    let clean = run("clean", tasks, FaultConfig::new(7)).await;
    let faulty = run("faulty", tasks, fault_mix(7)).await;

    let records: Vec<_> = faulty.records.iter().map(|(_, r)| r.clone()).collect();
    let mut tally = Tally::of(&records);
    let mut poll_lost = 0;
    let mut ran_twice = 0;
    let mut problems = Vec::new();
    for (i, (id, record)) in faulty.records.iter().enumerate() {
        let runs = RAN.get(id).len();
        if runs > 1 {
            ran_twice += 1;
        }
        match (runs, record.close()) {
            (1.., Some(Close::Completed(Some(result)))) if *result == i.to_string() => {}
            // Started at the endpoint, never seen by the worker: the poll's response was lost.
            (0, Some(Close::TimedOut(_))) if record.heartbeats == 0 => poll_lost += 1,
            _ => problems.push(format!("{id}: ran {runs} times, {record:?}")),
        }
    }
    tally.lost = problems.len();
    tally.duplicates += ran_twice;
    let clean_tally = Tally::of(
        &clean
            .records
            .iter()
            .map(|(_, r)| r.clone())
            .collect::<Vec<_>>(),
    );
    let throughput = clean.busy_secs / faulty.busy_secs.max(f64::EPSILON);
    let tally = tally
        .with("poll_lost", poll_lost)
        .with("secs", format!("{:.1}", faulty.busy_secs))
        .with("fault_free_secs", format!("{:.1}", clean.busy_secs))
        .with("throughput_vs_fault_free", format!("{throughput:.2}"));
    tally.print("faults");

    assert_eq!(
        clean_tally.completed, tasks,
        "without faults every task completes: {clean_tally:?}"
    );
    assert!(
        problems.is_empty(),
        "{} tasks lost or answered wrongly, e.g. {:?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
    assert_eq!(tally.duplicates, 0, "no task runs or closes twice");
    assert_eq!(tally.completed + poll_lost, tasks);
    // About 1% of the polls that carry a task lose their response; far more would mean the
    // worker drops tasks it did receive.
    assert!(
        poll_lost <= tasks / 40,
        "{poll_lost} of {tasks} tasks never reached the worker"
    );
}
