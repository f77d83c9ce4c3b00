//! The state machine driven directly (no HTTP), under paused Tokio time where timing matters.

use std::time::Duration;

use serde_json::{Value, json};
use swf_local::{
    ActivityOutcome, ActivitySpec, ActivityTimeoutType, ErrorKind, Service, ServiceConfig, SwfError,
};
use tokio::time::{Instant, sleep};

const DOMAIN: &str = "sm";

async fn ok(service: &Service, op: &str, input: Value) -> Value {
    match service.call(op, input).await {
        Ok(v) => v,
        Err(e) => panic!("{op} failed: {e}"),
    }
}

async fn err(service: &Service, op: &str, input: Value) -> SwfError {
    match service.call(op, input).await {
        Ok(v) => panic!("{op} unexpectedly succeeded: {v}"),
        Err(e) => e,
    }
}

/// A service with domain `sm`, activity type `work/1` with defaults (task list `q`,
/// start-to-close 100 s, no other timeouts) and `bare/1` without defaults.
async fn service(retain_closed: usize) -> Service {
    let service = Service::new(ServiceConfig {
        retain_closed,
        ..ServiceConfig::default()
    })
    .expect("service");
    ok(
        &service,
        "RegisterDomain",
        json!({"name": DOMAIN, "workflowExecutionRetentionPeriodInDays": "1"}),
    )
    .await;
    ok(
        &service,
        "RegisterActivityType",
        json!({
            "domain": DOMAIN, "name": "work", "version": "1",
            "defaultTaskList": {"name": "q"},
            "defaultTaskStartToCloseTimeout": "100",
            "defaultTaskHeartbeatTimeout": "NONE",
            "defaultTaskScheduleToStartTimeout": "NONE",
            "defaultTaskScheduleToCloseTimeout": "NONE",
        }),
    )
    .await;
    ok(
        &service,
        "RegisterActivityType",
        json!({"domain": DOMAIN, "name": "bare", "version": "1"}),
    )
    .await;
    ok(
        &service,
        "RegisterWorkflowType",
        json!({
            "domain": DOMAIN, "name": "flow", "version": "1",
            "defaultTaskList": {"name": "d"},
            "defaultTaskStartToCloseTimeout": "30",
            "defaultExecutionStartToCloseTimeout": "3600",
            "defaultChildPolicy": "TERMINATE",
        }),
    )
    .await;
    service
}

async fn poll(service: &Service) -> Value {
    ok(
        service,
        "PollForActivityTask",
        json!({"domain": DOMAIN, "taskList": {"name": "q"}, "identity": "w"}),
    )
    .await
}

fn token(task: &Value) -> String {
    task["taskToken"].as_str().unwrap_or_default().to_owned()
}

fn spec() -> ActivitySpec {
    ActivitySpec::new(DOMAIN, "work", "1")
}

