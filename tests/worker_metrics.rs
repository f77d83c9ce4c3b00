//! The worker's metrics, recorded by `metrics-util`'s debugging recorder, against what a mocked
//! SWF endpoint saw in a scripted run: a task completed (its first heartbeat throttled, its first
//! answer refused once with 503), one failed, one canceled by the decider, one empty poll and
//! failing polls after that.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::retry::RetryConfig;
use aws_sdk_swf::error::ErrorMetadata;
use aws_sdk_swf::operation::describe_activity_type::DescribeActivityTypeError;
use aws_sdk_swf::operation::poll_for_activity_task::PollForActivityTaskOutput;
use aws_sdk_swf::operation::record_activity_task_heartbeat::{
    RecordActivityTaskHeartbeatError, RecordActivityTaskHeartbeatOutput,
};
use aws_sdk_swf::operation::respond_activity_task_canceled::RespondActivityTaskCanceledOutput;
use aws_sdk_swf::operation::respond_activity_task_completed::RespondActivityTaskCompletedOutput;
use aws_sdk_swf::operation::respond_activity_task_failed::RespondActivityTaskFailedOutput;
use aws_sdk_swf::types::WorkflowExecution;
use aws_sdk_swf::types::error::UnknownResourceFault;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use metrics::Unit;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use swf_activity::metrics as names;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};

const DOMAIN: &str = "metrics-test";
const TASK_LIST: &str = "metrics-list";
/// Every wait in this test is bounded by this much paused time.
const LIMIT: Duration = Duration::from_secs(600);

/// Reports once, works 10 s, completes.
#[activity(
    version = "1",
    heartbeat = "manual",
    heartbeat_timeout = "60s",
    start_to_close_timeout = "5m"
)]
async fn complete(progress: Progress) -> Result<String, ActivityError> {
    progress.report("working")?;
    tokio::time::sleep(Duration::from_secs(10)).await;
    Ok("done".to_owned())
}

/// Fails at once.
#[activity(
    version = "1",
    heartbeat = "manual",
    heartbeat_timeout = "60s",
    start_to_close_timeout = "5m"
)]
async fn fail() -> Result<(), ActivityError> {
    Err(ActivityError::failed("bad input"))
}

/// Reports twice (the second report replaces the first before it goes out), then waits to be
/// cancelled and answers canceled.
#[activity(
    version = "2",
    heartbeat = "manual",
    heartbeat_timeout = "60s",
    start_to_close_timeout = "5m"
)]
async fn wait_for_cancel(progress: Progress) -> Result<(), ActivityError> {
    progress.report("starting")?;
    progress.report("waiting")?;
    tokio::select! {
        reason = progress.cancelled() => Err(ActivityError::canceled().with_details(&reason.to_string())),
        () = tokio::time::sleep(LIMIT) => Ok(()),
    }
}

fn task(name: &str, version: &str, token: &str) -> PollForActivityTaskOutput {
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
                .version(version)
                .build()
                .unwrap(),
        )
        .input("null")
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

fn heartbeat_answer(cancel_requested: bool) -> RecordActivityTaskHeartbeatOutput {
    RecordActivityTaskHeartbeatOutput::builder()
        .cancel_requested(cancel_requested)
        .build()
}

/// The scripted endpoint: each rule counts the calls it answered.
struct Endpoint {
    /// The types are described, not registered: unknown, so the code's defaults hold.
    not_registered: Rule,
    polls: Rule,
    throttled_heartbeats: Rule,
    heartbeats: Rule,
    completed: Rule,
    failed: Rule,
    canceled: Rule,
}

