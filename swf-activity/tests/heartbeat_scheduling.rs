//! The scheduler under load: first heartbeats spread out, calls in flight capped, an
//! insufficient budget kept for the tasks it can save, throttling slowing the budget down, and a
//! first report never stuck behind a keep-alive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use swf_activity::heartbeat::{
    HeartbeatAnswer, HeartbeatBudget, HeartbeatConfig, HeartbeatEngine, HeartbeatError,
    HeartbeatTransport, TaskHeartbeat, TaskSchedule,
};
use swf_activity::task::ActivityTask;
use swf_activity::{ActivityType, CancelReason, HeartbeatMode};
use tokio::time::Instant;

/// Answers like SWF would: a heartbeat arriving more than `timeout` after the task started or
/// after its last accepted heartbeat finds the task gone. Each answer takes `latency`. Records
/// every call and the most calls ever in flight at once.
struct SwfLike {
    timeout: Duration,
    latency: Duration,
    started: Instant,
    last_accepted: Mutex<HashMap<String, Instant>>,
    calls: Mutex<Vec<(Instant, String, Option<String>)>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// While set, every call is answered ThrottlingException.
    throttling: AtomicBool,
}

impl SwfLike {
    fn new(timeout: Duration, latency: Duration) -> Arc<Self> {
        Arc::new(SwfLike {
            timeout,
            latency,
            started: Instant::now(),
            last_accepted: Mutex::new(HashMap::new()),
            calls: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            throttling: AtomicBool::new(false),
        })
    }

    fn calls(&self) -> Vec<(Instant, String, Option<String>)> {
        self.calls.lock().unwrap().clone()
    }
}

/// The engine's handle on a [`SwfLike`].
struct Endpoint(Arc<SwfLike>);

impl HeartbeatTransport for Endpoint {
    fn record_heartbeat(
        &self,
        task_token: String,
        details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        let swf = Arc::clone(&self.0);
        let now = Instant::now();
        swf.calls
            .lock()
            .unwrap()
            .push((now, task_token.clone(), details));
        let in_flight = swf.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        swf.most_in_flight.fetch_max(in_flight, Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(swf.latency).await;
            swf.in_flight.fetch_sub(1, Ordering::SeqCst);
            if swf.throttling.load(Ordering::SeqCst) {
                return Err(HeartbeatError::Throttled("Rate exceeded".to_owned()));
            }
            let mut accepted = swf.last_accepted.lock().unwrap();
            let last = accepted.get(&task_token).copied().unwrap_or(swf.started);
            if now > last + swf.timeout {
                return Err(HeartbeatError::TaskGone("Unknown activity task".to_owned()));
            }
            accepted.insert(task_token, now);
            Ok(HeartbeatAnswer::default())
        })
    }
}

fn task(n: usize) -> ActivityTask {
    ActivityTask::new(
        format!("token-{n}"),
        ActivityType::from_static("Load", "1"),
        format!("a{n}"),
        "w",
        "r",
        1,
    )
}

fn schedule(heartbeat_timeout: Duration) -> TaskSchedule {
    TaskSchedule {
        heartbeat_timeout: Some(heartbeat_timeout),
        start_to_close_timeout: None,
        mode: HeartbeatMode::Auto,
    }
}

fn start(engine: &HeartbeatEngine, tasks: usize, timeout: Duration) -> Vec<TaskHeartbeat> {
    (0..tasks)
        .map(|n| engine.start_task(task(n), schedule(timeout)))
        .collect()
}

/// When each task's first heartbeat went out, since `since`.
fn first_calls(calls: &[(Instant, String, Option<String>)], since: Instant) -> Vec<Duration> {
    let mut first: HashMap<&str, Instant> = HashMap::new();
    for (at, token, _) in calls {
        first.entry(token).or_insert(*at);
    }
    first.values().map(|at| *at - since).collect()
}

#[tokio::test(start_paused = true)]
async fn tasks_started_together_spread_their_first_heartbeats() {
    let swf = SwfLike::new(Duration::from_secs(10), Duration::from_millis(5));
    let engine =
        HeartbeatEngine::on_current_runtime(Endpoint(Arc::clone(&swf)), HeartbeatConfig::default());
    let begin = Instant::now();
    let handles = start(&engine, 200, Duration::from_secs(10));
    tokio::time::sleep(Duration::from_secs(9)).await;
    drop(handles);

    let firsts = first_calls(&swf.calls(), begin);
    assert_eq!(firsts.len(), 200, "every task sent its first keep-alive");
    // One 8 s interval after the start, up to a fifth of it early.
    let earliest = firsts.iter().min().copied().unwrap();
    let latest = firsts.iter().max().copied().unwrap();
    assert!(earliest >= Duration::from_millis(6400), "{earliest:?}");
    assert!(latest <= Duration::from_secs(8), "{latest:?}");
    let mut distinct: Vec<u128> = firsts.iter().map(Duration::as_millis).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() > 150,
        "only {} distinct instants among 200 first heartbeats",
        distinct.len()
    );
}

