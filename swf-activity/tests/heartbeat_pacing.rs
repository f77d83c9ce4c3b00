//! How often heartbeats go out and what they carry: coalescing, modes, intervals, flush and the
//! start-to-close deadline.

use std::time::Duration;

use swf_activity::activity::{Activity, ActivityDefinition, ActivityFuture};
use swf_activity::progress::{CancelReason, ReportError};
use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, HeartbeatReply, Trigger};
use swf_activity::{ActivityType, HeartbeatMode, Progress, RegistrationDefaults};

/// An activity made of a closure, for tests.
struct FnActivity<F> {
    definition: ActivityDefinition,
    body: F,
}

impl<F> Activity for FnActivity<F>
where
    F: Fn(Progress, Option<String>) -> ActivityFuture + Send + Sync + 'static,
{
    fn definition(&self) -> &ActivityDefinition {
        &self.definition
    }

    fn execute(&self, progress: Progress, input: Option<String>) -> ActivityFuture {
        (self.body)(progress, input)
    }
}

fn activity<F>(body: F) -> FnActivity<F>
where
    F: Fn(Progress, Option<String>) -> ActivityFuture + Send + Sync + 'static,
{
    FnActivity {
        definition: ActivityDefinition {
            activity_type: ActivityType::from_static("Test", "1"),
            defaults: RegistrationDefaults::NONE,
            heartbeat: HeartbeatMode::Auto,
        },
        body,
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_reports_become_one_heartbeat_per_interval() {
    let reporter = activity(|progress, _| {
        Box::pin(async move {
            for i in 0..10_000_u32 {
                progress.report(&i)?;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // Stay past the next interval so the last report goes out.
            tokio::time::sleep(secs(10)).await;
            Ok(None)
        })
    });
    let env = ActivityEnvironment::new().heartbeat_timeout(Some(secs(10)));
    let run = env.run(&reporter, None).await;

    assert_eq!(run.outcome, ActivityOutcome::Completed(None));
    assert_eq!(run.elapsed, secs(110));
    let times: Vec<Duration> = run.heartbeats.iter().map(|h| h.at).collect();
    let expected: Vec<Duration> = (0..14).map(|k| secs(8 * k)).collect();
    assert_eq!(times, expected, "first at once, then one every 8 s");
    assert_eq!(run.heartbeats[0].details.as_deref(), Some("0"));
    assert_eq!(run.heartbeats[13].details.as_deref(), Some("9999"));
    let values: Vec<u32> = run
        .heartbeats
        .iter()
        .map(|h| h.details.as_deref().unwrap_or("x").parse().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    assert_eq!(run.stats.sent, 14);
    assert_eq!(run.stats.coalesced, 10_000 - 14);
    assert_eq!(run.stats.failed, 0);
}

#[tokio::test(start_paused = true)]
async fn oversized_details_are_refused_and_the_previous_ones_sent() {
    let reporter = activity(|progress, _| {
        Box::pin(async move {
            progress.report("small")?;
            tokio::time::sleep(secs(1)).await;
            let big = "é".repeat(2049);
            match progress.report(&big) {
                Err(ReportError::DetailsTooLong { chars, limit }) => {
                    assert_eq!((chars, limit), (2049, 2048));
                }
                other => panic!("expected DetailsTooLong, got {other:?}"),
            }
            // Exactly at the limit is fine, but only after the refused one was not kept.
            assert_eq!(progress.last_details().as_deref(), Some("small"));
            tokio::time::sleep(secs(20)).await;
            progress.report(&"a".repeat(2048))?;
            progress.flush().await?;
            Ok(None)
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .run(&reporter, None)
        .await;
    assert_eq!(run.outcome, ActivityOutcome::Completed(None));
    let details = run.heartbeat_details();
    assert_eq!(details.len(), 4, "{:?}", run.heartbeats);
    assert!(details[..3].iter().all(|d| *d == Some("small")));
    assert_eq!(details[3].map(str::len), Some(2048));
}

#[tokio::test(start_paused = true)]
async fn manual_mode_only_heartbeats_after_reports() {
    let quiet_then_reporting = activity(|progress, _| {
        Box::pin(async move {
            tokio::time::sleep(secs(5)).await;
            for step in 0..3_u32 {
                progress.report(&step)?;
                tokio::time::sleep(secs(1)).await;
            }
            tokio::time::sleep(secs(30)).await;
            Ok(None)
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .heartbeat_mode(HeartbeatMode::Manual)
        .run(&quiet_then_reporting, None)
        .await;
    let times: Vec<Duration> = run.heartbeats.iter().map(|h| h.at).collect();
    // Nothing for 5 s, the first report at once, the later two folded into one 8 s later,
    // then nothing: the stuck manual activity times out, and once its heartbeat timeout (plus
    // the 2 s margin) has passed since the last heartbeat, it is told so.
    assert_eq!(times, [secs(5), secs(13)]);
    assert_eq!(run.heartbeat_details(), [Some("0"), Some("2")]);
    assert_eq!(
        run.cancel_reason,
        Some(CancelReason::HeartbeatTimeoutElapsed)
    );

    // The same activity in auto mode is kept alive throughout, from one interval after its
    // first report.
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .run(&quiet_then_reporting, None)
        .await;
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [5, 13, 21, 29, 37]);
    assert_eq!(run.cancel_reason, None);
}

#[tokio::test(start_paused = true)]
async fn auto_mode_sends_no_heartbeat_before_the_first_interval() {
    let quiet = activity(|_, _| {
        Box::pin(async move {
            tokio::time::sleep(secs(20)).await;
            Ok(None)
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .run(&quiet, None)
        .await;
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [8, 16]);

    // A task that ends within its first interval sends nothing at all.
    let brief = activity(|_, _| {
        Box::pin(async move {
            tokio::time::sleep(secs(7)).await;
            Ok(None)
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .run(&brief, None)
        .await;
    assert!(run.heartbeats.is_empty(), "{:?}", run.heartbeats);
}

#[tokio::test(start_paused = true)]
async fn without_heartbeat_timeout_heartbeats_check_for_cancellation() {
    let waits = activity(|progress, _| {
        Box::pin(async move {
            let reason = progress.cancelled().await;
            Err(reason.into())
        })
    });
    let env = ActivityEnvironment::new()
        .heartbeat_timeout(None)
        .request_cancellation(Trigger::At(secs(100)));
    let run = env.run(&waits, None).await;
    assert_eq!(
        run.outcome,
        ActivityOutcome::Canceled {
            details: Some("cancellation requested".to_owned())
        }
    );
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [30, 60, 90, 120]);
    assert_eq!(run.elapsed, secs(120));

    // Manual mode cannot time out without a heartbeat timeout, so cancel checks still go out.
    let run = env
        .heartbeat_mode(HeartbeatMode::Manual)
        .run(&waits, None)
        .await;
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [30, 60, 90, 120]);
}

#[tokio::test(start_paused = true)]
async fn flush_sends_at_once_and_reports_cancellation() {
    let flusher = activity(|progress, _| {
        Box::pin(async move {
            let mut flushed = Vec::new();
            for step in 0..5_u32 {
                tokio::time::sleep(secs(1)).await;
                progress.report(&step)?;
                if let Err(reason) = progress.flush().await {
                    assert_eq!(reason, CancelReason::Requested);
                    return Err(swf_activity::ActivityError::canceled().with_details(&flushed));
                }
                flushed.push(step);
            }
            Ok(None)
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(60)))
        .request_cancellation(Trigger::At(secs(3)))
        .run(&flusher, None)
        .await;
    assert_eq!(
        run.outcome,
        ActivityOutcome::Canceled {
            details: Some("[0,1]".to_owned())
        }
    );
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [1, 2, 3]);
    assert_eq!(
        run.heartbeats[2].reply,
        HeartbeatReply::Accepted {
            cancel_requested: true
        }
    );
}

#[tokio::test(start_paused = true)]
async fn start_to_close_elapsed_cancels_and_stops_heartbeats() {
    let slow = activity(|progress, _| {
        Box::pin(async move {
            let reason = progress.cancelled().await;
            assert!(!reason.task_still_open());
            // Whatever happens now is not recorded.
            tokio::time::sleep(secs(100)).await;
            Err(reason.into())
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .start_to_close_timeout(Some(secs(20)))
        .run(&slow, None)
        .await;
    assert_eq!(run.cancel_reason, Some(CancelReason::StartToCloseElapsed));
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [8, 16]);
}

#[tokio::test(start_paused = true)]
async fn reports_from_spawned_tasks_and_clones_reach_the_same_heartbeats() {
    let fan_out = activity(|progress, _| {
        Box::pin(async move {
            let helpers: Vec<_> = (0..4_u32)
                .map(|n| {
                    let progress = progress.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(secs(u64::from(n) + 1)).await;
                        progress.report(&format!("helper {n}"))
                    })
                })
                .collect();
            for helper in helpers {
                helper.await??;
            }
            tokio::time::sleep(secs(20)).await;
            Ok(None)
        })
    });
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(secs(10)))
        .run(&fan_out, None)
        .await;
    let details = run.heartbeat_details();
    assert_eq!(details[0], Some("helper 0"));
    assert_eq!(details.last().copied().flatten(), Some("helper 3"));
}