impl Endpoint {
    fn new() -> Self {
        let polls = mock!(Client::poll_for_activity_task)
            .sequence()
            .output(|| task("complete", "1", "t-complete"))
            .output(empty_poll)
            .output(|| task("fail", "1", "t-fail"))
            .output(|| task("wait_for_cancel", "2", "t-cancel"))
            // A failed poll makes the worker back off (a sleep), so paused time advances.
            .http_status(503, None)
            .repeatedly()
            .build();
        let throttled_heartbeats = mock!(Client::record_activity_task_heartbeat)
            .match_requests(|req| req.task_token() == Some("t-complete"))
            .sequence()
            .error(|| {
                RecordActivityTaskHeartbeatError::generic(
                    ErrorMetadata::builder()
                        .code("ThrottlingException")
                        .message("Rate exceeded")
                        .build(),
                )
            })
            .build();
        let heartbeats = mock!(Client::record_activity_task_heartbeat)
            .then_compute_output(|req| heartbeat_answer(req.task_token() == Some("t-cancel")));
        let completed = mock!(Client::respond_activity_task_completed)
            .sequence()
            .http_status(503, None)
            .output(|| RespondActivityTaskCompletedOutput::builder().build())
            .build();
        let failed = mock!(Client::respond_activity_task_failed)
            .then_output(|| RespondActivityTaskFailedOutput::builder().build());
        let canceled = mock!(Client::respond_activity_task_canceled)
            .then_output(|| RespondActivityTaskCanceledOutput::builder().build());
        let not_registered = mock!(Client::describe_activity_type).then_error(|| {
            DescribeActivityTypeError::UnknownResourceFault(
                UnknownResourceFault::builder()
                    .message("Unknown type")
                    .build(),
            )
        });
        Endpoint {
            not_registered,
            polls,
            throttled_heartbeats,
            heartbeats,
            completed,
            failed,
            canceled,
        }
    }

    fn client(&self) -> Client {
        let rules = [
            &self.not_registered,
            &self.polls,
            &self.throttled_heartbeats,
            &self.heartbeats,
            &self.completed,
            &self.failed,
            &self.canceled,
        ];
        mock_client!(aws_sdk_swf, RuleMode::MatchAny, &rules, |c| c
            .retry_config(RetryConfig::disabled()))
    }

    fn all_answered(&self) -> bool {
        self.completed.num_calls() == 2
            && self.failed.num_calls() == 1
            && self.canceled.num_calls() == 1
    }
}

/// One metric's series: its labels and value.
type Series = (BTreeMap<String, String>, DebugValue);

/// The snapshot, by metric name.
struct Recorded {
    series: BTreeMap<String, Vec<Series>>,
    units: BTreeMap<String, Unit>,
}

impl Recorded {
    fn take(snapshotter: &Snapshotter) -> Self {
        let mut series: BTreeMap<String, Vec<Series>> = BTreeMap::new();
        let mut units = BTreeMap::new();
        for (key, unit, _, value) in snapshotter.snapshot().into_vec() {
            let (kind, key) = key.into_parts();
            let name = key.name().to_owned();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect::<BTreeMap<_, _>>();
            assert!(
                matches!(
                    (kind, &value),
                    (MetricKind::Counter, DebugValue::Counter(_))
                        | (MetricKind::Gauge, DebugValue::Gauge(_))
                        | (MetricKind::Histogram, DebugValue::Histogram(_))
                ),
                "{name}: {kind:?} holding {value:?}"
            );
            if let Some(unit) = unit {
                units.insert(name.clone(), unit);
            }
            series.entry(name).or_default().push((labels, value));
        }
        Recorded { series, units }
    }

    /// The series of `name` whose labels include every pair of `with`.
    fn matching<'a>(
        &'a self,
        name: &str,
        with: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Series> {
        self.series
            .get(name)
            .into_iter()
            .flatten()
            .filter(move |(labels, _)| {
                with.iter()
                    .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            })
    }

    /// The sum of the counters `name` matching `with`.
    fn counter(&self, name: &str, with: &[(&str, &str)]) -> u64 {
        self.matching(name, with)
            .map(|(_, value)| match value {
                DebugValue::Counter(n) => *n,
                other => panic!("{name} is not a counter: {other:?}"),
            })
            .sum()
    }

    /// The value of the gauge `name` matching `with`.
    fn gauge(&self, name: &str, with: &[(&str, &str)]) -> f64 {
        let values: Vec<f64> = self
            .matching(name, with)
            .map(|(_, value)| match value {
                DebugValue::Gauge(v) => v.0,
                other => panic!("{name} is not a gauge: {other:?}"),
            })
            .collect();
        assert_eq!(values.len(), 1, "{name} {with:?}: {values:?}");
        values[0]
    }

