//! `Err(reason.into())`, the README's idiom, answers what the README's table recommends for each
//! `CancelReason`: canceled only when the decider asked, failed otherwise.

use std::time::Duration;

use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, Trigger};
use swf_activity::{ActivityError, CancelReason, Progress, activity};

/// Every wait is bounded by this; under paused time it costs nothing.
const LIMIT: Duration = Duration::from_secs(3600);

/// Works a second at a time until `cancelled()` resolves, then stops as the README shows.
#[activity(
    version = "1",
    heartbeat_timeout = "10s",
    start_to_close_timeout = "10m"
)]
async fn work(progress: Progress) -> Result<(), ActivityError> {
    for step in 0u32..600 {
        progress.report(&step)?;
        tokio::select! {
            reason = progress.cancelled() => return Err(reason.into()),
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    Ok(())
}

/// What the README's table says `Err(reason.into())` answers for each reason.
fn expected(reason: CancelReason) -> ActivityOutcome {
    // No wildcard: a new reason must say here what it answers.
    match reason {
        CancelReason::Requested => ActivityOutcome::Canceled {
            details: Some("cancellation requested".to_owned()),
        },
        CancelReason::WorkerShutdown => ActivityOutcome::Failed {
            reason: "worker shutting down".to_owned(),
            details: Some(
                "the worker stopped before the activity finished; the task can be retried at once"
                    .to_owned(),
            ),
        },
        CancelReason::TaskGone => ActivityOutcome::Failed {
            reason: "task gone (timed out or closed elsewhere)".to_owned(),
            details: None,
        },
        CancelReason::NotPermitted => ActivityOutcome::Failed {
            reason: "operation not permitted on this task".to_owned(),
            details: None,
        },
        CancelReason::StartToCloseElapsed => ActivityOutcome::Failed {
            reason: "start-to-close timeout elapsed".to_owned(),
            details: None,
        },
        CancelReason::HeartbeatTimeoutElapsed => ActivityOutcome::Failed {
            reason: "heartbeat timeout elapsed".to_owned(),
            details: None,
        },
    }
}

#[test]
fn each_reason_converts_into_the_recommended_answer() {
    for reason in [
        CancelReason::Requested,
        CancelReason::WorkerShutdown,
        CancelReason::TaskGone,
        CancelReason::NotPermitted,
        CancelReason::StartToCloseElapsed,
        CancelReason::HeartbeatTimeoutElapsed,
    ] {
        let error = ActivityError::from(reason);
        assert_eq!(
            ActivityOutcome::from_result(Err(error)),
            expected(reason),
            "{reason:?}"
        );
        // Canceled exactly when SWF records a cancel request for the task.
        assert_eq!(
            expected(reason).kind() == "canceled",
            reason == CancelReason::Requested
        );
    }
}

async fn run(env: ActivityEnvironment) -> (Option<CancelReason>, ActivityOutcome) {
    let run = tokio::time::timeout(LIMIT, env.run(&work, None))
        .await
        .expect("the activity stops once cancelled");
    (run.cancel_reason, run.outcome)
}

#[tokio::test(start_paused = true)]
async fn a_requested_cancellation_answers_canceled() {
    let (reason, outcome) =
        run(ActivityEnvironment::new().request_cancellation(Trigger::At(Duration::from_secs(3))))
            .await;
    assert_eq!(reason, Some(CancelReason::Requested));
    assert_eq!(outcome, expected(CancelReason::Requested));
}

#[tokio::test(start_paused = true)]
async fn a_worker_shutdown_answers_failed_so_the_decider_retries_at_once() {
    let (reason, outcome) =
        run(ActivityEnvironment::new().worker_shutdown(Trigger::At(Duration::from_secs(3)))).await;
    assert_eq!(reason, Some(CancelReason::WorkerShutdown));
    assert_eq!(outcome, expected(CancelReason::WorkerShutdown));
}

#[tokio::test(start_paused = true)]
async fn a_task_gone_answers_failed() {
    let (reason, outcome) =
        run(ActivityEnvironment::new().task_gone(Trigger::AfterHeartbeats(2))).await;
    assert_eq!(reason, Some(CancelReason::TaskGone));
    assert_eq!(outcome, expected(CancelReason::TaskGone));
}
