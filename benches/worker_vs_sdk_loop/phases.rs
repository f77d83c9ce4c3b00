//! The measured phases. Each starts a worker process of one variant against the shared endpoint
//! process, schedules its tasks through the endpoint and reads what happened from it.

use std::time::{Duration, Instant};

use crate::activities::{KEEP_ALIVE, KEEP_ALIVE_HEARTBEAT_TIMEOUT, NOOP, SLEEPER};
use crate::control::{BenchResult, Reply, RoleProcess};
use crate::worker_role::{
    BUDGET_VAR, CANCEL_CHECK_VAR, CONCURRENCY_VAR, ENDPOINT_VAR, POLLERS_VAR, VARIANT_VAR, Variant,
};

/// How big and how long each phase is.
#[derive(Debug, Clone)]
pub struct Sizes {
    pub noop_tasks: u64,
    pub repetitions: usize,
    pub pollers: usize,
    pub noop_concurrency: usize,
    pub sleepers: u64,
    pub idle_window: Duration,
    pub report_iterations: u64,
    pub overload_tasks: u64,
    pub overload_probes: u64,
    pub overload_task_duration: Duration,
}

impl Sizes {
    pub fn full() -> Self {
        Sizes {
            noop_tasks: 2000,
            repetitions: 5,
            pollers: 4,
            noop_concurrency: 16,
            sleepers: 10_000,
            idle_window: Duration::from_secs(10),
            report_iterations: 2_000_000,
            overload_tasks: 30,
            overload_probes: 10,
            overload_task_duration: Duration::from_secs(6),
        }
    }

    pub fn quick() -> Self {
        Sizes {
            noop_tasks: 200,
            repetitions: 1,
            sleepers: 500,
            idle_window: Duration::from_secs(2),
            report_iterations: 50_000,
            overload_task_duration: Duration::from_secs(4),
            ..Self::full()
        }
    }
}

/// Seconds between the cancel-check heartbeats of the sleeping activities (which have no
/// heartbeat timeout). The worker admits only as many tasks as the budget's refill (default
/// 100/s) can heartbeat, so with the default 30 s it holds 3,000 of them; at 120 s, 10,000 need
/// 83 heartbeats/s.
pub const SLEEPER_CANCEL_CHECK_SECS: u64 = 120;

/// The overload budget: burst and refill per second.
pub const OVERLOAD_BUDGET: (u32, u32) = (10, 5);

/// The framework's heartbeat settings, when not the defaults.
#[derive(Debug, Clone, Copy)]
enum Heartbeat {
    Default,
    /// Budget burst and refill per second.
    Budget(u32, u32),
    /// Seconds between cancel-check heartbeats.
    CancelCheckSecs(u64),
}

/// A worker process of one variant.
struct WorkerProcess {
    process: RoleProcess,
}

impl WorkerProcess {
    fn start(
        endpoint: &str,
        variant: Variant,
        pollers: usize,
        concurrency: usize,
        heartbeat: Heartbeat,
    ) -> BenchResult<Self> {
        let mut env = vec![
            (VARIANT_VAR, variant.name().to_owned()),
            (ENDPOINT_VAR, endpoint.to_owned()),
            (POLLERS_VAR, pollers.to_string()),
            (CONCURRENCY_VAR, concurrency.to_string()),
        ];
        match heartbeat {
            Heartbeat::Default => {}
            Heartbeat::Budget(burst, rate) => env.push((BUDGET_VAR, format!("{burst},{rate}"))),
            Heartbeat::CancelCheckSecs(secs) => env.push((CANCEL_CHECK_VAR, secs.to_string())),
        }
        Ok(WorkerProcess {
            process: RoleProcess::spawn("worker", &env)?,
        })
    }

    fn call(&mut self, command: &str) -> BenchResult<Usage> {
        Usage::from_reply(&self.process.call(command)?)
    }
}

/// A worker process's CPU time and memory so far.
#[derive(Debug, Clone, Copy)]
struct Usage {
    cpu_ms: u64,
    rss_kib: u64,
    sleeping: u64,
}

