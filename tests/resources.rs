//! Activities that take `Resource<T>`: the worker shares one value per type with every task,
//! refuses to build without one an activity takes, and tests pass their own doubles.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use swf_activity::local::{ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::testing::{ActivityEnvironment, ActivityOutcome as TestOutcome};
use swf_activity::worker::{BuildError, Worker};
use swf_activity::{ActivityError, Resource, activity};

const DOMAIN: &str = "resources";
const TASK_LIST: &str = "resources-tasks";
/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);
/// How many tasks run at once in the sharing test.
const TASKS: usize = 4;

/// A client every task shares: it counts the calls made through it.
struct Client {
    name: String,
    calls: AtomicUsize,
}

/// A meeting point: each task waits here until all of them have arrived, so they can only
/// finish if they run at the same time and see the same barrier.
struct Meeting(tokio::sync::Barrier);

/// Calls the shared client and returns its name and the call's number.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn call(client: Resource<Client>, who: String) -> Result<String, ActivityError> {
    let number = client.calls.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(format!("{who} via {} (call {number})", client.name))
}

/// Waits for every other task at the shared meeting point, then calls the shared client.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn meet(meeting: Resource<Meeting>, client: Resource<Client>, who: String) -> String {
    meeting.0.wait().await;
    client.calls.fetch_add(1, Ordering::SeqCst);
    format!("{who} met {} others", TASKS - 1)
}

fn client(name: &str) -> Client {
    Client {
        name: name.to_owned(),
        calls: AtomicUsize::new(0),
    }
}

#[test]
fn a_missing_resource_is_refused_at_build_naming_the_activity_and_the_type() {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let refused = Worker::from_sdk_config(&config)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .resource(client("s3"))
        .activity(call)
        .activity(meet)
        .build()
        .err()
        .expect("a worker without the Meeting resource is refused");
    let message = refused.to_string();
    let BuildError::MissingResource {
        activity_type,
        resource,
    } = refused
    else {
        panic!("expected MissingResource, got {message}");
    };
    assert_eq!(activity_type.name, "meet");
    assert!(resource.ends_with("::Meeting"), "{resource}");
    assert!(
        message.contains("activity meet (version 1) takes Resource<")
            && message.contains("WorkerBuilder::resource"),
        "{message}"
    );

    // With every resource given, it builds.
    Worker::from_sdk_config(&config)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .resource(client("s3"))
        .resource(Meeting(tokio::sync::Barrier::new(TASKS)))
        .activity(call)
        .activity(meet)
        .build()
        .expect("a worker with every resource builds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_share_the_workers_values() {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await
        .expect("the local endpoint starts");
    let swf = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&swf, DOMAIN, 1)
        .await
        .expect("domain registers");
    let shared = Arc::new(client("shared-s3"));
    let worker = Worker::from_sdk_config(local.sdk_config())
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .pollers(2)
        .max_concurrent_activities(TASKS)
        .resource_arc(Arc::clone(&shared))
        .resource(Meeting(tokio::sync::Barrier::new(TASKS)))
        .activity(call)
        .activity(meet)
        .build()
        .expect("worker builds");
    worker
        .register_activity_types()
        .await
        .expect("types register");
    let handle = worker.shutdown_handle();
    let scenario = async {
        let schedule = |name: &str, id: String| {
            local
                .schedule_activity(
                    ActivitySpec::new(DOMAIN, name, "1")
                        .activity_id(&id)
                        .task_list(TASK_LIST)
                        .input(format!("\"{id}\""))
                        .schedule_to_start_timeout(LIMIT)
                        .schedule_to_close_timeout(LIMIT * 2),
                )
                .expect("activity schedules")
        };
        // Each `meet` task finishes only once all of them wait at the same barrier at once.
        let meetings: Vec<_> = (0..TASKS)
            .map(|i| schedule("meet", format!("meet-{i}")))
            .collect();
        for (i, meeting) in meetings.iter().enumerate() {
            let outcome = tokio::time::timeout(LIMIT, meeting.outcome())
                .await
                .expect("the tasks meet in time");
            assert_eq!(
                outcome,
                ActivityOutcome::Completed {
                    result: Some(format!("\"meet-{i} met {} others\"", TASKS - 1))
                }
            );
        }
        let called = schedule("call", "last".to_owned());
        let outcome = tokio::time::timeout(LIMIT, called.outcome())
            .await
            .expect("answered in time");
        // The value the test kept is the one the tasks used: TASKS calls before this one.
        assert_eq!(
            outcome,
            ActivityOutcome::Completed {
                result: Some(format!("\"last via shared-s3 (call {})\"", TASKS + 1))
            }
        );
        handle.shutdown();
    };
    let (result, ()) = tokio::time::timeout(LIMIT * 2, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
    assert_eq!(shared.calls.load(Ordering::SeqCst), TASKS + 1);
}

#[tokio::test(start_paused = true)]
async fn tests_run_activities_with_doubles_of_their_resources() {
    let double = Arc::new(client("double"));
    let env = ActivityEnvironment::new().resource_arc(Arc::clone(&double));
    let run = env.run_json(&call, "test").await.expect("input encodes");
    assert_eq!(
        run.result_json::<String>().expect("completed"),
        "test via double (call 1)"
    );
    assert_eq!(double.calls.load(Ordering::SeqCst), 1);

    // Without the double the task fails, naming what is missing; it never reaches the client.
    let run = ActivityEnvironment::new()
        .run_json(&call, "test")
        .await
        .expect("input encodes");
    let TestOutcome::Failed { reason, details } = run.outcome else {
        panic!("a missing resource fails the task: {:?}", run.outcome);
    };
    assert_eq!(reason, "missing resource");
    let details = details.unwrap_or_default();
    assert!(
        details.contains("activity call (version 1) takes Resource<")
            && details.contains("::Client>")
            && details.contains("ActivityEnvironment::resource"),
        "{details}"
    );
}

#[tokio::test]
async fn the_run_function_takes_a_resource_directly() {
    let answer = call::run(Resource::new(client("direct")), "me".to_owned())
        .await
        .expect("completes");
    assert_eq!(answer, "me via direct (call 1)");
}
