//! The worker role: the framework's worker or the hand-written loop against the endpoint, in a
//! process of its own so its CPU time and memory are its own.
//!
//! Settings come from the environment ([`Settings::from_env`]). Commands (one a line):
//!
//! | command | answer |
//! |---|---|
//! | `sample` | `cpu_ms= rss_kib= sleeping=`: this process so far |
//! | `go` | `cpu_ms= rss_kib=`, then the worker starts polling |
//! | `release` | `released=1`: sleeping activities return |
//! | `stop` | `cpu_ms= rss_kib=` once the worker has shut down (at most 60 s) |

use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::{BehaviorVersion, Credentials, Region};
use swf_activity::heartbeat::{HeartbeatBudget, HeartbeatConfig};
use swf_activity::worker::Worker;
use tokio::sync::watch;

use crate::activities::{DOMAIN, TASK_LIST, keep_alive, noop, release_sleepers, sleeper, sleeping};
use crate::control::{BenchResult, answer, commands};
use crate::process_stats::{cpu_millis, rss_kib};

pub const VARIANT_VAR: &str = "WORKER_BENCH_VARIANT";
pub const ENDPOINT_VAR: &str = "WORKER_BENCH_ENDPOINT";
pub const POLLERS_VAR: &str = "WORKER_BENCH_POLLERS";
pub const CONCURRENCY_VAR: &str = "WORKER_BENCH_CONCURRENCY";
/// `burst,refill_per_second`; the default budget when absent.
pub const BUDGET_VAR: &str = "WORKER_BENCH_BUDGET";
/// Seconds between cancel-check heartbeats; the default when absent.
pub const CANCEL_CHECK_VAR: &str = "WORKER_BENCH_CANCEL_CHECK_SECS";

/// Which worker runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// swf-activity's `Worker`.
    Framework,
    /// The hand-written aws-sdk-swf loop of [`crate::sdk_loop`].
    SdkLoop,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Framework => "framework",
            Variant::SdkLoop => "sdk-loop",
        }
    }
}

struct Settings {
    variant: Variant,
    endpoint: String,
    pollers: usize,
    concurrency: usize,
    budget: Option<HeartbeatBudget>,
    cancel_check_interval: Option<Duration>,
}

impl Settings {
    fn from_env() -> BenchResult<Self> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let variant = match var(VARIANT_VAR)?.as_str() {
            "framework" => Variant::Framework,
            "sdk-loop" => Variant::SdkLoop,
            other => return Err(format!("unknown variant {other:?}").into()),
        };
        let budget = match std::env::var(BUDGET_VAR) {
            Ok(text) => {
                let (burst, rate) = text.split_once(',').ok_or("budget is burst,rate")?;
                Some(HeartbeatBudget {
                    burst: burst.parse()?,
                    refill_per_second: rate.parse()?,
                })
            }
            Err(_) => None,
        };
        let cancel_check_interval = match std::env::var(CANCEL_CHECK_VAR) {
            Ok(secs) => Some(Duration::from_secs(secs.parse()?)),
            Err(_) => None,
        };
        Ok(Settings {
            variant,
            cancel_check_interval,
            endpoint: var(ENDPOINT_VAR)?,
            pollers: var(POLLERS_VAR)?.parse()?,
            concurrency: var(CONCURRENCY_VAR)?.parse()?,
            budget,
        })
    }
}

fn usage() -> String {
    format!(
        "cpu_ms={} rss_kib={} sleeping={}",
        cpu_millis().unwrap_or(0),
        rss_kib().unwrap_or(0),
        sleeping()
    )
}

/// Runs the worker role until stdin closes or `stop`.
pub fn main() -> BenchResult<()> {
    let settings = Settings::from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let config = aws_sdk_swf::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
        .endpoint_url(&settings.endpoint)
        .build();
    let client = Client::from_conf(config);
    let (stop, stopped) = watch::channel(false);
    let mut running = None;
    for (command, _) in commands() {
        match command.as_str() {
            "sample" => answer(&usage()),
            "go" => {
                answer(&usage());
                let run = start(&settings, client.clone(), stopped.clone())?;
                running = Some(runtime.spawn(run));
            }
            "release" => {
                release_sleepers();
                answer("released=1");
            }
            "stop" => break,
            other => answer(&format!("error unknown command {other:?}")),
        }
    }
    stop.send_replace(true);
    release_sleepers();
    if let Some(run) = running {
        match runtime.block_on(async { tokio::time::timeout(Duration::from_secs(60), run).await }) {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => return Err(error),
            Ok(Err(error)) => return Err(error.into()),
            Err(_) => return Err("the worker did not stop within 60 s".into()),
        }
    }
    answer(&usage());
    Ok(())
}

type Run = std::pin::Pin<Box<dyn Future<Output = BenchResult<()>> + Send>>;

fn start(
    settings: &Settings,
    client: Client,
    mut stopped: watch::Receiver<bool>,
) -> BenchResult<Run> {
    let (pollers, concurrency) = (settings.pollers, settings.concurrency);
    match settings.variant {
        Variant::SdkLoop => Ok(Box::pin(async move {
            crate::sdk_loop::run(client, pollers, concurrency, stopped).await;
            Ok(())
        })),
        Variant::Framework => {
            let mut heartbeat = HeartbeatConfig::default();
            if let Some(budget) = settings.budget {
                heartbeat.budget = budget;
            }
            if let Some(interval) = settings.cancel_check_interval {
                heartbeat.cancel_check_interval = interval;
            }
            let worker = Worker::builder(client)
                .domain(DOMAIN)
                .task_list(TASK_LIST)
                .pollers(pollers)
                .max_concurrent_activities(concurrency)
                .register_activity_types(false)
                .heartbeat(heartbeat)
                .shutdown_grace(Duration::from_secs(5))
                .activity(noop)
                .activity(sleeper)
                .activity(keep_alive)
                .build()?;
            Ok(Box::pin(async move {
                worker
                    .run_until(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await?;
                Ok(())
            }))
        }
    }
}
