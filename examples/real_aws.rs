//! A worker for a real AWS account. Run by hand only: it needs credentials, and it polls until
//! Ctrl-C or SIGTERM.
//!
//! ```sh
//! export AWS_REGION=eu-west-1            # and credentials: AWS_PROFILE, or the access key variables
//! cargo run --example real_aws -- --domain my-domain --task-list my-list [--register-domain]
//! ```
//!
//! The credentials need `swf:PollForActivityTask`, `swf:RecordActivityTaskHeartbeat`,
//! `swf:RespondActivityTaskCompleted`, `swf:RespondActivityTaskFailed`,
//! `swf:RespondActivityTaskCanceled`, `swf:RegisterActivityType` and
//! `swf:DescribeActivityType` on the domain (and `swf:RegisterDomain` with `--register-domain`).
//! Schedule `count_words` (version 1) from your decider on that task list; its input is a JSON
//! string.

use std::error::Error;

use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;
use swf_activity::{ActivityError, Progress, activity};
use tracing_subscriber::prelude::*;

/// Counts the words of a text, reporting every 10,000 lines.
#[activity(
    version = "1",
    heartbeat_timeout = "30s",
    start_to_close_timeout = "10m",
    schedule_to_start_timeout = "1h",
    schedule_to_close_timeout = "2h"
)]
async fn count_words(progress: Progress, text: String) -> Result<usize, ActivityError> {
    let mut words = 0;
    for (line_number, line) in text.lines().enumerate() {
        words += line.split_whitespace().count();
        if line_number % 10_000 == 0 {
            progress.report(&serde_json::json!({ "lines": line_number, "words": words }))?;
            // Give cancellation and other tasks a chance between chunks of CPU work.
            tokio::task::yield_now().await;
            if let Some(reason) = progress.cancel_reason() {
                return Err(reason.into());
            }
        }
    }
    Ok(words)
}

struct Args {
    domain: String,
    task_list: String,
    register_domain: bool,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut parsed = Args {
        domain: String::new(),
        task_list: String::new(),
        register_domain: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--domain" => parsed.domain = args.next().ok_or("--domain needs a value")?,
            "--task-list" => parsed.task_list = args.next().ok_or("--task-list needs a value")?,
            "--register-domain" => parsed.register_domain = true,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: real_aws --domain D --task-list T [--register-domain]"
                )
                .into());
            }
        }
    }
    if parsed.domain.is_empty() || parsed.task_list.is_empty() {
        return Err("usage: real_aws --domain D --task-list T [--register-domain]".into());
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Logs at info by default here: a long-running service wants to say what it does.
    // The AWS SDK logs the access key id at debug and every task token at trace: its crates
    // and the HTTP stack under them stay at info, whatever RUST_LOG says.
    let sdk_at_most_info = tracing_subscriber::filter::Targets::new()
        .with_default(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_targets(
            ["aws_", "hyper", "h2", "rustls", "tower"]
                .map(|t| (t, tracing_subscriber::filter::LevelFilter::INFO)),
        );
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::builder()
                .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
                .from_env_lossy(),
        )
        .finish()
        .with(sdk_at_most_info)
        .init();
    let args = args()?;

    // Region, credentials and (if set) AWS_ENDPOINT_URL from the standard environment.
    let config = aws_config::load_from_env().await;
    if config.region().is_none() {
        return Err("no AWS region: set AWS_REGION (or a profile's region)".into());
    }
    let client = aws_sdk_swf::Client::new(&config);
    if args.register_domain {
        register_domain(&client, &args.domain, 7).await?;
    }

    let worker = Worker::builder(client)
        .domain(&args.domain)
        .task_list(&args.task_list)
        .activity(count_words)
        .build()?;
    println!(
        "Polling {}/{} in {}; Ctrl-C to stop",
        args.domain,
        args.task_list,
        config.region().map_or("", |r| r.as_ref())
    );
    // Registers count_words (version 1) if needed, then polls until Ctrl-C or SIGTERM, then
    // shuts down gracefully: up to 60 s for polls in flight, 30 s + 10 s for running tasks.
    worker.run().await?;
    Ok(())
}
