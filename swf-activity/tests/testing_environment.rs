//! ActivityEnvironment scripts: the service's answers, the worker's shutdown and the outcomes.

use std::time::Duration;

use swf_activity::activity::{Activity, ActivityDefinition, ActivityFuture};
use swf_activity::progress::CancelReason;
use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, HeartbeatReply, Trigger};
use swf_activity::{
    ActivityError, ActivityType, HeartbeatMode, Progress, RegistrationDefaults, Timeout,
};

/// Reports every second until cancelled, then says why.
struct UntilCancelled;

static DEFINITION: ActivityDefinition = ActivityDefinition {
    activity_type: ActivityType::from_static("UntilCancelled", "1"),
    defaults: RegistrationDefaults {
        description: None,
        task_list: swf_activity::DefaultTaskList::WorkerTaskList,
        task_priority: None,
        heartbeat_timeout: Some(Timeout::Seconds(5)),
        start_to_close_timeout: None,
        schedule_to_start_timeout: None,
        schedule_to_close_timeout: None,
    },
    heartbeat: HeartbeatMode::Auto,
};

impl Activity for UntilCancelled {
    fn definition(&self) -> &ActivityDefinition {
        &DEFINITION
    }

    fn execute(&self, progress: Progress, input: Option<String>) -> ActivityFuture {
        Box::pin(async move {
            if input.as_deref() == Some("fail") {
                return Err(ActivityError::failed("asked to fail").with_details("by the test"));
            }
            if input.as_deref() == Some("json") {
                return Ok(Some(r#"{"n":3}"#.to_owned()));
            }
            let mut step = 0_u32;
            loop {
                tokio::select! {
                    reason = progress.cancelled() => {
                        return Err(ActivityError::canceled().with_details(&format!("{reason:?} at {step}")));
                    }
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                step += 1;
                progress.report(&step)?;
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn registered_defaults_apply_and_the_task_goes_away() {
    // Registered heartbeat timeout 5 s: nothing at the start, the first report at 1 s at once,
    // then every 4 s. The task is gone after three heartbeats.
    let run = ActivityEnvironment::new()
        .task_gone(Trigger::AfterHeartbeats(3))
        .run(&UntilCancelled, None)
        .await;
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [1, 5, 9, 13]);
    assert_eq!(run.heartbeats[3].reply, HeartbeatReply::TaskGone);
    assert_eq!(run.cancel_reason, Some(CancelReason::TaskGone));
    // The answer at 13 s and the activity's thirteenth step fall on the same instant.
    match &run.outcome {
        ActivityOutcome::Canceled {
            details: Some(details),
        } => {
            assert!(details.starts_with("TaskGone at "), "{details}")
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn not_permitted_at_a_time() {
    let run = ActivityEnvironment::new()
        .heartbeat_timeout(Some(Duration::from_secs(10)))
        .not_permitted(Trigger::At(Duration::from_secs(10)))
        .run(&UntilCancelled, None)
        .await;
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [1, 9, 17]);
    assert_eq!(run.cancel_reason, Some(CancelReason::NotPermitted));
    assert_eq!(run.elapsed, Duration::from_secs(17));
}

#[tokio::test(start_paused = true)]
async fn worker_shutdown_after_heartbeats() {
    let run = ActivityEnvironment::new()
        .heartbeat_mode(HeartbeatMode::Manual)
        .worker_shutdown(Trigger::AfterHeartbeats(2))
        .run(&UntilCancelled, None)
        .await;
    // Manual: the first report at 1 s, then one at 5 s; shutdown right after the second.
    let times: Vec<u64> = run.heartbeats.iter().map(|h| h.at.as_secs()).collect();
    assert_eq!(times, [1, 5]);
    assert_eq!(run.cancel_reason, Some(CancelReason::WorkerShutdown));
    assert!(run.is_canceled());
}

#[tokio::test(start_paused = true)]
async fn outcomes_and_typed_results() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Out {
        n: u32,
    }
    let env = ActivityEnvironment::new();
    let run = env.run(&UntilCancelled, Some("json".to_owned())).await;
    assert_eq!(run.result_json::<Out>().unwrap(), Out { n: 3 });
    assert_eq!(run.result(), Some(r#"{"n":3}"#));

    let run = env
        .clone()
        .start_to_close_timeout(Some(Duration::from_secs(3)))
        .run_json(&UntilCancelled, "fail")
        .await
        .unwrap();
    // A JSON string input arrives quoted: the activity sees `"fail"`, not `fail`, so it runs
    // until its start-to-close timeout.
    assert!(run.result().is_none());
    assert_eq!(run.cancel_reason, Some(CancelReason::StartToCloseElapsed));
    let run = env.run(&UntilCancelled, Some("fail".to_owned())).await;
    assert_eq!(run.failure_reason(), Some("asked to fail"));
    assert_eq!(
        run.outcome,
        ActivityOutcome::Failed {
            reason: "asked to fail".to_owned(),
            details: Some("by the test".to_owned())
        }
    );
    assert!(run.result_json::<Out>().is_err());
}

/// Says where it runs and by which timeouts, as `domain/task_list heartbeat start_to_close`.
#[swf_activity::activity(
    version = "1",
    task_list = none,
    heartbeat_timeout = "20s",
    start_to_close_timeout = "5m"
)]
async fn whereabouts(progress: Progress) -> Result<String, ActivityError> {
    let task = progress
        .task()
        .ok_or_else(|| ActivityError::failed("no task"))?;
    let timeouts = progress.timeouts();
    Ok(format!(
        "{}/{} {:?} {:?}",
        task.domain(),
        task.task_list(),
        timeouts.heartbeat,
        timeouts.start_to_close
    ))
}

#[tokio::test(start_paused = true)]
async fn the_activity_sees_the_domain_task_list_and_timeouts_the_environment_sets() {
    let run = ActivityEnvironment::new().run(&whereabouts, None).await;
    assert_eq!(
        run.result_json::<String>().unwrap(),
        "test-domain/test-task-list Some(20s) Some(300s)"
    );
    let run = ActivityEnvironment::new()
        .domain("media")
        .task_list("files-host-a")
        .heartbeat_timeout(None)
        .start_to_close_timeout(Some(Duration::from_secs(90)))
        .run(&whereabouts, None)
        .await;
    assert_eq!(
        run.result_json::<String>().unwrap(),
        "media/files-host-a None Some(90s)"
    );
    // Called directly, the activity has no task and no timeouts.
    assert_eq!(Progress::detached().timeouts().heartbeat, None);
    assert!(Progress::detached().task().is_none());
}
