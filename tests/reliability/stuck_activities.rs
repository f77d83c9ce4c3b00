//! stuck activities: activities that ignore cancellation and one that blocks its thread with
//! `std::thread::sleep`. Their slots come back once SWF no longer takes their answer, a graceful
//! shutdown completes, and a process running such a worker exits on the second SIGTERM.

use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use swf_activity::worker::Worker;
use swf_activity::{ActivityError, CancelReason, Progress, activity};

use crate::common::{
    Close, DOMAIN, LIMIT, TASK_LIST, Tally, child_process, endpoint, epoch_now, is_child,
    one_at_a_time, record, schedule, spec, until_closed, until_started,
};

/// Ignores `cancelled()` for `secs` seconds; SWF stops taking its answer after 2 s.
#[activity(
    version = "1",
    start_to_close_timeout = "2s",
    heartbeat_timeout = "none"
)]
async fn ignores_cancellation(progress: Progress, secs: u64) {
    let until = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < until {
        // Looks at the reason and carries on regardless.
        let _: Option<CancelReason> = progress.cancel_reason();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Blocks its thread for `millis` milliseconds; SWF stops taking its answer after 2 s.
#[activity(
    version = "1",
    start_to_close_timeout = "2s",
    heartbeat_timeout = "none"
)]
async fn blocks_thread(millis: u64) {
    std::thread::sleep(Duration::from_millis(millis));
}

/// Ignores `cancelled()` for `secs` seconds, with a long start-to-close timeout.
#[activity(version = "1", start_to_close_timeout = "5m", heartbeat_timeout = "2m")]
async fn ignores_shutdown(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

/// Blocks its thread for `millis` milliseconds, with a long start-to-close timeout.
#[activity(version = "1", start_to_close_timeout = "5m", heartbeat_timeout = "2m")]
async fn blocks_thread_long(millis: u64) {
    std::thread::sleep(Duration::from_millis(millis));
}

/// Tasks of [`meet`] that have started.
static MET: AtomicUsize = AtomicUsize::new(0);

/// Completes once `count` tasks of this type run at the same time, so only on a worker with that
/// many free slots; fails after 20 s otherwise.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "30s"
)]
async fn meet(count: usize) -> Result<usize, ActivityError> {
    MET.fetch_add(1, Ordering::SeqCst);
    for _ in 0..400 {
        if MET.load(Ordering::SeqCst) >= count {
            return Ok(count);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(ActivityError::failed(format!(
        "only {} of {count} tasks ran at once",
        MET.load(Ordering::SeqCst)
    )))
}

fn stuck_worker(builder: swf_activity::worker::WorkerBuilder, slots: usize) -> Worker {
    builder
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .max_concurrent_activities(slots)
        .shutdown_grace(Duration::from_secs(1))
        .cancel_grace(Duration::from_secs(1))
        .abandon_grace(Duration::from_secs(2))
        .activity(ignores_cancellation)
        .activity(blocks_thread)
        .activity(ignores_shutdown)
        .activity(blocks_thread_long)
        .activity(meet)
        .build()
        .expect("the worker builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn stuck_activities() {
    let _serial = one_at_a_time().await;
    let local = endpoint(Default::default()).await;
    let worker = stuck_worker(Worker::from_sdk_config(local.sdk_config()), 3);
    worker
        .register_activity_types()
        .await
        .expect("the types register");
    let stop = worker.shutdown_handle();

    let scenario = async {
        // Three stuck tasks fill the three slots; three tasks that only complete when they run
        // side by side wait for the slots to come back.
        let stuck = vec![
            schedule(
                &local,
                spec("ignores_cancellation", "stuck-ignores-0", "90"),
            ),
            schedule(
                &local,
                spec("ignores_cancellation", "stuck-ignores-1", "90"),
            ),
            schedule(&local, spec("blocks_thread", "stuck-blocks", "4000")),
        ];
        for handle in &stuck {
            until_started(handle, LIMIT).await;
        }
        let waiting: Vec<_> = (0..3)
            .map(|i| schedule(&local, spec("meet", &format!("stuck-meet-{i}"), "3")))
            .collect();
        let stuck_records = until_closed(&stuck, LIMIT).await;
        let waiting_records = until_closed(&waiting, LIMIT).await;
        let timed_out_at = stuck_records
            .iter()
            .filter_map(|r| r.closed_at())
            .fold(0.0, f64::max);
        let slots_back_after = waiting_records
            .iter()
            .filter_map(|r| r.closed_at())
            .fold(0.0, f64::max)
            - timed_out_at;
        let slot_problems: Vec<_> = stuck_records
            .iter()
            .filter(|r| !matches!(r.close(), Some(Close::TimedOut(_))))
            .chain(
                waiting_records
                    .iter()
                    .filter(|r| !matches!(r.close(), Some(Close::Completed(_)))),
            )
            .collect();
        assert!(
            slot_problems.is_empty(),
            "stuck tasks time out at the endpoint and their slots run the waiting tasks: {slot_problems:?}"
        );

        // A graceful shutdown with one task ignoring it and one blocking its thread.
        let running = vec![
            schedule(
                &local,
                spec("ignores_shutdown", "stuck-shutdown-ignores", "90"),
            ),
            schedule(
                &local,
                spec("blocks_thread_long", "stuck-shutdown-blocks", "5000"),
            ),
        ];
        for handle in &running {
            until_started(handle, LIMIT).await;
        }
        stop.shutdown();
        let shutdown_at = epoch_now();
        (
            stuck_records,
            waiting_records,
            running,
            shutdown_at,
            slots_back_after,
        )
    };
    let (result, (stuck, waiting, running, shutdown_at, slots_back_after)) =
        tokio::time::timeout(LIMIT * 3, async {
            tokio::join!(worker.run_until(std::future::pending()), scenario)
        })
        .await
        .expect("the scenario and the worker's shutdown end in time");
    result.expect("the worker stops cleanly");
    let shutdown_secs = epoch_now() - shutdown_at;
    let running = until_closed(&running, Duration::from_secs(5)).await;

    let mut tally = Tally::of(&[stuck.clone(), waiting.clone(), running.clone()].concat());
    let shutdown_problems: Vec<_> = running
        .iter()
        .filter(|r| {
            !matches!(r.close(), Some(Close::Failed { reason, .. }) if reason.as_deref() == Some("worker shut down"))
        })
        .collect();
    tally.lost = shutdown_problems.len();
    let tally = tally
        .with("slots_back_secs", format!("{slots_back_after:.1}"))
        .with("shutdown_secs", format!("{shutdown_secs:.1}"));
    tally.print("stuck_activities");
    assert!(
        shutdown_problems.is_empty(),
        "a graceful shutdown answers the stuck tasks failed: {shutdown_problems:?}"
    );
    assert_eq!(tally.duplicates, 0);
}

const CHILD_TEST: &str = "stuck_activities::stuck_worker_process";
/// What the child prints when `Worker::run` has returned.
const RUN_RETURNED: &str = "Worker::run returned";

/// Not a test of its own: the process [`a_stuck_worker_process_exits_on_the_second_sigterm`]
/// runs, a worker under `Worker::run` as a production binary has it.
#[test]
fn stuck_worker_process() {
    if !is_child(CHILD_TEST) {
        return;
    }
    let endpoint = std::env::var("SWF_RELIABILITY_ENDPOINT").expect("the endpoint's URL");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let config = aws_sdk_swf::Config::builder()
            .behavior_version(aws_sdk_swf::config::BehaviorVersion::latest())
            .region(aws_sdk_swf::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_swf::config::Credentials::new(
                "stuck-worker",
                "stuck-worker",
                None,
                None,
                "reliability",
            ))
            .build();
        let worker = stuck_worker(Worker::builder(aws_sdk_swf::Client::from_conf(config)), 4);
        println!("worker running");
        let result = worker.run().await;
        println!("{RUN_RETURNED}: {result:?}");
    });
    println!("runtime dropped");
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} failed");
}

