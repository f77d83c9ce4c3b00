//! secrets: a whole run logged at the most verbose level the README documents (`RUST_LOG=trace`,
//! with the README's cap keeping the AWS SDK's crates at info) contains no full task token and
//! none of the test's credentials, though faults make the worker retry and log errors.
//!
//! The run happens in a child process, so that its global subscriber sees every thread (the
//! heartbeat engine runs on its own) and no other scenario's logs.

use std::io::Write;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use swf_activity::local::{FaultConfig, FaultRule};
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::prelude::*;

use crate::common::{
    DOMAIN, Journal, LIMIT, TASK_LIST, Tally, activity_id, child_process, endpoint, is_child,
    one_at_a_time, print_uncaptured, schedule, spec, until_closed, until_started,
};

const ACCESS_KEY_ID: &str = "AKIARELIABILITYSUITE7";
const SECRET_ACCESS_KEY: &str = "rEliAbIlItY/sEcReT+aCcEsS/kEy/0123456789";
const SESSION_TOKEN: &str = "rEliAbIlItY-sEsSiOn-ToKeN-9876543210";

/// Every task token the activities saw.
static TOKENS: Journal<String> = Journal::new();

/// Reports progress, flushes a heartbeat, then answers according to its input.
#[activity(
    version = "1",
    start_to_close_timeout = "1m",
    heartbeat_timeout = "10s"
)]
async fn logged_work(progress: Progress, answer: String) -> Result<String, ActivityError> {
    if let Some(task) = progress.task() {
        TOKENS.note("all", task.task_token().to_owned());
    }
    progress.report(&format!("working on {}", activity_id(&progress)))?;
    progress.flush().await?;
    match answer.as_str() {
        "fail" => Err(ActivityError::failed("asked to fail").with_details("by the test")),
        "wait" => {
            let reason = progress.cancelled().await;
            Err(reason.into())
        }
        _ => Ok(answer),
    }
}

/// The README's logging setup, writing to `writer`: `RUST_LOG` (default `warn`) picks the level,
/// and the AWS SDK's crates (and the HTTP stack under them) stay at info at most, since at debug and trace
/// they log whole requests, task tokens and credentials included.
fn readme_logging<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let sdk_at_most_info = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(["aws_", "hyper", "h2", "rustls", "tower"].map(|t| (t, LevelFilter::INFO)));
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(LevelFilter::WARN.into())
                .from_env_lossy(),
        )
        .with_writer(writer)
        .with_ansi(false)
        .finish()
        .with(sdk_at_most_info)
}

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

const CHILD_TEST: &str = "secrets::logged_run";

/// Not a test of its own: the process [`secrets`] runs, logging everything to a buffer.
#[test]
fn logged_run() {
    if !is_child(CHILD_TEST) {
        return;
    }
    let logs = Buffer::default();
    tracing::subscriber::set_global_default(readme_logging(logs.clone()))
        .expect("the only subscriber");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let tally = runtime.block_on(run_with_faults());
    drop(runtime);

    let text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    let tokens = TOKENS.get("all");
    let leaked_tokens = tokens.iter().filter(|t| text.contains(t.as_str())).count();
    let leaked_credentials: Vec<_> = [ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN]
        .into_iter()
        .filter(|c| text.contains(c))
        .collect();
    let tally = tally
        .with("log_lines", text.lines().count())
        .with(
            "debug_or_trace_lines",
            text.lines()
                .filter(|l| l.contains("DEBUG") || l.contains("TRACE"))
                .count(),
        )
        .with("tokens_checked", tokens.len())
        .with("tokens_logged", leaked_tokens)
        .with("credentials_logged", leaked_credentials.len());
    tally.print("secrets");
    assert!(
        !tokens.is_empty() && text.lines().count() > 50,
        "the run logged: {tally:?}"
    );
    if leaked_tokens > 0 || !leaked_credentials.is_empty() {
        let line = text
            .lines()
            .find(|l| {
                tokens.iter().any(|t| l.contains(t.as_str()))
                    || leaked_credentials.iter().any(|c| l.contains(c))
            })
            .unwrap_or_default();
        panic!(
            "{leaked_tokens} task tokens and {leaked_credentials:?} were logged, e.g. in: {}",
            line.chars().take(600).collect::<String>()
        );
    }
}

/// A run with every kind of answer, a cancellation and injected faults.
async fn run_with_faults() -> Tally {
    let faults = FaultConfig::new(5)
        .all(FaultRule::default().throttle(0.1).internal_errors(0.05))
        .operation(
            "RespondActivityTaskCompleted",
            FaultRule::default().lose_responses(0.3),
        );
    let local = endpoint(faults).await;
    let config = aws_sdk_swf::config::Builder::from(local.sdk_config())
        .credentials_provider(aws_sdk_swf::config::Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            Some(SESSION_TOKEN.to_owned()),
            None,
            "reliability",
        ))
        .build();
    let worker = Worker::builder(aws_sdk_swf::Client::from_conf(config))
        .domain(DOMAIN)
        .task_list(TASK_LIST)
        .activity(logged_work)
        .build()
        .expect("the worker builds");
    let stop = worker.shutdown_handle();
    let scenario = async {
        // run() registers the types; wait for them through the endpoint itself.
        for _ in 0..600 {
            let listed = local
                .service()
                .call(
                    "ListActivityTypes",
                    serde_json::json!({"domain": DOMAIN, "registrationStatus": "REGISTERED"}),
                )
                .await
                .expect("the types list");
            if listed["typeInfos"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut handles = Vec::new();
        for i in 0..20 {
            let answer = match i % 4 {
                0 => "\"fail\"",
                1 => "\"wait\"",
                _ => "\"done\"",
            };
            handles.push(schedule(
                &local,
                spec("logged_work", &format!("secrets-{i}"), answer),
            ));
        }
        for handle in handles.iter().skip(1).step_by(4) {
            until_started(handle, LIMIT).await;
            let _ = handle.request_cancel();
        }
        let records = until_closed(&handles, LIMIT).await;
        stop.shutdown();
        Tally::of(&records)
    };
    let (result, tally) = tokio::join!(worker.run_until(std::future::pending()), scenario);
    result.expect("the worker stops cleanly");
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets() {
    let _serial = one_at_a_time().await;
    let child = child_process(CHILD_TEST, &[("RUST_LOG", "trace")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the logged run starts");
    let output = tokio::time::timeout(
        LIMIT * 2,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("the logged run ends in time")
    .expect("the wait runs")
    .expect("the logged run's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stderr
        .lines()
        .filter(|l| l.starts_with("reliability secrets:"))
    {
        print_uncaptured(line);
    }
    assert!(
        output.status.success(),
        "the logged run failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("reliability secrets:"),
        "the logged run printed no summary:\n{stderr}"
    );
}