    /// The values recorded in the histograms `name` matching `with`.
    fn histogram(&self, name: &str, with: &[(&str, &str)]) -> Vec<f64> {
        self.matching(name, with)
            .flat_map(|(_, value)| match value {
                DebugValue::Histogram(values) => values.iter().map(|v| v.0).collect::<Vec<_>>(),
                other => panic!("{name} is not a histogram: {other:?}"),
            })
            .collect()
    }
}

#[tokio::test(start_paused = true)]
async fn metrics_count_what_the_endpoint_saw() {
    // The only test in this binary: the recorder is process-wide, and the worker records from
    // every task it spawns.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("no other recorder in this test binary");

    let endpoint = Endpoint::new();
    let worker = Worker::builder(endpoint.client())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .register_activity_types(false)
        .heartbeat_on_worker_runtime()
        .max_concurrent_activities(4)
        .pollers(1)
        .activity(complete)
        .activity(fail)
        .activity(wait_for_cancel)
        .build()
        .unwrap();
    let handle = worker.shutdown_handle();
    let watcher = async {
        for _ in 0..6000 {
            if endpoint.all_answered() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        handle.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT, async {
        tokio::join!(worker.run_until(std::future::pending()), watcher)
    })
    .await
    .expect("the scripted run ends");
    result.unwrap();
    assert!(endpoint.all_answered(), "not every task was answered");

    let m = Recorded::take(&snapshotter);
    let worker_labels = [("domain", DOMAIN), ("task_list", TASK_LIST)];
    let of = |activity: &'static str, version: &'static str| {
        [
            ("domain", DOMAIN),
            ("task_list", TASK_LIST),
            ("activity", activity),
            ("version", version),
        ]
    };

    // Polls: three tasks, one empty answer, and every other call the endpoint answered with 503.
    let polls = endpoint.polls.num_calls() as u64;
    assert!(polls > 4, "{polls}");
    assert_eq!(m.counter(names::POLLS, &[("result", "task")]), 3);
    assert_eq!(m.counter(names::POLLS, &[("result", "empty")]), 1);
    assert_eq!(m.counter(names::POLLS, &[("result", "error")]), polls - 4);
    assert_eq!(m.counter(names::POLLS, &worker_labels), polls);
    assert_eq!(
        m.histogram(names::POLL_DURATION, &worker_labels).len() as u64,
        polls
    );

    // Tasks, per activity type, and their answers as the endpoint received them.
    for (activity, version) in [("complete", "1"), ("fail", "1"), ("wait_for_cancel", "2")] {
        assert_eq!(
            m.counter(names::TASKS_STARTED, &of(activity, version)),
            1,
            "{activity}"
        );
        assert_eq!(
            m.histogram(names::TASK_DURATION, &of(activity, version))
                .len(),
            1
        );
    }
    let answered = |activity, version, answer| {
        let mut with = of(activity, version).to_vec();
        with.push(("answer", answer));
        m.counter(names::TASKS_ANSWERED, &with)
    };
    assert_eq!(answered("complete", "1", "completed"), 1);
    assert_eq!(answered("fail", "1", "failed"), 1);
    assert_eq!(answered("wait_for_cancel", "2", "canceled"), 1);
    assert_eq!(m.counter(names::TASKS_ANSWERED, &worker_labels), 3);
    // The completed answer was refused once (503) and sent again.
    assert_eq!(endpoint.completed.num_calls(), 2);
    assert_eq!(m.counter(names::ANSWER_RETRIES, &of("complete", "1")), 1);
    assert_eq!(m.counter(names::ANSWER_RETRIES, &worker_labels), 1);
    assert_eq!(m.counter(names::ANSWERS_UNDELIVERED, &worker_labels), 0);
    assert_eq!(m.counter(names::TASKS_ABANDONED, &worker_labels), 0);
    assert_eq!(
        m.counter(names::TASKS_STOPPED_AT_SHUTDOWN, &worker_labels),
        0
    );
    assert_eq!(
        m.counter(names::ANSWERS_AFTER_LOST_RESPONSE, &worker_labels),
        0
    );
    let ran = m.histogram(names::TASK_DURATION, &of("complete", "1"));
    assert!(ran[0] >= 10.0 && ran[0] < 11.0, "{ran:?}");
    assert_eq!(m.units.get(names::TASK_DURATION), Some(&Unit::Seconds));

    // The decider's cancellation, heard in a heartbeat's answer.
    let mut cancelled = of("wait_for_cancel", "2").to_vec();
    cancelled.push(("reason", "requested"));
    assert_eq!(m.counter(names::CANCELLATIONS, &cancelled), 1);
    assert_eq!(m.counter(names::CANCELLATIONS, &worker_labels), 1);

    // Heartbeats: every call the endpoint saw, the throttled one among them, retried once.
    let heartbeat_calls =
        (endpoint.throttled_heartbeats.num_calls() + endpoint.heartbeats.num_calls()) as u64;
    assert_eq!(endpoint.throttled_heartbeats.num_calls(), 1);
    assert_eq!(
        m.counter(names::HEARTBEATS_SENT, &worker_labels),
        heartbeat_calls
    );
    assert_eq!(m.counter(names::HEARTBEATS_THROTTLED, &worker_labels), 1);
    assert_eq!(m.counter(names::HEARTBEATS_FAILED, &worker_labels), 1);
    assert_eq!(m.counter(names::HEARTBEAT_RETRIES, &worker_labels), 1);
    assert_eq!(
        m.counter(names::HEARTBEAT_REPORTS_COALESCED, &worker_labels),
        1
    );
    let tokens = m.gauge(names::HEARTBEAT_BUDGET_TOKENS, &worker_labels);
    assert!((0.0..=1000.0).contains(&tokens), "{tokens}");

    // Every slot is free again.
    assert_eq!(m.gauge(names::SLOTS_IN_USE, &worker_labels), 0.0);
    assert_eq!(m.gauge(names::SLOTS_FREE, &worker_labels), 4.0);

    // Worker::stats counts the same events.
    let stats = worker.stats();
    assert_eq!(
        stats.tasks_started,
        m.counter(names::TASKS_STARTED, &worker_labels)
    );
    assert_eq!(
        stats.tasks_completed,
        answered("complete", "1", "completed")
    );
    assert_eq!(stats.tasks_failed, answered("fail", "1", "failed"));
    assert_eq!(
        stats.tasks_canceled,
        answered("wait_for_cancel", "2", "canceled")
    );
    assert_eq!(stats.heartbeats_sent, heartbeat_calls);
    assert_eq!(
        stats.heartbeats_throttled,
        m.counter(names::HEARTBEATS_THROTTLED, &[])
    );
    assert_eq!(
        stats.heartbeats_coalesced,
        m.counter(names::HEARTBEAT_REPORTS_COALESCED, &[])
    );
    assert_eq!(
        stats.heartbeat_timeouts,
        m.counter(names::HEARTBEAT_TIMEOUTS, &[])
    );
    assert_eq!(
        stats.heartbeat_overloads,
        m.counter(names::HEARTBEAT_OVERLOADS, &[])
    );
    assert_eq!(
        stats.tasks_abandoned,
        m.counter(names::TASKS_ABANDONED, &[])
    );
    assert_eq!(
        stats.answers_after_lost_response,
        m.counter(names::ANSWERS_AFTER_LOST_RESPONSE, &[])
    );

    // Polling was never paused; the gauge follows the pause switch, as the stats do.
    assert_eq!(m.gauge(names::POLLING_PAUSED, &worker_labels), 0.0);
    assert!(!stats.polling_paused);
    let control = worker.polling_control();
    drop(control.pause());
    let paused = Recorded::take(&snapshotter);
    assert_eq!(paused.gauge(names::POLLING_PAUSED, &worker_labels), 1.0);
    assert!(worker.stats().polling_paused);
    control.resume();
    let resumed = Recorded::take(&snapshotter);
    assert_eq!(resumed.gauge(names::POLLING_PAUSED, &worker_labels), 0.0);
}
