//! swf-activity's worker next to a hand-written aws-sdk-swf poll/respond loop, on loopback
//! against swf-local, with every figure a ratio measured in the same run.
//!
//! ```text
//! cargo bench --bench worker_vs_sdk_loop                          # the full run, about 2 minutes
//! WORKER_BENCH_QUICK=1 cargo test --bench worker_vs_sdk_loop      # a smoke run in a debug build
//! ```
//!
//! The endpoint and each measured worker run in child processes of their own (this executable
//! again, in another role), so the CPU time and memory a worker reads from `/proc/self` are its
//! own and each worker starts with a fresh allocator. The endpoint schedules activities through
//! swf-local's harness, without a decider, and reports outcomes, heartbeats and histories.
//!
//! | phase | what | figure |
//! |---|---|---|
//! | no-op tasks | 2,000 tasks waiting at the endpoint, 4 pollers, 16 at once; 5 repetitions in alternating order | tasks/s and worker CPU per task, medians |
//! | sleeping tasks | 10,000 activities without heartbeat timeout started and sleeping, 4 pollers, default budget, cancel checks every 120 s | RSS growth per activity; CPU over the next 10 s |
//! | `report()` | `Progress::report` on tasks of a heartbeat engine, 1 and 8 threads | ns per report next to a `Mutex<String>` |
//! | overload | 30 tasks with a 2 s heartbeat timeout sleeping 6 s without reporting, budget burst 10, 5/s; then 10 no-op tasks | tasks kept alive, tasks polled while over budget |
#![forbid(unsafe_code)]

mod activities;
mod control;
mod endpoint;
mod phases;
mod process_stats;
mod report_cost;
mod sdk_loop;
mod table;
mod worker_role;

use std::process::ExitCode;

use control::{BenchResult, ROLE_VAR, RoleProcess};
use phases::{NoopRun, Sizes};
use worker_role::Variant;

/// Set (to anything) for a short smoke run.
const QUICK_VAR: &str = "WORKER_BENCH_QUICK";

fn main() -> ExitCode {
    let result = match std::env::var(ROLE_VAR).as_deref() {
        Ok("endpoint") => endpoint::main(),
        Ok("worker") => worker_role::main(),
        _ => bench(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("worker_vs_sdk_loop: {error}");
            ExitCode::FAILURE
        }
    }
}

fn bench() -> BenchResult<()> {
    let quick = std::env::var_os(QUICK_VAR).is_some();
    let sizes = if quick { Sizes::quick() } else { Sizes::full() };
    println!(
        "worker_vs_sdk_loop{}: {} cores, {} build",
        if quick { " (quick)" } else { "" },
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    );

    let report = report_cost::measure(sizes.report_iterations)?;
    println!("report(): measured");

    let mut endpoint = RoleProcess::spawn("endpoint", &[])?;
    let url = endpoint.read_line()?;
    let url = url
        .strip_prefix("url=")
        .ok_or("the endpoint did not say its url")?
        .to_owned();

    let mut framework_runs = Vec::new();
    let mut loop_runs = Vec::new();
    for repetition in 0..sizes.repetitions {
        let order = if repetition % 2 == 0 {
            [Variant::Framework, Variant::SdkLoop]
        } else {
            [Variant::SdkLoop, Variant::Framework]
        };
        for variant in order {
            let run = phases::noop_run(&mut endpoint, &url, variant, &sizes)?;
            println!(
                "no-op tasks, {:<9} {:>6.0} tasks/s  {:.3} ms CPU/task  {} heartbeats",
                variant.name(),
                run.tasks_per_second,
                run.cpu_ms_per_task,
                run.heartbeats
            );
            match variant {
                Variant::Framework => framework_runs.push(run),
                Variant::SdkLoop => loop_runs.push(run),
            }
        }
    }

    let mut sleep_runs = Vec::new();
    for variant in [Variant::Framework, Variant::SdkLoop] {
        let run = phases::sleep_run(&mut endpoint, &url, variant, &sizes)?;
        println!(
            "sleeping tasks, {:<9} {} sleeping  {:.2} KiB each  {:.1}% of a core  {} heartbeats",
            variant.name(),
            run.sleeping,
            run.kib_per_activity,
            run.idle_cpu_percent,
            run.heartbeats
        );
        sleep_runs.push(run);
    }

    let overload = phases::overload_run(&mut endpoint, &url, &sizes)?;
    println!(
        "overload: {} of {} kept alive ({} timed out), at most {} open at once, {} of {} later tasks started while over",
        overload.kept_alive,
        overload.tasks,
        overload.timed_out,
        overload.peak_open,
        overload.probes_started_while_over,
        overload.probes
    );

    let noop = (median(&framework_runs), median(&loop_runs));
    table::print(
        &sizes,
        noop,
        (sleep_runs[0], sleep_runs[1]),
        report,
        overload,
    );
    Ok(())
}

/// The median run by throughput and the median CPU per task, each taken on its own.
fn median(runs: &[NoopRun]) -> NoopRun {
    let pick = |key: fn(&NoopRun) -> f64| {
        let mut values: Vec<f64> = runs.iter().map(key).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    NoopRun {
        tasks_per_second: pick(|r| r.tasks_per_second),
        cpu_ms_per_task: pick(|r| r.cpu_ms_per_task),
        heartbeats: runs.iter().map(|r| r.heartbeats).max().unwrap_or(0),
    }
}
