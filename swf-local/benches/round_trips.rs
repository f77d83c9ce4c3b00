//! Activity round trips (PollForActivityTask + RespondActivityTaskCompleted) per second over
//! loopback with aws-sdk-swf, and the state size while 100,000 tasks complete.
//!
//! `cargo bench -p swf-local --bench round_trips` (env `ROUND_TRIPS`, `POLLERS` to change).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_swf::Client;
use aws_sdk_swf::types::TaskList;
use swf_local::{ActivitySpec, LocalSwf};

const DOMAIN: &str = "bench";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn worker(swf: Client, done: Arc<AtomicU64>, total: u64) -> u64 {
    let list = TaskList::builder()
        .name("bench")
        .build()
        .expect("task list");
    let mut mine = 0;
    while done.load(Ordering::Relaxed) < total {
        let task = match swf
            .poll_for_activity_task()
            .domain(DOMAIN)
            .task_list(list.clone())
            .send()
            .await
        {
            Ok(task) => task,
            Err(error) => {
                eprintln!("poll failed: {error}");
                continue;
            }
        };
        if task.task_token().is_empty() {
            continue;
        }
        swf.respond_activity_task_completed()
            .task_token(task.task_token())
            .result("ok")
            .send()
            .await
            .expect("respond");
        done.fetch_add(1, Ordering::Relaxed);
        mine += 1;
    }
    mine
}

fn main() {
    let total = env_or("ROUND_TRIPS", 100_000);
    let pollers = env_or("POLLERS", 16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let local = LocalSwf::builder()
            .poll_timeout(Duration::from_secs(1))
            .start()
            .await
            .expect("start swf-local");
        let swf = Client::new(local.sdk_config());
        swf.register_domain()
            .name(DOMAIN)
            .workflow_execution_retention_period_in_days("1")
            .send()
            .await
            .expect("domain");
        swf.register_activity_type()
            .domain(DOMAIN)
            .name("noop")
            .version("1")
            .default_task_list(TaskList::builder().name("bench").build().expect("task list"))
            .default_task_start_to_close_timeout("300")
            .default_task_heartbeat_timeout("NONE")
            .default_task_schedule_to_start_timeout("NONE")
            .default_task_schedule_to_close_timeout("NONE")
            .send()
            .await
            .expect("type");
        let rss_start = rss_kib();
        let done = Arc::new(AtomicU64::new(0));
        let workers: Vec<_> = (0..pollers)
            .map(|_| tokio::spawn(worker(swf.clone(), done.clone(), total)))
            .collect();
        let started = Instant::now();
        let mut scheduled = 0u64;
        let mut peak = swf_local::StateStats::default();
        let mut next_report = 0u64;
        while done.load(Ordering::Relaxed) < total {
            // Keep a backlog of up to 2,000 scheduled tasks.
            let backlog = scheduled - done.load(Ordering::Relaxed);
            if backlog < 2000 && scheduled < total {
                for _ in 0..(2000 - backlog).min(total - scheduled) {
                    local
                        .schedule_activity(ActivitySpec::new(DOMAIN, "noop", "1"))
                        .expect("schedule");
                    scheduled += 1;
                }
            }
            if done.load(Ordering::Relaxed) >= next_report {
                let stats = local.stats();
                peak.closed_executions = peak.closed_executions.max(stats.closed_executions);
                peak.open_executions = peak.open_executions.max(stats.open_executions);
                peak.history_events = peak.history_events.max(stats.history_events);
                peak.task_tokens = peak.task_tokens.max(stats.task_tokens);
                peak.timers = peak.timers.max(stats.timers);
                next_report += total / 10;
                println!(
                    "  {:>7} done  rss {:>7} KiB  open {:>5}  closed kept {:>5}  events {:>6}  tokens {:>5}  timers {:>5}",
                    done.load(Ordering::Relaxed),
                    rss_kib(),
                    stats.open_executions,
                    stats.closed_executions,
                    stats.history_events,
                    stats.task_tokens,
                    stats.timers,
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let elapsed = started.elapsed();
        for w in workers {
            let _ = w.await;
        }
        let stats = local.stats();
        println!(
            "round trips: {total} in {:.2} s = {:.0} round trips/s ({} HTTP requests/s) with {pollers} pollers",
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64(),
            (2.0 * total as f64 / elapsed.as_secs_f64()) as u64,
        );
        println!(
            "state after {total} completed tasks: open {} closed kept {} events {} tokens {} timers {} (peak closed {}, peak events {})",
            stats.open_executions,
            stats.closed_executions,
            stats.history_events,
            stats.task_tokens,
            stats.timers,
            peak.closed_executions,
            peak.history_events,
        );
        println!("rss: {rss_start} KiB before, {} KiB after", rss_kib());
        assert!(stats.closed_executions <= 1000, "closed executions must stay within the retention");
    });
}
