//! The worker's metrics, scraped over HTTP by Prometheus' text format.
//!
//! ```sh
//! cargo run --example metrics
//! ```
//!
//! It installs `metrics-exporter-prometheus` serving on 127.0.0.1 (a free port), runs a worker
//! against the embedded SWF endpoint, schedules four tasks (two complete, one fails, one is
//! canceled by the decider), shuts the worker down, then fetches the scrape over HTTP, prints the
//! worker's series and checks them against what the endpoint recorded and against
//! `Worker::stats()`. It exits non-zero when they disagree.
//!
//! `swf-activity` records through the `metrics` facade only with its `metrics` feature; the
//! names, units and labels are in the `swf_activity::metrics` module's documentation.

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use swf_activity::local::{ActivityOutcome, ActivitySpec, LocalSwf};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};

const DOMAIN: &str = "metrics-demo";
const TASK_LIST: &str = "archives";
const STEP: Duration = Duration::from_millis(100);
/// Every wait of this example is bounded by this.
const LIMIT: Duration = Duration::from_secs(60);

/// Compresses `steps` chunks, reporting after each; zero chunks is a failure.
#[activity(
    version = "1",
    heartbeat_timeout = "2s",
    start_to_close_timeout = "1m",
    schedule_to_start_timeout = "1m",
    schedule_to_close_timeout = "2m"
)]
async fn compress(progress: Progress, steps: u32) -> Result<u32, ActivityError> {
    if steps == 0 {
        return Err(ActivityError::failed("nothing to compress"));
    }
    for step in 0..steps {
        progress.report(&format!("chunk {step} of {steps}"))?;
        tokio::select! {
            reason = progress.cancelled() => {
                return Err(ActivityError::canceled().with_details(&format!("{reason} at chunk {step}")));
            }
            () = tokio::time::sleep(STEP) => {}
        }
    }
    Ok(steps)
}

/// Installs the Prometheus recorder and its HTTP listener on a free loopback port.
fn install_exporter() -> Result<SocketAddr, Box<dyn Error>> {
    let mut last_error = None;
    // The port is found free, then bound by the exporter: another process may take it in
    // between, so try a few.
    for _ in 0..5 {
        let addr = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?;
        let installed = PrometheusBuilder::new()
            .with_http_listener(addr)
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".to_owned()),
                &[0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0],
            )?
            .install();
        match installed {
            Ok(()) => return Ok(addr),
            Err(err) => last_error = Some(err),
        }
    }
    Err(format!("cannot start the Prometheus listener: {last_error:?}").into())
}

/// GET /metrics over HTTP/1.1.
async fn scrape(addr: SocketAddr) -> Result<String, Box<dyn Error>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::get("/metrics")
        .header(hyper::header::HOST, addr.to_string())
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    if !response.status().is_success() {
        return Err(format!("the scrape answered {}", response.status()).into());
    }
    let body = response.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8(body.to_vec())?)
}

