//! The summary: every figure next to the hand-written loop's and the goal it is held to.

use crate::phases::{NoopRun, OVERLOAD_BUDGET, OverloadRun, Sizes, SleepRun};
use crate::report_cost::ReportCost;

struct Row {
    figure: String,
    framework: String,
    reference: String,
    ratio: String,
    goal: &'static str,
    met: bool,
}

fn yes_no(met: bool) -> &'static str {
    if met { "yes" } else { "NO" }
}

/// Prints the table.
pub fn print(
    sizes: &Sizes,
    (noop, noop_loop): (NoopRun, NoopRun),
    (sleep, sleep_loop): (SleepRun, SleepRun),
    report: ReportCost,
    overload: OverloadRun,
) {
    let throughput = noop.tasks_per_second / noop_loop.tasks_per_second;
    let cpu = noop.cpu_ms_per_task / noop_loop.cpu_ms_per_task;
    let memory = sleep.kib_per_activity / sleep_loop.kib_per_activity;
    let reporters = report.str_reporters / report.str_alone;
    let structured = report.struct_alone / report.str_alone;
    let rows = [
        Row {
            figure: format!(
                "throughput, {} no-op tasks (median of {})",
                sizes.noop_tasks, sizes.repetitions
            ),
            framework: format!("{:.0} tasks/s", noop.tasks_per_second),
            reference: format!("{:.0} tasks/s", noop_loop.tasks_per_second),
            ratio: format!("{throughput:.2}x"),
            goal: ">= 0.9x",
            met: throughput >= 0.9,
        },
        Row {
            figure: "worker CPU per no-op task (median)".to_owned(),
            framework: format!("{:.3} ms", noop.cpu_ms_per_task),
            reference: format!("{:.3} ms", noop_loop.cpu_ms_per_task),
            ratio: format!("{cpu:.2}x"),
            goal: "<= 1.15x",
            met: cpu <= 1.15,
        },
        Row {
            figure: format!("memory per in-flight activity, {} sleeping", sleep.sleeping),
            framework: format!("{:.2} KiB", sleep.kib_per_activity),
            reference: format!("{:.2} KiB", sleep_loop.kib_per_activity),
            ratio: format!("{memory:.2}x"),
            goal: "<= 1.15x",
            met: memory <= 1.15,
        },
        Row {
            figure: format!(
                "CPU while {} sleep, default budget ({} s)",
                sleep.sleeping,
                sizes.idle_window.as_secs()
            ),
            framework: format!("{:.1}% of a core", sleep.idle_cpu_percent),
            reference: format!("{:.1}% of a core", sleep_loop.idle_cpu_percent),
            ratio: format!(
                "{:+.1} points",
                sleep.idle_cpu_percent - sleep_loop.idle_cpu_percent
            ),
            goal: "<= 2% of a core",
            met: sleep.idle_cpu_percent <= 2.0,
        },
        Row {
            figure: "report(&str), alone".to_owned(),
            framework: format!("{:.1} ns", report.str_alone),
            reference: format!("{:.1} ns (Mutex<String>)", report.floor_alone),
            ratio: format!("{:.2}x", report.str_alone / report.floor_alone),
            goal: "<= 35 ns",
            met: report.str_alone <= 35.0,
        },
        Row {
            figure: "report(&str), 8 reporting at once (CPU ns)".to_owned(),
            framework: format!("{:.1} ns ({reporters:.2}x alone)", report.str_reporters),
            reference: format!("{:.1} ns (Mutex<String>)", report.floor_reporters),
            ratio: format!("{:.2}x", report.str_reporters / report.floor_reporters),
            goal: "<= 1.5x alone",
            met: reporters <= 1.5,
        },
        Row {
            figure: "report(&struct), alone".to_owned(),
            framework: format!("{:.1} ns", report.struct_alone),
            reference: format!("{:.1} ns (report(&str))", report.str_alone),
            ratio: format!("{structured:.2}x"),
            goal: "<= 2x report(&str)",
            met: structured <= 2.0,
        },
        Row {
            figure: format!(
                "overload: {} tasks, 2 s heartbeat timeout, budget {}/{}/s",
                overload.tasks, OVERLOAD_BUDGET.0, OVERLOAD_BUDGET.1
            ),
            framework: format!(
                "{} kept alive, {} timed out",
                overload.kept_alive, overload.timed_out
            ),
            reference: format!("floor(5/s x 1.6 s) = {}", overload.ideal),
            ratio: format!("peak {} open", overload.peak_open),
            goal: ">= floor(rate x interval)",
            met: overload.kept_alive >= overload.ideal,
        },
        Row {
            figure: "overload: later tasks polled while over budget".to_owned(),
            framework: format!(
                "{} of {}",
                overload.probes_started_while_over, overload.probes
            ),
            reference: "0".to_owned(),
            ratio: String::new(),
            goal: "none",
            met: overload.probes_started_while_over == 0,
        },
    ];
    let header = Row {
        figure: "figure".to_owned(),
        framework: "swf-activity".to_owned(),
        reference: "aws-sdk-swf loop / floor".to_owned(),
        ratio: "ratio".to_owned(),
        goal: "goal",
        met: true,
    };
    let width = |f: fn(&Row) -> usize| rows.iter().chain([&header]).map(f).max().unwrap_or(0);
    let w = [
        width(|r| r.figure.len()),
        width(|r| r.framework.len()),
        width(|r| r.reference.len()),
        width(|r| r.ratio.len()),
        width(|r| r.goal.len()),
    ];
    println!();
    println!(
        "{:<a$}  {:>b$}  {:>c$}  {:>d$}  {:<e$}  met",
        header.figure,
        header.framework,
        header.reference,
        header.ratio,
        header.goal,
        a = w[0],
        b = w[1],
        c = w[2],
        d = w[3],
        e = w[4]
    );
    for row in &rows {
        println!(
            "{:<a$}  {:>b$}  {:>c$}  {:>d$}  {:<e$}  {}",
            row.figure,
            row.framework,
            row.reference,
            row.ratio,
            row.goal,
            yes_no(row.met),
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3],
            e = w[4]
        );
    }
    let missed = rows.iter().filter(|r| !r.met).count();
    println!("\n{} of {} goals met", rows.len() - missed, rows.len());
}
