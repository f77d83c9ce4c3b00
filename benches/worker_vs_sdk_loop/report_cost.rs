//! What `Progress::report` costs on a task of a running heartbeat engine, alone and with 8 tasks
//! reporting at once, next to the floor of storing the same text under a `Mutex<String>`.
//!
//! Every figure is CPU time per report, summed over the reporting threads (each thread's own time
//! on a CPU, from `/proc/thread-self/schedstat`): with more threads than cores, or other processes
//! on the machine, wall time would count the time a thread waits for a core. It equals the
//! single-thread figure when reports scale and grows with contention on shared state.

use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde::Serialize;
use swf_activity::heartbeat::{
    HeartbeatAnswer, HeartbeatConfig, HeartbeatEngine, HeartbeatError, HeartbeatTransport,
    TaskHeartbeat, TaskSchedule,
};
use swf_activity::task::ActivityTask;
use swf_activity::{ActivityType, HeartbeatMode, Progress};

use crate::control::BenchResult;

/// The details reported: the struct and the text it renders to, so both report the same bytes.
#[derive(Serialize)]
struct Step {
    done: u32,
    total: u32,
    file: &'static str,
}

const STEP: Step = Step {
    done: 12,
    total: 40,
    file: "a.jpg",
};
const STEP_TEXT: &str = r#"{"done":12,"total":40,"file":"a.jpg"}"#;
const REPORTERS: usize = 8;

/// Nanoseconds per operation.
#[derive(Debug, Clone, Copy)]
pub struct ReportCost {
    pub str_alone: f64,
    pub str_reporters: f64,
    pub struct_alone: f64,
    pub floor_alone: f64,
    pub floor_reporters: f64,
}

/// Answers every heartbeat at once: the engine's network side costs nothing here.
struct InstantAnswers;

impl HeartbeatTransport for InstantAnswers {
    fn record_heartbeat(
        &self,
        _token: String,
        _details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        Box::pin(async {
            Ok(HeartbeatAnswer {
                cancel_requested: false,
            })
        })
    }
}

fn start_tasks(engine: &HeartbeatEngine, count: usize) -> Vec<TaskHeartbeat> {
    (0..count)
        .map(|i| {
            let task = ActivityTask::new(
                format!("token-{i}"),
                ActivityType::from_static("report", "1"),
                format!("a{i}"),
                "w",
                "r",
                3,
            );
            engine.start_task(
                task,
                TaskSchedule {
                    heartbeat_timeout: Some(Duration::from_secs(60)),
                    start_to_close_timeout: None,
                    mode: HeartbeatMode::Auto,
                },
            )
        })
        .collect()
}

/// CPU time per operation of `op` run `iterations` times on each of `states.len()` threads at
/// once (the median of `rounds` rounds).
fn cpu_ns_per_op<S: Send + Sync>(
    states: &[S],
    iterations: u64,
    rounds: usize,
    op: impl Fn(&S) + Sync,
) -> f64 {
    let threads = states.len();
    let mut results: Vec<f64> = (0..rounds)
        .map(|_| {
            let barrier = Barrier::new(threads);
            let spent: u64 = std::thread::scope(|scope| {
                let runs: Vec<_> = states
                    .iter()
                    .map(|state| {
                        let (barrier, op) = (&barrier, &op);
                        scope.spawn(move || {
                            barrier.wait();
                            let (cpu, wall) = (thread_cpu_ns(), Instant::now());
                            for _ in 0..iterations {
                                op(state);
                            }
                            match (cpu, thread_cpu_ns()) {
                                (Some(before), Some(after)) => after.saturating_sub(before),
                                _ => u64::try_from(wall.elapsed().as_nanos()).unwrap_or(u64::MAX),
                            }
                        })
                    })
                    .collect();
                runs.into_iter().map(|run| run.join().unwrap_or(0)).sum()
            });
            spent as f64 / (iterations as f64 * threads as f64)
        })
        .collect();
    results.sort_by(f64::total_cmp);
    results[results.len() / 2]
}

/// The calling thread's time on a CPU so far, from `/proc/thread-self/schedstat`.
fn thread_cpu_ns() -> Option<u64> {
    // The kernel brings a running thread's count up to date when it yields, not when it is read.
    std::thread::yield_now();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Measures every figure; `iterations` per thread and round.
pub fn measure(iterations: u64) -> BenchResult<ReportCost> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let _context = runtime.enter();
    let engine = HeartbeatEngine::new(InstantAnswers, HeartbeatConfig::default());
    let tasks = start_tasks(&engine, REPORTERS);
    let progress: Vec<Progress> = tasks.iter().map(TaskHeartbeat::progress).collect();
    progress[0].report(&STEP)?;
    if progress[0].last_details().as_deref() != Some(STEP_TEXT) {
        return Err("the struct does not render to the text it is compared with".into());
    }
    let floors: Vec<Mutex<String>> = (0..REPORTERS).map(|_| Mutex::new(String::new())).collect();
    let report_str = |p: &Progress| {
        let _ = black_box(p.report(black_box(STEP_TEXT)));
    };
    let report_struct = |p: &Progress| {
        let _ = black_box(p.report(black_box(&STEP)));
    };
    let floor = |m: &Mutex<String>| {
        if let Ok(mut details) = m.lock() {
            *details = black_box(STEP_TEXT).to_owned();
        }
    };
    // Warm up caches and the allocator.
    cpu_ns_per_op(&progress[..1], iterations / 10 + 1, 1, report_str);
    let rounds = 5;
    let cost = ReportCost {
        str_alone: cpu_ns_per_op(&progress[..1], iterations, rounds, report_str),
        str_reporters: cpu_ns_per_op(&progress, iterations, rounds, report_str),
        struct_alone: cpu_ns_per_op(&progress[..1], iterations, rounds, report_struct),
        floor_alone: cpu_ns_per_op(&floors[..1], iterations, rounds, floor),
        floor_reporters: cpu_ns_per_op(&floors, iterations, rounds, floor),
    };
    for task in tasks {
        task.finish();
    }
    Ok(cost)
}