/// The sum of the samples of `name` whose labels include every `key="value"` of `with`.
fn sum(scrape: &str, name: &str, with: &[(&str, &str)]) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, labels) = series.split_once('{').unwrap_or((series, ""));
            let wanted = series_name == name
                && with
                    .iter()
                    .all(|(key, value)| labels.contains(&format!("{key}=\"{value}\"")));
            wanted.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::builder()
                .with_default_directive(tracing_subscriber::filter::LevelFilter::WARN.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stderr)
        .init();

    // 1. The recorder, before the worker starts: the worker describes its metrics to it then.
    let addr = install_exporter()?;
    println!("Prometheus scrape at http://{addr}/metrics");

    // 2. The embedded endpoint, a domain and a worker.
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .start()
        .await?;
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, DOMAIN, 1).await?;
    let worker = Worker::builder(client)
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(compress)
        .max_concurrent_activities(8)
        .build()?;
    worker.register_activity_types().await?;
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(async move {
        let result = worker.run_until(std::future::pending()).await;
        (result, worker.stats())
    });

    // 3. Four tasks: two complete, one fails, one is canceled after 1 s.
    let jobs = [("logs", 5), ("photos", 8), ("empty", 0), ("backup", 100)];
    let mut handles = Vec::new();
    for (id, steps) in jobs {
        handles.push(
            local.schedule_activity(
                ActivitySpec::new(DOMAIN, "compress", "1")
                    .activity_id(id)
                    .task_list(TASK_LIST)
                    .input(steps.to_string()),
            )?,
        );
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    handles[3].request_cancel()?;
    let outcomes = tokio::time::timeout(
        LIMIT,
        futures::future::join_all(handles.iter().map(|handle| handle.outcome())),
    )
    .await
    .map_err(|_| "the tasks did not finish within 60 s")?;
    for (handle, outcome) in handles.iter().zip(&outcomes) {
        println!("  {:<7} {}", handle.activity_id(), outcome.summary());
    }

    // 4. Graceful shutdown: the worker answers everything before the scrape.
    shutdown.shutdown();
    let (result, stats) = tokio::time::timeout(LIMIT, running)
        .await
        .map_err(|_| "the worker did not stop within 60 s")??;
    result?;

    // 5. The scrape, as Prometheus would read it.
    let text = scrape(addr).await?;
    println!();
    println!("Scrape (the worker's series):");
    for line in text.lines().filter(|line| line.contains("swf_activity_")) {
        println!("  {line}");
    }

    // 6. The counters against what the endpoint recorded, and against Worker::stats().
    let count = |f: fn(&ActivityOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count() as f64;
    let endpoint_heartbeats: u64 = handles.iter().map(|h| h.heartbeat_count()).sum();
    let answered = |answer| {
        sum(
            &text,
            "swf_activity_tasks_answered_total",
            &[("answer", answer)],
        )
    };
    let sent = sum(&text, "swf_activity_heartbeats_sent_total", &[]);
    let failed = sum(&text, "swf_activity_heartbeats_failed_total", &[]);
    let worker_labels = [("domain", DOMAIN), ("task_list", TASK_LIST)];
    let tasks = jobs.len() as f64;
    // What the scrape says; what the endpoint recorded (or the example did); Worker::stats().
    let checks: [(&str, f64, Option<f64>, Option<f64>); 10] = [
        (
            "tasks started",
            sum(&text, "swf_activity_tasks_started_total", &worker_labels),
            Some(tasks),
            Some(stats.tasks_started as f64),
        ),
        (
            "tasks completed",
            answered("completed"),
            Some(count(|o| matches!(o, ActivityOutcome::Completed { .. }))),
            Some(stats.tasks_completed as f64),
        ),
        (
            "tasks failed",
            answered("failed"),
            Some(count(|o| matches!(o, ActivityOutcome::Failed { .. }))),
            Some(stats.tasks_failed as f64),
        ),
        (
            "tasks canceled",
            answered("canceled"),
            Some(count(|o| matches!(o, ActivityOutcome::Canceled { .. }))),
            Some(stats.tasks_canceled as f64),
        ),
        (
            "cancellations requested",
            sum(
                &text,
                "swf_activity_cancellations_total",
                &[("reason", "requested")],
            ),
            Some(1.0),
            None,
        ),
        (
            "heartbeats sent",
            sent,
            None,
            Some(stats.heartbeats_sent as f64),
        ),
        (
            "heartbeats accepted",
            sent - failed,
            Some(endpoint_heartbeats as f64),
            None,
        ),
        (
            "polls that returned a task",
            sum(&text, "swf_activity_polls_total", &[("result", "task")]),
            Some(tasks),
            None,
        ),
        (
            "task durations recorded",
            sum(&text, "swf_activity_task_duration_seconds_count", &[]),
            Some(tasks),
            None,
        ),
        (
            "slots in use",
            sum(&text, "swf_activity_slots_in_use", &worker_labels),
            Some(0.0),
            None,
        ),
    ];
    println!();
    println!("Checks (scrape / endpoint or example / Worker::stats):");
    let show = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
    let mut mismatches = 0;
    for (what, scraped, endpoint, worker) in checks {
        let ok = [endpoint, worker].iter().flatten().all(|&v| v == scraped);
        if !ok {
            mismatches += 1;
        }
        println!(
            "  {:<4} {what:<27} {scraped} / {} / {}",
            if ok { "ok" } else { "BAD" },
            show(endpoint),
            show(worker),
        );
    }
    local.shutdown().await;
    if mismatches > 0 {
        return Err(format!("{mismatches} metrics disagree with what happened").into());
    }
    println!("Metrics match what the worker did.");
    Ok(())
}
