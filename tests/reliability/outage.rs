//! outage: a proxy between the worker and the endpoint refuses connections, then black-holes
//! them, for longer than 5 s of failed answers. Tasks whose deadlines outlive the outage keep their
//! results; tasks whose heartbeat deadline passes during it see `cancelled()` resolve with
//! `HeartbeatTimeoutElapsed` when it passes; the worker's request rate stays bounded; work resumes
//! within seconds of the recovery.

use std::time::Duration;

use swf_activity::local::ActivityHandle;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, CancelReason, Progress, activity};

use crate::common::{
    Close, DOMAIN, Journal, LIMIT, Record, TASK_LIST, Tally, activity_id, endpoint, epoch_now,
    one_at_a_time, schedule, spec, until_closed, until_started,
};
use crate::proxy::{Mode, Proxy};

/// How long the proxy refuses connections, then black-holes them.
const REFUSED: Duration = Duration::from_secs(4);
const BLACK_HOLED: Duration = Duration::from_secs(5);

/// The worker resolves `cancelled()` this long after a task's heartbeat deadline, when SWF has
/// certainly timed it out (the heartbeat engine's default margin).
const DEADLINE_MARGIN: f64 = 2.0;
/// Allowed between the endpoint's clock and the test's, and for a loaded machine.
const CLOCK_SLACK: f64 = 1.0;

/// Why and when (seconds since the Unix epoch) `cancelled()` resolved, per activity id.
static CANCELLED: Journal<(CancelReason, f64)> = Journal::new();

/// Works `millis` milliseconds, then answers its input. Its deadlines (heartbeat 60 s,
/// start-to-close 2 min) outlive the outage.
#[activity(
    version = "1",
    start_to_close_timeout = "2m",
    heartbeat_timeout = "60s"
)]
async fn finish_during_outage(millis: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    millis
}

/// Works until `cancelled()` resolves, and notes why and when. Its 4 s heartbeat timeout passes
/// during the outage.
#[activity(version = "1", start_to_close_timeout = "2m", heartbeat_timeout = "4s")]
async fn work_until_cancelled(progress: Progress) -> Result<(), ActivityError> {
    tokio::select! {
        reason = progress.cancelled() => {
            CANCELLED.note(&activity_id(&progress), (reason, epoch_now()));
            Err(reason.into())
        }
        () = tokio::time::sleep(Duration::from_secs(90)) => Ok(()),
    }
}

/// Answers at once.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "30s"
)]
async fn after_recovery(n: u64) -> u64 {
    n
}

