//! The heartbeat interval is min(0.8 x heartbeat timeout, 60 s): with a heartbeat timeout of
//! 5 minutes, heartbeats still go out every minute.

use std::time::Duration;

use swf_activity::testing::{ActivityEnvironment, ActivityOutcome};
use swf_activity::{ActivityError, HeartbeatMode, Progress, activity};

/// Bounds every run; free under paused time.
const LIMIT: Duration = Duration::from_secs(3600);

/// Works for 200 s without reporting.
#[activity(version = "1", heartbeat_timeout = "5m", start_to_close_timeout = "1h")]
async fn quiet() -> Result<(), ActivityError> {
    tokio::time::sleep(Duration::from_secs(200)).await;
    Ok(())
}

/// Reports every 7 s for 203 s (never at a multiple of 60 s, so each heartbeat's details are
/// certain).
#[activity(version = "1", heartbeat_timeout = "5m", start_to_close_timeout = "1h")]
async fn chatty(progress: Progress) -> Result<(), ActivityError> {
    for step in 0u32..29 {
        progress.report(&step)?;
        tokio::time::sleep(Duration::from_secs(7)).await;
    }
    Ok(())
}

fn times(run: &swf_activity::testing::ActivityRun) -> Vec<u64> {
    run.heartbeats.iter().map(|h| h.at.as_secs()).collect()
}

#[tokio::test(start_paused = true)]
async fn auto_heartbeats_come_every_60_s_under_a_long_heartbeat_timeout() {
    let run = tokio::time::timeout(LIMIT, ActivityEnvironment::new().run(&quiet, None))
        .await
        .expect("the activity ends");
    assert_eq!(run.outcome, ActivityOutcome::Completed { result: None });
    // 0.8 x 300 s would be 240 s; the cap makes it 60 s (the first one interval after the start).
    assert_eq!(times(&run), [60, 120, 180]);
}

#[tokio::test(start_paused = true)]
async fn reports_go_out_every_60_s_under_a_long_heartbeat_timeout() {
    let run = tokio::time::timeout(
        LIMIT,
        ActivityEnvironment::new()
            .heartbeat_mode(HeartbeatMode::Manual)
            .run(&chatty, None),
    )
    .await
    .expect("the activity ends");
    assert_eq!(times(&run), [0, 60, 120, 180]);
    // Each carries the latest report.
    assert_eq!(
        run.heartbeat_details(),
        [Some("0"), Some("8"), Some("17"), Some("25")]
    );
}
