//! One budget for a whole worker: never more heartbeats than the bucket allows, and no task
//! misses its deadline while the budget suffices.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use swf_activity::heartbeat::{
    HeartbeatAnswer, HeartbeatBudget, HeartbeatConfig, HeartbeatEngine, HeartbeatError,
    HeartbeatTransport, TaskSchedule,
};
use swf_activity::task::ActivityTask;
use swf_activity::{ActivityType, HeartbeatMode};
use tokio::time::Instant;

/// Records when each token's heartbeats were sent.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<(Instant, String)>>,
}

impl HeartbeatTransport for Recorder {
    fn record_heartbeat(
        &self,
        task_token: String,
        _details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        self.calls
            .lock()
            .unwrap()
            .push((Instant::now(), task_token));
        Box::pin(async { Ok(HeartbeatAnswer::default()) })
    }
}

fn task(n: usize) -> ActivityTask {
    ActivityTask::new(
        format!("token-{n}"),
        ActivityType::from_static("Many", "1"),
        format!("a{n}"),
        "w",
        "r",
        1,
    )
}

#[tokio::test(start_paused = true)]
async fn a_thousand_tasks_share_a_budget_of_100_per_second() {
    const TASKS: usize = 1000;
    const RUN: Duration = Duration::from_secs(60);
    let heartbeat_timeout = Duration::from_secs(20);
    let budget = HeartbeatBudget {
        burst: 100,
        refill_per_second: 100,
    };
    let recorder = Arc::new(Recorder::default());
    let engine = HeartbeatEngine::on_current_runtime(
        Arc::clone(&recorder) as Arc<dyn HeartbeatTransport>,
        HeartbeatConfig {
            budget,
            ..HeartbeatConfig::default()
        },
    );
    let start = Instant::now();
    let schedule = TaskSchedule {
        heartbeat_timeout: Some(heartbeat_timeout),
        start_to_close_timeout: None,
        mode: HeartbeatMode::Auto,
    };
    // 1000 tasks with a 16 s interval need 62.5 heartbeats a second: the budget suffices.
    let handles: Vec<_> = (0..TASKS)
        .map(|n| engine.start_task(task(n), schedule))
        .collect();
    for (n, handle) in handles.iter().enumerate() {
        if n % 2 == 0 {
            handle.progress().report(&n).unwrap();
        }
    }
    tokio::time::sleep(RUN).await;
    drop(handles);

    let calls = recorder.calls.lock().unwrap().clone();
    // Never more than the bucket allows: its burst plus its refill over the elapsed time.
    for (index, (at, _)) in calls.iter().enumerate() {
        let elapsed = at.duration_since(start).as_secs_f64();
        let allowed = f64::from(budget.burst) + f64::from(budget.refill_per_second) * elapsed;
        assert!(
            (index + 1) as f64 <= allowed + 1e-9,
            "call {} at {elapsed:.3}s exceeds the budget of {allowed}",
            index + 1
        );
    }
    // Every task heartbeats before each of its deadlines.
    let mut per_task: HashMap<&str, Vec<Instant>> = HashMap::new();
    for (at, token) in &calls {
        per_task.entry(token).or_default().push(*at);
    }
    assert_eq!(per_task.len(), TASKS);
    let mut worst_gap = Duration::ZERO;
    for times in per_task.values() {
        let mut last = start;
        for &at in times.iter().chain(std::iter::once(&(start + RUN))) {
            worst_gap = worst_gap.max(at - last);
            last = at;
        }
    }
    assert!(
        worst_gap < heartbeat_timeout,
        "a task went {worst_gap:?} without a heartbeat"
    );
    // The budget was the limit (the first 1000 heartbeats took 9 s), and the engine counted it.
    let stats = engine.stats();
    assert_eq!(stats.sent as usize, calls.len());
    assert!(stats.throttled >= 900, "{stats:?}");
    println!(
        "{} heartbeats in {RUN:?}, worst gap {worst_gap:?}, {stats:?}",
        calls.len()
    );
}

#[tokio::test(start_paused = true)]
async fn tasks_nearest_their_deadline_go_first() {
    let recorder = Arc::new(Recorder::default());
    let engine = HeartbeatEngine::on_current_runtime(
        Arc::clone(&recorder) as Arc<dyn HeartbeatTransport>,
        HeartbeatConfig {
            budget: HeartbeatBudget {
                burst: 1,
                refill_per_second: 1,
            },
            ..HeartbeatConfig::default()
        },
    );
    let schedule = |seconds| TaskSchedule {
        heartbeat_timeout: Some(Duration::from_secs(seconds)),
        start_to_close_timeout: None,
        mode: HeartbeatMode::Auto,
    };
    // Started together and reporting at once, all due at once; the bucket lets one through a
    // second.
    let relaxed = engine.start_task(task(0), schedule(600));
    let urgent = engine.start_task(task(1), schedule(5));
    let middle = engine.start_task(task(2), schedule(60));
    for handle in [&relaxed, &urgent, &middle] {
        handle.progress().report("started").unwrap();
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let order: Vec<String> = recorder
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|(_, token)| token.clone())
        .collect();
    assert_eq!(order, ["token-1", "token-2", "token-0"]);
}

/// Collects what a tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_insufficient_budget_is_warned_about_once_with_the_numbers() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let recorder = Arc::new(Recorder::default());
    let engine = HeartbeatEngine::on_current_runtime(
        Arc::clone(&recorder) as Arc<dyn HeartbeatTransport>,
        HeartbeatConfig {
            budget: HeartbeatBudget {
                burst: 10,
                refill_per_second: 10,
            },
            ..HeartbeatConfig::default()
        },
    );
    let schedule = TaskSchedule {
        heartbeat_timeout: Some(Duration::from_secs(2)),
        start_to_close_timeout: None,
        mode: HeartbeatMode::Auto,
    };
    // 40 tasks with a 1.6 s interval need 25 heartbeats a second; the bucket refills 10.
    let mut handles: Vec<_> = (0..40)
        .map(|n| engine.start_task(task(n), schedule))
        .collect();
    tokio::time::sleep(Duration::from_secs(5)).await;
    handles.extend((40..80).map(|n| engine.start_task(task(n), schedule)));
    tokio::time::sleep(Duration::from_secs(5)).await;
    drop(handles);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let warnings: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("heartbeat budget cannot cover"))
        .collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    assert!(
        warnings[0].contains("refill_per_second=10"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("needed_per_second=25"),
        "{}",
        warnings[0]
    );
}
