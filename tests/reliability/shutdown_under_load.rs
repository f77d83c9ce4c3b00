//! shutdown under load: 200 running activities (half stop when `cancelled()` resolves, half ignore
//! it) and polls in flight, a graceful shutdown, then a forced one. Every task is answered once
//! and nothing is left open to time out.

use std::time::{Duration, Instant};

use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};

use crate::common::{
    Close, DOMAIN, LIMIT, TASK_LIST, Tally, endpoint, heavy, one_at_a_time, schedule, spec,
    until_closed, until_started,
};

/// Runs until `cancelled()` resolves, then answers canceled.
#[activity(
    version = "1",
    start_to_close_timeout = "2m",
    heartbeat_timeout = "30s"
)]
async fn stops_when_asked(progress: Progress) -> Result<(), ActivityError> {
    tokio::select! {
        reason = progress.cancelled() => Err(reason.into()),
        () = tokio::time::sleep(Duration::from_secs(100)) => Ok(()),
    }
}

/// Runs on whatever `cancelled()` says.
#[activity(
    version = "1",
    start_to_close_timeout = "2m",
    heartbeat_timeout = "30s"
)]
async fn keeps_running() {
    tokio::time::sleep(Duration::from_secs(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_under_load() {
    let _serial = one_at_a_time().await;
    let running = if heavy() { 1_000 } else { 200 };
    let pollers = 8;
    let local = endpoint(Default::default()).await;
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .max_concurrent_activities(running + 2 * pollers)
        .pollers(pollers)
        .shutdown_grace(Duration::from_secs(1))
        .cancel_grace(Duration::from_secs(30))
        .activity(stops_when_asked)
        .activity(keeps_running)
        .build()
        .expect("the worker builds");
    worker
        .register_activity_types()
        .await
        .expect("the types register");
    let stop = worker.shutdown_handle();
    let run = worker.run_until(std::future::pending());
    tokio::pin!(run);

    let handles: Vec<_> = (0..running)
        .map(|i| {
            let name = if i % 2 == 0 {
                "stops_when_asked"
            } else {
                "keeps_running"
            };
            schedule(&local, spec(name, &format!("shutdown-{i}"), ""))
        })
        .collect();
    let started = async {
        for handle in &handles {
            until_started(handle, LIMIT).await;
        }
        // Free slots: the pollers are polling the empty task list.
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    tokio::select! {
        () = started => {}
        result = &mut run => panic!("the worker stopped early: {result:?}"),
    }

    // Graceful: no new polls; the polls in flight hand over what is scheduled now.
    stop.shutdown();
    let late: Vec<_> = (0..2)
        .map(|i| {
            schedule(
                &local,
                spec("keeps_running", &format!("shutdown-late-{i}"), ""),
            )
        })
        .collect();
    // After shutdown_grace (1 s) half of them answer canceled; the rest keep running.
    let graceful = tokio::time::timeout(Duration::from_secs(2), &mut run).await;
    assert!(
        graceful.is_err(),
        "activities that ignore cancellation keep the worker running"
    );
    stop.force();
    let forced_at = Instant::now();
    tokio::time::timeout(LIMIT, &mut run)
        .await
        .expect("a forced shutdown ends the run promptly")
        .expect("the worker stops cleanly");
    let stopped_after = forced_at.elapsed();

    let all: Vec<_> = handles.iter().chain(&late).cloned().collect();
    // Everything is answered by now; the wait only bounds a failure.
    let records = until_closed(&all, Duration::from_secs(5)).await;
    let pending = local
        .service()
        .call(
            "CountPendingActivityTasks",
            serde_json::json!({"domain": DOMAIN, "taskList": {"name": TASK_LIST}}),
        )
        .await
        .expect("the endpoint counts pending tasks")["count"]
        .as_i64()
        .unwrap_or(-1);
    let mut tally = Tally::of(&records);
    let wrong: Vec<_> = records
        .iter()
        .filter(|r| match r.close() {
            Some(Close::Canceled(_)) => false,
            Some(Close::Failed { reason, .. }) => reason.as_deref() != Some("worker shut down"),
            _ => true,
        })
        .collect();
    tally.lost = wrong.len();
    let tally = tally
        .with("pollers", pollers)
        .with("pending_after", pending)
        .with(
            "stopped_secs_after_force",
            format!("{:.1}", stopped_after.as_secs_f64()),
        );
    tally.print("shutdown_under_load");

    assert!(
        wrong.is_empty(),
        "tasks not answered as expected: {wrong:?}"
    );
    assert_eq!(tally.duplicates, 0, "every task is answered once");
    assert_eq!(
        (tally.open, tally.timed_out, pending),
        (0, 0, 0),
        "nothing is left open"
    );
    // The cooperative half answers canceled once the shutdown grace passes; with many tasks on a
    // slow machine a few may still be at it when the stop is forced, and are answered failed.
    assert!(
        tally.canceled > 0 && tally.canceled <= running / 2,
        "{} canceled: only the cooperative half answers canceled",
        tally.canceled
    );
    assert_eq!(tally.canceled + tally.failed, running + late.len());
}