/// What the scenario saw: times are seconds since the Unix epoch, connections those the proxy
/// accepted in each phase.
struct Observed {
    outage_start: f64,
    recovered: f64,
    refused: u64,
    black_holed: u64,
    outliving: Vec<Record>,
    expiring: Vec<Record>,
    late: Vec<Record>,
    expiring_handles: Vec<ActivityHandle>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage() {
    let _serial = one_at_a_time().await;
    let local = endpoint(Default::default()).await;
    let proxy = Proxy::start(local.addr()).await;
    let config = local
        .sdk_config()
        .to_builder()
        .endpoint_url(proxy.url())
        .build();
    let worker = Worker::from_sdk_config(&config)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .max_concurrent_activities(32)
        .activity(finish_during_outage)
        .activity(work_until_cancelled)
        .activity(after_recovery)
        .build()
        .expect("the worker builds");
    worker
        .register_activity_types()
        .await
        .expect("the types register");
    let stop = worker.shutdown_handle();

    let scenario = async {
        let expiring: Vec<_> = (0..5)
            .map(|i| {
                schedule(
                    &local,
                    spec("work_until_cancelled", &format!("outage-expires-{i}"), ""),
                )
            })
            .collect();
        // Each expiring task's first heartbeat (one interval, about 3 s, after its start) reaches
        // the endpoint: its heartbeat deadline, 4 s later, falls inside the outage.
        for handle in &expiring {
            until_started(handle, LIMIT).await;
            for _ in 0..500 {
                if handle.heartbeat_count() > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(handle.heartbeat_count() > 0, "the first heartbeat arrives");
        }
        // The outliving tasks finish 1.5 s into the outage: their answers fail for 7.5 s.
        let outliving: Vec<_> = (0..10)
            .map(|i| {
                schedule(
                    &local,
                    spec(
                        "finish_during_outage",
                        &format!("outage-outlives-{i}"),
                        "1500",
                    ),
                )
            })
            .collect();
        for handle in &outliving {
            until_started(handle, LIMIT).await;
        }

        let outage_start = epoch_now();
        let before = proxy.connections();
        proxy.set(Mode::Refuse);
        tokio::time::sleep(REFUSED).await;
        let refused = proxy.connections() - before;
        proxy.set(Mode::BlackHole);
        tokio::time::sleep(BLACK_HOLED).await;
        let black_holed = proxy.connections() - before - refused;
        proxy.set(Mode::Forward);
        let recovered = epoch_now();

        let late: Vec<_> = (0..5)
            .map(|i| {
                schedule(
                    &local,
                    spec(
                        "after_recovery",
                        &format!("outage-after-{i}"),
                        &i.to_string(),
                    ),
                )
            })
            .collect();
        let outliving_records = until_closed(&outliving, LIMIT).await;
        let expiring_records = until_closed(&expiring, LIMIT).await;
        let late_records = until_closed(&late, LIMIT).await;
        stop.shutdown();
        Observed {
            outage_start,
            recovered,
            refused,
            black_holed,
            outliving: outliving_records,
            expiring: expiring_records,
            late: late_records,
            expiring_handles: expiring,
        }
    };
    let (result, observed) = tokio::time::timeout(LIMIT * 3, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
    let Observed {
        outage_start,
        recovered,
        refused,
        black_holed,
        outliving,
        expiring,
        late,
        expiring_handles: handles,
    } = observed;

    let refused_per_sec = refused as f64 / REFUSED.as_secs_f64();
    let black_holed_per_sec = black_holed as f64 / BLACK_HOLED.as_secs_f64();
    let lost: Vec<_> = outliving
        .iter()
        .chain(&late)
        .filter(|r| !matches!(r.close(), Some(Close::Completed(Some(_)))))
        .collect();
    let resumed_after = outliving
        .iter()
        .chain(&late)
        .filter_map(|r| r.closed_at())
        .map(|at| at - recovered)
        .fold(0.0, f64::max);

    // Each expiring task: the endpoint timed it out (HEARTBEAT) and cancelled() resolved with
    // HeartbeatTimeoutElapsed during the outage, no later than a second after that timeout.
    let mut cancel_lags = Vec::new();
    let mut cancel_problems = Vec::new();
    for (handle, record) in handles.iter().zip(&expiring) {
        let id = handle.activity_id();
        let notes = CANCELLED.get(id);
        match (notes.as_slice(), record.close(), record.closed_at()) {
            ([(reason, at)], Some(Close::TimedOut(_)), Some(timed_out))
                if *reason == CancelReason::HeartbeatTimeoutElapsed
                    && *at >= outage_start
                    && *at >= timed_out - CLOCK_SLACK
                    && *at <= timed_out + DEADLINE_MARGIN + CLOCK_SLACK =>
            {
                cancel_lags.push(at - timed_out);
            }
            _ => cancel_problems.push(format!("{id}: cancelled() {notes:?}, {record:?}")),
        }
    }

    let mut tally = Tally::of(&[outliving.clone(), expiring.clone(), late.clone()].concat());
    tally.lost = lost.len();
    let tally = tally
        .with("outage_secs", (REFUSED + BLACK_HOLED).as_secs())
        .with("refused_conn_per_sec", format!("{refused_per_sec:.1}"))
        .with(
            "black_holed_conn_per_sec",
            format!("{black_holed_per_sec:.1}"),
        )
        .with("resumed_within_secs", format!("{resumed_after:.1}"))
        .with(
            "cancelled_vs_heartbeat_timeout_secs",
            format!(
                "{:.1}..{:.1}",
                cancel_lags.iter().copied().fold(f64::INFINITY, f64::min),
                cancel_lags
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max)
            ),
        );
    tally.print("outage");

    assert!(
        lost.is_empty(),
        "results lost although the tasks' deadlines outlived the outage: {lost:?}"
    );
    assert_eq!(tally.duplicates, 0);
    assert!(
        cancel_problems.is_empty(),
        "cancelled() did not resolve at the heartbeat deadline: {cancel_problems:?}"
    );
    // 15 tasks and 2 pollers retrying with backoff: tens of connections a second at most, where a
    // retry loop without backoff makes thousands.
    assert!(
        refused_per_sec <= 60.0 && black_holed_per_sec <= 60.0,
        "request rate during the outage: {refused_per_sec:.1}/s refused, {black_holed_per_sec:.1}/s black-holed"
    );
    assert!(
        resumed_after <= 15.0,
        "work resumed {resumed_after:.1} s after the endpoint came back"
    );
}