impl Usage {
    fn from_reply(reply: &Reply) -> BenchResult<Self> {
        Ok(Usage {
            cpu_ms: reply.number("cpu_ms")?,
            rss_kib: reply.number("rss_kib")?,
            sleeping: reply.number("sleeping")?,
        })
    }
}

/// One run of no-op tasks.
#[derive(Debug, Clone, Copy)]
pub struct NoopRun {
    pub tasks_per_second: f64,
    pub cpu_ms_per_task: f64,
    pub heartbeats: u64,
}

/// Runs `sizes.noop_tasks` no-op tasks through one variant: the tasks wait at the endpoint, the
/// worker starts, and the clock stops when the endpoint has every answer.
pub fn noop_run(
    endpoint: &mut RoleProcess,
    url: &str,
    variant: Variant,
    sizes: &Sizes,
) -> BenchResult<NoopRun> {
    let tasks = sizes.noop_tasks;
    endpoint.call("clear")?;
    endpoint.call(&format!("schedule name={NOOP} count={tasks}"))?;
    let mut worker = WorkerProcess::start(
        url,
        variant,
        sizes.pollers,
        sizes.noop_concurrency,
        Heartbeat::Default,
    )?;
    let before = worker.call("sample")?;
    let started = Instant::now();
    worker.call("go")?;
    let closed = endpoint.call("wait-closed timeout_ms=120000")?;
    let elapsed = started.elapsed();
    let after = worker.call("stop")?;
    let completed: u64 = closed.number("completed")?;
    if completed != tasks {
        return Err(format!(
            "{} completed {completed} of {tasks} no-op tasks",
            variant.name()
        )
        .into());
    }
    // The worker's CPU from start until it stopped; the idle second of its last long polls
    // costs next to nothing.
    Ok(NoopRun {
        tasks_per_second: tasks as f64 / elapsed.as_secs_f64(),
        cpu_ms_per_task: after.cpu_ms.saturating_sub(before.cpu_ms) as f64 / tasks as f64,
        heartbeats: closed.number("heartbeats")?,
    })
}

/// Many activities sleeping at once.
#[derive(Debug, Clone, Copy)]
pub struct SleepRun {
    /// How many were sleeping in the worker when measured.
    pub sleeping: u64,
    pub kib_per_activity: f64,
    pub idle_cpu_percent: f64,
    pub heartbeats: u64,
}

/// Starts `sizes.sleepers` sleeping activities in one variant, then measures memory per activity
/// and the CPU the worker spends while they sleep over `sizes.idle_window`.
pub fn sleep_run(
    endpoint: &mut RoleProcess,
    url: &str,
    variant: Variant,
    sizes: &Sizes,
) -> BenchResult<SleepRun> {
    let wanted = sizes.sleepers;
    endpoint.call("clear")?;
    endpoint.call(&format!("schedule name={SLEEPER} count={wanted}"))?;
    let concurrency = usize::try_from(wanted)?;
    let mut worker = WorkerProcess::start(
        url,
        variant,
        sizes.pollers,
        concurrency,
        Heartbeat::CancelCheckSecs(SLEEPER_CANCEL_CHECK_SECS),
    )?;
    let baseline = worker.call("go")?;
    // Until all sleep, or no more start for 10 s (at most 3 minutes).
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut last_progress = (0, Instant::now());
    let mut now = worker.call("sample")?;
    while now.sleeping < wanted && Instant::now() < deadline {
        if now.sleeping > last_progress.0 {
            last_progress = (now.sleeping, Instant::now());
        } else if last_progress.1.elapsed() > Duration::from_secs(10) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        now = worker.call("sample")?;
    }
    let window_start = worker.call("sample")?;
    let clock = Instant::now();
    std::thread::sleep(sizes.idle_window);
    let window_end = worker.call("sample")?;
    let window = clock.elapsed();
    worker.process.call("release")?;
    let closed = endpoint.call("wait-closed timeout_ms=120000")?;
    worker.call("stop")?;
    let sleeping = window_end.sleeping.max(1);
    Ok(SleepRun {
        sleeping: window_end.sleeping,
        kib_per_activity: window_end.rss_kib.saturating_sub(baseline.rss_kib) as f64
            / sleeping as f64,
        idle_cpu_percent: window_end.cpu_ms.saturating_sub(window_start.cpu_ms) as f64 * 100.0
            / (window.as_secs_f64() * 1000.0),
        heartbeats: closed.number("heartbeats")?,
    })
}