#[tokio::test(start_paused = true)]
async fn calls_in_flight_never_exceed_the_cap() {
    let swf = SwfLike::new(Duration::from_secs(60), Duration::from_secs(1));
    let config = HeartbeatConfig {
        max_in_flight: 16,
        ..HeartbeatConfig::default()
    };
    let engine = HeartbeatEngine::on_current_runtime(Endpoint(Arc::clone(&swf)), config);
    let handles = start(&engine, 300, Duration::from_secs(60));
    for handle in &handles {
        handle.progress().report("started").unwrap();
    }
    tokio::time::sleep(Duration::from_secs(40)).await;

    assert!(
        swf.most_in_flight.load(Ordering::SeqCst) <= 16,
        "{} calls were in flight at once",
        swf.most_in_flight.load(Ordering::SeqCst)
    );
    // 300 first reports, 16 a second: all out within 19 s, none lost.
    assert_eq!(first_calls(&swf.calls(), Instant::now()).len(), 300);
    assert!(handles.iter().all(|h| h.cancel_reason().is_none()));
}

#[tokio::test(start_paused = true)]
async fn an_insufficient_budget_keeps_as_many_tasks_alive_as_it_can() {
    // 5 heartbeats a second for 30 tasks needing one every 1.6 s: at most floor(5 x 1.6) = 8
    // can be kept alive.
    let swf = SwfLike::new(Duration::from_secs(2), Duration::from_millis(20));
    let config = HeartbeatConfig {
        budget: HeartbeatBudget {
            burst: 10,
            refill_per_second: 5,
        },
        ..HeartbeatConfig::default()
    };
    let engine = HeartbeatEngine::on_current_runtime(Endpoint(Arc::clone(&swf)), config);
    let handles = start(&engine, 30, Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(
        engine.is_overloaded(),
        "30 tasks need 18.75 heartbeats a second"
    );
    tokio::time::sleep(Duration::from_secs(30)).await;

    let alive = handles
        .iter()
        .filter(|h| h.cancel_reason().is_none())
        .count();
    let timed_out = handles
        .iter()
        .filter(|h| {
            matches!(
                h.cancel_reason(),
                Some(CancelReason::HeartbeatTimeoutElapsed | CancelReason::TaskGone)
            )
        })
        .count();
    println!("alive after 30 s: {alive} of 30; {timed_out} timed out");
    assert!(alive >= 8, "only {alive} tasks kept alive");
    assert_eq!(alive + timed_out, 30);
    assert!(engine.stats().overloads >= 1);
}

#[tokio::test(start_paused = true)]
async fn throttling_slows_the_budget_down_until_it_recovers() {
    let swf = SwfLike::new(Duration::from_secs(60), Duration::from_millis(10));
    swf.throttling.store(true, Ordering::SeqCst);
    let config = HeartbeatConfig {
        budget: HeartbeatBudget {
            burst: 100,
            refill_per_second: 100,
        },
        ..HeartbeatConfig::default()
    };
    let engine = HeartbeatEngine::on_current_runtime(Endpoint(Arc::clone(&swf)), config);
    let begin = Instant::now();
    let handles = start(&engine, 200, Duration::from_secs(60));
    for handle in &handles {
        handle.progress().report("started").unwrap();
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    swf.throttling.store(false, Ordering::SeqCst);
    let throttled_calls = swf.calls().len();
    tokio::time::sleep(Duration::from_secs(40)).await;

    // Without backing off, the burst and 100 a second would allow 600 calls in those 5 s.
    println!("{throttled_calls} calls in 5 s of throttling");
    assert!(
        throttled_calls < 300,
        "{throttled_calls} calls while throttled"
    );
    // Afterwards every task's report got through, and none was lost.
    let calls = swf.calls();
    let accepted: std::collections::HashSet<&str> = calls
        .iter()
        .filter(|(at, _, _)| *at >= begin + Duration::from_secs(5))
        .map(|(_, token, _)| token.as_str())
        .collect();
    assert_eq!(accepted.len(), 200);
    assert!(handles.iter().all(|h| h.cancel_reason().is_none()));
    assert!(engine.stats().throttled >= 100);
}

#[tokio::test(start_paused = true)]
async fn a_first_report_during_a_keep_alive_goes_out_right_after_it() {
    let swf = SwfLike::new(Duration::from_secs(10), Duration::from_secs(1));
    let config = HeartbeatConfig {
        first_beat_jitter: 0.0,
        ..HeartbeatConfig::default()
    };
    let engine = HeartbeatEngine::on_current_runtime(Endpoint(Arc::clone(&swf)), config);
    let begin = Instant::now();
    let handle = engine.start_task(task(0), schedule(Duration::from_secs(10)));
    // The keep-alive goes out at 8 s and is answered at 9 s; the report comes in between.
    tokio::time::sleep(Duration::from_millis(8500)).await;
    handle.progress().report("half way").unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let calls: Vec<(Duration, Option<String>)> = swf
        .calls()
        .into_iter()
        .map(|(at, _, details)| (at - begin, details))
        .collect();
    assert_eq!(
        calls,
        [
            (Duration::from_secs(8), None),
            (Duration::from_secs(9), Some("half way".to_owned()))
        ]
    );
}