#[tokio::test(start_paused = true)]
async fn heartbeat_timeout_fires_on_time_with_the_last_details() {
    let service = service(10).await;
    let handle = service
        .schedule_activity(spec().heartbeat_timeout(Duration::from_secs(10)))
        .expect("schedule");
    // The heartbeat clock starts when the task starts, not when it is scheduled.
    sleep(Duration::from_secs(30)).await;
    let task = poll(&service).await;
    let start = Instant::now();
    sleep(Duration::from_secs(5)).await;
    ok(
        &service,
        "RecordActivityTaskHeartbeat",
        json!({"taskToken": token(&task), "details": "a"}),
    )
    .await;
    sleep(Duration::from_secs(7)).await;
    ok(
        &service,
        "RecordActivityTaskHeartbeat",
        json!({"taskToken": token(&task), "details": "b"}),
    )
    .await;
    sleep(Duration::from_secs(9)).await;
    assert_eq!(
        handle.try_outcome(),
        None,
        "not yet: last heartbeat 9 s ago"
    );
    let outcome = handle.outcome().await;
    assert_eq!(start.elapsed(), Duration::from_secs(22));
    assert_eq!(
        outcome,
        ActivityOutcome::TimedOut {
            timeout_type: ActivityTimeoutType::Heartbeat,
            details: Some("b".into())
        }
    );
    let e = err(
        &service,
        "RecordActivityTaskHeartbeat",
        json!({"taskToken": token(&task)}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::UnknownResource);
    assert_eq!(handle.heartbeat_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn start_to_close_is_not_extended_by_heartbeats() {
    let service = service(10).await;
    let handle = service
        .schedule_activity(
            spec()
                .heartbeat_timeout(Duration::from_secs(10))
                .start_to_close_timeout(Duration::from_secs(25)),
        )
        .expect("schedule");
    let task = poll(&service).await;
    let start = Instant::now();
    for _ in 0..10 {
        sleep(Duration::from_secs(5)).await;
        if service
            .call(
                "RecordActivityTaskHeartbeat",
                json!({"taskToken": token(&task)}),
            )
            .await
            .is_err()
        {
            break;
        }
    }
    let outcome = handle.outcome().await;
    assert!(matches!(
        outcome,
        ActivityOutcome::TimedOut {
            timeout_type: ActivityTimeoutType::StartToClose,
            ..
        }
    ));
    assert!(start.elapsed() <= Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn schedule_to_start_and_schedule_to_close_fire_without_pollers() {
    let service = service(10).await;
    let s2s = service
        .schedule_activity(spec().schedule_to_start_timeout(Duration::from_secs(3)))
        .expect("schedule");
    let s2c = service
        .schedule_activity(spec().schedule_to_close_timeout(Duration::from_secs(5)))
        .expect("schedule");
    let start = Instant::now();
    assert!(matches!(
        s2s.outcome().await,
        ActivityOutcome::TimedOut {
            timeout_type: ActivityTimeoutType::ScheduleToStart,
            ..
        }
    ));
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    assert!(matches!(
        s2c.outcome().await,
        ActivityOutcome::TimedOut {
            timeout_type: ActivityTimeoutType::ScheduleToClose,
            ..
        }
    ));
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    let count = ok(
        &service,
        "CountPendingActivityTasks",
        json!({"domain": DOMAIN, "taskList": {"name": "q"}}),
    )
    .await;
    assert_eq!(count["count"], 0);
}

#[tokio::test(start_paused = true)]
async fn an_empty_long_poll_is_held_sixty_seconds() {
    let service = service(10).await;
    let start = Instant::now();
    let task = poll(&service).await;
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    assert_eq!(task["taskToken"], "");
    assert_eq!(task["startedEventId"], 0);
}

#[tokio::test(start_paused = true)]
async fn a_task_goes_to_exactly_one_poller() {
    let service = service(10).await;
    let pollers: Vec<_> = (0..5)
        .map(|_| {
            let service = service.clone();
            tokio::spawn(async move { poll(&service).await })
        })
        .collect();
    sleep(Duration::from_secs(1)).await;
    let _handle = service.schedule_activity(spec()).expect("schedule");
    let mut got = 0;
    for p in pollers {
        if !token(&p.await.expect("poller")).is_empty() {
            got += 1;
        }
    }
    assert_eq!(got, 1);
}

async fn start_flow(service: &Service, id: &str) -> String {
    let started = ok(
        service,
        "StartWorkflowExecution",
        json!({"domain": DOMAIN, "workflowId": id, "workflowType": {"name": "flow", "version": "1"}}),
    )
    .await;
    started["runId"].as_str().unwrap_or_default().to_owned()
}

async fn poll_decision(service: &Service) -> Value {
    ok(
        service,
        "PollForDecisionTask",
        json!({"domain": DOMAIN, "taskList": {"name": "d"}}),
    )
    .await
}

fn event_types(events: &Value) -> Vec<String> {
    events
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["eventType"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn history(service: &Service, id: &str, run_id: &str) -> Value {
    ok(
        service,
        "GetWorkflowExecutionHistory",
        json!({"domain": DOMAIN, "execution": {"workflowId": id, "runId": run_id}}),
    )
    .await["events"]
        .clone()
}

#[tokio::test(start_paused = true)]
async fn decider_flow_with_type_defaults_and_decision_scheduling() {
    let service = service(10).await;
    let run_id = start_flow(&service, "wf1").await;
    let decision = poll_decision(&service).await;
    assert_eq!(
        event_types(&decision["events"]),
        [
            "WorkflowExecutionStarted",
            "DecisionTaskScheduled",
            "DecisionTaskStarted"
        ]
    );
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
                "activityType": {"name": "work", "version": "1"}, "activityId": "a1"}},
            {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
                "activityType": {"name": "bare", "version": "1"}, "activityId": "a2", "taskList": {"name": "q"}}},
            {"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {"markerName": "m"}},
        ]}),
    )
    .await;
    let events = history(&service, "wf1", &run_id).await;
    let scheduled = events
        .as_array()
        .and_then(|a| a.iter().find(|e| e["eventType"] == "ActivityTaskScheduled"))
        .cloned()
        .unwrap_or_default();
    let attrs = &scheduled["activityTaskScheduledEventAttributes"];
    assert_eq!(attrs["startToCloseTimeout"], "100");
    assert_eq!(attrs["heartbeatTimeout"], "NONE");
    assert_eq!(attrs["taskList"]["name"], "q");
    let failed = events
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["eventType"] == "ScheduleActivityTaskFailed")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        failed["scheduleActivityTaskFailedEventAttributes"]["cause"],
        "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"
    );
    // The failed decision scheduled a decision task.
    assert_eq!(
        event_types(&events).last().map(String::as_str),
        Some("DecisionTaskScheduled")
    );
    let decision = poll_decision(&service).await;
    // While the decider holds this task, the activity completes: one more decision task is
    // scheduled and handed out only after this one is answered.
    let task = poll(&service).await;
    ok(
        &service,
        "RespondActivityTaskCompleted",
        json!({"taskToken": token(&task), "result": "r"}),
    )
    .await;
    let waiting = tokio::spawn({
        let service = service.clone();
        async move { poll_decision(&service).await }
    });
    sleep(Duration::from_secs(1)).await;
    assert!(
        !waiting.is_finished(),
        "a second decision task must wait for the first"
    );
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": []}),
    )
    .await;
    let decision = waiting.await.expect("poller");
    assert!(event_types(&decision["events"]).contains(&"ActivityTaskCompleted".to_owned()));
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "CompleteWorkflowExecution", "completeWorkflowExecutionDecisionAttributes": {"result": "done"}}]}),
    )
    .await;
    let described = ok(
        &service,
        "DescribeWorkflowExecution",
        json!({"domain": DOMAIN, "execution": {"workflowId": "wf1", "runId": run_id}}),
    )
    .await;
    assert_eq!(described["executionInfo"]["closeStatus"], "COMPLETED");
}