/// Waits for `child` to exit, at most `limit`.
async fn exited(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_worker_process_exits_on_the_second_sigterm() {
    let _serial = one_at_a_time().await;
    let local = endpoint(Default::default()).await;
    // The child's output goes to a file, shown when the scenario fails.
    let log_path = std::env::temp_dir().join(format!(
        "swf-reliability-stuck-worker-{}.log",
        std::process::id()
    ));
    let log = std::fs::File::create(&log_path).expect("the child's log file");
    let mut child = child_process(
        CHILD_TEST,
        &[
            ("SWF_RELIABILITY_ENDPOINT", local.url()),
            ("RUST_LOG", "info"),
        ],
    )
    .stdout(log.try_clone().expect("the log file"))
    .stderr(Stdio::from(log))
    .spawn()
    .expect("the worker process starts");

    let scenario = async {
        // The child registers its types when it starts; schedule once they exist.
        let client = aws_sdk_swf::Client::new(local.sdk_config());
        for _ in 0..600 {
            let listed = client
                .list_activity_types()
                .domain(DOMAIN)
                .registration_status(aws_sdk_swf::types::RegistrationStatus::Registered)
                .send()
                .await
                .expect("the types list");
            if listed.type_infos().len() >= 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let tasks = vec![
            schedule(&local, spec("ignores_shutdown", "process-ignores", "100")),
            schedule(
                &local,
                spec("blocks_thread_long", "process-blocks", "100000"),
            ),
        ];
        for handle in &tasks {
            until_started(handle, LIMIT).await;
        }
        signal(&child, "TERM");
        // The graces are 1 s and 1 s: then both are answered failed, the blocked one too, and
        // `run` returns.
        let answered = until_closed(&tasks, Duration::from_secs(10)).await;
        // `run` returns once both are answered, and the process then waits for the blocked
        // thread: the second signal must end it. (A process that already exited needs none.)
        for _ in 0..200 {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if log.contains(RUN_RETURNED) || matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let first_exit = child.try_wait().ok().flatten();
        let second_at = Instant::now();
        let status = match first_exit {
            Some(status) => Some(status),
            None => {
                signal(&child, "TERM");
                exited(&mut child, Duration::from_secs(10)).await
            }
        };
        let exit_secs = second_at.elapsed().as_secs_f64();
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        (tasks, answered, status, exit_secs)
    };
    let (tasks, answered, status, exit_secs) = tokio::time::timeout(LIMIT * 2, scenario)
        .await
        .expect("the scenario ends in time");
    let records: Vec<_> = tasks.iter().map(record).collect();
    let mut tally = Tally::of(&records);
    tally.lost = answered
        .iter()
        .filter(|r| !matches!(r.close(), Some(Close::Failed { .. })))
        .count();
    let tally = tally
        .with("exited", status.is_some())
        .with("exit_secs_after_second_sigterm", format!("{exit_secs:.1}"));
    tally.print("stuck_process");
    let child_log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    assert!(
        status.is_some(),
        "the worker process did not exit within 10 s of the second SIGTERM; its output:\n{child_log}"
    );
    assert_eq!(
        tally.lost, 0,
        "both tasks are answered failed before the process exits: {answered:?}"
    );
    assert_eq!((tally.duplicates, tally.timed_out, tally.open), (0, 0, 0));
}
