//! The worker's answers, poll errors and registration against a mocked SWF client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::retry::RetryConfig;
use aws_sdk_swf::operation::describe_activity_type::{
    DescribeActivityTypeError, DescribeActivityTypeOutput,
};
use aws_sdk_swf::operation::poll_for_activity_task::{
    PollForActivityTaskError, PollForActivityTaskOutput,
};
use aws_sdk_swf::operation::record_activity_task_heartbeat::{
    RecordActivityTaskHeartbeatError, RecordActivityTaskHeartbeatOutput,
};
use aws_sdk_swf::operation::register_activity_type::{
    RegisterActivityTypeError, RegisterActivityTypeOutput,
};
use aws_sdk_swf::operation::respond_activity_task_canceled::RespondActivityTaskCanceledOutput;
use aws_sdk_swf::operation::respond_activity_task_completed::{
    RespondActivityTaskCompletedError, RespondActivityTaskCompletedOutput,
};
use aws_sdk_swf::operation::respond_activity_task_failed::RespondActivityTaskFailedOutput;
use aws_sdk_swf::types::error::{
    OperationNotPermittedFault, TypeAlreadyExistsFault, UnknownResourceFault,
};
use aws_sdk_swf::types::{
    ActivityTypeConfiguration, ActivityTypeInfo, RegistrationStatus, WorkflowExecution,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use swf_activity::activity::{ActivityDefinition, ActivityFuture};
use swf_activity::worker::{BuildError, Worker, WorkerError};
use swf_activity::{
    Activity, ActivityError, ActivityType, HeartbeatMode, Progress, RegistrationDefaults, Timeout,
};

/// An activity made of a definition and a closure, for tests.
struct TestActivity {
    definition: ActivityDefinition,
    body: Box<dyn Fn(Progress, Option<String>) -> ActivityFuture + Send + Sync>,
}

fn activity(
    name: &'static str,
    body: impl Fn(Progress, Option<String>) -> ActivityFuture + Send + Sync + 'static,
) -> TestActivity {
    timed_activity(name, Some(60), 300, body)
}

/// An activity whose type declares these heartbeat and start-to-close timeouts (seconds).
fn timed_activity(
    name: &'static str,
    heartbeat_timeout: Option<u64>,
    start_to_close_timeout: u64,
    body: impl Fn(Progress, Option<String>) -> ActivityFuture + Send + Sync + 'static,
) -> TestActivity {
    TestActivity {
        definition: ActivityDefinition {
            activity_type: ActivityType::from_static(name, "1"),
            defaults: RegistrationDefaults {
                start_to_close_timeout: Some(Timeout::Seconds(start_to_close_timeout)),
                heartbeat_timeout: heartbeat_timeout.map(Timeout::Seconds),
                ..RegistrationDefaults::NONE
            },
            heartbeat: HeartbeatMode::Manual,
        },
        body: Box::new(body),
    }
}

impl Activity for TestActivity {
    fn definition(&self) -> &ActivityDefinition {
        &self.definition
    }
    fn execute(&self, progress: Progress, input: Option<String>) -> ActivityFuture {
        (self.body)(progress, input)
    }
}

/// Runs for an hour and never looks at its cancellation.
fn stubborn() -> TestActivity {
    activity("Stubborn", |_, _| {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(None)
        })
    })
}

fn echo() -> TestActivity {
    activity("Echo", |_, input| Box::pin(async move { Ok(input) }))
}

fn task(name: &str, token: &str, input: &str) -> PollForActivityTaskOutput {
    PollForActivityTaskOutput::builder()
        .task_token(token)
        .activity_id(format!("id-{token}"))
        .started_event_id(3)
        .workflow_execution(
            WorkflowExecution::builder()
                .workflow_id("wf")
                .run_id("run")
                .build()
                .unwrap(),
        )
        .activity_type(
            aws_sdk_swf::types::ActivityType::builder()
                .name(name)
                .version("1")
                .build()
                .unwrap(),
        )
        .input(input)
        .build()
        .unwrap()
}

fn empty_poll() -> PollForActivityTaskOutput {
    PollForActivityTaskOutput::builder()
        .task_token("")
        .activity_id("")
        .started_event_id(0)
        .build()
        .unwrap()
}

/// Polls that hand out `tasks` in order, then fail with 503 forever.
///
/// A mock answers at once, so an empty answer would make the poller spin and, with the clock
/// paused, time would never advance. A failed poll makes the worker back off, which sleeps.
fn polls(tasks: Vec<PollForActivityTaskOutput>) -> Rule {
    let mut sequence = mock!(Client::poll_for_activity_task).sequence();
    for task in tasks {
        sequence = sequence.output(move || task.clone());
    }
    sequence.http_status(503, None).repeatedly().build()
}

