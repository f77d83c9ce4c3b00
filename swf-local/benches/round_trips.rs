//! Activity round trips (PollForActivityTask + RespondActivityTaskCompleted) per second over
//! loopback, and the state size while 100,000 tasks complete.
//!
//! Two Rust clients: aws-sdk-swf (which spends most of its time signing and orchestrating),
//! and a lean HTTP/1.1 keep-alive client speaking the same AWS JSON 1.0 requests, which shows
//! what the endpoint itself sustains. Tasks are scheduled in-process through the harness.
//!
//! `cargo bench -p swf-local --bench round_trips`; env `ROUND_TRIPS` (default 100000, the lean
//! client's run; the SDK run does a fifth of it), `POLLERS` (default 16).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_swf::Client;
use aws_sdk_swf::types::TaskList;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use swf_local::{ActivitySpec, LocalSwf, StateStats};

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

async fn sdk_worker(swf: Client, done: Arc<AtomicU64>, total: u64) {
    let list = TaskList::builder()
        .name("bench")
        .build()
        .expect("task list");
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
    }
}

/// One keep-alive HTTP/1.1 connection sending AWS JSON 1.0 requests.
struct LeanClient {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl LeanClient {
    async fn connect(addr: std::net::SocketAddr) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        Self { sender }
    }

    async fn call(&mut self, operation: &str, body: serde_json::Value) -> serde_json::Value {
        let request = hyper::Request::post("/")
            .header("host", "swf-local")
            .header("x-amz-target", format!("SimpleWorkflowService.{operation}"))
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from(
                serde_json::to_vec(&body).expect("json"),
            )))
            .expect("request");
        let response = self.sender.send_request(request).await.expect("send");
        assert!(
            response.status().is_success(),
            "{operation}: {}",
            response.status()
        );
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice(&bytes).expect("json answer")
    }
}

async fn lean_worker(addr: std::net::SocketAddr, done: Arc<AtomicU64>, total: u64) {
    let mut client = LeanClient::connect(addr).await;
    let poll =
        serde_json::json!({"domain": DOMAIN, "taskList": {"name": "bench"}, "identity": "bench"});
    while done.load(Ordering::Relaxed) < total {
        let task = client.call("PollForActivityTask", poll.clone()).await;
        let token = task["taskToken"].as_str().unwrap_or_default();
        if token.is_empty() {
            continue;
        }
        client
            .call(
                "RespondActivityTaskCompleted",
                serde_json::json!({"taskToken": token, "result": "ok"}),
            )
            .await;
        done.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sdk,
    Lean,
}

async fn run(local: &LocalSwf, kind: Kind, total: u64, pollers: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..pollers)
        .map(|_| match kind {
            Kind::Sdk => tokio::spawn(sdk_worker(
                Client::new(local.sdk_config()),
                done.clone(),
                total,
            )),
            Kind::Lean => tokio::spawn(lean_worker(local.addr(), done.clone(), total)),
        })
        .collect();
    let started = Instant::now();
    let mut scheduled = 0u64;
    let mut peak = StateStats::default();
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
        if kind == Kind::Lean && done.load(Ordering::Relaxed) >= next_report {
            let stats = local.stats();
            peak.closed_executions = peak.closed_executions.max(stats.closed_executions);
            peak.history_events = peak.history_events.max(stats.history_events);
            next_report += total / 10;
            println!(
                "  {:>7} done  rss {:>6} KiB  open {:>5}  closed kept {:>5}  events {:>6}  tokens {:>4}  timers {:>4}",
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
    let elapsed = started.elapsed().as_secs_f64();
    for w in workers {
        let _ = w.await;
    }
    let rate = total as f64 / elapsed;
    let name = match kind {
        Kind::Sdk => "aws-sdk-swf client",
        Kind::Lean => "lean HTTP/1.1 client",
    };
    println!(
        "{name}: {total} round trips in {elapsed:.2} s = {rate:.0} round trips/s ({:.0} requests/s), {pollers} pollers",
        2.0 * rate
    );
    if kind == Kind::Lean {
        let stats = local.stats();
        println!(
            "state after the run: open {} closed kept {} (peak {}) events {} (peak {}) tokens {} timers {}",
            stats.open_executions,
            stats.closed_executions,
            peak.closed_executions,
            stats.history_events,
            peak.history_events,
            stats.task_tokens,
            stats.timers,
        );
        assert!(
            stats.closed_executions <= 1000,
            "closed executions must stay within the retention"
        );
    }
    rate
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
            .default_task_list(
                TaskList::builder()
                    .name("bench")
                    .build()
                    .expect("task list"),
            )
            .default_task_start_to_close_timeout("300")
            .default_task_heartbeat_timeout("NONE")
            .default_task_schedule_to_start_timeout("NONE")
            .default_task_schedule_to_close_timeout("NONE")
            .send()
            .await
            .expect("type");
        let rss_start = rss_kib();
        run(&local, Kind::Sdk, (total / 5).max(1), pollers).await;
        run(&local, Kind::Lean, total, pollers).await;
        println!("rss: {rss_start} KiB before, {} KiB after", rss_kib());
    });
}