/// The overload case: more tasks than the budget can keep alive.
#[derive(Debug, Clone, Copy)]
pub struct OverloadRun {
    pub tasks: u64,
    pub kept_alive: u64,
    pub timed_out: u64,
    /// floor(refill x heartbeat interval): what the budget can keep alive at once.
    pub ideal: u64,
    /// The most keep-alive tasks started and open at once at the endpoint.
    pub peak_open: u64,
    pub probes: u64,
    /// Tasks scheduled after the keep-alive ones that the worker started while more keep-alive
    /// tasks were open than the budget can keep alive.
    pub probes_started_while_over: u64,
}

/// Schedules `sizes.overload_tasks` tasks with a 2 s heartbeat timeout that sleep without
/// reporting, on a worker with budget burst 10 and refill 5/s; once the worker has taken what it
/// takes, schedules no-op probes. Reads from the endpoint's histories which tasks completed and
/// when each probe started.
pub fn overload_run(
    endpoint: &mut RoleProcess,
    url: &str,
    sizes: &Sizes,
) -> BenchResult<OverloadRun> {
    let (burst, rate) = OVERLOAD_BUDGET;
    let interval = KEEP_ALIVE_HEARTBEAT_TIMEOUT.as_secs_f64() * 0.8;
    let ideal = (f64::from(rate) * interval).floor() as u64;
    let tasks = sizes.overload_tasks;
    let concurrency = usize::try_from(tasks + sizes.overload_probes)? * 2;
    endpoint.call("clear")?;
    let millis = sizes.overload_task_duration.as_millis();
    endpoint.call(&format!(
        "schedule name={KEEP_ALIVE} count={tasks} input={millis}"
    ))?;
    let mut worker = WorkerProcess::start(
        url,
        Variant::Framework,
        sizes.pollers,
        concurrency,
        Heartbeat::Budget(burst, rate),
    )?;
    worker.call("go")?;
    // Until every task started, or none started for a second (at most 10 s).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = (0u64, Instant::now());
    while Instant::now() < deadline {
        let started: u64 = endpoint.call("tasks")?.number("started")?;
        if started >= tasks {
            break;
        }
        if started > last.0 {
            last = (started, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(1) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    endpoint.call(&format!(
        "schedule name={NOOP} count={}",
        sizes.overload_probes
    ))?;
    // Every task runs for the task duration, so admitting `ideal` at a time ends within a few
    // rounds; give it that and some.
    let rounds = tasks.div_ceil(ideal.max(1)) + 2;
    let limit = sizes.overload_task_duration.as_millis() as u64 * rounds + 10_000;
    endpoint.call(&format!("wait-closed timeout_ms={limit}"))?;
    worker.call("stop")?;
    let histories = endpoint.call_lines("histories")?;
    let mut keep_alive_spans = Vec::new();
    let mut probe_starts = Vec::new();
    let (mut kept_alive, mut timed_out) = (0, 0);
    for line in &histories {
        let started: Option<f64> = line.number("started").ok();
        let closed: f64 = line.number("closed").unwrap_or(f64::INFINITY);
        match line.text("name")? {
            KEEP_ALIVE => {
                match line.text("outcome")? {
                    "completed" => kept_alive += 1,
                    "timed_out" => timed_out += 1,
                    _ => {}
                }
                if let Some(started) = started {
                    keep_alive_spans.push((started, closed));
                }
            }
            _ => probe_starts.extend(started),
        }
    }
    let open_at = |t: f64| {
        keep_alive_spans
            .iter()
            .filter(|(start, end)| *start <= t && t < *end)
            .count() as u64
    };
    let peak_open = keep_alive_spans
        .iter()
        .map(|(start, _)| open_at(*start))
        .max()
        .unwrap_or(0);
    let probes_started_while_over =
        probe_starts.iter().filter(|t| open_at(**t) > ideal).count() as u64;
    Ok(OverloadRun {
        tasks,
        kept_alive,
        timed_out,
        ideal,
        peak_open,
        probes: sizes.overload_probes,
        probes_started_while_over,
    })
}