/// One answer as sent: the task token and up to two of its fields.
type Call = (String, Option<String>, Option<String>);

/// Records every call's interesting fields.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<Vec<Call>>>);

impl Calls {
    fn push(&self, token: &str, a: Option<&str>, b: Option<&str>) {
        self.0
            .lock()
            .unwrap()
            .push((token.to_owned(), a.map(str::to_owned), b.map(str::to_owned)));
    }
    fn all(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }
}

struct Answers {
    completed: Calls,
    failed: Calls,
    canceled: Calls,
    rules: Vec<Rule>,
}

fn answers() -> Answers {
    let (completed, failed, canceled) = (Calls::default(), Calls::default(), Calls::default());
    let c = completed.clone();
    let f = failed.clone();
    let x = canceled.clone();
    let rules = vec![
        mock!(Client::respond_activity_task_completed).then_compute_output(move |req| {
            c.push(req.task_token().unwrap_or_default(), req.result(), None);
            RespondActivityTaskCompletedOutput::builder().build()
        }),
        mock!(Client::respond_activity_task_failed).then_compute_output(move |req| {
            f.push(
                req.task_token().unwrap_or_default(),
                req.reason(),
                req.details(),
            );
            RespondActivityTaskFailedOutput::builder().build()
        }),
        mock!(Client::respond_activity_task_canceled).then_compute_output(move |req| {
            x.push(req.task_token().unwrap_or_default(), req.details(), None);
            RespondActivityTaskCanceledOutput::builder().build()
        }),
    ];
    Answers {
        completed,
        failed,
        canceled,
        rules,
    }
}

/// A client whose polls hand out `tasks` and whose answers `answers` records.
fn answering_client(tasks: Vec<PollForActivityTaskOutput>, answers: &Answers) -> Client {
    let polls = polls(tasks);
    let mut rules = vec![&polls];
    rules.extend(answers.rules.iter());
    client(&rules)
}

/// A client answering by `rules`; a worker that does not register its types describes them,
/// and unless a rule says otherwise they are not registered (it then uses the code's defaults).
fn client(rules: &[&Rule]) -> Client {
    let not_registered = mock!(aws_sdk_swf::Client::describe_activity_type).then_error(|| {
        DescribeActivityTypeError::UnknownResourceFault(
            UnknownResourceFault::builder()
                .message("Unknown type")
                .build(),
        )
    });
    let mut rules = rules.to_vec();
    rules.push(&not_registered);
    mock_client!(aws_sdk_swf, RuleMode::MatchAny, &rules, |c| c
        .retry_config(RetryConfig::disabled()))
}

fn worker(client: Client, activities: Vec<TestActivity>) -> Worker {
    let mut builder = mocked_builder(client)
        .shutdown_grace(Duration::from_secs(5))
        .cancel_grace(Duration::from_secs(5));
    for a in activities {
        builder = builder.activity(a);
    }
    builder.build().unwrap()
}