#[tokio::test(start_paused = true)]
async fn an_invalid_decision_is_rejected_and_nothing_is_applied() {
    let service = service(10).await;
    let run_id = start_flow(&service, "wf2").await;
    let decision = poll_decision(&service).await;
    let before = history(&service, "wf2", &run_id).await;
    let e = err(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {"markerName": "m"}},
            // No workflowId: the whole answer is refused.
            {"decisionType": "SignalExternalWorkflowExecution", "signalExternalWorkflowExecutionDecisionAttributes": {"signalName": "s"}}]}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::Validation);
    assert_eq!(history(&service, "wf2", &run_id).await, before);
    // The decision task is still open and can be answered.
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": []}),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn decision_task_timeout_schedules_a_new_decision_task() {
    let service = service(10).await;
    let run_id = start_flow(&service, "wf3").await;
    let decision = poll_decision(&service).await;
    sleep(Duration::from_secs(31)).await;
    let types = event_types(&history(&service, "wf3", &run_id).await);
    assert_eq!(
        &types[types.len() - 2..],
        ["DecisionTaskTimedOut", "DecisionTaskScheduled"]
    );
    let e = err(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision)}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::UnknownResource);
    assert!(!token(&poll_decision(&service).await).is_empty());
}

#[tokio::test(start_paused = true)]
async fn decider_cancellation_and_termination() {
    let service = service(10).await;
    let run_id = start_flow(&service, "wf4").await;
    let decision = poll_decision(&service).await;
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
                "activityType": {"name": "work", "version": "1"}, "activityId": "a1"}}]}),
    )
    .await;
    let task = poll(&service).await;
    let decision = poll_decision(&service).await;
    assert!(token(&decision).is_empty() || !event_types(&decision["events"]).is_empty());
    ok(
        &service,
        "RequestCancelWorkflowExecution",
        json!({"domain": DOMAIN, "workflowId": "wf4"}),
    )
    .await;
    let decision = poll_decision(&service).await;
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "RequestCancelActivityTask", "requestCancelActivityTaskDecisionAttributes": {"activityId": "a1"}},
            {"decisionType": "RequestCancelActivityTask", "requestCancelActivityTaskDecisionAttributes": {"activityId": "nope"}}]}),
    )
    .await;
    let status = ok(
        &service,
        "RecordActivityTaskHeartbeat",
        json!({"taskToken": token(&task)}),
    )
    .await;
    assert_eq!(status["cancelRequested"], true);
    let types = event_types(&history(&service, "wf4", &run_id).await);
    assert!(types.contains(&"ActivityTaskCancelRequested".to_owned()));
    assert!(types.contains(&"RequestCancelActivityTaskFailed".to_owned()));
    ok(
        &service,
        "TerminateWorkflowExecution",
        json!({"domain": DOMAIN, "workflowId": "wf4", "reason": "stop"}),
    )
    .await;
    let e = err(
        &service,
        "RespondActivityTaskCanceled",
        json!({"taskToken": token(&task)}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::UnknownResource);
    let e = err(
        &service,
        "TerminateWorkflowExecution",
        json!({"domain": DOMAIN, "workflowId": "wf4"}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::UnknownResource);
}

#[tokio::test(start_paused = true)]
async fn history_pages_forward_and_in_reverse() {
    let service = service(10).await;
    let run_id = start_flow(&service, "wf5").await;
    let decision = poll_decision(&service).await;
    let markers: Vec<Value> = (0..5)
        .map(|i| json!({"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {"markerName": format!("m{i}")}}))
        .collect();
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": markers}),
    )
    .await;
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..10 {
        let page = ok(
            &service,
            "GetWorkflowExecutionHistory",
            json!({"domain": DOMAIN, "execution": {"workflowId": "wf5", "runId": run_id},
                   "maximumPageSize": 3, "reverseOrder": true, "nextPageToken": next}),
        )
        .await;
        ids.extend(
            page["events"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["eventId"].as_u64()),
        );
        next = page["nextPageToken"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(ids, (1..=9).rev().collect::<Vec<u64>>());
    // A decision task's history pages through PollForDecisionTask with its nextPageToken.
    ok(
        &service,
        "RequestCancelWorkflowExecution",
        json!({"domain": DOMAIN, "workflowId": "wf5"}),
    )
    .await;
    let first = ok(
        &service,
        "PollForDecisionTask",
        json!({"domain": DOMAIN, "taskList": {"name": "d"}, "maximumPageSize": 10}),
    )
    .await;
    assert_eq!(first["events"].as_array().map(Vec::len), Some(10));
    let rest = ok(
        &service,
        "PollForDecisionTask",
        json!({"domain": DOMAIN, "taskList": {"name": "d"}, "maximumPageSize": 10, "nextPageToken": first["nextPageToken"]}),
    )
    .await;
    assert_eq!(rest["taskToken"], first["taskToken"]);
    assert_eq!(rest["events"][0]["eventId"], 11);
    assert_eq!(rest["nextPageToken"], Value::Null);
    let e = err(
        &service,
        "PollForActivityTask",
        json!({"domain": "missing", "taskList": {"name": "q"}}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::UnknownResource);
}

#[tokio::test]
async fn errors_have_the_documented_kinds() {
    let service = service(10).await;
    let e = err(
        &service,
        "RegisterDomain",
        json!({"name": DOMAIN, "workflowExecutionRetentionPeriodInDays": "1"}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::DomainAlreadyExists);
    let e = err(&service, "DescribeDomain", json!({"name": "nope"})).await;
    assert_eq!(e.kind, ErrorKind::UnknownResource);
    let e = err(&service, "FrobnicateWorkflow", json!({})).await;
    assert_eq!(e.kind, ErrorKind::UnknownOperation);
    let e = err(
        &service,
        "RegisterActivityType",
        json!({"domain": DOMAIN, "name": "a:b", "version": "1"}),
    )
    .await;
    assert_eq!(e.kind, ErrorKind::Validation);
    let e = err(&service, "PollForActivityTask", json!({"domain": DOMAIN})).await;
    assert_eq!(e.kind, ErrorKind::Validation);
    let listed = ok(
        &service,
        "ListActivityTypes",
        json!({"domain": DOMAIN, "registrationStatus": "REGISTERED"}),
    )
    .await;
    assert_eq!(listed["typeInfos"].as_array().map(Vec::len), Some(2));
    let domains = ok(
        &service,
        "ListDomains",
        json!({"registrationStatus": "REGISTERED"}),
    )
    .await;
    assert_eq!(domains["domainInfos"][0]["name"], DOMAIN);
}

#[tokio::test]
async fn memory_stays_bounded_over_100k_completed_tasks() {
    let service = service(100).await;
    let mut max_events = 0;
    for i in 0..100_000u32 {
        let handle = service.schedule_activity(spec()).expect("schedule");
        let task = poll(&service).await;
        if i % 10 == 0 {
            ok(
                &service,
                "RecordActivityTaskHeartbeat",
                json!({"taskToken": token(&task)}),
            )
            .await;
        }
        ok(
            &service,
            "RespondActivityTaskCompleted",
            json!({"taskToken": token(&task)}),
        )
        .await;
        assert!(handle.try_outcome().is_some());
        if i % 1000 == 0 {
            let stats = service.stats();
            max_events = max_events.max(stats.history_events);
            assert!(stats.closed_executions <= 100, "{stats:?}");
            assert_eq!(stats.open_executions, 0);
            assert_eq!(stats.task_tokens, 0);
            assert_eq!(stats.timers, 0);
        }
    }
    let stats = service.stats();
    assert_eq!(stats.closed_executions, 100);
    assert!(max_events <= 100 * 12, "{max_events} events retained");
}

#[tokio::test(start_paused = true)]
async fn timers_and_child_timeouts_fire_on_time() {
    let service = service(10).await;
    let run_id = start_flow(&service, "parent").await;
    let decision = poll_decision(&service).await;
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "StartTimer", "startTimerDecisionAttributes": {
                "timerId": "t", "startToFireTimeout": "90"}},
            {"decisionType": "StartChildWorkflowExecution", "startChildWorkflowExecutionDecisionAttributes": {
                "workflowType": {"name": "flow", "version": "1"}, "workflowId": "kid",
                "taskList": {"name": "kid"}, "executionStartToCloseTimeout": "60"}}]}),
    )
    .await;
    let types = event_types(&history(&service, "parent", &run_id).await);
    assert!(
        types.contains(&"ChildWorkflowExecutionStarted".to_owned()),
        "{types:?}"
    );
    tokio::time::sleep(std::time::Duration::from_secs(59)).await;
    let types = event_types(&history(&service, "parent", &run_id).await);
    assert!(!types.contains(&"ChildWorkflowExecutionTimedOut".to_owned()));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let events = history(&service, "parent", &run_id).await;
    let types = event_types(&events);
    assert!(
        types.contains(&"ChildWorkflowExecutionTimedOut".to_owned()),
        "{types:?}"
    );
    assert!(
        !types.contains(&"TimerFired".to_owned()),
        "the timer fires at 90 s"
    );
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    let types = event_types(&history(&service, "parent", &run_id).await);
    assert!(types.contains(&"TimerFired".to_owned()), "{types:?}");
    let events = events.as_array().cloned().unwrap_or_default();
    let timed_out = events
        .iter()
        .find(|e| e["eventType"] == "ChildWorkflowExecutionTimedOut")
        .map(|e| e["childWorkflowExecutionTimedOutEventAttributes"].clone())
        .unwrap_or_default();
    assert_eq!(timed_out["timeoutType"], "START_TO_CLOSE");
    assert_eq!(timed_out["workflowExecution"]["workflowId"], "kid");
}

#[tokio::test(start_paused = true)]
async fn a_deprecated_activity_type_is_not_scheduled() {
    let service = service(10).await;
    ok(
        &service,
        "DeprecateActivityType",
        json!({"domain": DOMAIN, "activityType": {"name": "work", "version": "1"}}),
    )
    .await;
    let run_id = start_flow(&service, "old-work").await;
    let decision = poll_decision(&service).await;
    ok(
        &service,
        "RespondDecisionTaskCompleted",
        json!({"taskToken": token(&decision), "decisions": [
            {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
                "activityType": {"name": "work", "version": "1"}, "activityId": "w"}}]}),
    )
    .await;
    let events = history(&service, "old-work", &run_id).await;
    let failed = events
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["eventType"] == "ScheduleActivityTaskFailed")
        })
        .map(|e| e["scheduleActivityTaskFailedEventAttributes"]["cause"].clone());
    assert_eq!(failed, Some(json!("ACTIVITY_TYPE_DEPRECATED")));
}
