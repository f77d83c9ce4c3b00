//! Heartbeats keep going while activity code blocks its executor thread.
//!
//! Real time, short durations and generous margins: the engine's own thread sends every 200 ms
//! while the activity's only runtime thread sleeps for 600 ms.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use swf_activity::heartbeat::{
    HeartbeatAnswer, HeartbeatConfig, HeartbeatEngine, HeartbeatError, HeartbeatTransport,
    TaskSchedule,
};
use swf_activity::task::ActivityTask;
use swf_activity::{ActivityType, HeartbeatMode};

#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<Instant>>,
}

impl HeartbeatTransport for Recorder {
    fn record_heartbeat(
        &self,
        _task_token: String,
        _details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        self.calls.lock().unwrap().push(Instant::now());
        Box::pin(async { Ok(HeartbeatAnswer::default()) })
    }
}

#[test]
fn heartbeats_continue_while_the_activity_blocks_its_thread() {
    let interval = Duration::from_millis(200);
    let recorder = Arc::new(Recorder::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (blocked_from, blocked_until) = runtime.block_on(async {
        let engine = HeartbeatEngine::new(
            Arc::clone(&recorder) as Arc<dyn HeartbeatTransport>,
            HeartbeatConfig::default(),
        );
        let heartbeat = engine.start_task(
            ActivityTask::new(
                "t",
                ActivityType::from_static("Busy", "1"),
                "a",
                "w",
                "r",
                1,
            ),
            TaskSchedule {
                // 0.8 x 250 ms = 200 ms between heartbeats.
                heartbeat_timeout: Some(Duration::from_millis(250)),
                start_to_close_timeout: None,
                mode: HeartbeatMode::Auto,
            },
        );
        let progress = heartbeat.progress();
        progress.report("busy").unwrap();
        // CPU-bound code with no `.await`: the runtime's only thread is stuck for 3 intervals.
        let from = Instant::now();
        std::thread::sleep(3 * interval);
        let until = Instant::now();
        heartbeat.finish();
        (from, until)
    });
    let calls = recorder.calls.lock().unwrap().clone();
    let during = calls
        .iter()
        .filter(|&&at| at > blocked_from && at < blocked_until)
        .count();
    println!(
        "{during} heartbeats while the thread was blocked for {:?}",
        blocked_until - blocked_from
    );
    // Ideally 3 (at 200, 400 and 600 ms, give or take the first at 0); at least 2 even on a
    // loaded machine.
    assert!(
        during >= 2,
        "only {during} heartbeats while blocked; all: {:?}",
        calls
            .iter()
            .map(|at| at.duration_since(blocked_from))
            .collect::<Vec<_>>()
    );
}