/// Runs `worker` until `answered()` holds (or 10 minutes of paused time pass), then shuts down.
async fn run_until_answered(
    worker: &Worker,
    answered: impl Fn() -> bool,
) -> Result<(), WorkerError> {
    let handle = worker.shutdown_handle();
    let watcher = async move {
        for _ in 0..6000 {
            if answered() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        handle.shutdown();
    };
    let (result, ()) = tokio::join!(worker.run_until(std::future::pending()), watcher);
    result
}

/// Runs `worker` as [`run_until_answered`] does, expecting a clean stop, and says how long (in
/// paused time) it took.
async fn time_until_answered(worker: &Worker, answered: impl Fn() -> bool) -> Duration {
    let started = tokio::time::Instant::now();
    run_until_answered(worker, answered).await.unwrap();
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn completes_with_the_activity_result() {
    let answers = answers();
    let client = answering_client(vec![task("Echo", "t1", "\"hello\"")], &answers);
    let worker = worker(client, vec![echo()]);
    let completed = answers.completed.clone();
    run_until_answered(&worker, move || !completed.all().is_empty())
        .await
        .unwrap();
    assert_eq!(
        answers.completed.all(),
        vec![("t1".to_owned(), Some("\"hello\"".to_owned()), None)]
    );
    assert!(answers.failed.all().is_empty());
    let stats = worker.stats();
    assert_eq!((stats.tasks_started, stats.tasks_completed), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn unknown_types_fail_naming_the_type_and_the_known_ones() {
    let answers = answers();
    let client = answering_client(vec![task("Resize", "t1", "{}")], &answers);
    let worker = worker(client, vec![echo()]);
    let failed = answers.failed.clone();
    run_until_answered(&worker, move || !failed.all().is_empty())
        .await
        .unwrap();
    let (token, reason, details) = answers.failed.all().remove(0);
    assert_eq!(token, "t1");
    assert!(reason.unwrap().contains("Resize (version 1)"));
    assert!(details.unwrap().contains("Echo (version 1)"));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_activity_fails_its_task_and_the_worker_goes_on() {
    let answers = answers();
    let client = answering_client(
        vec![task("Boom", "t1", "{}"), task("Echo", "t2", "2")],
        &answers,
    );
    let boom = activity("Boom", |_, _| Box::pin(async { panic!("disk on fire") }));
    let worker = worker(client, vec![echo(), boom]);
    let completed = answers.completed.clone();
    run_until_answered(&worker, move || !completed.all().is_empty())
        .await
        .unwrap();
    let failed = answers.failed.all();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "t1");
    assert_eq!(
        failed[0].1.as_deref(),
        Some("activity panicked: disk on fire")
    );
    assert_eq!(answers.completed.all()[0].0, "t2");
}

#[tokio::test(start_paused = true)]
async fn oversized_results_fail_with_their_size_and_the_limit() {
    let answers = answers();
    let client = answering_client(vec![task("Big", "t1", "{}")], &answers);
    let big = activity("Big", |_, _| {
        Box::pin(async { Ok(Some("x".repeat(40_000))) })
    });
    let worker = worker(client, vec![big]);
    let failed = answers.failed.clone();
    run_until_answered(&worker, move || !failed.all().is_empty())
        .await
        .unwrap();
    let reason = answers.failed.all()[0].1.clone().unwrap();
    assert!(
        reason.contains("40000") && reason.contains("32768"),
        "{reason}"
    );
    assert!(answers.completed.all().is_empty());
}

#[tokio::test(start_paused = true)]
async fn canceled_errors_answer_canceled_with_details() {
    let answers = answers();
    let client = answering_client(vec![task("Stop", "t1", "{}")], &answers);
    let stop = activity("Stop", |_, _| {
        Box::pin(async { Err(ActivityError::canceled().with_details("stopped at 3 of 10")) })
    });
    let worker = worker(client, vec![stop]);
    let canceled = answers.canceled.clone();
    run_until_answered(&worker, move || !canceled.all().is_empty())
        .await
        .unwrap();
    assert_eq!(
        answers.canceled.all(),
        vec![("t1".to_owned(), Some("stopped at 3 of 10".to_owned()), None)]
    );
    assert_eq!(worker.stats().tasks_canceled, 1);
}

#[tokio::test(start_paused = true)]
async fn failures_carry_reason_and_details() {
    let answers = answers();
    let client = answering_client(vec![task("Fail", "t1", "{}")], &answers);
    let fail = activity("Fail", |_, _| {
        Box::pin(async {
            Err(ActivityError::failed("bad image").with_details(&serde_json::json!({"bytes": 3})))
        })
    });
    let worker = worker(client, vec![fail]);
    let failed = answers.failed.clone();
    run_until_answered(&worker, move || !failed.all().is_empty())
        .await
        .unwrap();
    assert_eq!(
        answers.failed.all(),
        vec![(
            "t1".to_owned(),
            Some("bad image".to_owned()),
            Some(r#"{"bytes":3}"#.to_owned())
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn answers_retry_transient_errors() {
    let polls = polls(vec![task("Echo", "t1", "1")]);
    let completed = mock!(Client::respond_activity_task_completed)
        .sequence()
        .http_status(503, None)
        .times(2)
        .output(|| RespondActivityTaskCompletedOutput::builder().build())
        .build();
    let worker = worker(client(&[&polls, &completed]), vec![echo()]);
    let rule = completed.clone();
    run_until_answered(&worker, move || rule.is_exhausted())
        .await
        .unwrap();
    assert_eq!(completed.num_calls(), 3);
    assert_eq!(worker.stats().tasks_completed, 1);
}

#[tokio::test(start_paused = true)]
async fn answers_for_gone_tasks_are_sent_once_and_counted() {
    let polls = polls(vec![task("Echo", "t1", "1")]);
    let completed = mock!(Client::respond_activity_task_completed).then_error(|| {
        RespondActivityTaskCompletedError::UnknownResourceFault(
            UnknownResourceFault::builder()
                .message("Unknown activity")
                .build(),
        )
    });
    let worker = worker(client(&[&polls, &completed]), vec![echo()]);
    let probe = completed.clone();
    run_until_answered(&worker, move || probe.num_calls() > 0)
        .await
        .unwrap();
    assert_eq!(completed.num_calls(), 1);
    let stats = worker.stats();
    assert_eq!((stats.answered_after_gone, stats.tasks_completed), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn an_unknown_domain_ends_run_with_an_error_naming_it() {
    let polls = mock!(Client::poll_for_activity_task).then_error(|| {
        PollForActivityTaskError::UnknownResourceFault(
            UnknownResourceFault::builder()
                .message("Unknown domain: test")
                .build(),
        )
    });
    let worker = worker(client(&[&polls]), vec![echo()]);
    let err = worker.run_until(std::future::pending()).await.unwrap_err();
    assert!(
        matches!(err, WorkerError::UnknownDomain { ref domain, .. } if domain == "test"),
        "{err}"
    );
    assert!(err.to_string().contains("register it first"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_missing_permission_ends_run_with_an_error_naming_it() {
    let polls = mock!(Client::poll_for_activity_task).then_error(|| {
        PollForActivityTaskError::OperationNotPermittedFault(
            OperationNotPermittedFault::builder()
                .message("User is not authorized")
                .build(),
        )
    });
    let worker = worker(client(&[&polls]), vec![echo()]);
    let err = worker.run_until(std::future::pending()).await.unwrap_err();
    assert!(err.to_string().contains("swf:PollForActivityTask"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn poll_errors_back_off_then_polling_goes_on() {
    let polls = mock!(Client::poll_for_activity_task)
        .sequence()
        .http_status(503, None)
        .times(3)
        .output(|| task("Echo", "t1", "1"))
        .http_status(503, None)
        .repeatedly()
        .build();
    let answers = answers();
    let mut rules = vec![&polls];
    rules.extend(answers.rules.iter());
    let worker = mocked_builder(client(&rules))
        .pollers(1)
        .activity(echo())
        .build()
        .unwrap();
    let completed = answers.completed.clone();
    let elapsed = time_until_answered(&worker, move || !completed.all().is_empty()).await;
    // Three failures back off at least 2.5 + 5 + 10 ms (the lower halves of their jitter).
    assert!(elapsed >= Duration::from_micros(17_500));
    assert_eq!(answers.completed.all().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn existing_types_are_described_and_compared() {
    let register = mock!(Client::register_activity_type).then_error(|| {
        RegisterActivityTypeError::TypeAlreadyExistsFault(
            TypeAlreadyExistsFault::builder().message("exists").build(),
        )
    });
    let describe = mock!(Client::describe_activity_type).then_output(|| {
        DescribeActivityTypeOutput::builder()
            .type_info(
                ActivityTypeInfo::builder()
                    .activity_type(
                        aws_sdk_swf::types::ActivityType::builder()
                            .name("Echo")
                            .version("1")
                            .build()
                            .unwrap(),
                    )
                    .status(RegistrationStatus::Registered)
                    .creation_date(aws_smithy_types::DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            )
            .configuration(
                ActivityTypeConfiguration::builder()
                    .default_task_heartbeat_timeout("120")
                    .build(),
            )
            .build()
    });
    let polls = mock!(Client::poll_for_activity_task).then_output(empty_poll);
    let worker = Worker::builder(client(&[&register, &describe, &polls]))
        .domain("test")
        .task_list("list")
        .heartbeat_on_worker_runtime()
        .activity(echo())
        .build()
        .unwrap();
    worker.shutdown_handle().shutdown();
    worker.run_until(std::future::pending()).await.unwrap();
    assert_eq!(register.num_calls(), 1);
    assert_eq!(describe.num_calls(), 1);
}

#[tokio::test]
async fn new_types_are_registered_with_their_defaults() {
    let seen = Arc::new(Mutex::new(None));
    let probe = Arc::clone(&seen);
    let register = mock!(Client::register_activity_type).then_compute_output(move |req| {
        *probe.lock().unwrap() = Some((
            req.default_task_heartbeat_timeout().map(str::to_owned),
            req.default_task_start_to_close_timeout().map(str::to_owned),
            req.default_task_list().map(|t| t.name().to_owned()),
        ));
        RegisterActivityTypeOutput::builder().build()
    });
    let polls = mock!(Client::poll_for_activity_task).then_output(empty_poll);
    let worker = Worker::builder(client(&[&register, &polls]))
        .domain("test")
        .task_list("list")
        .activity(echo())
        .build()
        .unwrap();
    worker.shutdown_handle().shutdown();
    worker.run_until(std::future::pending()).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        Some((
            Some("60".to_owned()),
            Some("300".to_owned()),
            Some("list".to_owned())
        ))
    );
}

#[test]
fn two_activities_with_one_name_and_version_are_refused() {
    let err = Worker::builder(client(&[]))
        .domain("test")
        .task_list("list")
        .activity(echo())
        .activity(echo())
        .build()
        .err()
        .unwrap();
    assert!(matches!(err, BuildError::DuplicateActivity { .. }), "{err}");
    assert!(err.to_string().contains("Echo (version 1)"));
}

#[test]
fn invalid_names_and_missing_settings_are_refused() {
    let err = Worker::builder(client(&[]))
        .task_list("l")
        .activity(echo())
        .build()
        .err()
        .unwrap();
    assert!(matches!(err, BuildError::MissingDomain));
    let err = Worker::builder(client(&[]))
        .domain("d")
        .task_list("a:b")
        .activity(echo())
        .build()
        .err()
        .unwrap();
    assert!(err.to_string().contains("task list"), "{err}");
    let err = Worker::builder(client(&[]))
        .domain("d")
        .task_list("l")
        .identity("x".repeat(300))
        .activity(echo())
        .build()
        .err()
        .unwrap();
    assert!(matches!(err, BuildError::IdentityTooLong { chars: 300 }));
}

/// Shuts the worker down `after` the first task starts; returns when `run_until` returns.
async fn shut_down_after(
    worker: &Worker,
    after: Duration,
) -> (tokio::time::Instant, Result<(), WorkerError>) {
    let handle = worker.shutdown_handle();
    let begun = Arc::new(Mutex::new(None));
    let begun_at = Arc::clone(&begun);
    let trigger = async move {
        tokio::time::sleep(after).await;
        *begun_at.lock().unwrap() = Some(tokio::time::Instant::now());
        handle.shutdown();
    };
    let (result, ()) = tokio::join!(worker.run_until(std::future::pending()), trigger);
    let begun = begun.lock().unwrap().unwrap();
    (begun, result)
}

fn shutdown_worker(client: Client, activity: TestActivity) -> Worker {
    mocked_builder(client)
        .shutdown_grace(Duration::from_secs(30))
        .cancel_grace(Duration::from_secs(10))
        .activity(activity)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_a_cooperative_activity_sees_worker_shutdown_after_the_grace() {
    let answers = answers();
    let client = answering_client(vec![task("Long", "t1", "{}")], &answers);
    let long = activity("Long", |progress, _| {
        Box::pin(async move {
            // Bounded, so a worker that never cancels fails the test instead of hanging it.
            let reason = tokio::time::timeout(Duration::from_secs(3600), progress.cancelled())
                .await
                .expect("cancelled() resolves within an hour");
            Err(ActivityError::canceled().with_details(&reason.to_string()))
        })
    });
    let worker = shutdown_worker(client, long);
    let (begun, result) = shut_down_after(&worker, Duration::from_secs(5)).await;
    result.unwrap();
    assert_eq!(
        begun.elapsed(),
        Duration::from_secs(30),
        "answered when the shutdown grace ran out"
    );
    let canceled = answers.canceled.all();
    assert_eq!(canceled.len(), 1);
    assert!(
        canceled[0].1.as_deref().unwrap().contains("shut"),
        "{canceled:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_an_activity_that_ignores_cancellation_is_answered_failed() {
    let answers = answers();
    let client = answering_client(vec![task("Stubborn", "t1", "{}")], &answers);
    let worker = shutdown_worker(client, stubborn());
    let (begun, result) = shut_down_after(&worker, Duration::from_secs(5)).await;
    result.unwrap();
    assert_eq!(
        begun.elapsed(),
        Duration::from_secs(40),
        "30 s grace, then 10 s after cancellation"
    );
    let failed = answers.failed.all();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].1.as_deref(), Some("worker shut down"));
    assert!(answers.completed.all().is_empty() && answers.canceled.all().is_empty());
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_activities_that_finish_within_the_grace_complete_normally() {
    let answers = answers();
    let client = answering_client(vec![task("Short", "t1", "{}")], &answers);
    let short = activity("Short", |progress, _| {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(20)).await;
            assert!(!progress.is_cancelled());
            Ok(Some("\"done\"".to_owned()))
        })
    });
    let worker = shutdown_worker(client, short);
    let (begun, result) = shut_down_after(&worker, Duration::from_secs(5)).await;
    result.unwrap();
    assert!(begun.elapsed() < Duration::from_secs(30));
    assert_eq!(answers.completed.all().len(), 1);
}

mod generated {

    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Size {
        pub width: u32,
    }

    /// Doubles a width.
    #[swf_activity::activity(version = "1", start_to_close_timeout = "1m", heartbeat = "manual")]
    pub async fn double(size: Size) -> u32 {
        size.width * 2
    }
}

#[tokio::test(start_paused = true)]
async fn input_that_does_not_deserialize_fails_as_invalid_input() {
    let answers = answers();
    let client = answering_client(
        vec![
            task("double", "t1", r#"{"width": "wide"}"#),
            task("double", "t2", r#"{"width": 21}"#),
        ],
        &answers,
    );
    let worker = mocked_builder(client)
        .activity(generated::double)
        .build()
        .unwrap();
    let completed = answers.completed.clone();
    run_until_answered(&worker, move || !completed.all().is_empty())
        .await
        .unwrap();
    let failed = answers.failed.all();
    assert_eq!(failed[0].1.as_deref(), Some("invalid input"));
    assert!(
        failed[0].2.as_deref().unwrap().contains("invalid type"),
        "{failed:?}"
    );
    assert_eq!(answers.completed.all()[0].1.as_deref(), Some("42"));
}

#[tokio::test(start_paused = true)]
async fn a_forced_shutdown_answers_running_activities_failed_at_once() {
    let answers = answers();
    let client = answering_client(vec![task("Stubborn", "t1", "{}")], &answers);
    let worker = shutdown_worker(client, stubborn());
    let handle = worker.shutdown_handle();
    let started = tokio::time::Instant::now();
    let operator = async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        handle.shutdown();
        tokio::time::sleep(Duration::from_secs(3)).await;
        handle.force();
    };
    let (result, ()) = tokio::join!(worker.run_until(std::future::pending()), operator);
    result.unwrap();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(8),
        "answered when forced, not after the 30 s grace"
    );
    let failed = answers.failed.all();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].1.as_deref(), Some("worker shut down"));
    assert!(failed[0].2.as_deref().unwrap().contains("forced"));
    assert!(worker.shutdown_handle().is_forced());
}

/// A worker on the mocked domain and task list, its types registered elsewhere and its
/// heartbeats on the test's paused clock.
fn mocked_builder(client: Client) -> swf_activity::worker::WorkerBuilder {
    Worker::builder(client)
        .domain("test")
        .task_list("list")
        .register_activity_types(false)
        .heartbeat_on_worker_runtime()
}

/// Heartbeats answered `cancelRequested: false`.
fn heartbeats_accepted() -> Rule {
    mock!(Client::record_activity_task_heartbeat).then_output(|| {
        RecordActivityTaskHeartbeatOutput::builder()
            .cancel_requested(false)
            .build()
    })
}

fn completed_output() -> RespondActivityTaskCompletedOutput {
    RespondActivityTaskCompletedOutput::builder().build()
}

#[tokio::test(start_paused = true)]
async fn an_answer_is_retried_for_as_long_as_it_takes_while_heartbeats_keep_the_task_open() {
    let polls = polls(vec![task("Echo", "t1", "\"late\"")]);
    // A minute and more of failed answers: far longer than the heartbeat timeout.
    let completed = mock!(Client::respond_activity_task_completed)
        .sequence()
        .http_status(503, None)
        .times(25)
        .output(completed_output)
        .build();
    let heartbeats = heartbeats_accepted();
    let worker = worker(client(&[&polls, &completed, &heartbeats]), vec![echo()]);
    let w = &worker;
    let elapsed = time_until_answered(&worker, move || w.stats().tasks_completed == 1).await;
    assert_eq!(completed.num_calls(), 26);
    assert!(elapsed > Duration::from_secs(60), "{elapsed:?}");
    assert!(heartbeats.num_calls() >= 1, "keep-alives while waiting");
    let stats = worker.stats();
    assert_eq!((stats.tasks_completed, stats.answers_undelivered), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn an_answer_is_given_up_once_the_task_can_no_longer_take_it() {
    let polls = polls(vec![task("Short", "t1", "null")]);
    let completed = mock!(Client::respond_activity_task_completed)
        .sequence()
        .http_status(503, None)
        .repeatedly()
        .build();
    let heartbeats = heartbeats_accepted();
    // Start-to-close 30 s, no heartbeat timeout: SWF takes no answer after 30 s (+ 2 s margin).
    let short = timed_activity("Short", None, 30, |_, _| Box::pin(async { Ok(None) }));
    let worker = worker(client(&[&polls, &completed, &heartbeats]), vec![short]);
    let w = &worker;
    let elapsed = time_until_answered(&worker, move || w.stats().answers_undelivered == 1).await;
    assert!(
        elapsed >= Duration::from_secs(32) && elapsed < Duration::from_secs(33),
        "{elapsed:?}"
    );
    assert!(
        (8..40).contains(&completed.num_calls()),
        "{} attempts",
        completed.num_calls()
    );
    assert_eq!(worker.stats().tasks_completed, 0);
}

#[tokio::test(start_paused = true)]
async fn a_gone_answer_after_a_lost_response_counts_as_delivered() {
    let polls = polls(vec![task("Echo", "t1", "1")]);
    let completed = mock!(Client::respond_activity_task_completed)
        .sequence()
        .http_status(500, None)
        .error(|| {
            RespondActivityTaskCompletedError::UnknownResourceFault(
                UnknownResourceFault::builder()
                    .message("Unknown activity task")
                    .build(),
            )
        })
        .build();
    let worker = worker(client(&[&polls, &completed]), vec![echo()]);
    let w = &worker;
    run_until_answered(&worker, move || w.stats().tasks_completed == 1)
        .await
        .unwrap();
    let stats = worker.stats();
    assert_eq!(
        (
            stats.tasks_completed,
            stats.answers_after_lost_response,
            stats.answered_after_gone
        ),
        (1, 1, 0)
    );
}

#[tokio::test(start_paused = true)]
async fn an_activity_ignoring_a_timed_out_task_is_dropped_and_its_slot_freed() {
    // One slot. The stubborn activity never reports, so in manual mode no heartbeat goes out:
    // 60 s (+ 2 s margin) later SWF has certainly timed it out, and 10 s after that the worker
    // drops it and runs the next task.
    let polls = polls(vec![
        task("Stubborn", "t1", "null"),
        task("Echo", "t2", "\"next\""),
    ]);
    let answers = answers();
    let mut rules = vec![&polls];
    rules.extend(answers.rules.iter());
    let worker = mocked_builder(client(&rules))
        .max_concurrent_activities(1)
        .pollers(1)
        .activity(stubborn())
        .activity(echo())
        .build()
        .unwrap();
    let completed = answers.completed.clone();
    let elapsed = time_until_answered(&worker, move || !completed.all().is_empty()).await;
    assert!(
        elapsed >= Duration::from_secs(72) && elapsed < Duration::from_secs(75),
        "{elapsed:?}"
    );
    assert_eq!(
        answers.completed.all(),
        vec![("t2".to_owned(), Some("\"next\"".to_owned()), None)]
    );
    assert!(answers.failed.all().is_empty() && answers.canceled.all().is_empty());
    let stats = worker.stats();
    assert_eq!((stats.tasks_abandoned, stats.heartbeat_timeouts), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_lost_task_is_dropped_after_the_abandon_grace() {
    let polls = polls(vec![task("Stubborn", "t1", "null")]);
    let heartbeats = mock!(Client::record_activity_task_heartbeat).then_error(|| {
        RecordActivityTaskHeartbeatError::UnknownResourceFault(
            UnknownResourceFault::builder()
                .message("Unknown activity task")
                .build(),
        )
    });
    let reporting_stubborn = activity("Stubborn", |progress, _| {
        Box::pin(async move {
            progress.report("started")?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(None)
        })
    });
    let worker = mocked_builder(client(&[&polls, &heartbeats]))
        .abandon_grace(Duration::from_secs(3))
        .activity(reporting_stubborn)
        .build()
        .unwrap();
    let w = &worker;
    let elapsed = time_until_answered(&worker, move || w.stats().tasks_abandoned == 1).await;
    // The first report's heartbeat finds the task gone at once; 3 s later it is dropped.
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn no_task_is_polled_while_running_ones_need_more_heartbeats_than_the_budget_has() {
    // A 1 s heartbeat timeout needs 1.25 heartbeats a second; the budget refills 1.
    let slow = {
        let mut slow = timed_activity("Slow", Some(1), 300, |progress, _| {
            Box::pin(async move {
                progress.report("working")?;
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(None)
            })
        });
        slow.definition.heartbeat = HeartbeatMode::Auto;
        slow
    };
    let polls = polls(vec![task("Slow", "t1", "null"), task("Echo", "t2", "2")]);
    let answers = answers();
    let heartbeats = heartbeats_accepted();
    let mut rules = vec![&polls, &heartbeats];
    rules.extend(answers.rules.iter());
    let worker = mocked_builder(client(&rules))
        .max_concurrent_activities(4)
        .pollers(1)
        .heartbeat(swf_activity::heartbeat::HeartbeatConfig {
            budget: swf_activity::heartbeat::HeartbeatBudget {
                burst: 1,
                refill_per_second: 1,
            },
            ..Default::default()
        })
        .activity(slow)
        .activity(echo())
        .build()
        .unwrap();
    let polls_while_slow_runs = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&polls_while_slow_runs);
    let rule = &polls;
    let watch = async move {
        tokio::time::sleep(Duration::from_secs(4)).await;
        *seen.lock().unwrap() = Some(rule.num_calls());
    };
    let completed = answers.completed.clone();
    let (result, ()) = tokio::join!(
        run_until_answered(&worker, move || completed.all().len() == 2),
        watch
    );
    result.unwrap();
    assert_eq!(*polls_while_slow_runs.lock().unwrap(), Some(1));
    assert_eq!(answers.completed.all().len(), 2);
    assert!(worker.stats().heartbeat_overloads >= 1);
}

#[tokio::test(start_paused = true)]
async fn no_poll_while_every_slot_is_taken() {
    let answers = answers();
    // Two tasks, then 503s: every poll after the two is one the worker should not have made
    // while both run.
    let polls = polls(vec![task("Nap", "t1", "{}"), task("Nap", "t2", "{}")]);
    let heartbeats = heartbeats_accepted();
    let mut rules = vec![&polls, &heartbeats];
    rules.extend(answers.rules.iter());
    // No heartbeat timeout, so the quiet naps stay alive (and hold their slots) for their 100 s.
    let nap = timed_activity("Nap", None, 300, |_, _| {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(100)).await;
            Ok(None)
        })
    });
    let worker = mocked_builder(client(&rules))
        .max_concurrent_activities(2)
        .pollers(2)
        .activity(nap)
        .build()
        .unwrap();
    let handle = worker.shutdown_handle();
    let observer = async {
        tokio::time::sleep(Duration::from_secs(90)).await;
        let while_full = polls.num_calls();
        // Both finish at 100 s; then slots are free and polling goes on.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let after = polls.num_calls();
        handle.shutdown();
        (while_full, after)
    };
    let (result, (while_full, after)) = tokio::time::timeout(Duration::from_secs(3600), async {
        tokio::join!(worker.run_until(std::future::pending()), observer)
    })
    .await
    .expect("the worker stops");
    result.unwrap();
    assert_eq!(while_full, 2, "polls made while both slots were taken");
    assert!(
        after > 2,
        "polling resumes once a slot is free ({after} polls)"
    );
    assert_eq!(answers.completed.all().len(), 2);
}

/// Hands its task token over (to `handed_over`) and ends without an answer; its heartbeats
/// are automatic, every 8 s of its 10 s heartbeat timeout, for as long as it runs.
fn handover(handed_over: Arc<Mutex<Vec<String>>>) -> TestActivity {
    let mut activity = timed_activity("Handover", Some(10), 300, move |progress, _| {
        let handed_over = Arc::clone(&handed_over);
        Box::pin(async move {
            let token = progress.task_token().expect("run by the worker");
            handed_over.lock().unwrap().push(token.into_string());
            Err(ActivityError::completes_elsewhere())
        })
    });
    activity.definition.heartbeat = HeartbeatMode::Auto;
    activity
}

#[tokio::test(start_paused = true)]
async fn a_task_handed_over_gets_no_answer_no_heartbeats_and_gives_its_slot_back() {
    let answers = answers();
    let heartbeats = heartbeats_accepted();
    let polls = polls(vec![
        task("Handover", "t1", "null"),
        task("Handover", "t2", "null"),
    ]);
    let mut rules = vec![&polls, &heartbeats];
    rules.extend(answers.rules.iter());
    let handed_over = Arc::new(Mutex::new(Vec::new()));
    let worker = mocked_builder(client(&rules))
        .activity(handover(Arc::clone(&handed_over)))
        .max_concurrent_activities(1)
        .build()
        .unwrap();
    let handle = worker.shutdown_handle();
    let w = &worker;
    let watcher = async move {
        for _ in 0..600 {
            if w.stats().tasks_completing_elsewhere == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A minute: six heartbeat intervals, had the heartbeats gone on.
        tokio::time::sleep(Duration::from_secs(60)).await;
        handle.shutdown();
    };
    let (result, ()) = tokio::join!(worker.run_until(std::future::pending()), watcher);
    result.unwrap();
    // With one slot, the second task ran: the first gave its slot back without an answer.
    assert_eq!(*handed_over.lock().unwrap(), ["t1", "t2"]);
    let stats = worker.stats();
    assert_eq!(
        (stats.tasks_started, stats.tasks_completing_elsewhere),
        (2, 2)
    );
    assert_eq!(
        stats.tasks_completed + stats.tasks_failed + stats.tasks_canceled,
        0
    );
    assert!(answers.completed.all().is_empty());
    assert!(answers.failed.all().is_empty());
    assert!(answers.canceled.all().is_empty());
    assert_eq!(
        heartbeats.num_calls(),
        0,
        "heartbeats went on after the handover"
    );
}
