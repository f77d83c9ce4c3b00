//! The cancellation futures: both forms resolve with the first reason, are cancel-safe and lose
//! no wake-up.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use swf_activity::heartbeat::{
    HeartbeatAnswer, HeartbeatConfig, HeartbeatEngine, HeartbeatError, HeartbeatTransport,
    TaskHeartbeat, TaskSchedule,
};
use swf_activity::progress::CancelReason;
use swf_activity::task::ActivityTask;
use swf_activity::{ActivityError, ActivityType, HeartbeatMode, Progress};

struct Accept;

impl HeartbeatTransport for Accept {
    fn record_heartbeat(
        &self,
        _task_token: String,
        _details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        Box::pin(async { Ok(HeartbeatAnswer::default()) })
    }
}

fn start(engine: &HeartbeatEngine) -> TaskHeartbeat {
    engine.start_task(
        ActivityTask::new("t", ActivityType::from_static("C", "1"), "a", "w", "r", 1),
        TaskSchedule {
            heartbeat_timeout: Some(Duration::from_secs(10)),
            start_to_close_timeout: None,
            mode: HeartbeatMode::Auto,
        },
    )
}

#[tokio::test(start_paused = true)]
async fn first_reason_wins_and_every_waiter_sees_it() {
    let engine = HeartbeatEngine::on_current_runtime(Arc::new(Accept), HeartbeatConfig::default());
    let heartbeat = start(&engine);
    let progress = heartbeat.progress();
    let waiters: Vec<_> = (0..10)
        .map(|_| tokio::spawn(progress.cancelled_owned()))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!progress.is_cancelled());
    heartbeat.cancel(CancelReason::WorkerShutdown);
    heartbeat.cancel(CancelReason::Requested);
    for waiter in waiters {
        let reason = tokio::time::timeout(Duration::from_secs(60), waiter)
            .await
            .expect("every waiter wakes");
        assert_eq!(reason.unwrap(), CancelReason::WorkerShutdown);
    }
    assert_eq!(progress.cancel_reason(), Some(CancelReason::WorkerShutdown));
    // Already cancelled: a new future resolves at once.
    let reason = tokio::time::timeout(Duration::from_secs(60), progress.cancelled()).await;
    assert_eq!(reason, Ok(CancelReason::WorkerShutdown));
    assert_eq!(progress.task().map(|t| t.activity_id.as_str()), Some("a"));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_in_select_loses_nothing() {
    let engine = HeartbeatEngine::on_current_runtime(Arc::new(Accept), HeartbeatConfig::default());
    let heartbeat = start(&engine);
    let progress = heartbeat.progress();
    let canceller = {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2_500)).await;
            heartbeat.cancel(CancelReason::Requested);
            heartbeat
        })
    };
    let mut ticks = 0;
    let reason = loop {
        tokio::select! {
            reason = progress.cancelled() => break reason,
            () = tokio::time::sleep(Duration::from_secs(1)) => ticks += 1,
        }
    };
    assert_eq!((reason, ticks), (CancelReason::Requested, 2));
    canceller.await.unwrap().finish();
}

#[tokio::test(start_paused = true)]
async fn detached_progress_is_never_cancelled() {
    let progress = Progress::detached();
    assert!(progress.task().is_none());
    assert_eq!(progress.flush().await, Ok(()));
    let waited = tokio::time::timeout(Duration::from_secs(3600), progress.cancelled()).await;
    assert!(waited.is_err());
}

#[test]
fn no_lost_wakeups_across_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let engine = HeartbeatEngine::new(Arc::new(Accept), HeartbeatConfig::default());
        for round in 0..200 {
            let heartbeat = start(&engine);
            let progress = heartbeat.progress();
            let waiters: Vec<_> = (0..4)
                .map(|_| tokio::spawn(progress.cancelled_owned()))
                .collect();
            let canceller = std::thread::spawn(move || {
                heartbeat.cancel(CancelReason::WorkerShutdown);
                heartbeat
            });
            for waiter in waiters {
                let reason = tokio::time::timeout(Duration::from_secs(10), waiter)
                    .await
                    .unwrap_or_else(|_| panic!("round {round}: a waiter missed the cancellation"))
                    .unwrap();
                assert_eq!(reason, CancelReason::WorkerShutdown);
            }
            canceller.join().unwrap().finish();
        }
    });
}

#[test]
fn only_a_requested_cancellation_converts_to_a_cancellation() {
    let err: ActivityError = CancelReason::Requested.into();
    assert!(err.is_canceled());
    assert_eq!(err.details(), Some("cancellation requested"));
    let err: ActivityError = CancelReason::TaskGone.into();
    assert!(!err.is_canceled());
    assert_eq!(
        err.reason(),
        Some("task gone (timed out or closed elsewhere)")
    );
    assert!(CancelReason::Requested.task_still_open());
    assert!(!CancelReason::StartToCloseElapsed.task_still_open());
}
